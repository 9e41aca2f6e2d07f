"""Sanctions at service level: who may impose and lift, refused decisions, the Beijing-date period (both ends
inclusive), trades in scope, and the refusals they cause when bidding and at award."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.factories import TenderWorld, entity, evaluated_world, principal, tender_world
from tests.integration.bids.support import BidWorld, bid_world, complete, seal, start, submit, write

from ggzy.bids.models import Bid, BidUpload
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import SHANGHAI, FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from ggzy.core.security import Grant, Principal, Role
from ggzy.credit import queries, service
from ggzy.credit.models import Sanction
from ggzy.entities.trades import Trade
from ggzy.ledger.models import LedgerEvent
from ggzy.ledger.signing import SigningKey
from ggzy.procedures.scheduler import run_due
from ggzy.projects import award
from ggzy.projects.models import Lot

TODAY = date(2026, 9, 25)  # the clock fixture: 2026-09-25 10:00 Beijing


def supervisor(session: Session, now: datetime, trade: str | None = None, name: str = "sup") -> Principal:
    p = principal(session, username=name, role=Role.supervisor, entity_id=None, now=now)
    return Principal(p.user_id, p.username, p.display_name, None, grants=(Grant(Role.supervisor, trade=trade),))


def impose(session: Session, actor: Principal, entity_id: int, now: datetime, **over: Any) -> Sanction:
    args: dict[str, Any] = {
        "kind": "construction",
        "scope_trades": None,
        "valid_from": date(2026, 10, 1),
        "valid_until": date(2027, 9, 30),
        "authority": "甘肃省住房和城乡建设厅",
        "document_no": "甘建罚〔2026〕12号",
        "rule_key": "construction.sanction_collusion_serious",
        "reason": "3年内2次以上串通投标",
    }
    args.update(over)
    return service.impose(session, actor=actor, entity_id=entity_id, now=now, **args)


@pytest.fixture
def tw(clean_db: Database, clock: FrozenClock) -> TenderWorld:
    with clean_db.transaction() as s:
        return tender_world(s, now=clock.now(), bidders=3)


def test_only_supervisors_in_scope_and_center_staff_impose_and_lift(
    clean_db: Database, clock: FrozenClock, tw: TenderWorld
) -> None:
    now = clock.now()
    bidder = tw.bidder_ids[0]
    with clean_db.transaction() as s:
        bidder_staff = principal(s, username="b0", role=Role.bidder_staff, entity_id=bidder, now=now)
        procurement_sup = supervisor(s, now, trade="procurement", name="sup_p")
        construction_sup = supervisor(s, now, trade="construction", name="sup_c")
    for actor, code in (
        (bidder_staff, "ROLE_REQUIRED"),
        (tw.owner, "ROLE_REQUIRED"),
        (procurement_sup, "SUPERVISOR_SCOPE"),
    ):
        with pytest.raises(Forbidden) as err, clean_db.transaction() as s:
            impose(s, actor, bidder, now)
        assert err.value.code == code
    with clean_db.transaction() as s:
        by_supervisor = impose(s, construction_sup, bidder, now).id
        by_center = impose(
            s,
            tw.center,
            bidder,
            now,
            kind="procurement",
            document_no="甘财购罚〔2026〕3号",
            rule_key="procurement.sanction_supplier",
        ).id
    with clean_db.session(write=False) as s:
        event = s.scalars(select(LedgerEvent).where(LedgerEvent.kind == "sanction.imposed")).first()
        assert event is not None and event.subject == f"entity:{bidder}"
        assert event.data["document_no"] == "甘建罚〔2026〕12号" and event.data["valid_until"] == "2027-09-30"
        assert event.actor == f"user:{construction_sup.user_id}"
    # Lifting follows the same rule: not a bidder, not a supervisor of another trade.
    for actor in (bidder_staff, procurement_sup):
        with pytest.raises(Forbidden), clean_db.transaction() as s:
            service.lift(s, actor=actor, sanction_id=by_supervisor, reason="决定已被行政复议撤销", now=now)
    with clean_db.transaction() as s:
        service.lift(s, actor=construction_sup, sanction_id=by_supervisor, reason="决定已被行政复议撤销", now=now)
        service.lift(s, actor=tw.center, sanction_id=by_center, reason="信用修复完成，申请解除", now=now)
    with pytest.raises(Conflict) as conflict, clean_db.transaction() as s:
        service.lift(s, actor=tw.center, sanction_id=by_supervisor, reason="再次解除试试看", now=now)
    assert conflict.value.code == "SANCTION_ALREADY_LIFTED"
    with pytest.raises(NotFound), clean_db.transaction() as s:
        service.lift(s, actor=tw.center, sanction_id=9999, reason="不存在的惩戒记录", now=now)
    with clean_db.session(write=False) as s:
        lifted = list(s.scalars(select(LedgerEvent).where(LedgerEvent.kind == "sanction.lifted")))
        assert [e.data["sanction_id"] for e in lifted] == [by_supervisor, by_center]
        row = s.get(Sanction, by_supervisor)
        assert (
            row is not None and row.lifted_by == construction_sup.user_id and row.lift_reason == "决定已被行政复议撤销"
        )


@pytest.mark.parametrize(
    ("over", "error", "code", "field"),
    [
        ({"valid_until": date(2026, 9, 30)}, InvalidInput, "SANCTION_PERIOD_INVALID", "valid_until"),
        (
            {"valid_from": date(2025, 9, 1), "valid_until": date(2026, 9, 24)},
            InvalidInput,
            "SANCTION_PERIOD_ENDED",
            "valid_until",
        ),
        ({"valid_until": date(2028, 10, 1)}, RuleRefused, "SANCTION_PERIOD_TOO_LONG", "valid_until"),
        ({"valid_until": date(2027, 9, 29)}, RuleRefused, "SANCTION_PERIOD_TOO_SHORT", "valid_until"),
        ({"rule_key": "procurement.sanction_supplier"}, InvalidInput, "SANCTION_BASIS_MISMATCH", "rule"),
        ({"rule_key": "construction.bid_bond_ratio"}, InvalidInput, "SANCTION_BASIS_UNKNOWN", "rule"),
        ({"kind": "forever"}, InvalidInput, "SANCTION_KIND_INVALID", "kind"),
        ({"scope_trades": ["construction", "procurement"]}, InvalidInput, "SANCTION_SCOPE_INVALID", "scope_trades"),
        ({"kind": "all", "scope_trades": ["lottery"]}, InvalidInput, "SANCTION_SCOPE_INVALID", "scope_trades"),
        ({"document_no": " "}, InvalidInput, "INVALID_INPUT", "document_no"),
    ],
)
def test_unlawful_or_malformed_decisions_are_refused(
    clean_db: Database, clock: FrozenClock, tw: TenderWorld, over: dict[str, Any], error: type, code: str, field: str
) -> None:
    with pytest.raises(error) as err, clean_db.transaction() as s:
        impose(s, tw.center, tw.bidder_ids[0], clock.now(), **over)
    assert isinstance(err.value, AppError) and err.value.code == code and err.value.field == field
    if error is RuleRefused:
        assert "第六十七条" in (err.value.citation or "") and "第六十七条" in err.value.message
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Sanction)) == 0


def test_statutory_bounds_are_inclusive_and_entities_checked(
    clean_db: Database, clock: FrozenClock, tw: TenderWorld
) -> None:
    now = clock.now()
    with clean_db.transaction() as s:
        # 条例67: 1 to 2 years; both ends are days of the bar.
        impose(s, tw.center, tw.bidder_ids[0], now, valid_until=date(2028, 9, 30))
        impose(s, tw.center, tw.bidder_ids[1], now, valid_until=date(2027, 9, 30))
        # 法60: 2 to 5 years.
        impose(
            s,
            tw.center,
            tw.bidder_ids[2],
            now,
            rule_key="construction.sanction_nonperformance",
            valid_until=date(2031, 9, 30),
        )
    with pytest.raises(RuleRefused) as err, clean_db.transaction() as s:
        impose(
            s,
            tw.center,
            tw.bidder_ids[2],
            now,
            document_no="X-2",
            rule_key="construction.sanction_nonperformance",
            valid_until=date(2028, 9, 29),
        )
    assert err.value.code == "SANCTION_PERIOD_TOO_SHORT" and "第六十条" in (err.value.citation or "")
    with pytest.raises(Conflict) as dup, clean_db.transaction() as s:
        impose(s, tw.center, tw.bidder_ids[0], now)
    assert dup.value.code == "SANCTION_DUPLICATE"
    with pytest.raises(NotFound) as missing, clean_db.transaction() as s:
        impose(s, tw.center, 99999, now)
    assert missing.value.code == "SANCTION_ENTITY_NOT_FOUND" and missing.value.field == "entity_id"
    with pytest.raises(InvalidInput) as owner, clean_db.transaction() as s:
        impose(s, tw.center, tw.owner.entity_id or 0, now)
    assert owner.value.code == "SANCTION_ENTITY_NOT_BIDDER"


def test_is_barred_by_beijing_date_trade_and_lifting(clean_db: Database, clock: FrozenClock, tw: TenderWorld) -> None:
    now = clock.now()
    a, b, c = tw.bidder_ids
    with clean_db.transaction() as s:
        sid = impose(s, tw.center, a, now).id  # construction, 2026-10-01 .. 2027-09-30
        impose(
            s,
            tw.center,
            b,
            now,
            kind="all",
            scope_trades=["land", "construction"],
            document_no="联合惩戒1号",
            rule_key="procurement.sanction_supplier",
            valid_until=date(2029, 9, 30),
        )
    with clean_db.session(write=False) as s:

        def barred(entity_id: int, trade: str, on: date) -> int | None:
            found = service.is_barred(s, entity_id=entity_id, trade=trade, on=on)
            return found.id if found else None

        assert barred(a, "construction", date(2026, 9, 30)) is None
        assert barred(a, "construction", date(2026, 10, 1)) == sid
        assert barred(a, "construction", date(2027, 9, 30)) == sid
        assert barred(a, "construction", date(2027, 10, 1)) is None
        assert barred(a, "procurement", date(2027, 1, 1)) is None  # another trade
        assert barred(c, "construction", date(2027, 1, 1)) is None  # another entity
        assert barred(b, "land", date(2027, 1, 1)) is not None
        assert barred(b, "construction", date(2029, 9, 30)) is not None
        assert barred(b, "procurement", date(2027, 1, 1)) is None  # not in the joint sanction's scope
        # The day turns at midnight Beijing time, not UTC.
        eve = datetime(2026, 9, 30, 16, 0, tzinfo=UTC) - timedelta(milliseconds=1)
        service.ensure_not_barred(s, entity_id=a, trade="construction", now=eve)
        with pytest.raises(RuleRefused) as err:
            service.ensure_not_barred(s, entity_id=a, trade="construction", now=eve + timedelta(milliseconds=1))
        assert err.value.code == "BIDDER_BARRED"
        standing = queries.entity_credit(s, entity_id=b, on=date(2027, 1, 1))
        assert standing.barred and standing.barred_trades == ["construction", "land"]
    with clean_db.transaction() as s:
        service.lift(s, actor=tw.center, sanction_id=sid, reason="处罚决定被撤销", now=now)
    with clean_db.session(write=False) as s:
        assert service.is_barred(s, entity_id=a, trade="construction", on=date(2027, 1, 1)) is None
    # An expired sanction cannot be lifted.
    clock.set(datetime(2029, 10, 1, 2, 0, tzinfo=UTC))
    with clean_db.transaction() as s:
        joint = s.scalars(select(Sanction).where(Sanction.entity_id == b)).one().id
    with pytest.raises(Conflict) as err2, clean_db.transaction() as s:
        service.lift(s, actor=tw.center, sanction_id=joint, reason="期满后申请解除", now=clock.now())
    assert err2.value.code == "SANCTION_EXPIRED"


def test_public_list_shows_in_force_and_history_pending_only_to_recorders(
    clean_db: Database, clock: FrozenClock, tw: TenderWorld
) -> None:
    now = clock.now()
    a, b, c = tw.bidder_ids
    with clean_db.transaction() as s:
        in_force = impose(s, tw.center, a, now, valid_from=TODAY, valid_until=date(2027, 9, 24)).id
        pending = impose(s, tw.center, b, now).id  # from 2026-10-01
        lifted = impose(s, tw.center, c, now, valid_from=TODAY, valid_until=date(2027, 9, 24)).id
        service.lift(s, actor=tw.center, sanction_id=lifted, reason="信用修复完成", now=now)
        other = entity(s, n=99, kind="bidder", name="陇南某某建设有限公司", now=now)
    # An expired one: recorded a year ago, ended yesterday.
    with clean_db.transaction() as s:
        expired = impose(
            s,
            tw.center,
            other.id,
            now - timedelta(days=365),
            valid_from=date(2025, 9, 25),
            valid_until=date(2026, 9, 24),
            document_no="旧1号",
        ).id
        uscc = other.uscc

    with clean_db.session(write=False) as s:

        def ids(status: str, actor: Principal | None = None, q: str | None = None) -> list[int]:
            page = queries.sanctions(s, actor=actor, q=q, status=status, today=TODAY, limit=50, offset=0)
            return sorted(i.id for i in page.items)

        assert ids("in_force") == [in_force]
        assert ids("history") == sorted([lifted, expired])
        assert ids("history", q=uscc) == [expired]
        assert ids("history", q=uscc.lower()) == [expired]
        assert ids("in_force", q="投标人0") == [in_force]
        assert ids("in_force", q="投标人1") == []
        assert ids("pending", actor=tw.center) == [pending]
        with pytest.raises(Forbidden):
            ids("pending")
        with pytest.raises(Forbidden):
            ids("all", actor=tw.owner)
        with pytest.raises(NotFound):
            queries.sanction_for(s, actor=None, sanction_id=pending, today=TODAY)
        out = queries.sanction_for(s, actor=None, sanction_id=lifted, today=TODAY)
        assert out.status == "lifted" and out.lift_reason == "信用修复完成"


# ---- enforcement when bidding and awarding ----------------------------------------------------------------


@pytest.fixture
def world(clean_db: Database, clock: FrozenClock) -> BidWorld:
    with clean_db.transaction() as s:
        return bid_world(s, now=clock.now())


def test_barred_bidder_cannot_submit_and_others_can(
    clean_db: Database, clock: FrozenClock, world: BidWorld, tmp_path: Path
) -> None:
    storage = BidStorage(tmp_path / "bids")
    key = SigningKey.load_or_create(tmp_path / "signing.key")
    barred, free, late = world.tender.bidder_ids
    with clean_db.transaction() as s:
        impose(s, world.tender.center, barred, clock.now(), valid_from=TODAY, valid_until=date(2027, 9, 24))
        # Another trade's bar and a future bar do not stop a construction bid today.
        impose(
            s,
            world.tender.center,
            free,
            clock.now(),
            kind="procurement",
            document_no="甘财购罚〔2026〕9号",
            rule_key="procurement.sanction_supplier",
            valid_from=TODAY,
            valid_until=date(2027, 9, 24),
        )
        impose(s, world.tender.center, free, clock.now(), valid_from=date(2026, 10, 20), valid_until=date(2027, 10, 19))
    with pytest.raises(RuleRefused) as err:
        start(clean_db, world.bidders[0], world.tender.lot_id, 4096, clock)
    refusal = err.value
    assert refusal.code == "BIDDER_BARRED" and refusal.status_code == 422
    assert "甘建罚〔2026〕12号" in refusal.message and "2026-09-25 至 2027-09-24" in refusal.message
    assert "甘肃省住房和城乡建设厅" in refusal.message and "第六十七条" in refusal.message
    assert refusal.citation is not None and refusal.citation.startswith(
        "依据《中华人民共和国招标投标法实施条例》第六十七条"
    )
    bid = submit(clean_db, world, 1, storage, key, clock)
    assert bid.status == "submitted"

    # Barred while uploading: the upload started, the completion is refused.
    data = seal(world.opening.public, lot_id=world.tender.lot_id, bidder_id=late)
    upload_id = start(clean_db, world.bidders[2], world.tender.lot_id, len(data), clock)
    write(clean_db, world.bidders[2], upload_id, data, 0, storage, clock)
    with clean_db.transaction() as s:
        impose(
            s,
            world.tender.center,
            late,
            clock.now(),
            valid_from=TODAY,
            valid_until=date(2027, 9, 24),
            document_no="甘建罚〔2026〕13号",
        )
    with pytest.raises(RuleRefused) as err2:
        complete(clean_db, world.bidders[2], upload_id, storage, key, clock)
    assert err2.value.code == "BIDDER_BARRED" and "甘建罚〔2026〕13号" in err2.value.message
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Bid).where(Bid.bidder_entity_id.in_([barred, late]))) == 0
        assert s.scalar(select(func.count()).select_from(BidUpload).where(BidUpload.bidder_entity_id == barred)) == 0


def _decided(db: Database, clock: FrozenClock) -> tuple[TenderWorld, list[int]]:
    """A construction lot evaluated, its candidates published and the publicity over (as in test_award)."""
    w, bidders = evaluated_world(db, clock, trade=Trade.construction, bidders=3)
    with db.transaction() as s:
        award.publish_candidates(s, actor=w.owner, lot_id=w.lot_id, now=clock.now())
    end = datetime(2026, 9, 29, tzinfo=SHANGHAI).astimezone(UTC)
    assert run_due(db, now=end).done == 1
    clock.set(end + timedelta(hours=10))
    return w, bidders


def test_award_to_a_barred_candidate_is_refused(clean_db: Database, clock: FrozenClock) -> None:
    w, bidders = _decided(clean_db, clock)
    with clean_db.transaction() as s:
        sid = impose(
            s, w.center, w.bidder_ids[0], clock.now(), valid_from=date(2026, 9, 29), valid_until=date(2027, 9, 28)
        ).id
    with pytest.raises(RuleRefused) as err, clean_db.transaction() as s:
        award.award(s, actor=w.owner, lot_id=w.lot_id, lot_bidder_id=bidders[0], now=clock.now())
    assert err.value.code == "BIDDER_BARRED" and "第六十七条" in (err.value.citation or "")
    with clean_db.session(write=False) as s:
        lot = s.get(Lot, w.lot_id)
        assert lot is not None and lot.winner_bidder_id is None and lot.stage == "decided"
    with clean_db.transaction() as s:
        service.lift(s, actor=w.center, sanction_id=sid, reason="处罚决定经复议撤销", now=clock.now())
    with clean_db.transaction() as s:
        award.award(s, actor=w.owner, lot_id=w.lot_id, lot_bidder_id=bidders[0], now=clock.now())
    with clean_db.session(write=False) as s:
        lot = s.get(Lot, w.lot_id)
        assert lot is not None and lot.winner_bidder_id == bidders[0]
