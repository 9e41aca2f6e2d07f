"""The committee's life through the API: request, refusals, draw, redraw, confirmations, reveal, replay."""

from __future__ import annotations

import json
from argparse import Namespace
from datetime import timedelta

from sqlalchemy import func, select

from ggzy.experts.cli import draw_command, ledger_problems
from ggzy.experts.committees import reveal_committee
from ggzy.experts.draw import record_hash
from ggzy.experts.models import Committee, Expert
from tests.api.experts.factory import PASSWORD, bulk_experts, company_uscc, id_number, make_user, make_world


def _token(client, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_request_draw_redraw_respond_reveal_and_verify(client, clean_db, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        world = make_world(s, clock.now())
        users = {k: make_user(s, f"y{k}", Role_expert(), entity_id=None, now=clock.now()) for k in range(1, 41)}
        bulk_experts(s, 40, now=clock.now(), specialties=("A080101", "A060101"), employers=40, user_ids=users)
    owner, center = _token(client, "owner1"), _token(client, "center1")
    start = clock.now() + timedelta(days=3)
    body = {
        "lot_id": world.lot_id,
        "size": 7,
        "owner_representative_user_ids": [world.owner_user_id],
        "requirements": [{"specialty": "A080101", "count": 4}, {"specialty": "A060101", "count": 2}],
        "region_prefixes": ["62"],
        "evaluation_start": start.isoformat(),
        "evaluation_end": (start + timedelta(hours=4)).isoformat(),
        "venue": "兰州评标室",
        "reserve_count": 2,
    }
    bad = client.post("/api/committees", json={**body, "size": 4}, headers=owner)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "COMMITTEE_SIZE_FORBIDDEN"
    assert "第三十七条" in bad.json()["error"]["citation"]
    bad = client.post(
        "/api/committees", json={**body, "requirements": [{"specialty": "Z999999", "count": 6}]}, headers=owner
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "SPECIALTY_CODE_UNKNOWN"
    bidder = _token(client, "bidder1")
    assert client.post("/api/committees", json=body, headers=bidder).status_code == 403
    with clean_db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Committee)) == 0
    created = client.post("/api/committees", json=body, headers=owner)
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    assert client.post(f"/api/committees/{cid}/draw", headers=owner).status_code == 403
    drawn = client.post(f"/api/committees/{cid}/draw", headers=center)
    assert drawn.status_code == 200 and drawn.json()["counts"]["experts"] == 6
    again = client.post(f"/api/committees/{cid}/draw", headers=center)
    assert again.status_code == 409 and again.json()["error"]["code"] == "COMMITTEE_ALREADY_DRAWN"
    no_reason = client.post(f"/api/committees/{cid}/redraw", json={"reason": ""}, headers=center)
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "REDRAW_REASON_REQUIRED"
    assert (
        client.post(f"/api/committees/{cid}/redraw", json={"reason": "评标地点变更"}, headers=center).status_code == 200
    )
    second = client.post(f"/api/committees/{cid}/draw", headers=center)
    assert second.status_code == 200 and second.json()["round"] == 2
    members = [
        m
        for m in second.json()["members"]
        if m["kind"] == "expert" and not m["is_reserve"] and m["status"] == "notified"
    ]
    assert len(members) == 6
    # Each drawn expert answers through the API; the first declines and a reserve is called.
    with clean_db.transaction() as s:
        user_of = {e.id: e.user_id for e in s.scalars(select(Expert))}
    name_of = {uid: f"y{k}" for k, uid in users.items()}
    first = members[0]
    tok = _token(client, name_of[user_of[first["expert_id"]]])
    mine = client.get("/api/experts/me/assignments", headers=tok).json()
    assert [a["member_id"] for a in mine] == [first["id"]]
    other_tok = _token(client, name_of[user_of[members[1]["expert_id"]]])
    assert (
        client.post(
            f"/api/committee-members/{first['id']}/respond", json={"accept": True}, headers=other_tok
        ).status_code
        == 404
    )
    r = client.post(
        f"/api/committee-members/{first['id']}/respond", json={"accept": False, "note": "回避"}, headers=tok
    )
    assert r.status_code == 200 and r.json()["status"] == "declined"
    view = client.get(f"/api/committees/{cid}", headers=center).json()
    assert view["counts"]["experts"] == 6 and view["counts"]["reserves"] == 1 and view["counts"]["declined"] == 1
    # Ratings only after the result is fixed.
    rating = {"expert_id": members[1]["expert_id"], "score": 5}
    assert client.post(f"/api/committees/{cid}/ratings", json=rating, headers=owner).status_code == 409
    with clean_db.transaction() as s:
        reveal_committee(s, committee_id=cid, now=clock.now())
    public_record = client.get(f"/api/committees/{cid}/record")
    assert public_record.status_code == 200
    record = public_record.json()
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    assert draw_command(Namespace(record=str(path), url=None, committee=None, db=False)) == 0
    with clean_db.transaction() as s:
        assert ledger_problems(s, record) == []
    # A consistently rewritten record passes its own hashes but not the ledger.
    forged = dict(record)
    forged["exclusions"] = []
    forged["candidate_set_hash"] = "0" * 64
    forged["record_hash"] = record_hash(forged)
    path.write_text(json.dumps(forged), encoding="utf-8")
    assert draw_command(Namespace(record=str(path), url=None, committee=None, db=False)) == 1
    with clean_db.transaction() as s:
        assert "抽取记录与账本中登记的摘要不符" in ledger_problems(s, forged)
    # A seed taken from a tree head signed before the commitment is caught, even with consistent hashes.
    early = json.loads(json.dumps(record))
    early["seed_inputs"]["tree_size"] = 1
    with clean_db.transaction() as s:
        assert "种子使用的签名树头不包含随机数承诺事件：树头可能先于承诺签发" in ledger_problems(s, early)


def Role_expert():  # type: ignore[no-untyped-def]
    from ggzy.core.security import Role

    return Role.expert


def test_expert_registers_and_center_reviews_through_api(client, clean_db, clock) -> None:  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        make_world(s, clock.now())
        make_user(s, "newexp", Role_expert(), entity_id=None, now=clock.now())
    tok, center = _token(client, "newexp"), _token(client, "center1")
    body = {
        "name": "李专家",
        "id_number": id_number(3),
        "title": "正高级工程师",
        "title_level": "principal_senior",
        "years_of_practice": 15,
        "region_code": "620102",
        "specialties": ["A080101"],
        "employments": [
            {"employer_name": "兰州设计院", "employer_uscc": company_uscc(700), "start_date": "2010-01-01"}
        ],
    }
    overlap = {
        **body,
        "employments": [
            {
                "employer_name": "甲单位",
                "employer_uscc": company_uscc(700),
                "start_date": "2010-01-01",
                "end_date": "2016-01-01",
            },
            {"employer_name": "乙单位", "employer_uscc": company_uscc(701), "start_date": "2015-01-01"},
        ],
    }
    r = client.post("/api/experts", json=overlap, headers=tok)
    assert r.status_code == 422 and r.json()["error"]["code"] == "EMPLOYMENT_OVERLAP"
    r = client.post("/api/experts", json={**body, "specialties": ["A0801"]}, headers=tok)
    assert r.status_code == 422 and r.json()["error"]["code"] == "SPECIALTY_CODE_UNKNOWN"
    with clean_db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Expert)) == 0
    r = client.post("/api/experts", json=body, headers=tok)
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    assert client.post(f"/api/experts/{eid}/review", json={"approve": True}, headers=tok).status_code == 403
    ok = client.post(f"/api/experts/{eid}/review", json={"approve": True}, headers=center)
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    un = client.post(
        f"/api/experts/{eid}/unavailability",
        json={"start_date": "2026-10-01", "end_date": "2026-10-08", "reason": "国庆"},
        headers=tok,
    )
    assert un.status_code == 201
    sanc = client.post(
        f"/api/experts/{eid}/sanctions", json={"kind": "suspension", "reason": "迟到", "days": 30}, headers=center
    )
    assert sanc.status_code == 201
    assert client.get(f"/api/experts/{eid}", headers=tok).json()["sanction"] == "suspension"
    tree = client.get("/api/experts/classification").json()
    assert any(n["code"] == "A080101" for n in tree)
