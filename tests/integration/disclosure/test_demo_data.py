"""Generated demo notices: real projects and lots, signed notices in time order, generated once."""

from __future__ import annotations

from sqlalchemy import func, select

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.disclosure import demo_data, search
from ggzy.ledger.models import LedgerEvent
from ggzy.notices.models import Notice
from ggzy.projects.models import Lot


def test_generates_once_with_lifecycles_in_time_order(clean_db: Database, clock: FrozenClock) -> None:
    with clean_db.transaction() as s:
        made = demo_data.generate(s, lots=40, now=clock.now())
    assert made > 40
    with clean_db.transaction() as s:
        assert demo_data.generate(s, lots=40, now=clock.now()) == 0
    with clean_db.session(write=False) as s:
        notices = list(s.scalars(select(Notice).order_by(Notice.id)))
        assert len(notices) == made
        times = [n.published_at for n in notices]
        assert times == sorted(times) and times[-1] <= clock.now()
        assert times[0] >= clock.now().replace(year=clock.now().year - 2)
        assert [n.ledger_index for n in notices] == sorted(n.ledger_index for n in notices)
        assert {n.kind for n in notices} >= {"tender", "opening", "result", "contract"}
        assert all(n.region_code.startswith("62") and len(n.region_code) == 6 for n in notices)
        events = s.scalar(
            select(func.count()).select_from(LedgerEvent).where(LedgerEvent.kind == "demo.notice_imported")
        )
        assert events == made
        # Each lot's stage is the end of its published history.
        lots = {lot.id: lot for lot in s.scalars(select(Lot))}
        last = {n.lot_id: n.kind for n in notices}
        after = {
            "tender": "published",
            "change": "published",
            "opening": "opened",
            "candidates": "publicity",
            "result": "awarded",
            "contract": "contracted",
            "failure": "failed",
            "termination": "terminated",
        }
        assert all(lots[lot_id].stage == after[kind] for lot_id, kind in last.items() if lot_id is not None)
        # And they are searchable by their titles.
        some = notices[len(notices) // 2]
        assert some.id in search.ranked_ids(s, terms=search.query_terms(some.title), limit=1000)
