"""The bidder's submission page in real Chromium: the bid is sealed in the browser, uploaded in chunks,
a signed receipt is shown; the stored envelope holds no plaintext (not even the price) and opens in Python
with the bidder's own key; the bidder then withdraws it before the deadline."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.conftest import DEFAULT_PASSWORD
from tests.integration.bids.support import bid_world

from ggzy.bids.models import Bid
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.settings import Settings
from ggzy.vault.keys import PrivateKey
from ggzy.vault.seal import open_bid

pytestmark = pytest.mark.e2e
PRICE = "7654321.09"


def test_bidder_seals_in_the_browser_gets_a_receipt_and_withdraws(  # type: ignore[no-untyped-def]
    live_server, browser_page, clean_db: Database, clock: FrozenClock, settings: Settings, make_user: Any,
    tmp_path: Path,
) -> None:
    with clean_db.transaction() as s:
        world = bid_world(s, now=clock.now())
    entity = world.tender.bidder_ids[0]
    make_user("e2e_bidder", "bidder_staff", entity_id=entity)
    own_key = PrivateKey.generate()
    attachment = tmp_path / "技术标.txt"
    attachment.write_bytes(("施工组织设计 " * 50_000).encode())  # ~1 MB: several seal chunks
    page = browser_page
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "e2e_bidder")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/lots/{world.tender.lot_id}/bid")
    page.fill("input[name=price]", PRICE)
    page.fill("input[name=duration_days]", "240")
    page.fill("input[name=quality_commitment]", "合格")
    page.fill("input[name=pm_name]", "王五")
    page.fill("input[name=pm_id]", "620102198001011234")
    page.set_input_files("input[name=files]", str(attachment))
    page.fill("textarea[name=bidder_key]", own_key.public.raw.hex())
    page.click("#seal-button")
    page.wait_for_selector("#bid-receipt:not([hidden])", timeout=60_000)
    receipt_id = page.inner_text("#receipt-id").strip()
    assert '"signature"' in page.inner_text("#receipt-json")
    with clean_db.session(write=False) as s:
        bid = s.scalars(select(Bid).where(Bid.id == receipt_id)).one()
        assert bid.status == "submitted" and bid.bidder_entity_id == entity
        stored = BidStorage.under(settings.data_dir).resolve(bid.path).read_bytes()
        assert bid.receipt["ciphertext_hash"] == hashlib.sha256(stored).hexdigest() == bid.ciphertext_hash
    assert PRICE.encode() not in stored and "王五".encode() not in stored and b"\xe6\x96\xbd\xe5\xb7\xa5" not in stored
    opened = open_bid(io.BytesIO(stored), own_key, expect_lot_id=str(world.tender.lot_id), expect_bidder_id=str(entity))
    assert str(opened.form.price) == PRICE and [f.name for f in opened.files] == ["技术标.txt"]
    # Withdrawal before the deadline, from the same page.
    page.goto(f"{live_server}/lots/{world.tender.lot_id}/bid")
    page.click("#withdraw-button")
    page.wait_for_selector("text=已撤回")
    with clean_db.session(write=False) as s:
        assert s.get(Bid, receipt_id).status == "withdrawn"  # type: ignore[union-attr]
