"""Registering an entity once, and every refusal leaving nothing behind."""

from __future__ import annotations

from sqlalchemy import func, select

from ggzy.entities.models import Entity, User
from ggzy.ledger.models import LedgerEvent, LedgerPrivate
from tests.api.entities.conftest import CODE_A, CODE_C, registration


def _counts(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with db.session(write=False) as s:
        return (
            s.scalar(select(func.count()).select_from(Entity)) or 0,
            s.scalar(select(func.count()).select_from(User)) or 0,
            s.scalar(select(func.count()).select_from(LedgerEvent)) or 0,
        )


def test_register_then_log_in_and_see_me(client, clean_db, login_token) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/entities", json=registration())
    assert r.status_code == 201
    body = r.json()
    assert body["entity"]["uscc"] == CODE_A and body["entity"]["region_name"] == "兰州市"
    assert body["admin"]["is_entity_admin"] and body["admin"]["roles"][0]["role"] == "bidder_staff"
    me = client.get("/api/me", headers=login_token("alpha_admin", "Alpha-pass-2026")).json()
    assert me["entity_id"] == body["entity"]["id"]
    with clean_db.session(write=False) as s:
        event = s.scalars(select(LedgerEvent).where(LedgerEvent.kind == "entity.registered")).one()
        assert event.data["uscc"] == CODE_A and "0931-8888888" not in str(event.data)
        assert s.get(LedgerPrivate, event.index).payload["contact_phone"] == "0931-8888888"  # type: ignore[union-attr]
        assert "argon2" in s.scalars(select(User.password_hash)).one()


def test_refusals_store_nothing(client, clean_db) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/entities", json=registration()).status_code == 201
    before = _counts(clean_db)
    cases = [
        (registration(CODE_A, username="other"), 409, "ENTITY_USCC_DUPLICATE", "uscc"),
        (
            registration(CODE_A[:-1] + ("0" if CODE_A[-1] != "0" else "1"), username="xx1"),
            422,
            "ENTITY_USCC_INVALID",
            "uscc",
        ),
        (registration(CODE_A[:-1], username="xx2"), 422, "ENTITY_USCC_INVALID", "uscc"),
        (registration(CODE_C.replace(CODE_C[10], "O"), username="xx0"), 422, "ENTITY_USCC_INVALID", "uscc"),
        (registration(CODE_C, username="xx3", region_code="629999"), 422, None, None),
        (registration(CODE_C, username="xx4", name=""), 422, "INVALID_INPUT", "name"),
        (registration(CODE_C, username="xx5", name="甲" * 101), 422, "INVALID_INPUT", "name"),
        (registration(CODE_C, username="xx6", legal_representative=""), 422, "INVALID_INPUT", "legal_representative"),
        (registration(CODE_C, username="xx7", kind="alien"), 422, "INVALID_INPUT", "kind"),
        (registration(CODE_C, username="xx8", contact_phone="abc"), 422, "INVALID_INPUT", "contact_phone"),
        (registration(CODE_C, username="xx9", extra_field=1), 422, "INVALID_INPUT", "extra_field"),
    ]
    for body, status, code, field in cases:
        r = client.post("/api/entities", json=body)
        assert r.status_code == status, (body, r.text)
        err = r.json()["error"]
        if code:
            assert err["code"] == code and err["field"] == field, err
        assert err["message"]
    assert _counts(clean_db) == before


def test_unknown_region_weak_password_and_taken_username(client, clean_db) -> None:  # type: ignore[no-untyped-def]
    code = CODE_C
    r = client.post("/api/entities", json=registration(code, username="uu1", region_code="629999"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "REGION_UNKNOWN"
    assert "629999" in r.json()["error"]["message"]
    weak = registration(code, username="uu2")
    weak["admin"]["password"] = "onlyletters"
    r = client.post("/api/entities", json=weak)
    assert r.status_code == 422 and r.json()["error"]["code"] == "USER_PASSWORD_WEAK"
    assert client.post("/api/entities", json=registration()).status_code == 201
    r = client.post("/api/entities", json=registration(code, username="alpha_admin"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "USER_USERNAME_TAKEN"
    assert _counts(clean_db)[0] == 1


def test_directory_is_public_and_paginated(client, two_entities) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/api/entities", params={"limit": 1}).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and "contact_phone" not in page["items"][0]
    assert client.get("/api/entities", params={"region": "62"}).json()["total"] == 2
    assert client.get("/api/entities", params={"region": "6205"}).json()["total"] == 1
    assert client.get("/api/entities", params={"limit": 101}).status_code == 422
    assert client.get("/api/entities", params={"q": "天水"}).json()["total"] == 1
    assert client.get("/api/entities", params={"q": "' OR 1=1 --"}).json()["total"] == 0
