"""The public ledger before the deadline: a bid adds nothing to it. Bids go into the lot's sealed box
(``ggzy.bids.box``); the ledger gets one ``bids.boxes_sealed`` event per tick, the same in kind, number and
shape whether two bids or none came in, so neither the number nor the times of bids can be counted from it.
The test pins that down, so a later change that adds a per-bid or per-lot trace fails here."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from ggzy.bids import box
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.settings import Settings
from tests.api.confidentiality import world as w


def events(client: TestClient) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    start: int | None = 0
    while start is not None:
        page = client.get(f"/api/ledger/events?start={start}&limit=1000").json()
        out += page["items"]
        start = page["next_start"]
    return out


def test_bids_leave_no_countable_trace_in_the_public_ledger(
    client: TestClient,
    app: Any,
    clean_db: Database,
    clock: FrozenClock,
    settings: Settings,
    make_user: Any,
) -> None:
    world = w.build(clean_db, clock, client, make_user)
    minutes = settings.bid_box_seal_minutes
    box.seal_due(clean_db, now=clock.now(), minutes=minutes)
    before = events(client)
    clock.advance(timedelta(minutes=minutes))
    box.seal_due(clean_db, now=clock.now(), minutes=minutes)  # a tick in which nobody bid
    quiet = events(client)[len(before) :]
    storage = BidStorage.under(settings.data_dir)
    for who in ("A", "B"):
        w.bid(world, who, clean_db, clock, storage, app.state.signing_key)
    assert events(client)[len(before) + len(quiet) :] == []  # a bid itself leaves no public trace
    clock.advance(timedelta(minutes=minutes))
    box.seal_due(clean_db, now=clock.now(), minutes=minutes)  # a tick after two bids
    after = events(client)
    assert after[: len(before)] == before  # append-only: nothing earlier rewritten
    busy = after[len(before) + len(quiet) :]
    added = quiet + busy
    assert [e["kind"] for e in quiet] == [e["kind"] for e in busy] == ["bids.boxes_sealed"]
    for e in added:
        assert e["actor"] == "system" and e["subject"] == "bids" and set(e["data"]) == {"slot", "boxes"}
        assert list(e["data"]["boxes"]) == [str(world.lot_id)] and len(e["data"]["boxes"][str(world.lot_id)]) == 64
    assert quiet[0]["data"]["boxes"] != busy[0]["data"]["boxes"]  # salted each tick, bids or not
    # No trace of lot, bidders or uploads anywhere public in the ledger, in any form, for any viewer.
    secrets = [*w.NAMES.values(), *world.upload.values(), *world.bid.values()]
    for e in added:  # (entity ids: the exact ``data`` above leaves no room for them)
        text = json.dumps(e, ensure_ascii=False)
        assert not any(s in text for s in secrets), text
    pages = [f"/ledger/events/{e['index']}" for e in added] + ["/ledger", "/api/ledger/export"]
    pages += [f"/api/ledger/events/{e['index']}" for e in added]
    for who in w.PRINCIPALS:
        for url in pages:
            r = client.get(url, headers=world.headers[who])
            assert r.status_code == 200, (url, r.status_code)
            assert not any(s in r.text for s in w.NAMES.values()), (who, url)
            assert not any(u in r.text for u in world.upload.values()), (who, url)
    # Filtering by the lot's subject finds nothing about bids.
    for subject in (f"lot:{world.lot_id}", f"project:{world.project_id}"):
        found = client.get(f"/api/ledger/events?subject={subject}").json()["items"]
        assert not any(e["kind"].startswith("bid") for e in found), subject
