"""The published lot, its staff and three bidders with tokens, shared by the bid API tests."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from tests.factories import tender_world
from tests.integration.bids.support import key_ceremony, publish_tender


@pytest.fixture
def world(
    clean_db: Database, clock: FrozenClock, make_user: Any, login_token: Any, client: TestClient
) -> dict[str, Any]:
    with clean_db.transaction() as s:
        tender = tender_world(s, now=clock.now(), bidders=3)
        publish_tender(s, tender, now=clock.now())
    make_user("owner_u", "owner_staff", entity_id=tender.owner.entity_id)
    make_user("center_u", "center_staff")
    make_user("sup_u", "supervisor")
    for i, entity_id in enumerate(tender.bidder_ids):
        make_user(f"bid{i}", "bidder_staff", entity_id=entity_id)
    key, doc = key_ceremony()
    h = {u: login_token(u) for u in ("owner_u", "center_u", "sup_u", "bid0", "bid1", "bid2")}
    return {"tender": tender, "lot": tender.lot_id, "key": key, "doc": doc, "h": h}


def register_key(client: TestClient, world: dict[str, Any]) -> None:
    r = client.post(f"/api/lots/{world['lot']}/opening-key", json=world["doc"], headers=world["h"]["center_u"])
    assert r.status_code == 201, r.text
