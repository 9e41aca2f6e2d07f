"""Registration and account pages, as a browser without JavaScript uses them."""

from __future__ import annotations

import re

from tests.api.entities.conftest import CODE_A


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


FORM = {
    "uscc": CODE_A,
    "name": "甘肃页面测试有限公司",
    "kind": "bidder",
    "region_code": "620102",
    "legal_representative": "王五",
    "contact_name": "赵六",
    "contact_phone": "0931-1234567",
    "address": "兰州",
    "admin_username": "page_admin",
    "admin_display_name": "页面管理员",
    "admin_password": "Page-pass-2026",
}


def test_register_by_form_lands_logged_in_on_the_entity_page(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/entities/register")
    assert page.status_code == 200 and "城关区" in page.text
    r = client.post("/entities/register", data={**FORM, "csrf_token": _token(page.text)}, follow_redirects=True)
    assert r.status_code == 200
    assert "甘肃页面测试有限公司" in r.text and "注册成功" in r.text and "0931-1234567" in r.text
    assert "添加用户" in r.text  # the admin sees the user form
    account = client.get("/account")
    assert "page_admin" in account.text


def test_form_errors_are_shown_in_chinese_and_values_kept(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/entities/register")
    bad = {**FORM, "uscc": CODE_A[:-1] + ("0" if CODE_A[-1] != "0" else "1"), "csrf_token": _token(page.text)}
    r = client.post("/entities/register", data=bad)
    assert r.status_code == 422 and "校验位" in r.text and "甘肃页面测试有限公司" in r.text
    r = client.post("/entities/register", data={**FORM, "admin_password": "short", "csrf_token": _token(page.text)})
    assert r.status_code == 422 and "密码" in r.text


def test_another_entitys_page_hides_private_fields(client, two_entities) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/entities/{two_entities['a']}")
    assert "甘肃测试建设有限公司" in r.text and "0931-8888888" not in r.text and "添加用户" not in r.text
    assert client.get("/entities/99999", headers={"accept": "text/html"}).status_code == 404
    directory = client.get("/entities", params={"q": "天水"})
    assert "天水测试招标人" in directory.text and "甘肃测试建设有限公司" not in directory.text
