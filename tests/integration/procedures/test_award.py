"""After the evaluation: publicity ended by the scheduler, award in rank order, contract as awarded, performance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from tests.factories import OPENED_PRICES, evaluated_world

from ggzy.core.clock import SHANGHAI, FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import Conflict, RuleRefused
from ggzy.entities.trades import Trade
from ggzy.ledger.models import LedgerEvent
from ggzy.notices.models import Notice
from ggzy.procedures.scheduler import run_due
from ggzy.projects import award
from ggzy.projects.models import Lot

PRICES = OPENED_PRICES


def _stage(db: Database, lot_id: int) -> str:
    with db.session(write=False) as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        return lot.stage


def test_publicity_award_contract_performance(clean_db: Database, clock: FrozenClock) -> None:
    w, bidders = evaluated_world(clean_db, clock)  # clock: 2026-09-25 10:00 Beijing
    # No award before the candidates have been published and the publicity is over.
    with pytest.raises(Conflict), clean_db.transaction() as s:
        award.award(s, actor=w.owner, lot_id=w.lot_id, lot_bidder_id=bidders[0], now=clock.now())
    with clean_db.transaction() as s:
        lot = award.publish_candidates(s, actor=w.owner, lot_id=w.lot_id, now=clock.now())
        # 3 days of publicity (条例54): 09-26, 27, 28, ending at midnight after 09-28.
        assert lot.publicity_until == datetime(2026, 9, 29, tzinfo=SHANGHAI)
    end = datetime(2026, 9, 29, tzinfo=SHANGHAI).astimezone(UTC)
    assert run_due(clean_db, now=end - timedelta(seconds=1)).done == 0
    assert _stage(clean_db, w.lot_id) == "publicity"
    assert run_due(clean_db, now=end).done == 1
    assert _stage(clean_db, w.lot_id) == "decided"
    clock.set(end + timedelta(hours=10))

    # State-funded: the first-ranked candidate must win (条例55); not a candidate at all: refused.
    with pytest.raises(RuleRefused) as err, clean_db.transaction() as s:
        award.award(s, actor=w.owner, lot_id=w.lot_id, lot_bidder_id=bidders[1], now=clock.now())
    assert "第五十五条" in (err.value.citation or "")
    with clean_db.transaction() as s:
        award.award(s, actor=w.owner, lot_id=w.lot_id, lot_bidder_id=bidders[0], now=clock.now())

    with pytest.raises(RuleRefused) as err, clean_db.transaction() as s:
        award.sign_contract(
            s, actor=w.owner, lot_id=w.lot_id, amount=Decimal("9000000"), signed_on=date(2026, 9, 29), now=clock.now()
        )
    assert err.value.code == "CONTRACT_AMOUNT_DIFFERS" and "第四十六条" in (err.value.citation or "")
    # Signed 40 days after the award: recorded, flagged with the 30-day rule.
    clock.set(end + timedelta(days=41))
    with clean_db.transaction() as s:
        _, late = award.sign_contract(
            s, actor=w.owner, lot_id=w.lot_id, amount=PRICES[0], signed_on=date(2026, 11, 8), now=clock.now()
        )
    assert late is not None and "第四十六条" in late
    clock.set(end + timedelta(days=200))
    with clean_db.transaction() as s:
        award.record_performance(
            s,
            actor=w.owner,
            lot_id=w.lot_id,
            completed_on=date(2027, 4, 1),
            quality="合格，一次验收通过",
            final_amount=Decimal("9282000"),
            now=clock.now(),
        )
    assert _stage(clean_db, w.lot_id) == "performed"
    with clean_db.session(write=False) as s:
        kinds = list(s.scalars(select(LedgerEvent.kind).where(LedgerEvent.subject == f"lot:{w.lot_id}")))
        lot = s.get(Lot, w.lot_id)
        assert lot is not None and lot.performance is not None and lot.performance["change_percent"] == "2.00"
    for doc in _notices(clean_db, w.lot_id, ("candidates", "result")):  # construction: nobody named
        assert "experts" not in doc["fields"] and "评审专家" not in doc["text"] and "赵评审" not in doc["text"]
    assert kinds[-5:] == [
        "lot.publish_candidates",
        "lot.end_publicity",
        "lot.award",
        "lot.sign_contract",
        "lot.record_performance",
    ]


def test_procurement_result_is_published_for_one_working_day_and_awarded_in_order(
    clean_db: Database, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))  # the eve of National Day
    w, bidders = evaluated_world(clean_db, clock, trade=Trade.procurement)
    with clean_db.transaction() as s:
        lot = award.publish_candidates(s, actor=w.owner, lot_id=w.lot_id, now=clock.now())
        # One working day after 09-30 is 10-08 (holiday 10-01..10-07): the publicity ends at midnight after it.
        assert lot.publicity_until == datetime(2026, 10, 9, tzinfo=SHANGHAI)
    run_due(clean_db, now=datetime(2026, 10, 9, tzinfo=SHANGHAI).astimezone(UTC))
    with pytest.raises(RuleRefused) as err, clean_db.transaction() as s:
        award.award(s, actor=w.owner, lot_id=w.lot_id, lot_bidder_id=bidders[2], now=clock.now())
    assert "第四十三条" in (err.value.citation or "")
    with clean_db.transaction() as s:
        award.award(s, actor=w.owner, lot_id=w.lot_id, lot_bidder_id=bidders[0], now=clock.now())
    # Both the publicity and the result notice name the evaluation experts (采购条例43), representatives apart.
    for doc in _notices(clean_db, w.lot_id, ("candidates", "result")):
        assert doc["fields"]["experts"] == ["赵评审", "钱评审", "孙评审", "李评审"]
        assert doc["fields"]["owner_representatives"] == ["周代表"]
        assert "评审专家名单：赵评审、钱评审、孙评审、李评审；采购人代表：周代表。" in doc["text"]


def _notices(db: Database, lot_id: int, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """The signed documents of the lot's notices of these kinds, one of each."""
    with db.session(write=False) as s:
        found = list(s.scalars(select(Notice).where(Notice.lot_id == lot_id, Notice.kind.in_(kinds))))
        assert sorted(n.kind for n in found) == sorted(kinds)
        return [n.fields() for n in found]
