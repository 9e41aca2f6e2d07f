"""In a real browser: register an entity, log out, log in again, and see the entity's page."""

from __future__ import annotations

from pathlib import Path

from ggzy.entities import uscc

CODE = uscc.make("91", "620500", "MA7E2E01")


def test_register_log_in_and_see_own_page(live_server, browser_page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    page.goto(f"{live_server}/")
    assert "公共资源交易" in page.title()
    page.click("text=主体注册")
    page.fill("input[name=uscc]", CODE[:-1] + ("0" if CODE[-1] != "0" else "1"))  # a typo first
    page.fill("input[name=name]", "天水浏览器测试工程有限公司")
    page.select_option("select[name=kind]", "bidder")
    page.select_option("select[name=region_code]", "620502")
    page.fill("input[name=legal_representative]", "周八")
    page.fill("input[name=contact_phone]", "0938-7654321")
    page.fill("input[name=admin_username]", "e2e_admin")
    page.fill("input[name=admin_display_name]", "周八")
    page.fill("input[name=admin_password]", "E2e-password-2026")
    page.click("button[type=submit]")
    assert "校验位" in page.inner_text("#form-error")
    assert page.input_value("input[name=name]") == "天水浏览器测试工程有限公司"  # what was typed is kept
    page.fill("input[name=uscc]", CODE)
    page.fill("input[name=admin_password]", "E2e-password-2026")
    page.click("button[type=submit]")
    page.wait_for_selector("#entity-name")
    assert page.inner_text("#entity-name") == "天水浏览器测试工程有限公司"
    assert "注册成功" in page.content() and "0938-7654321" in page.content()
    page.screenshot(path=str(tmp_path / "entity.png"), full_page=True)

    page.click("text=退出")
    page.wait_for_selector("text=登录")
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "e2e_admin")
    page.fill("input[name=password]", "wrong-password-1")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.content()
    page.fill("input[name=password]", "E2e-password-2026")
    page.click("button[type=submit]")
    page.wait_for_selector("text=周八")
    page.goto(f"{live_server}/account")
    page.click("text=查看本主体")
    page.wait_for_selector("#entity-name")
    assert "天水浏览器测试工程有限公司" in page.inner_text("#entity-name")
    assert "0938-7654321" in page.content()  # its own private fields


def test_rules_calculator_updates_in_place(live_server, browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    page.goto(f"{live_server}/rules")
    page.select_option("select[name=question]", "inquiry_last_day")
    page.select_option("select[name=trade]", "procurement")
    page.fill("input[name=start]", "2026-09-29")
    page.click("#answer-form button[type=submit]")
    page.wait_for_selector("#answer .ok")
    text = page.inner_text("#answer")
    assert "2026-10-14" in text and "国庆节" in text
