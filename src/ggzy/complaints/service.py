"""Use cases: ask and answer questions (answers published as clarifications), file and answer objections,
which pause the lot (a hold in ``ggzy.procedures.holds``) until answered.

The asker of a question is never public: ledger events carry ``actor="anonymous"`` and keep the user in
their private part; the clarification notice carries the question text only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.bids.models import Bid
from ggzy.complaints import rules as windows
from ggzy.complaints.models import Objection, Question
from ggzy.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ggzy.core.events import emit
from ggzy.core.security import Principal, Role
from ggzy.entities.models import Entity
from ggzy.entities.trades import EntityKind
from ggzy.ledger import service as ledger
from ggzy.notices import service as notices
from ggzy.notices.models import Notice
from ggzy.notices.service import NoticeDraft
from ggzy.procedures import holds
from ggzy.projects.models import Lot, LotBidder
from ggzy.projects.service import is_manager
from ggzy.rules.service import current_ruleset

DOCUMENT_CHANGE_NOTE = "（本答复涉及修改招标（采购）文件，招标人将另行发布变更公告。）"


def lot_not_found(lot_id: int) -> NotFound:
    return NotFound(f"标段 {lot_id} 不存在", code="LOT_NOT_FOUND", field="lot_id")


def can_manage(actor: Principal | None, lot: Lot) -> bool:
    return actor is not None and (actor.has(Role.center_staff) or is_manager(actor, lot.project))


def visible_lot(session: Session, *, actor: Principal | None, lot_id: int) -> Lot:
    """A lot whose tender notice is out, or any lot for its owner, agency and the center; else 404."""
    lot = session.get(Lot, lot_id)
    if lot is None or (lot.stage == "draft" and not can_manage(actor, lot)):
        raise lot_not_found(lot_id)
    return lot


def _bidder_entity(session: Session, actor: Principal) -> Entity:
    entity = session.get(Entity, actor.entity_id) if actor.entity_id is not None else None
    if not actor.has(Role.bidder_staff) or entity is None or entity.kind != EntityKind.bidder:
        raise Forbidden("仅投标人（供应商）人员可以提问或提出异议", code="ROLE_REQUIRED")
    return entity


def _text(value: str, *, field: str, label: str, minimum: int = 5, maximum: int = 4000) -> str:
    value = value.strip()
    if not minimum <= len(value) <= maximum:
        raise InvalidInput(f"{label}应为{minimum}至{maximum}个字", code="INVALID_INPUT", field=field)
    return value


# --- questions -----------------------------------------------------------------------------------


def ask_question(session: Session, *, actor: Principal, lot_id: int, text: str, now: datetime) -> Question:
    lot = visible_lot(session, actor=actor, lot_id=lot_id)
    entity = _bidder_entity(session, actor)
    text = _text(text, field="text", label="问题")
    if lot.stage != "published":
        raise Conflict("投标截止后不再接受对招标文件的提问", code="QUESTION_OUT_OF_STAGE", field="lot_id")
    question = Question(lot_id=lot.id, asker_user_id=actor.user_id, asker_entity_id=entity.id, text=text, asked_at=now)
    session.add(question)
    session.flush()
    ledger.record(
        session,
        kind="question.asked",
        actor="anonymous",
        subject=f"lot:{lot.id}",
        data={"question_id": question.id, "lot_id": lot.id},
        private={"user_id": actor.user_id, "entity_id": entity.id, "text": text},
        now=now,
    )
    emit(session, "question.asked", {"question_id": question.id, "lot_id": lot.id}, now=now)
    return question


def tender_notice_id(session: Session, lot_id: int) -> int | None:
    return session.scalar(
        select(Notice.id).where(Notice.lot_id == lot_id, Notice.kind == "tender").order_by(Notice.id.desc()).limit(1)
    )


def answer_question(session: Session, *, actor: Principal, question_id: int, answer: str, now: datetime) -> Question:
    """The owner or agency answers; the answer and the question text (no asker) are published to all as a
    signed clarification notice pointing at the lot's tender notice (20号令 art.22)."""
    question = session.get(Question, question_id)
    lot = session.get(Lot, question.lot_id) if question is not None else None
    if question is None or lot is None or not is_manager(actor, lot.project):
        raise NotFound(f"问题 {question_id} 不存在", code="QUESTION_NOT_FOUND", field="question_id")
    if question.answered_at is not None:
        raise Conflict("该问题已经答复", code="QUESTION_ALREADY_ANSWERED", field="question_id")
    answer = _text(answer, field="answer", label="答复", minimum=2)
    question.answer = answer
    question.answered_by = actor.user_id
    question.answered_at = now
    notice = notices.publish(
        session,
        kind="clarification",
        draft=NoticeDraft(
            title=f"{lot.project.name} {lot.code} {lot.name} 澄清与答疑",
            fields={"question_id": question.id, "question": question.text, "answer": answer},
            text=f"问：{question.text}\n答：{answer}",
            related_id=tender_notice_id(session, lot.id),
        ),
        project=lot.project,
        lot=lot,
        actor=f"user:{actor.user_id}",
        now=now,
        event_kind="question.answered",
        event_data={"question_id": question.id, "lot_id": lot.id},
    )
    question.notice_id = notice.id
    session.flush()
    return question


# --- objections ----------------------------------------------------------------------------------


