"""Credit over HTTP: recording and lifting by role, refusals with codes and articles, the public list and an
entity's standing, a barred bidder's upload refused, and the Chinese pages."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from tests.factories import entity, tender_world
from tests.integration.bids.support import key_ceremony, publish_tender
from tests.pages import csrf_token, log_in

DECISION = {
    "kind": "construction",
    "valid_from": "2026-09-25",
    "valid_until": "2027-09-24",
    "authority": "甘肃省住房和城乡建设厅",
    "document_no": "甘建罚〔2026〕12号",
    "rule": "construction.sanction_collusion_serious",
    "reason": "3年内2次以上串通投标",
}


@pytest.fixture
def w(clean_db: Database, clock: FrozenClock, make_user: Any, login_token: Any, client: TestClient) -> dict[str, Any]:
    with clean_db.transaction() as s:
        tender = tender_world(s, now=clock.now(), bidders=3)
        publish_tender(s, tender, now=clock.now())
        other = entity(s, n=77, kind="bidder", name="陇南某某建设有限公司", now=clock.now())
        other_id, other_uscc = other.id, other.uscc
    make_user("center_u", "center_staff")
    make_user("sup_c", "supervisor", trade="construction")
    make_user("sup_p", "supervisor", trade="procurement")
    make_user("owner_u", "owner_staff", entity_id=tender.owner.entity_id)
    for i, entity_id in enumerate(tender.bidder_ids):
        make_user(f"bid{i}", "bidder_staff", entity_id=entity_id)
    h = {u: login_token(u) for u in ("center_u", "sup_c", "sup_p", "owner_u", "bid0", "bid1")}
    r = client.post(f"/api/lots/{tender.lot_id}/opening-key", json=key_ceremony()[1], headers=h["center_u"])
    assert r.status_code == 201, r.text
    return {"tender": tender, "h": h, "other": other_id, "other_uscc": other_uscc}


def test_impose_by_role_and_refusals(client: TestClient, w: dict[str, Any]) -> None:
    h, target = w["h"], w["tender"].bidder_ids[0]
    body = {**DECISION, "entity_id": target}
    assert client.post("/api/credit/sanctions", json=body).status_code == 401
    for user in ("bid0", "owner_u"):
        r = client.post("/api/credit/sanctions", json=body, headers=h[user])
        assert r.status_code == 403 and r.json()["error"]["code"] == "ROLE_REQUIRED"
    r = client.post("/api/credit/sanctions", json=body, headers=h["sup_p"])
    assert r.status_code == 403 and r.json()["error"]["code"] == "SUPERVISOR_SCOPE"

    bad_date = client.post("/api/credit/sanctions", json={**body, "valid_until": "2027-02-30"}, headers=h["sup_c"])
    assert bad_date.status_code == 422 and bad_date.json()["error"]["details"]
    backwards = client.post("/api/credit/sanctions", json={**body, "valid_until": "2026-09-01"}, headers=h["sup_c"])
    assert backwards.status_code == 422
    assert backwards.json()["error"]["code"] == "SANCTION_PERIOD_INVALID"
    assert backwards.json()["error"]["field"] == "valid_until"
    too_long = client.post("/api/credit/sanctions", json={**body, "valid_until": "2028-09-25"}, headers=h["sup_c"])
    err = too_long.json()["error"]
    assert too_long.status_code == 422 and err["code"] == "SANCTION_PERIOD_TOO_LONG"
    assert "第六十七条" in err["citation"] and "2028-09-24" in err["message"]
    unknown = client.post("/api/credit/sanctions", json={**body, "entity_id": 99999}, headers=h["sup_c"])
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "SANCTION_ENTITY_NOT_FOUND"

    made = client.post("/api/credit/sanctions", json=body, headers=h["sup_c"])
    assert made.status_code == 201, made.text
    out = made.json()
    assert out["status"] == "in_force" and out["status_label"] == "执行中"
    assert out["scope_trades"] == ["construction"] and out["kind_label"] == "取消依法必须招标项目的投标资格"
    assert "imposed_by" not in out
    again = client.post("/api/credit/sanctions", json=body, headers=h["center_u"])
    assert again.status_code == 409 and again.json()["error"]["code"] == "SANCTION_DUPLICATE"


def test_public_list_history_standing_and_lift(client: TestClient, w: dict[str, Any]) -> None:
    h, bidders = w["h"], w["tender"].bidder_ids
    live = client.post("/api/credit/sanctions", json={**DECISION, "entity_id": bidders[0]}, headers=h["center_u"])
    future = client.post(
        "/api/credit/sanctions",
        json={**DECISION, "entity_id": bidders[1], "valid_from": "2026-10-01", "valid_until": "2027-09-30"},
        headers=h["center_u"],
    )
    other = client.post(
        "/api/credit/sanctions",
        json={
            **DECISION,
            "entity_id": w["other"],
            "kind": "all",
            "scope_trades": ["procurement", "land"],
            "rule": "procurement.sanction_supplier",
            "document_no": "联合惩戒2026-1",
        },
        headers=h["center_u"],
    )
    assert live.status_code == future.status_code == other.status_code == 201
    lifted_id = other.json()["id"]
    r = client.post(
        f"/api/credit/sanctions/{lifted_id}/lift", json={"reason": "行政复议撤销处罚决定"}, headers=h["bid0"]
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/credit/sanctions/{lifted_id}/lift", json={"reason": "行政复议撤销处罚决定"}, headers=h["sup_c"]
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "SUPERVISOR_SCOPE"
    r = client.post(
        f"/api/credit/sanctions/{lifted_id}/lift", json={"reason": "行政复议撤销处罚决定"}, headers=h["center_u"]
    )
    assert r.status_code == 200 and r.json()["status"] == "lifted"
    again = client.post(
        f"/api/credit/sanctions/{lifted_id}/lift", json={"reason": "行政复议撤销处罚决定"}, headers=h["center_u"]
    )
    assert again.status_code == 409

    public = client.get("/api/credit/sanctions").json()
    assert [i["id"] for i in public["items"]] == [live.json()["id"]] and public["total"] == 1
    history = client.get("/api/credit/sanctions", params={"status": "history"}).json()
    assert [i["id"] for i in history["items"]] == [lifted_id]
    assert history["items"][0]["lift_reason"] == "行政复议撤销处罚决定"
    by_uscc = client.get("/api/credit/sanctions", params={"status": "history", "q": w["other_uscc"]}).json()
    assert by_uscc["total"] == 1
    assert client.get("/api/credit/sanctions", params={"q": "陇南"}).json()["total"] == 0
    assert client.get("/api/credit/sanctions", params={"status": "pending"}).status_code == 403
    pending = client.get("/api/credit/sanctions", params={"status": "pending"}, headers=h["sup_c"]).json()
    assert [i["id"] for i in pending["items"]] == [future.json()["id"]]
    assert client.get(f"/api/credit/sanctions/{future.json()['id']}").status_code == 404
    assert client.get(f"/api/credit/sanctions/{live.json()['id']}").json()["document_no"] == "甘建罚〔2026〕12号"

    standing = client.get(f"/api/credit/entities/{bidders[0]}").json()
    assert (
        standing["barred"] is True and standing["barred_trades"] == ["construction"] and standing["on"] == "2026-09-25"
    )
    assert client.get(f"/api/credit/entities/{bidders[1]}").json()["barred"] is False  # not yet in force
    assert client.get(f"/api/credit/entities/{w['other']}").json()["barred"] is False  # lifted
    assert client.get("/api/credit/entities/99999").status_code == 404
    bases = {b["key"]: b for b in client.get("/api/credit/bases").json()}
    assert bases["construction.sanction_nonperformance"]["min_years"] == 2
    assert bases["construction.sanction_nonperformance"]["max_years"] == 5
    assert "第七十七条" in bases["procurement.sanction_supplier"]["citation"]


def test_barred_bidder_upload_is_refused_with_the_article(client: TestClient, w: dict[str, Any]) -> None:
    h, lot = w["h"], w["tender"].lot_id
    r = client.post(
        "/api/credit/sanctions", json={**DECISION, "entity_id": w["tender"].bidder_ids[0]}, headers=h["center_u"]
    )
    assert r.status_code == 201
    refused = client.post(f"/api/lots/{lot}/bids/uploads", json={"declared_size": 4096}, headers=h["bid0"])
    err = refused.json()["error"]
    assert refused.status_code == 422 and err["code"] == "BIDDER_BARRED"
    assert "甘建罚〔2026〕12号" in err["message"] and "2026-09-25 至 2027-09-24" in err["message"]
    assert "第六十七条" in err["citation"] and err["rule"] == "construction.sanction_collusion_serious"
    allowed = client.post(f"/api/lots/{lot}/bids/uploads", json={"declared_size": 4096}, headers=h["bid1"])
    assert allowed.status_code == 201, allowed.text


def test_pages_record_list_and_lift(client: TestClient, w: dict[str, Any]) -> None:
    target_uscc = w["other_uscc"]
    anonymous = client.get("/credit")
    assert anonymous.status_code == 200 and "失信惩戒名单" in anonymous.text and "登记惩戒决定" not in anonymous.text
    assert client.get("/credit/new", follow_redirects=False).status_code in (303, 401)
    log_in(client, "sup_c")
    form = client.get("/credit/new")
    assert form.status_code == 200 and "第六十七条" in form.text
    data = {
        **{k: v for k, v in DECISION.items() if k != "rule"},
        "rule": DECISION["rule"],
        "uscc": target_uscc,
        "csrf_token": csrf_token(form.text),
    }
    refused = client.post("/credit/sanctions", data={**data, "valid_until": "2029-01-01"})
    assert refused.status_code == 422 and "第六十七条" in refused.text and "惩戒期限超过法定上限" in refused.text
    made = client.post("/credit/sanctions", data=data, follow_redirects=False)
    assert made.status_code == 303
    detail = client.get(made.headers["location"])
    assert "陇南某某建设有限公司" in detail.text and "执行中" in detail.text and "解除" in detail.text
    listing = client.get("/credit", params={"q": "陇南"})
    in_force = listing.text.split('id="in-force"')[1].split("</table>")[0]
    assert "陇南某某建设有限公司" in in_force
    lift = client.post(
        made.headers["location"] + "/lift",
        data={"reason": "信用修复完成，解除惩戒", "csrf_token": csrf_token(detail.text)},
        follow_redirects=False,
    )
    assert lift.status_code == 303
    client.cookies.clear()
    listing = client.get("/credit")
    assert "陇南某某建设有限公司" not in listing.text.split('id="in-force"')[1].split("</table>")[0]
    assert "陇南某某建设有限公司" in listing.text.split('id="history"')[1].split("</table>")[0]
    standing = client.get(f"/credit/entities/{w['other']}")
    assert standing.status_code == 200 and "没有执行中的失信惩戒" in standing.text and "已解除" in standing.text
