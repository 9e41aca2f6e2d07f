"""Projects and lots through the API: who may create, see and open what; refusals cite the law."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from ggzy.entities import uscc
from ggzy.entities.models import Entity
from ggzy.ledger.models import LedgerEvent
from ggzy.projects.models import LotBidder

BIDDER_NAMES = ["甲建设有限公司", "乙路桥有限公司", "丙水利有限公司", "丁安装有限公司", "戊信息有限公司"]


def _entity(db: Any, clock: Any, name: str, kind: str, org: str) -> int:
    with db.transaction() as s:
        e = Entity(
            uscc=uscc.make("91", "620100", org),
            name=name,
            kind=kind,
            region_code="6201",
            legal_representative="张三",
            created_at=clock.now(),
        )
        s.add(e)
        s.flush()
        return e.id


@pytest.fixture
def world(clean_db, clock, make_user, login_token):  # type: ignore[no-untyped-def]
    owner = _entity(clean_db, clock, "兰州测试城投有限公司", "tenderee", "MA71TW01")
    other_owner = _entity(clean_db, clock, "天水测试交通局", "tenderee", "MA71TW02")
    agency = _entity(clean_db, clock, "甘肃测试招标代理有限公司", "agency", "MA71AGC1")
    bidders = [_entity(clean_db, clock, n, "bidder", f"MA71BD{i:02d}") for i, n in enumerate(BIDDER_NAMES)]
    make_user("owner1", "owner_staff", entity_id=owner)
    make_user("owner2", "owner_staff", entity_id=other_owner)
    make_user("agent", "owner_staff", entity_id=agency)
    make_user("bid0", "bidder_staff", entity_id=bidders[0])
    make_user("bid4", "bidder_staff", entity_id=bidders[4])
    make_user("center", "center_staff")
    make_user("sup_c", "supervisor", trade="construction")
    make_user("sup_p", "supervisor", trade="procurement")
    return {
        "owner": owner,
        "agency": agency,
        "bidders": bidders,
        "h": {u: login_token(u) for u in ("owner1", "owner2", "agent", "bid0", "bid4", "center", "sup_c", "sup_p")},
    }


def _project(client, headers, **over):  # type: ignore[no-untyped-def]
    body = {"name": "雁滩路道路改造工程", "trade": "construction", "region_code": "620102", **over}
    return client.post("/api/projects", json=body, headers=headers)


def _lot(client, headers, project_id, **over):  # type: ignore[no-untyped-def]
    body = {"code": "01", "name": "施工", "procedure": "open_tender", "estimate": "28500000", **over}
    return client.post(f"/api/projects/{project_id}/lots", json=body, headers=headers)


def test_agency_creates_project_for_its_principal_with_a_unified_code(client, world) -> None:  # type: ignore[no-untyped-def]
    r = _project(client, world["h"]["agent"], owner_entity_id=world["owner"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["owner_entity_id"] == world["owner"] and body["agency_entity_id"] == world["agency"]
    assert len(body["code"]) == 33 and body["code"].endswith(body["code"][-1])
    # The owner sees it too; another owner does not even learn it exists.
    assert client.get(f"/api/projects/{body['id']}", headers=world["h"]["owner1"]).status_code == 200
    r2 = client.get(f"/api/projects/{body['id']}", headers=world["h"]["owner2"])
    assert r2.status_code == 404 and r2.json()["error"]["code"] == "PROJECT_NOT_FOUND"


def test_refusals_store_nothing(client, world, clean_db) -> None:  # type: ignore[no-untyped-def]
    r = _project(client, world["h"]["agent"])
    assert r.status_code == 422 and r.json()["error"]["field"] == "owner_entity_id"
    r = _project(client, world["h"]["owner1"], region_code="999999")
    assert r.status_code == 422 and r.json()["error"]["code"] == "REGION_UNKNOWN"
    r = _project(client, world["h"]["bid0"])
    assert r.status_code == 403
    r = _project(client, world["h"]["agent"], owner_entity_id=world["bidders"][0])
    assert r.status_code == 422 and r.json()["error"]["code"] == "PROJECT_OWNER_INVALID"
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.kind == "project.created")) == 0


def test_lot_rules(client, world) -> None:  # type: ignore[no-untyped-def]
    pid = _project(client, world["h"]["owner1"]).json()["id"]
    r = _lot(client, world["h"]["owner1"], pid, procedure="inquiry")
    assert r.status_code == 422 and r.json()["error"]["code"] == "LOT_PROCEDURE_INVALID"
    assert _lot(client, world["h"]["owner1"], pid).status_code == 201
    r = _lot(client, world["h"]["owner1"], pid)
    assert r.status_code == 409 and r.json()["error"]["code"] == "LOT_CODE_TAKEN"
    assert _lot(client, world["h"]["owner2"], pid, code="02").status_code == 404
    r = _lot(client, world["h"]["owner1"], pid, code="03", estimate="-5")
    assert r.status_code == 422

    proc = _project(client, world["h"]["owner1"], trade="procurement", name="医院设备采购项目").json()["id"]
    r = _lot(client, world["h"]["owner1"], proc, procedure="inquiry", estimate="100000", max_price="120000")
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "LOT_MAX_PRICE_OVER_BUDGET" and "第三十六条" in err["citation"]


def _open(client, headers, lot_id, bidders, prices):  # type: ignore[no-untyped-def]
    bids = [{"entity_id": b, "price": p, "listed_items": {"工期": "360日历天"}} for b, p in zip(bidders, prices)]
    return client.post(f"/api/lots/{lot_id}/opening", json={"bids": bids}, headers=headers)


def test_opening_result(client, world, clean_db) -> None:  # type: ignore[no-untyped-def]
    pid = _project(client, world["h"]["owner1"]).json()["id"]
    lot_id = _lot(client, world["h"]["owner1"], pid, max_price="28000000").json()["id"]
    b = world["bidders"]
    # Only center staff take in an opening result.
    assert _open(client, world["h"]["owner1"], lot_id, b[:3], ["1", "2", "3"]).status_code == 403
    # Fewer than three bids: no opening (条例44), nothing stored.
    r = _open(client, world["h"]["center"], lot_id, b[:2], ["27000000", "27500000"])
    assert r.status_code == 422 and "第四十四条" in r.json()["error"]["citation"]
    r = _open(client, world["h"]["center"], lot_id, [b[0], b[0], b[1]], ["1", "2", "3"])
    assert r.status_code == 422 and r.json()["error"]["code"] == "OPENING_DUPLICATE_BIDDER"
    r = _open(client, world["h"]["center"], lot_id, [b[0], b[1], world["owner"]], ["1", "2", "3"])
    assert r.status_code == 422 and r.json()["error"]["field"] == "bids.2"
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(LotBidder)) == 0

    r = _open(client, world["h"]["center"], lot_id, b[:4], ["26873500.00", "27150000", "28150000", "26420800.5"])
    assert r.status_code == 200, r.text
    statuses = {row["entity_id"]: row["status"] for row in r.json()}
    assert statuses[b[2]] == "rejected" and statuses[b[0]] == "valid"  # above the maximum price (条例51)
    # Twice is out of stage.
    r = _open(client, world["h"]["center"], lot_id, b[:4], ["1", "2", "3", "4"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "LOT_OUT_OF_STAGE"

    # A bidder in the lot sees the opening record; a bidder not in it, and a supervisor of another trade, do not.
    assert client.get(f"/api/lots/{lot_id}/bidders", headers=world["h"]["bid0"]).status_code == 200
    assert client.get(f"/api/lots/{lot_id}/bidders", headers=world["h"]["bid4"]).status_code == 404
    assert client.get(f"/api/lots/{lot_id}/bidders", headers=world["h"]["sup_c"]).status_code == 200
    assert client.get(f"/api/lots/{lot_id}/bidders", headers=world["h"]["sup_p"]).status_code == 404
    listed = client.get("/api/projects", headers=world["h"]["bid4"]).json()
    assert listed["total"] == 0
    with clean_db.session(write=False) as s:
        event = s.scalars(select(LedgerEvent).where(LedgerEvent.kind == "lot.import_opening")).one()
        assert len(event.data["bids"]) == 4


def test_pages(client, world, login_token) -> None:  # type: ignore[no-untyped-def]
    pid = _project(client, world["h"]["owner1"]).json()["id"]
    lot_id = _lot(client, world["h"]["owner1"], pid).json()["id"]
    assert "雁滩路" not in client.get("/projects").text  # anonymous: sent to log in
    login = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
    form = {"username": "owner1", "password": "Test-password-2026", "csrf_token": token}
    r = client.post("/login", data=form, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    page = client.get(f"/projects/{pid}")
    assert page.status_code == 200 and "雁滩路道路改造工程" in page.text and "新增标段" in page.text
    assert "尚未开标" in client.get(f"/lots/{lot_id}").text


def test_notice_through_the_api_cites_the_law_and_hides_bid_counts(client, world) -> None:  # type: ignore[no-untyped-def]
    pid = _project(client, world["h"]["owner1"]).json()["id"]
    lot_id = _lot(client, world["h"]["owner1"], pid, estimate="10000000").json()["id"]
    body = {
        "documents_from": "2026-09-25T09:30:00+08:00",
        "documents_until": "2026-09-30T17:00:00+08:00",
        "bid_deadline": "2026-10-14T09:30:00+08:00",
        "bid_bond": "200000",
    }
    r = client.post(f"/api/lots/{lot_id}/notice", json=body, headers=world["h"]["owner1"])
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "RULE_PERIOD_TOO_SHORT" and err["field"] == "bid_deadline"
    assert err["rule"] == "construction.documents_to_bid_deadline" and "第二十四条" in err["citation"]
    r = client.post(
        f"/api/lots/{lot_id}/notice", json={**body, "bid_deadline": "2026-10-15T09:30:00"}, headers=world["h"]["owner1"]
    )
    assert r.status_code == 422  # a time without its zone is ambiguous
    ok = client.post(
        f"/api/lots/{lot_id}/notice",
        json={**body, "bid_deadline": "2026-10-15T09:30:00+08:00"},
        headers=world["h"]["owner1"],
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["stage"] == "published" and ok.json()["bidder_count"] is None
    r = client.post(
        f"/api/lots/{lot_id}/end", json={"action": "fail", "reason": "测试流标原因"}, headers=world["h"]["owner1"]
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "LOT_OUT_OF_STAGE"
    r = client.post(
        f"/api/lots/{lot_id}/end", json={"action": "terminate", "reason": "资金未落实"}, headers=world["h"]["owner2"]
    )
    assert r.status_code == 404


def test_procurement_notice_into_a_year_without_holiday_data_is_503_and_stores_nothing(  # type: ignore[no-untyped-def]
    client, world, clean_db, clock, login_token
) -> None:
    from datetime import datetime

    from ggzy.core.clock import SHANGHAI
    from ggzy.rules.calendar import covered_years

    last = covered_years()[1]
    # Five working days of document availability from late December cannot be counted without next year's
    # holidays (采购 87号令): refused with a stable code, never guessed, never a 500.
    clock.set(datetime(last, 12, 28, 9, 0, tzinfo=SHANGHAI))
    world["h"]["owner1"] = login_token("owner1")  # a token of the fixture's day has expired by now
    made = _project(client, world["h"]["owner1"], trade="procurement")
    assert made.status_code == 201, made.text
    project_id = made.json()["id"]
    made = _lot(client, world["h"]["owner1"], project_id, estimate="1000000", category="goods")
    assert made.status_code == 201, made.text
    lot_id = made.json()["id"]
    with clean_db.session(write=False) as s:
        events = s.scalar(select(func.count()).select_from(LedgerEvent))
    body = {
        "documents_from": f"{last}-12-28T09:30:00+08:00",
        "documents_until": f"{last + 1}-01-08T17:00:00+08:00",
        "bid_deadline": f"{last + 1}-01-20T09:30:00+08:00",
    }
    r = client.post(f"/api/lots/{lot_id}/notice", json=body, headers=world["h"]["owner1"])
    assert r.status_code == 503, r.text
    err = r.json()["error"]
    assert err["code"] == "RULE_CALENDAR_NOT_COVERED" and f"{last + 1} 年" in err["message"]
    (lot,) = client.get(f"/api/projects/{project_id}", headers=world["h"]["owner1"]).json()["lots"]
    assert lot["stage"] == "draft" and lot["bid_deadline"] is None
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(LedgerEvent)) == events
