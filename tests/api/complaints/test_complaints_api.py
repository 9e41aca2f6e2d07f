"""Q&A and objections over HTTP and in the pages: who sees what, per role; nobody but the asker learns who asked."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from ggzy.core.clock import SHANGHAI
from ggzy.projects import service as projects
from tests.factories import tender_world
from tests.pages import csrf_token, log_in

QUESTION = "第三章技术规范中的混凝土强度等级是否为C30？"


def at(day: str, hm: str = "09:30") -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


@pytest.fixture
def w(clean_db, clock, make_user, login_token) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        world = tender_world(s, now=clock.now())
    with clean_db.transaction() as s:
        projects.publish_notice(
            s,
            actor=world.owner,
            lot_id=world.lot_id,
            documents_from=at("2026-09-25"),
            documents_until=at("2026-09-30", "17:00"),
            bid_deadline=at("2026-10-15"),
            bid_bond=None,
            now=clock.now(),
        )
    make_user("owner1", "owner_staff", entity_id=world.owner.entity_id)
    make_user("owner2", "owner_staff", entity_id=world.other_owner.entity_id)
    make_user("asker", "bidder_staff", entity_id=world.bidder_ids[0])
    make_user("bid1", "bidder_staff", entity_id=world.bidder_ids[1])
    make_user("center1", "center_staff")
    make_user("sup_c", "supervisor", trade="construction")
    make_user("sup_p", "supervisor", trade="procurement")
    make_user("expert1", "expert")
    users = ("owner1", "owner2", "asker", "bid1", "center1", "sup_c", "sup_p", "expert1")
    return {"lot": world.lot_id, "h": {u: login_token(u) for u in users}}


def test_question_asker_is_hidden_from_every_role(client, w) -> None:  # type: ignore[no-untyped-def]
    h, lot = w["h"], w["lot"]
    r = client.post(f"/api/lots/{lot}/questions", json={"text": QUESTION}, headers=h["asker"])
    assert r.status_code == 201 and r.json()["mine"] is True
    qid = r.json()["id"]
    # Only bidders ask.
    assert client.post(f"/api/lots/{lot}/questions", json={"text": QUESTION}, headers=h["owner1"]).status_code == 403
    owner_view = client.get(f"/api/lots/{lot}/questions", headers=h["owner1"]).json()
    assert [(q["text"], q["mine"]) for q in owner_view] == [(QUESTION, False)]
    for user in ("bid1", "center1", "sup_c", "expert1"):
        assert client.get(f"/api/lots/{lot}/questions", headers=h[user]).json() == [], user
    assert client.get(f"/api/lots/{lot}/questions").json() == []
    r = client.post(f"/api/questions/{qid}/answer", json={"answer": "是C30。"}, headers=h["owner2"])
    assert r.status_code == 404 and r.json()["error"]["code"] == "QUESTION_NOT_FOUND"
    r = client.post(f"/api/questions/{qid}/answer", json={"answer": "是C30。"}, headers=h["owner1"])
    assert r.status_code == 200
    notice_id = r.json()["notice_id"]
    notice = client.get(f"/api/notices/{notice_id}").json()
    assert notice["kind"] == "clarification"
    for user in (None, "owner1", "bid1", "center1", "sup_c", "asker"):
        body = client.get(f"/api/lots/{lot}/questions", headers=h[user] if user else {}).json()
        assert [(q["text"], q["answer"]) for q in body] == [(QUESTION, "是C30。")], user
        assert body[0]["mine"] is (user == "asker")
        assert not {"asker", "asker_user_id", "asker_entity_id", "entity_id"} & set(body[0])
    document = client.get(f"/api/notices/{notice_id}/document").text
    assert "asker" not in document and "投标人0" not in document


def _not_found_body(client, h, lot_id: int) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    body: dict[str, Any] = client.get(f"/api/lots/{lot_id}/objections", headers=h).json()
    return body


def test_objection_list_visibility_and_refusals(client, w) -> None:  # type: ignore[no-untyped-def]
    h, lot = w["h"], w["lot"]
    r = client.post(f"/api/lots/{lot}/objections", json={"kind": "result", "text": "评标结果有误"}, headers=h["asker"])
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "OBJECTION_WINDOW_CLOSED" and "第五十四条" in err["citation"]
    r = client.post(
        f"/api/lots/{lot}/objections", json={"kind": "documents", "text": "资格条件过高"}, headers=h["asker"]
    )
    assert r.status_code == 201 and r.json()["holds_lot"] is True
    oid = r.json()["id"]
    assert client.get(f"/api/lots/{lot}/hold").json()["on_hold"] is True
    for user in ("owner1", "center1", "sup_c", "asker"):
        r = client.get(f"/api/lots/{lot}/objections", headers=h[user])
        assert r.status_code == 200 and [o["id"] for o in r.json()] == [oid], user
        assert client.get(f"/api/objections/{oid}", headers=h[user]).status_code == 200, user
    # Everyone else gets exactly what a nonexistent lot gives.
    missing = lot + 999
    for user in ("owner2", "bid1", "sup_p", "expert1"):
        r = client.get(f"/api/lots/{lot}/objections", headers=h[user])
        ghost = _not_found_body(client, h[user], missing)
        assert r.status_code == 404, user
        assert r.json()["error"]["code"] == ghost["error"]["code"] == "LOT_NOT_FOUND"
        assert r.json()["error"]["message"].replace(str(lot), "N") == ghost["error"]["message"].replace(
            str(missing), "N"
        )
        assert client.get(f"/api/objections/{oid}", headers=h[user]).status_code == 404
    r = client.post(f"/api/objections/{oid}/answer", json={"answer": "资格条件符合规定"}, headers=h["owner1"])
    assert r.status_code == 200 and r.json()["status"] == "answered" and r.json()["overdue"] is False
    assert client.get(f"/api/lots/{lot}/hold").json()["on_hold"] is False


def test_pages_ask_object_answer(client, w) -> None:  # type: ignore[no-untyped-def]
    lot = w["lot"]
    log_in(client, "asker")
    page = client.get(f"/lots/{lot}/questions")
    assert page.status_code == 200 and "匿名提问" in page.text
    r = client.post(
        f"/lots/{lot}/questions", data={"text": QUESTION, "csrf_token": csrf_token(page.text)}, follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get(f"/lots/{lot}/questions")
    assert QUESTION in page.text and "本单位所提" in page.text
    r = client.post(
        f"/lots/{lot}/objections",
        data={"kind": "opening", "text": "开标有误请核查", "csrf_token": csrf_token(page.text)},
    )
    assert r.status_code == 422 and "第四十四条" in r.text
    r = client.post(
        f"/lots/{lot}/objections",
        data={"kind": "documents", "text": "评分办法不公平", "csrf_token": csrf_token(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    log_in(client, "owner1")
    assert f'href="/lots/{lot}/questions"' in client.get(f"/lots/{lot}").text  # the lot page links here
    page = client.get(f"/lots/{lot}/questions")
    assert QUESTION in page.text and "本单位所提" not in page.text and "bidder0" not in page.text
    assert "本标段因异议暂停" in page.text and "评分办法不公平" in page.text
    qid = re.search(r'action="/questions/(\d+)/answer"', page.text).group(1)  # type: ignore[union-attr]
    oid = re.search(r'action="/objections/(\d+)/answer"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        f"/questions/{qid}/answer",
        data={"answer": "是C30。", "csrf_token": csrf_token(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"/objections/{oid}/answer",
        data={"answer": "将修改评分办法", "changes_documents": "1", "csrf_token": csrf_token(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    # Anonymous visitors read the published answer; no objection list, no asker.
    client.cookies.clear()
    page = client.get(f"/lots/{lot}/questions")
    assert page.status_code == 200 and "是C30。" in page.text
    assert "评分办法不公平" not in page.text and "本标段因异议暂停" not in page.text
    assert client.get(f"/lots/{lot + 999}/questions").status_code == 404
