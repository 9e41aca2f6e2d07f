"""The opening key ceremony in real Chromium: center staff generate the lot's key in the browser, get one
share file per custodian and register only the public key. Python rebuilds the key from any k of those
shares (same GF(2^8) sharing and commitments as ggzy.vault.threshold) and it is the registered key; the
platform stored nothing from which the private key follows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select
from tests.conftest import DEFAULT_PASSWORD
from tests.integration.bids.support import bid_world

from ggzy.bids.models import LotOpeningKey
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.ledger.models import LedgerEvent
from ggzy.vault.threshold import Share, combine_shares

pytestmark = pytest.mark.e2e


def test_center_generates_splits_and_registers_the_opening_key_in_the_browser(  # type: ignore[no-untyped-def]
    live_server, browser_page, clean_db: Database, clock: FrozenClock, make_user: Any
) -> None:
    with clean_db.transaction() as s:
        world = bid_world(s, now=clock.now(), register=False)
    make_user("e2e_center", "center_staff")
    page = browser_page
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "e2e_center")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server}/lots/{world.tender.lot_id}")
    page.click("#lot-opening-key-link")
    page.fill("input[name=k]", "2")
    page.fill("input[name=n]", "3")
    page.fill("textarea[name=custodians]", "交易中心\n行政监督部门\n公证机构")
    page.click("#ceremony-button")
    page.wait_for_selector("a.share-link >> nth=2")
    docs = [json.loads(a.get_attribute("data-share") or "") for a in page.query_selector_all("a.share-link")]
    assert [d["custodian"] for d in docs] == ["交易中心", "行政监督部门", "公证机构"]
    with page.expect_download() as download:  # each link is a file the custodian saves
        page.click("a.share-link >> nth=1")
    saved = json.loads(open(download.value.path(), encoding="utf-8").read())  # noqa: SIM115
    assert saved == docs[1]
    public_key = page.input_value("input[name=public_key]")
    page.click("#register-button")
    page.wait_for_selector("#key-id")
    with clean_db.session(write=False) as s:
        row = s.scalars(select(LotOpeningKey).where(LotOpeningKey.lot_id == world.tender.lot_id)).one()
        registered = select(LedgerEvent).where(LedgerEvent.kind == "lot.opening_key_registered")
        events = [e.data for e in s.scalars(registered)]
    assert row.public_key == public_key and page.inner_text("#key-id").strip() == row.key_id
    shares = [Share.from_json(d) for d in docs]
    for pair in ((shares[0], shares[1]), (shares[1], shares[2]), (shares[0], shares[2])):
        rebuilt = combine_shares(list(pair), expected_digest=row.commitments_digest)
        assert rebuilt.key_id == row.key_id and rebuilt.public.raw.hex() == row.public_key
    # The platform holds the public side only: no share value appears in the ledger event.
    assert events and all(d["value"] not in json.dumps(events) for d in docs)