def is_lot_bidder(session: Session, *, lot_id: int, entity_id: int) -> bool:
    """A bidder of the lot: its bid was opened, or (during the opening) it has a submitted bid."""
    opened = session.scalar(
        select(LotBidder.id).where(LotBidder.lot_id == lot_id, LotBidder.entity_id == entity_id).limit(1)
    )
    if opened is not None:
        return True
    submitted = session.scalar(
        select(Bid.id)
        .where(Bid.lot_id == lot_id, Bid.bidder_entity_id == entity_id, Bid.status == "submitted")
        .limit(1)
    )
    return submitted is not None


def file_objection(
    session: Session, *, actor: Principal, lot_id: int, kind: str, text: str, now: datetime
) -> Objection:
    """Accept an objection in its legal window (refused with the article otherwise); documents and result
    objections put the lot on hold until answered (条例22, 54)."""
    lot = visible_lot(session, actor=actor, lot_id=lot_id)
    entity = _bidder_entity(session, actor)
    if kind not in windows.KINDS_ZH:
        raise InvalidInput("异议类型只能是招标文件、开标或评标结果", code="OBJECTION_KIND_INVALID", field="kind")
    text = _text(text, field="text", label="异议内容")
    window = windows.check_window(current_ruleset(session), lot=lot, kind=kind, now=now)
    if kind != "documents" and not is_lot_bidder(session, lot_id=lot.id, entity_id=entity.id):
        raise Forbidden("只有本标段的投标人可以对开标或评标结果提出异议", code="OBJECTION_NOT_A_BIDDER", field="kind")
    objection = Objection(
        lot_id=lot.id,
        kind=kind,
        entity_id=entity.id,
        user_id=actor.user_id,
        text=text,
        received_at=now,
        due_at=window.due_at,
        rule=window.rule.key,
        citation=window.citation,
        status="pending",
        overdue=False,
        changes_documents=False,
    )
    session.add(objection)
    session.flush()
    hold = None
    if window.holds:
        hold = holds.place(
            session,
            lot_id=lot.id,
            source=f"objection:{objection.id}",
            rule=window.rule.key,
            citation=window.citation,
            now=now,
        )
        objection.hold_id = hold.id
    # Who objected is known to the owner (it must answer in writing) but not published.
    ledger.record(
        session,
        kind="objection.filed",
        actor="anonymous",
        subject=f"lot:{lot.id}",
        data={
            "objection_id": objection.id,
            "lot_id": lot.id,
            "kind": kind,
            "due_at": window.due_at,
            "rule": window.rule.key,
        },
        private={"user_id": actor.user_id, "entity_id": entity.id, "text": text},
        now=now,
    )
    if hold is not None:
        ledger.record(
            session,
            kind="lot.held",
            actor="system",
            subject=f"lot:{lot.id}",
            data={"lot_id": lot.id, "hold_id": hold.id, "source": hold.source, "rule": hold.rule, "stage": lot.stage},
            now=now,
        )
    emit(session, "objection.filed", {"objection_id": objection.id, "lot_id": lot.id, "kind": kind}, now=now)
    return objection


def is_overdue(objection: Objection, lot: Lot, at: datetime) -> bool:
    """Past the legal answer time at ``at``; an opening objection is late once the opening is over."""
    if objection.kind == "opening":
        return lot.stage != "opening"
    return objection.due_at is not None and at > objection.due_at


def answer_objection(
    session: Session,
    *,
    actor: Principal,
    objection_id: int,
    answer: str,
    changes_documents: bool,
    now: datetime,
) -> Objection:
    """The owner or agency answers; a late answer is recorded as overdue with the article, not refused.
    The answer releases the objection's hold; a documents change itself is a separate change notice."""
    objection = session.get(Objection, objection_id)
    lot = session.get(Lot, objection.lot_id) if objection is not None else None
    if objection is None or lot is None or not is_manager(actor, lot.project):
        raise NotFound(f"异议 {objection_id} 不存在", code="OBJECTION_NOT_FOUND", field="objection_id")
    if objection.status == "answered":
        raise Conflict("该异议已经答复", code="OBJECTION_ALREADY_ANSWERED", field="objection_id")
    answer = _text(answer, field="answer", label="答复", minimum=2)
    if changes_documents and objection.kind == "documents":
        answer += DOCUMENT_CHANGE_NOTE
    overdue = is_overdue(objection, lot, now)
    objection.answer = answer
    objection.answered_by = actor.user_id
    objection.answered_at = now
    objection.status = "answered"
    objection.overdue = overdue
    objection.changes_documents = changes_documents and objection.kind == "documents"
    released = holds.release(session, hold_id=objection.hold_id, now=now) if objection.hold_id else None
    data: dict[str, object] = {
        "objection_id": objection.id,
        "lot_id": lot.id,
        "kind": objection.kind,
        "overdue": overdue,
        "changes_documents": objection.changes_documents,
    }
    if overdue:
        data["late_under"] = {"rule": objection.rule, "citation": objection.citation, "due_at": objection.due_at}
    ledger.record(
        session,
        kind="objection.answered",
        actor=f"user:{actor.user_id}",
        subject=f"lot:{lot.id}",
        data=data,
        private={"answer": answer},
        now=now,
    )
    if released is not None:
        ledger.record(
            session,
            kind="lot.hold_released",
            actor=f"user:{actor.user_id}",
            subject=f"lot:{lot.id}",
            data={
                "lot_id": lot.id,
                "hold_id": released.id,
                "source": released.source,
                "still_held": holds.is_on_hold(session, lot.id),
            },
            now=now,
        )
    emit(
        session,
        "objection.answered",
        {"objection_id": objection.id, "lot_id": lot.id, "changes_documents": objection.changes_documents},
        now=now,
    )
    return objection
