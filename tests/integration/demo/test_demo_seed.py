"""The README's first command seeds demo data: it must work on both databases and be idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from ggzy.bids.models import LotOpeningKey
from ggzy.core.db import Database
from ggzy.core.settings import Settings
from ggzy.demo import seed_demo
from ggzy.ledger.models import LedgerEvent
from ggzy.notices.models import Notice
from ggzy.projects.models import LotBidder, Project
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
    # The published demo lot takes bids in the browser: its opening key is registered, and any 2 of the 3
    # custodians' shares written to the data folder rebuild exactly that key.
    with clean_db.session(write=False) as s:
        keys = list(s.scalars(select(LotOpeningKey)))
    assert len(keys) == 1
    folder = settings.data_dir / "demo-shares" / f"lot-{keys[0].lot_id}"
    shares = [Share.loads((folder / f"share-{i}.json").read_text()) for i in (1, 3)]
    assert combine_shares(shares, expected_digest=keys[0].commitments_digest).key_id == keys[0].key_id
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
