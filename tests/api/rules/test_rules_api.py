"""Rules API and page: answers with citations, refusals, rule changes only stricter and only by admins."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from ggzy.ledger.models import LedgerEvent
from ggzy.rules.models import RuleVersion


def test_two_questions_users_asked(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get(
        "/api/rules/periods",
        params={"question": "earliest_bid_deadline", "trade": "construction", "start": "2026-09-25"},
    )
    assert r.status_code == 200
    body = r.json()
    assert body["end"] == "2026-10-15"
    assert body["rule"]["article"] == "第二十四条" and "招标投标法" in body["rule"]["law"]
    r = client.get(
        "/api/rules/periods", params={"question": "inquiry_last_day", "trade": "procurement", "start": "2026-09-29"}
    )
    body = r.json()
    assert body["end"] == "2026-10-14"
    assert {"date": "2026-10-01", "reason": "国庆节"} in body["skipped"]
    assert body["rule"]["citation"].startswith("依据《中华人民共和国政府采购法》第五十二条")


def test_refusals(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get(
        "/api/rules/periods", params={"question": "inquiry_last_day", "trade": "procurement", "start": "2031-01-05"}
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "RULE_CALENDAR_NOT_COVERED" and "2031" in r.json()["error"]["message"]
    r = client.get(
        "/api/rules/periods", params={"question": "inquiry_last_day", "trade": "procurement", "start": "2026-13-01"}
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "start"
    r = client.get("/api/rules/periods", params={"question": "nonsense", "trade": "procurement", "start": "2026-01-05"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "RULE_QUESTION_UNKNOWN"
    r = client.get(
        "/api/rules/periods", params={"question": "inquiry_last_day", "trade": "construction", "start": "2026-01-05"}
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "RULE_NOT_FOUND"
    assert client.get("/api/rules", params={"trade": "spaceflight"}).status_code == 422
    assert client.get("/api/rules/no.such.rule").status_code == 404
    assert client.get("/api/rules/calendar/2040").status_code == 422


def test_rule_listing_and_calendar(client) -> None:  # type: ignore[no-untyped-def]
    rules = client.get("/api/rules", params={"trade": "construction"}).json()
    keys = {r["key"] for r in rules}
    assert "construction.documents_to_bid_deadline" in keys and not any(k.startswith("procurement") for k in keys)
    cal = client.get("/api/rules/calendar/2026").json()
    assert {"date": "2026-10-10", "name": "国庆节"} in cal["swapped_working_days"]


def test_rule_change_is_admin_only_stricter_only_and_ledgered(client, make_user, login_token, clean_db) -> None:  # type: ignore[no-untyped-def]
    make_user("admin1", "platform_admin")
    make_user("center1", "center_staff")
    key = "construction.documents_to_bid_deadline"
    body = {"value": "25", "effective_from": "2026-10-01", "reason": "本省从严：给投标人更多准备时间"}
    assert client.post(f"/api/rules/{key}/versions", json=body).status_code == 401
    r = client.post(f"/api/rules/{key}/versions", json=body, headers=login_token("center1"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "ROLE_REQUIRED"
    admin = login_token("admin1")
    looser = client.post(f"/api/rules/{key}/versions", json={**body, "value": "15"}, headers=admin)
    assert looser.status_code == 422
    err = looser.json()["error"]
    assert err["code"] == "RULE_CHANGE_LOOSER_THAN_LAW" and "第二十四条" in err["citation"]
    past = client.post(f"/api/rules/{key}/versions", json={**body, "effective_from": "2026-01-01"}, headers=admin)
    assert past.status_code == 422 and past.json()["error"]["field"] == "effective_from"
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(RuleVersion)) == 0
        events_before = s.scalar(select(func.count()).select_from(LedgerEvent))
    ok = client.post(f"/api/rules/{key}/versions", json=body, headers=admin)
    assert ok.status_code == 201 and Decimal(ok.json()["value"]) == 25
    detail = client.get(f"/api/rules/{key}").json()
    assert [v["effective_from"] for v in detail["versions"]] == ["2000-01-01", "2026-10-01"]
    assert detail["versions"][0]["effective_to"] == "2026-10-01"
    # A tender issued before the change keeps 20 days; one issued after gets 25.
    before = client.get(
        "/api/rules/periods",
        params={"question": "earliest_bid_deadline", "trade": "construction", "start": "2026-09-28"},
    ).json()
    after = client.get(
        "/api/rules/periods",
        params={"question": "earliest_bid_deadline", "trade": "construction", "start": "2026-10-08"},
    ).json()
    assert before["end"] == "2026-10-18" and after["end"] == "2026-11-02"
    with clean_db.session(write=False) as s:
        kinds = list(s.scalars(select(LedgerEvent.kind).order_by(LedgerEvent.index)))
    assert kinds.count("rule.changed") == 1 and len(kinds) == events_before + 1


def test_rules_page_and_calculator(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/rules")
    assert page.status_code == 200 and "第二十四条" in page.text and "期限计算" in page.text
    frag = client.get(
        "/rules/answer", params={"question": "inquiry_last_day", "trade": "procurement", "start": "2026-09-29"}
    )
    assert "2026-10-14" in frag.text and "国庆节" in frag.text
    bad = client.get(
        "/rules/answer", params={"question": "inquiry_last_day", "trade": "procurement", "start": "2031-02-03"}
    )
    assert "2031" in bad.text and "error" in bad.text
    assert "调休上班" in client.get("/rules/calendar/2026").text
