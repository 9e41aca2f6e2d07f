"""Questions and objections: windows refused with their articles, holds that stop steps and timers until
the answer, overdue answers recorded, answers published as signed clarification notices without the asker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from tests.factories import TenderWorld, evaluated_world, principal, tender_world

from ggzy.complaints import queries, service
from ggzy.core.clock import SHANGHAI, FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import Conflict, Forbidden, NotFound, RuleRefused
from ggzy.core.security import Principal, Role
from ggzy.entities.trades import Trade
from ggzy.ledger.models import LedgerEvent
from ggzy.notices.models import Notice
from ggzy.procedures import holds
from ggzy.procedures.kernel import Party
from ggzy.procedures.models import ScheduledTransition
from ggzy.procedures.scheduler import run_due
from ggzy.projects import award
from ggzy.projects import service as projects
from ggzy.projects.models import Lot, LotBidder


def at(day: str, hm: str = "09:30") -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


def _published(db: Database, clock: FrozenClock, trade: Trade = Trade.construction) -> tuple[TenderWorld, Principal]:
    with db.transaction() as s:
        w = tender_world(s, now=clock.now(), trade=trade)
        bidder = principal(s, username="bidder0", role=Role.bidder_staff, entity_id=w.bidder_ids[0], now=clock.now())
    with db.transaction() as s:
        projects.publish_notice(
            s,
            actor=w.owner,
            lot_id=w.lot_id,
            documents_from=at("2026-09-25"),
            documents_until=at("2026-10-09" if trade == Trade.procurement else "2026-09-30", "17:00"),
            bid_deadline=at("2026-10-30" if trade == Trade.procurement else "2026-10-15"),
            bid_bond=None,
            now=clock.now(),
        )
    return w, bidder


def _stage(db: Database, lot_id: int) -> str:
    with db.session(write=False) as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        return lot.stage


def _events(db: Database, kind: str) -> list[LedgerEvent]:
    with db.session(write=False) as s:
        return list(s.scalars(select(LedgerEvent).where(LedgerEvent.kind == kind).order_by(LedgerEvent.index)))


def test_documents_objection_window_cites_article_22(clean_db: Database, clock: FrozenClock) -> None:
    w, bidder = _published(clean_db, clock)
    # Bid deadline 2026-10-15: objections to the documents until 10-05 (10 days before), refused on 10-06.
    clock.set(at("2026-10-06", "08:00"))
    with pytest.raises(RuleRefused) as err, clean_db.transaction() as s:
        service.file_objection(
            s, actor=bidder, lot_id=w.lot_id, kind="documents", text="评分标准不合理", now=clock.now()
        )
    assert err.value.code == "OBJECTION_WINDOW_CLOSED"
    assert "第二十二条" in (err.value.citation or "") and "2026-10-05" in err.value.message
    clock.set(at("2026-10-05", "23:59"))
    with clean_db.transaction() as s:
        o = service.file_objection(
            s, actor=bidder, lot_id=w.lot_id, kind="documents", text="评分标准不合理", now=clock.now()
        )
        # Answer within 3 days of receipt, the start day not counted: by the end of 10-08.
        assert o.due_at == datetime(2026, 10, 9, tzinfo=SHANGHAI)
        assert "第二十二条" in o.citation
    # Opening and result objections are refused while the notice is out, with their own articles.
    for kind, article in (("opening", "第四十四条"), ("result", "第五十四条")):
        with pytest.raises(RuleRefused) as err, clean_db.transaction() as s:
            service.file_objection(s, actor=bidder, lot_id=w.lot_id, kind=kind, text="开标程序有误", now=clock.now())
        assert article in (err.value.citation or ""), kind
    # Only bidder staff may object; the owner may not.
    with pytest.raises(Forbidden), clean_db.transaction() as s:
        service.file_objection(s, actor=w.owner, lot_id=w.lot_id, kind="documents", text="自己的异议", now=clock.now())


def test_hold_blocks_steps_and_timer_until_answered(clean_db: Database, clock: FrozenClock) -> None:
    w, bidder = _published(clean_db, clock)
    with clean_db.transaction() as s:
        o = service.file_objection(
            s, actor=bidder, lot_id=w.lot_id, kind="documents", text="资格条件排斥潜在投标人", now=clock.now()
        )
        objection_id = o.id
        assert holds.is_on_hold(s, w.lot_id)
    # Every step but failure and termination is refused with LOT_ON_HOLD and the article.
    with pytest.raises(Conflict) as err, clean_db.transaction() as s:
        lot = s.get(Lot, w.lot_id)
        assert lot is not None
        projects.take_step(s, lot=lot, action="reach_deadline", party=Party.system, actor="system", now=clock.now())
    assert err.value.code == "LOT_ON_HOLD" and "第二十二条" in (err.value.citation or "")
    # The bid-deadline timer does not fire while held, and is kept.
    deadline = at("2026-10-15").astimezone(UTC)
    report = run_due(clean_db, now=deadline)
    assert report.done == 0 and report.failed == 0
    assert _stage(clean_db, w.lot_id) == "published"
    assert run_due(clean_db, now=deadline + timedelta(minutes=1)).done == 0
    with clean_db.session(write=False) as s:
        timer = s.scalars(select(ScheduledTransition).where(ScheduledTransition.action == "reach_deadline")).one()
        assert timer.status == "pending"
    # Answered late (due by the end of 09-28): recorded as overdue with the article, not refused; hold released.
    clock.set(deadline + timedelta(hours=1))
    with clean_db.transaction() as s:
        o = service.answer_objection(
            s,
            actor=w.owner,
            objection_id=objection_id,
            answer="资格条件将予调整",
            changes_documents=True,
            now=clock.now(),
        )
        assert o.overdue and o.status == "answered" and "变更公告" in (o.answer or "")
        assert not holds.is_on_hold(s, w.lot_id)
    with pytest.raises(Conflict) as err, clean_db.transaction() as s:
        service.answer_objection(
            s, actor=w.owner, objection_id=objection_id, answer="再答", changes_documents=False, now=clock.now()
        )
    assert err.value.code == "OBJECTION_ALREADY_ANSWERED"
    # The kept timer fires on the first run after the release.
    assert run_due(clean_db, now=clock.now()).done == 1
    assert _stage(clean_db, w.lot_id) == "opening"
    held, released, answered = (
        _events(clean_db, "lot.held"),
        _events(clean_db, "lot.hold_released"),
        _events(clean_db, "objection.answered"),
    )
    assert len(held) == 1 and len(released) == 1 and held[0].index < released[0].index
    assert answered[0].data["overdue"] is True and "第二十二条" in answered[0].data["late_under"]["citation"]
    # The objector is not in the public part of the ledger.
    filed = _events(clean_db, "objection.filed")[0]
    assert filed.actor == "anonymous" and str(bidder.user_id) not in json.dumps(filed.data)


def test_termination_stays_possible_while_held(clean_db: Database, clock: FrozenClock) -> None:
    w, bidder = _published(clean_db, clock)
    with clean_db.transaction() as s:
        service.file_objection(
            s, actor=bidder, lot_id=w.lot_id, kind="documents", text="技术参数指向特定品牌", now=clock.now()
        )
    with clean_db.transaction() as s:
        projects.end_lot(
            s, actor=w.owner, lot_id=w.lot_id, action="terminate", reason="项目取消不再建设", now=clock.now()
        )
    assert _stage(clean_db, w.lot_id) == "terminated"


def test_result_objection_during_publicity_holds_its_end(clean_db: Database, clock: FrozenClock) -> None:
    w, _ = evaluated_world(clean_db, clock)
    with clean_db.transaction() as s:
        bidder = principal(s, username="bidder0", role=Role.bidder_staff, entity_id=w.bidder_ids[0], now=clock.now())
        outsider = principal(s, username="bidder4", role=Role.bidder_staff, entity_id=w.bidder_ids[4], now=clock.now())
    # Before the publicity: refused under 条例54.
    with pytest.raises(RuleRefused) as err, clean_db.transaction() as s:
        service.file_objection(s, actor=bidder, lot_id=w.lot_id, kind="result", text="第一名业绩造假", now=clock.now())
    assert "第五十四条" in (err.value.citation or "")
    with clean_db.transaction() as s:
        award.publish_candidates(s, actor=w.owner, lot_id=w.lot_id, now=clock.now())
    # A bidder that did not bid in this lot may not object to its result.
    with pytest.raises(Forbidden) as ferr, clean_db.transaction() as s:
        service.file_objection(
            s, actor=outsider, lot_id=w.lot_id, kind="result", text="第一名业绩造假", now=clock.now()
        )
    assert ferr.value.code == "OBJECTION_NOT_A_BIDDER"
    with clean_db.transaction() as s:
        o = service.file_objection(
            s, actor=bidder, lot_id=w.lot_id, kind="result", text="第一名业绩造假", now=clock.now()
        )
        objection_id = o.id
        assert o.due_at == datetime(2026, 9, 29, tzinfo=SHANGHAI) and "第五十四条" in o.citation
    end = datetime(2026, 9, 29, tzinfo=SHANGHAI).astimezone(UTC)
    assert run_due(clean_db, now=end).done == 0
    assert _stage(clean_db, w.lot_id) == "publicity"
    with clean_db.transaction() as s:
        o = service.answer_objection(
            s,
            actor=w.owner,
            objection_id=objection_id,
            answer="经核查业绩属实",
            changes_documents=False,
            now=end - timedelta(hours=1),
        )
        assert not o.overdue
    assert run_due(clean_db, now=end + timedelta(seconds=1)).done == 1
    assert _stage(clean_db, w.lot_id) == "decided"


def test_opening_objection_on_the_spot_does_not_hold(clean_db: Database, clock: FrozenClock) -> None:
    w, bidder = _published(clean_db, clock)
    deadline = at("2026-10-15").astimezone(UTC)
    assert run_due(clean_db, now=deadline).done == 1
    clock.set(deadline + timedelta(minutes=5))
    with pytest.raises(Forbidden), clean_db.transaction() as s:
        service.file_objection(s, actor=bidder, lot_id=w.lot_id, kind="opening", text="解密顺序有误", now=clock.now())
    with clean_db.transaction() as s:
        s.add(LotBidder(lot_id=w.lot_id, entity_id=w.bidder_ids[0], price=Decimal("9000000"), opened_at=clock.now()))
    with clean_db.transaction() as s:
        o = service.file_objection(
            s, actor=bidder, lot_id=w.lot_id, kind="opening", text="解密顺序有误", now=clock.now()
        )
        objection_id = o.id
        assert o.due_at is None and o.hold_id is None and "第四十四条" in o.citation
        assert not holds.is_on_hold(s, w.lot_id)
    with clean_db.transaction() as s:
        projects.end_lot(s, actor=w.center, lot_id=w.lot_id, action="fail", reason="投标人不足三家", now=clock.now())
    # Answered after the opening is over: not on the spot, so recorded as overdue.
    with clean_db.transaction() as s:
        o = service.answer_objection(
            s, actor=w.owner, objection_id=objection_id, answer="已当场说明", changes_documents=False, now=clock.now()
        )
        assert o.overdue


def test_procurement_challenge_counts_working_days(clean_db: Database, clock: FrozenClock) -> None:
    w, bidder = _published(clean_db, clock, trade=Trade.procurement)
    # Documents available until 10-09; 7 working days after it (10-10 is a 调休 working Saturday): 10-19.
    clock.set(at("2026-10-20", "08:00"))
    with pytest.raises(RuleRefused) as err, clean_db.transaction() as s:
        service.file_objection(
            s, actor=bidder, lot_id=w.lot_id, kind="documents", text="采购需求有倾向性", now=clock.now()
        )
    assert "第五十二条" in (err.value.citation or "") and "2026-10-19" in err.value.message
    clock.set(at("2026-10-19", "16:00"))
    with clean_db.transaction() as s:
        o = service.file_objection(
            s, actor=bidder, lot_id=w.lot_id, kind="documents", text="采购需求有倾向性", now=clock.now()
        )
        # Answer within 7 working days (采购法53): 10-20 … 10-28.
        assert o.due_at == datetime(2026, 10, 29, tzinfo=SHANGHAI) and "第五十三条" in o.citation


def test_questions_are_anonymous_and_answers_published_signed(clean_db: Database, clock: FrozenClock) -> None:
    w, asker = _published(clean_db, clock)
    with clean_db.transaction() as s:
        other = principal(s, username="bidder1", role=Role.bidder_staff, entity_id=w.bidder_ids[1], now=clock.now())
    with clean_db.transaction() as s:
        q = service.ask_question(s, actor=asker, lot_id=w.lot_id, text="工期能否顺延至300天？", now=clock.now())
        question_id = q.id
    with clean_db.session(write=False) as s:
        owner_view = queries.questions_for(s, actor=w.owner, lot_id=w.lot_id)
        assert [(x.text, x.mine) for x in owner_view] == [("工期能否顺延至300天？", False)]
        assert queries.questions_for(s, actor=other, lot_id=w.lot_id) == []
        assert queries.questions_for(s, actor=None, lot_id=w.lot_id) == []
        assert [x.mine for x in queries.questions_for(s, actor=asker, lot_id=w.lot_id)] == [True]
    # Only the owner or agency of this project answers; another owner gets the question's 404.
    with pytest.raises(NotFound), clean_db.transaction() as s:
        service.answer_question(s, actor=w.other_owner, question_id=question_id, answer="可以", now=clock.now())
    with clean_db.transaction() as s:
        q = service.answer_question(s, actor=w.owner, question_id=question_id, answer="工期不变", now=clock.now())
        notice_id = q.notice_id
    with clean_db.session(write=False) as s:
        notice = s.get(Notice, notice_id)
        tender = s.scalars(select(Notice).where(Notice.lot_id == w.lot_id, Notice.kind == "tender")).one()
        assert notice is not None and notice.kind == "clarification" and notice.related_id == tender.id
        doc = notice.fields()
        assert doc["fields"]["question"] == "工期能否顺延至300天？" and doc["fields"]["answer"] == "工期不变"
        assert set(doc["fields"]) == {"question_id", "question", "answer"}
        for secret in ("bidder0", "投标人0", "asker"):
            assert secret not in notice.document
        key = serialization.load_pem_public_key(clean_db.signer.public_key_pem())  # type: ignore[union-attr]
        assert isinstance(key, Ed25519PublicKey)
        key.verify(bytes.fromhex(notice.signature), notice.document.encode())
        public = queries.questions_for(s, actor=None, lot_id=w.lot_id)
        assert [(x.answer, x.mine) for x in public] == [("工期不变", False)]
    asked = _events(clean_db, "question.asked")[0]
    assert asked.actor == "anonymous" and str(asker.user_id) not in json.dumps(asked.data)
    # After the bid deadline no more questions.
    assert run_due(clean_db, now=at("2026-10-15").astimezone(UTC)).done == 1
    with pytest.raises(Conflict), clean_db.transaction() as s:
        service.ask_question(s, actor=asker, lot_id=w.lot_id, text="还能提问吗？？", now=clock.now())
