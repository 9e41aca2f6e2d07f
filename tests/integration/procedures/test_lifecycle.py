"""A lot's life through the kernel: notice refused with the article, deadline fired by the scheduler once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from tests.factories import tender_world

from ggzy.core.clock import SHANGHAI, FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import Conflict, Forbidden, NotFound, RuleRefused
from ggzy.entities.trades import Trade
from ggzy.ledger.models import LedgerEvent
from ggzy.procedures.models import ScheduledTransition
from ggzy.procedures.scheduler import run_due
from ggzy.projects import service
from ggzy.projects.models import Lot


def at(day: str, hm: str = "09:30") -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


@pytest.fixture
def world(clean_db: Database, clock: FrozenClock):  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        return tender_world(s, now=clock.now())


def _publish(db: Database, world, clock, **over):  # type: ignore[no-untyped-def]
    args = {
        "documents_from": at("2026-09-25"),
        "documents_until": at("2026-09-30", "17:00"),
        "bid_deadline": at("2026-10-15"),
        "bid_bond": Decimal("200000"),
    }
    args.update(over)
    with db.transaction() as s:
        return service.publish_notice(s, actor=world.owner, lot_id=world.lot_id, now=clock.now(), **args).stage


def test_periods_and_bond_are_checked_with_their_articles(clean_db: Database, world, clock) -> None:  # type: ignore[no-untyped-def]
    # 2026-09-25 + 20 days = 2026-10-15: one day less is refused (法24).
    with pytest.raises(RuleRefused) as err:
        _publish(clean_db, world, clock, bid_deadline=at("2026-10-14"))
    assert err.value.field == "bid_deadline" and "第二十四条" in (err.value.citation or "")
    with pytest.raises(RuleRefused) as err:
        _publish(clean_db, world, clock, documents_until=at("2026-09-29", "17:00"))
    assert err.value.field == "documents_until" and "第十六条" in (err.value.citation or "")
    # Bond above 2% of the 10,000,000 estimate (条例26).
    with pytest.raises(RuleRefused) as err:
        _publish(clean_db, world, clock, bid_bond=Decimal("200000.01"))
    assert err.value.field == "bid_bond" and "第二十六条" in (err.value.citation or "")
    with clean_db.session(write=False) as s:
        assert s.get(Lot, world.lot_id).stage == "draft"  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(ScheduledTransition)) == 0
    with pytest.raises(NotFound), clean_db.transaction() as s:
        service.publish_notice(
            s,
            actor=world.other_owner,
            lot_id=world.lot_id,
            documents_from=at("2026-09-25"),
            documents_until=at("2026-09-30", "17:00"),
            bid_deadline=at("2026-10-15"),
            bid_bond=None,
            now=clock.now(),
        )
    assert _publish(clean_db, world, clock) == "published"
    with pytest.raises(Conflict):
        _publish(clean_db, world, clock)


def test_procurement_availability_counts_working_days_across_national_day(clean_db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        w = tender_world(s, now=clock.now(), trade=Trade.procurement)
    # Issued 2026-09-29: five working days end after the National Day holiday (10-01..10-07), not on 10-04.
    with pytest.raises(RuleRefused) as err:
        _publish(
            clean_db,
            w,
            clock,
            documents_from=at("2026-09-29"),
            documents_until=at("2026-10-04", "17:00"),
            bid_deadline=at("2026-10-30"),
        )
    assert "个工作日" in err.value.message and err.value.field == "documents_until"


def test_the_deadline_opens_the_lot_exactly_once(clean_db: Database, world, clock) -> None:  # type: ignore[no-untyped-def]
    _publish(clean_db, world, clock)
    deadline = at("2026-10-15").astimezone(UTC)
    clock.set(deadline - timedelta(milliseconds=1))
    assert run_due(clean_db, now=clock.now()).done == 0
    clock.set(deadline)
    results = []
    # Two schedulers (two worker processes) race for the same due row.
    barrier = threading.Barrier(2)

    def tick() -> None:
        barrier.wait()
        results.append(run_due(clean_db, now=clock.now()))

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.done for r in results) == 1 and sum(r.failed for r in results) == 0
    with clean_db.session(write=False) as s:
        assert s.get(Lot, world.lot_id).stage == "opening"  # type: ignore[union-attr]
        fired = s.scalars(select(LedgerEvent).where(LedgerEvent.kind == "lot.reach_deadline")).all()
        assert len(fired) == 1 and fired[0].actor == "system"
    assert run_due(clean_db, now=clock.now() + timedelta(days=1)).done == 0


def test_owner_cannot_take_the_systems_step_and_termination_cancels_the_timer(clean_db: Database, world, clock) -> None:  # type: ignore[no-untyped-def]
    _publish(clean_db, world, clock)
    # Opening results only once the deadline has passed.
    with pytest.raises(Conflict), clean_db.transaction() as s:
        service.record_opening(
            s,
            actor=world.center,
            lot_id=world.lot_id,
            bids=[service.OpenedBid(b, Decimal("9000000"), {}) for b in world.bidder_ids[:3]],
            now=clock.now(),
        )
    with pytest.raises(Forbidden), clean_db.transaction() as s:
        lot = s.get(Lot, world.lot_id)
        assert lot is not None
        service.take_step(
            s, lot=lot, action="reach_deadline", party=service.Party.owner, actor="x", now=clock.now()
        )
    with clean_db.transaction() as s:
        service.end_lot(
            s,
            actor=world.owner,
            lot_id=world.lot_id,
            action="terminate",
            reason="项目资金调整，终止招标",
            now=clock.now(),
        )
    clock.set(at("2026-10-16").astimezone(UTC))
    assert run_due(clean_db, now=clock.now()).done == 0
    with clean_db.session(write=False) as s:
        lot = s.get(Lot, world.lot_id)
        assert lot is not None and lot.stage == "terminated" and lot.stage_reason == "项目资金调整，终止招标"


def test_opening_after_the_deadline_then_fewer_than_three_fails(clean_db: Database, world, clock) -> None:  # type: ignore[no-untyped-def]
    _publish(clean_db, world, clock)
    clock.set(at("2026-10-15").astimezone(UTC))
    run_due(clean_db, now=clock.now())
    with pytest.raises(RuleRefused), clean_db.transaction() as s:
        service.record_opening(
            s,
            actor=world.center,
            lot_id=world.lot_id,
            bids=[service.OpenedBid(b, Decimal("9000000"), {}) for b in world.bidder_ids[:2]],
            now=clock.now(),
        )
    with clean_db.transaction() as s:
        service.end_lot(
            s,
            actor=world.center,
            lot_id=world.lot_id,
            action="fail",
            reason="投标人不足3个，依法重新招标",
            now=clock.now(),
        )
    with clean_db.session(write=False) as s:
        assert s.get(Lot, world.lot_id).stage == "failed"  # type: ignore[union-attr]
