"""The README's first command seeds demo data: it must work on both databases and be idempotent."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from ggzy.bids import opening
from ggzy.bids.models import Bid, LotOpeningKey
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import SystemClock
from ggzy.core.db import Database
from ggzy.core.security import Role
from ggzy.core.settings import Settings
from ggzy.demo import seed_demo
from ggzy.ledger.models import LedgerEvent
from ggzy.notices.models import Notice
from ggzy.procedures.scheduler import run_due
from ggzy.projects.demo import demo_principal
from ggzy.projects.models import Lot, LotBidder, Project
from ggzy.vault.threshold import Share, combine_shares


def test_demo_seed_twice_adds_nothing_the_second_time(clean_db: Database, settings: Settings) -> None:
    first = seed_demo(clean_db, settings=settings)
    assert "演示账号" in first
    with clean_db.session(write=False) as s:
        events = s.scalar(select(func.count()).select_from(LedgerEvent))
        projects = s.scalar(select(func.count()).select_from(Project))
        # The two hand-made demo tenders (the generated history has no opened bidders).
        opened = s.scalar(select(func.count(func.distinct(LotBidder.lot_id))))
        bidders = s.scalar(select(func.count()).select_from(LotBidder))
        notices = s.scalar(select(func.count()).select_from(Notice))
    assert opened == 2 and bidders == 9
    # Two demo lots have opening keys: the published one takes bids in the browser, the other's deadline has
    # passed with three sealed bids. Any 2 of the 3 custodians' shares in the data folder rebuild each key.
    with clean_db.session(write=False) as s:
        keys = list(s.scalars(select(LotOpeningKey).order_by(LotOpeningKey.lot_id)))
        sealed = list(s.scalars(select(Bid).where(Bid.status == "submitted")))
    assert len(keys) == 2 and len(sealed) == 3 and {b.lot_id for b in sealed} == {keys[1].lot_id}
    for key in keys:
        folder = settings.data_dir / "demo-shares" / f"lot-{key.lot_id}"
        shares = [Share.loads((folder / f"share-{i}.json").read_text()) for i in (1, 3)]
        assert combine_shares(shares, expected_digest=key.commitments_digest).key_id == key.key_id
    # Plus two years of generated public history for the portal.
    assert projects is not None and projects > 500 and notices is not None and notices > 2000
    second = seed_demo(clean_db, settings=settings)
    # Same accounts and passwords are printed again; nothing new is written.
    assert [line for line in second.splitlines() if "用户名" in line] == [
        line for line in first.splitlines() if "用户名" in line
    ]
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(LedgerEvent)) == events
        assert s.scalar(select(func.count()).select_from(Project)) == projects
        assert s.scalar(select(func.count()).select_from(Notice)) == notices


def test_demo_opening_runs_in_the_hall(clean_db: Database, settings: Settings) -> None:
    """What a visitor does with the demo: the scheduler opens the lot whose deadline has passed, bidder1
    decrypts with its data key file, two custodians' shares open the other two, and the record is signed."""
    seed_demo(clean_db, settings=settings)
    now = SystemClock().now()
    with clean_db.session(write=False) as s:
        lot_id = s.scalars(select(Bid.lot_id).where(Bid.status == "submitted")).first()
    assert lot_id is not None
    assert run_due(clean_db, now=now).done >= 1
    storage = BidStorage.under(settings.data_dir)
    with clean_db.transaction() as s:
        assert s.get(Lot, lot_id).stage == "opening"  # type: ignore[union-attr]
        bidder = demo_principal(s, "bidder1", Role.bidder_staff)
        own = s.scalars(select(Bid).where(Bid.lot_id == lot_id, Bid.bidder_entity_id == bidder.entity_id)).one()
        key_file = settings.data_dir / "demo-bids" / f"lot-{lot_id}" / "bidder1-data-key.txt"
        data_key = bytes.fromhex(key_file.read_text().strip())
        opening.decrypt_bid(s, actor=bidder, bid_id=own.id, data_key=data_key, storage=storage, now=now)
    folder = settings.data_dir / "demo-shares" / f"lot-{lot_id}"
    with clean_db.transaction() as s:
        center = demo_principal(s, "center", Role.center_staff)
        others = [b.id for b in opening.lot_bids(s, lot_id) if b.status == opening.LIVE]
        assert len(others) == 2
        shares = [json.loads((folder / f"share-{i}.json").read_text()) for i in (2, 3)]
        opening.open_by_escrow(
            s, actor=center, lot_id=lot_id, bid_ids=others, reason="演示：投标人未解密，决定代为解密",
            shares=shares, storage=storage, now=now,
        )  # fmt: skip
        record = opening.close_opening(s, actor=center, lot_id=lot_id, now=now)
    with clean_db.session(write=False) as s:
        assert s.get(Lot, lot_id).stage == "opened"  # type: ignore[union-attr]
        assert record.notice_id is not None and s.get(Notice, record.notice_id).kind == "opening"  # type: ignore[union-attr]

