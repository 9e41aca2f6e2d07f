from __future__ import annotations

from typing import Any

import pytest

from ggzy.entities import uscc

CODE_A = uscc.make("91", "620100", "MA71TEKT")
CODE_C = uscc.make("91", "620500", "MA73TEKT")
CODE_B = uscc.make("91", "620500", "MA72TEKT")


def registration(
    code: str = CODE_A, *, username: str = "alpha_admin", kind: str = "bidder", **over: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uscc": code,
        "name": "甘肃测试建设有限公司",
        "kind": kind,
        "region_code": "6201",
        "legal_representative": "张三",
        "contact_name": "李四",
        "contact_phone": "0931-8888888",
        "address": "兰州市城关区测试路1号",
        "admin": {"username": username, "display_name": "管理员甲", "password": "Alpha-pass-2026"},
    }
    body.update(over)
    return body


@pytest.fixture
def two_entities(client, login_token):  # type: ignore[no-untyped-def]
    """Entity A (a bidder) and entity B (an owner), each with its admin, registered through the API."""
    a = client.post("/api/entities", json=registration(CODE_A, username="alpha_admin"))
    assert a.status_code == 201, a.text
    b = client.post(
        "/api/entities",
        json=registration(CODE_B, username="beta_admin", kind="tenderee", name="天水测试招标人", region_code="6205"),
    )
    assert b.status_code == 201, b.text
    return {
        "a": a.json()["entity"]["id"],
        "b": b.json()["entity"]["id"],
        "a_headers": login_token("alpha_admin", "Alpha-pass-2026"),
        "b_headers": login_token("beta_admin", "Alpha-pass-2026"),
    }
