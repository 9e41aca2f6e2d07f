"""A member replaced through the experts domain: the outbox tells evaluation, the sheet becomes void."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from tests.api.evaluation.world import build

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.events import OutboxMessage
from ggzy.entities.auth import principal_for
from ggzy.entities.models import User
from ggzy.evaluation import service
from ggzy.evaluation.models import Evaluation, ScoringScheme, Sheet
from ggzy.experts import committees
from ggzy.experts.models import CommitteeMember
from ggzy.ledger.models import LedgerEvent


def _who(s, uid):  # type: ignore[no-untyped-def]
    user = s.get(User, uid)
    return principal_for(user, via="session")


def test_replacement_voids_the_sheet_through_the_outbox(clean_db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    with clean_db.transaction() as s:
        w = build(s, now=now, reserves=1)
    with clean_db.transaction() as s:
        center = _who(s, w.users["center"])
        service.set_scheme(
            s, actor=center, lot_id=w.lot_id, method="lowest_price", price_weight=Decimal(0), criteria=[], now=now
        )
        ev_id = service.start_evaluation(s, actor=center, lot_id=w.lot_id, now=now).id
    with clean_db.transaction() as s:
        e1 = _who(s, w.users["expert1"])
        verdicts = [service.VerdictIn(bidder_id=b, passed=True) for b in w.bidder_ids]
        service.submit_sheet(s, actor=e1, evaluation_id=ev_id, verdicts=verdicts, scores=[], now=now)
        service.sign_sheet(s, actor=e1, evaluation_id=ev_id, now=now)
    with clean_db.transaction() as s:
        committees.replace_member(
            s, actor=_who(s, w.users["center"]), member_id=w.member_ids[0], status="no_show", reason="未到场", now=now
        )
    # delivered after commit
    with clean_db.session(write=False) as s:
        sheet = s.scalars(select(Sheet).where(Sheet.evaluation_id == ev_id)).one()
        assert sheet.status == "void" and sheet.voided_at is not None
        msg = s.scalars(select(OutboxMessage).where(OutboxMessage.handler == "evaluation.void_replaced_member")).one()
        assert msg.status == "done"
        assert s.scalar(select(LedgerEvent.index).where(LedgerEvent.kind == "evaluation.sheet_voided")) is not None
    # the reserve confirms, then scores; lowest price ranks the cheapest bid first
    with clean_db.transaction() as s:
        reserve = _who(s, w.users["reserve1"])
        member_id = s.scalars(
            select(CommitteeMember.id).where(CommitteeMember.replaced_by_member_id.is_not(None))
        ).one()
        replacement = s.get(CommitteeMember, member_id)
        assert replacement is not None and replacement.replaced_by_member_id is not None
        committees.respond(s, actor=reserve, member_id=replacement.replaced_by_member_id, accept=True, note="", now=now)
    with clean_db.transaction() as s:
        for name in ["reserve1", *w.member_users[1:]]:
            actor = _who(s, w.users[name])
            service.submit_sheet(s, actor=actor, evaluation_id=ev_id, verdicts=verdicts, scores=[], now=now)
            service.sign_sheet(s, actor=actor, evaluation_id=ev_id, now=now)
    with clean_db.session(write=False) as s:
        ev = s.get(Evaluation, ev_id)
        assert ev is not None and ev.status == "summarized"
        assert ev.summary is not None and ev.summary["ranking"][0]["bidder_id"] == w.bidder_ids[1]  # 950000
        assert s.get(ScoringScheme, ev.scheme_id) is not None
