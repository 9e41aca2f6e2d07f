"""Issue 3 end to end on the demo data: a demo lot gets a committee drawn from the demo pool, the drawn experts
confirm with their demo accounts, score, sign the report; the names are then revealed and the published draw
record replays identically with ``ggzy draw verify``."""

from __future__ import annotations

import json
from argparse import Namespace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from ggzy.core.clock import SHANGHAI
from ggzy.demo import seed_demo
from ggzy.entities.models import User
from ggzy.experts.cli import draw_command
from ggzy.experts.models import Expert
from ggzy.procedures.scheduler import run_due
from ggzy.projects.models import Lot


def test_demo_lot_committee_draw_confirm_score_fix_and_replay(client, clean_db, clock, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seed_demo(clean_db, settings=settings)
    clock.set(datetime.now(UTC) + timedelta(minutes=1))
    accounts = json.loads((settings.data_dir / "demo-accounts.txt").read_text(encoding="utf-8"))
    shared = json.loads((settings.data_dir / "demo-experts.txt").read_text(encoding="utf-8"))["shared"]

    def headers(username: str) -> dict[str, str]:
        password = accounts.get(username, shared)
        r = client.post("/api/auth/token", json={"username": username, "password": password})
        assert r.status_code == 200, (username, r.text)
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    with clean_db.session(write=False) as s:
        lot_id = s.scalar(select(Lot.id).where(Lot.name == "道路及排水施工"))
        owner_user = s.scalar(select(User.id).where(User.username == "owner"))
    center = headers("center")
    start = clock.now() + timedelta(days=2)
    body = {
        "lot_id": lot_id,
        "size": 5,
        "owner_representative_user_ids": [owner_user],
        "requirements": [{"specialty": "A080101", "count": 4}],
        "region_prefixes": ["62"],
        "evaluation_start": start.isoformat(),
        "evaluation_end": (start + timedelta(hours=4)).isoformat(),
        "venue": "省公共资源交易中心第3评标室",
        "reserve_count": 2,
    }
    created = client.post("/api/committees", json=body, headers=headers("agency"))
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    drawn = client.post(f"/api/committees/{cid}/draw", headers=center)
    assert drawn.status_code == 200, drawn.text
    experts = [m for m in drawn.json()["members"] if m["kind"] == "expert" and not m["is_reserve"]]
    assert len(experts) == 4
    # Before the result is fixed, a bidder of the lot sees counts only.
    before = client.get(f"/api/committees/{cid}", headers=headers("bidder1")).json()
    assert all(not m.get("name") for m in before.get("members") or [])
    assert client.get(f"/api/committees/{cid}/record").status_code in (403, 404)

    with clean_db.session(write=False) as s:
        username_of = {
            e.id: s.get(User, e.user_id).username  # type: ignore[union-attr]
            for e in s.scalars(select(Expert).where(Expert.user_id.is_not(None)))
        }
    scorers = [username_of[m["expert_id"]] for m in experts]
    for member, username in zip(experts, scorers, strict=True):
        r = client.post(
            f"/api/committee-members/{member['id']}/respond", json={"accept": True}, headers=headers(username)
        )
        assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text

    scheme = {
        "method": "comprehensive",
        "price_weight": "60",
        "criteria": [
            {"code": "T1", "name": "施工组织设计", "kind": "subjective", "max_score": "30"},
            {"code": "T2", "name": "项目管理机构", "kind": "objective", "max_score": "10"},
        ],
    }
    assert client.put(f"/api/evaluation/lots/{lot_id}/scheme", json=scheme, headers=center).status_code == 200
    started = client.post(f"/api/evaluation/lots/{lot_id}/start", headers=center)
    assert started.status_code == 201, started.text
    ev_id = started.json()["id"]
    members = [*scorers, "owner"]
    for i, username in enumerate(members):
        h = headers(username)
        view: dict[str, Any] = client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h).json()
        crit = [c["id"] for c in view["scheme"]["criteria"]]
        bidders = [b["id"] for b in view["bidders"] if b["status"] == "valid"]
        sheet = {
            "verdicts": [{"bidder_id": b, "passed": True} for b in bidders],
            "scores": [
                {"bidder_id": b, "criterion_id": c, "score": str(20 + (i + j) % 8) if c == crit[0] else "8"}
                for j, b in enumerate(bidders)
                for c in crit
            ],
        }
        assert client.put(f"/api/evaluation/evaluations/{ev_id}/sheet", json=sheet, headers=h).status_code == 200
        assert client.post(f"/api/evaluation/evaluations/{ev_id}/sheet/sign", headers=h).status_code == 200
    r = client.post(f"/api/evaluation/evaluations/{ev_id}/report", json={"candidate_count": 3}, headers=center)
    assert r.status_code == 201, r.text
    for username in members:
        r = client.post(f"/api/evaluation/evaluations/{ev_id}/report/sign", headers=headers(username))
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "fixed"

    # The result is fixed: the committee is revealed and its draw record is public and replays.
    after = client.get(f"/api/committees/{cid}", headers=headers("bidder1")).json()
    assert all(m.get("name") for m in after["members"] if m["kind"] == "expert" and not m["is_reserve"])
    record = client.get(f"/api/committees/{cid}/record")
    assert record.status_code == 200, record.text
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record.json()), encoding="utf-8")
    assert draw_command(Namespace(record=str(path), url=None, committee=None, db=False)) == 0
    with clean_db.session(write=False) as s:
        assert s.get(Lot, lot_id).stage == "evaluated"  # type: ignore[union-attr]

    # Issue 4's tail on the same lot: candidates published, publicity ended by the scheduler, award, contract.
    agency = headers("agency")
    published = client.post(f"/api/lots/{lot_id}/candidates/publish", headers=agency)
    assert published.status_code == 200, published.text
    lot = published.json()
    assert lot["stage"] == "publicity" and [c["rank"] for c in lot["candidates"]] == [1, 2, 3]
    first, second = lot["candidates"][0], lot["candidates"][1]
    early = client.post(f"/api/lots/{lot_id}/award", json={"lot_bidder_id": first["lot_bidder_id"]}, headers=agency)
    assert early.status_code == 409 and early.json()["error"]["code"] == "LOT_OUT_OF_STAGE"
    # Fires this lot's end of publicity (and the demo lot whose bid deadline passed at seeding).
    assert run_due(clean_db, now=datetime.fromisoformat(lot["publicity_until"])).done >= 1
    with clean_db.session(write=False) as s:
        assert s.get(Lot, lot_id).stage == "decided"  # type: ignore[union-attr]
    clock.set(datetime.fromisoformat(lot["publicity_until"]) + timedelta(hours=9))
    r = client.post(f"/api/lots/{lot_id}/award", json={"lot_bidder_id": second["lot_bidder_id"]}, headers=agency)
    assert r.status_code == 422 and "第五十五条" in r.json()["error"]["citation"]
    r = client.post(f"/api/lots/{lot_id}/award", json={"lot_bidder_id": first["lot_bidder_id"]}, headers=agency)
    assert r.status_code == 200 and r.json()["stage"] == "awarded"
    signed_on = clock.now().astimezone(SHANGHAI).date().isoformat()
    contract = {"amount": first["price"], "signed_on": signed_on}
    r = client.post(f"/api/lots/{lot_id}/contract", json=contract, headers=agency)
    assert r.status_code == 200 and r.json()["contract_amount"] == first["price"]
    page = client.get(f"/api/projects/{r.json()['project_id']}", headers=headers("bidder1"))
    assert page.status_code == 200
    shown = next(x for x in page.json()["lots"] if x["id"] == lot_id)
    assert shown["winner_bidder_id"] == first["lot_bidder_id"] and shown["stage"] == "contracted"
