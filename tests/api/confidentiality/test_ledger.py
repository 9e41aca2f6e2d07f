"""The public ledger before the deadline: a bid adds one opaque event (receipt id only, actor "system"),
which names neither the lot nor the bidder, in the API, the export and the ledger pages.

What the ledger does reveal, by design, is the platform-wide number of bid events and their times: an
append-only public log cannot hide that a write happened. This test pins it down exactly (one
``bid.received`` per submission, nothing else added), so a later change that adds a per-lot trace fails here;
docs/confidentiality.md discusses what the platform-wide count means when only one lot accepts bids."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

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


def test_bid_events_in_the_public_ledger_name_neither_lot_nor_bidder(
    client: TestClient,
    app: Any,
    clean_db: Database,
    clock: FrozenClock,
    settings: Settings,
    make_user: Any,
) -> None:
    world = w.build(clean_db, clock, client, make_user)
    before = events(client)
    storage = BidStorage.under(settings.data_dir)
    for who in ("A", "B"):
        w.bid(world, who, clean_db, clock, storage, app.state.signing_key)
    after = events(client)
    assert after[: len(before)] == before  # append-only: nothing earlier rewritten
    added = after[len(before) :]
    assert [e["kind"] for e in added] == ["bid.received", "bid.received"]
    for e, who in zip(added, ("A", "B"), strict=True):
        assert e["data"] == {"receipt_id": world.bid[who]} and e["actor"] == "system"
        assert e["subject"] == f"receipt:{world.bid[who]}"
    # No trace of lot, bidders or uploads anywhere public in the ledger, in any form, for any viewer.
    secrets = [*w.NAMES.values(), *world.upload.values(), f'"lot_id": {world.lot_id}']
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
        assert not any(e["kind"].startswith("bid.") for e in found), subject
