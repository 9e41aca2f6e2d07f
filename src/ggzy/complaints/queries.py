"""Reads shaped to the caller: questions without askers; objections for those entitled to them only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from ggzy.complaints.models import Objection, Question
from ggzy.complaints.rules import KINDS_ZH
from ggzy.complaints.schemas import HoldOut, ObjectionOut, QuestionOut
from ggzy.complaints.service import can_manage, is_overdue, lot_not_found, visible_lot
from ggzy.core.errors import NotFound
from ggzy.core.security import Principal, Role
from ggzy.entities.models import Entity
from ggzy.procedures import holds
from ggzy.projects.models import Lot
from ggzy.projects.service import is_manager


def questions_for(session: Session, *, actor: Principal | None, lot_id: int) -> list[QuestionOut]:
    """Answered questions for everybody; unanswered ones for the owner/agency (text only) and the asker."""
    lot = visible_lot(session, actor=actor, lot_id=lot_id)
    own_entity = actor.entity_id if actor is not None and actor.has(Role.bidder_staff) else None
    stmt = select(Question).where(Question.lot_id == lot.id)
    if not is_manager(actor, lot.project):
        visible: list[ColumnElement[bool]] = [Question.answered_at.isnot(None)]
        if own_entity is not None:
            visible.append(Question.asker_entity_id == own_entity)
        stmt = stmt.where(or_(*visible))
    return [
        QuestionOut(
            id=q.id,
            lot_id=q.lot_id,
            text=q.text,
            asked_at=q.asked_at,
            answer=q.answer,
            answered_at=q.answered_at,
            notice_id=q.notice_id,
            mine=own_entity is not None and q.asker_entity_id == own_entity,
        )
        for q in session.scalars(stmt.order_by(Question.id))
    ]


def sees_all_objections(actor: Principal | None, lot: Lot) -> bool:
    """Owner/agency, center staff, platform admins and supervisors of the lot's trade."""
    if actor is None:
        return False
    if can_manage(actor, lot) or actor.has(Role.platform_admin):
        return True
    return any(g.role == Role.supervisor and g.trade in (None, lot.project.trade) for g in actor.grants)


def _out(session: Session, o: Objection, lot: Lot, now: datetime) -> ObjectionOut:
    entity = session.get(Entity, o.entity_id)
    hold = holds.active_hold(session, lot.id)
    return ObjectionOut(
        id=o.id,
        lot_id=o.lot_id,
        kind=o.kind,
        kind_label=KINDS_ZH.get(o.kind, o.kind),
        entity_id=o.entity_id,
        entity_name=entity.name if entity else "",
        text=o.text,
        received_at=o.received_at,
        due_at=o.due_at,
        rule=o.rule,
        citation=o.citation,
        status=o.status,
        answer=o.answer,
        answered_at=o.answered_at,
        overdue=o.overdue if o.status == "answered" else is_overdue(o, lot, now),
        changes_documents=o.changes_documents,
        holds_lot=o.status == "pending" and o.hold_id is not None and hold is not None,
    )


def objections_for(session: Session, *, actor: Principal | None, lot_id: int, now: datetime) -> list[ObjectionOut]:
    """All of the lot's objections for those entitled; an objector its own; anyone else the lot's 404."""
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise lot_not_found(lot_id)
    stmt = select(Objection).where(Objection.lot_id == lot.id)
    if not sees_all_objections(actor, lot):
        own = actor.entity_id if actor is not None and actor.has(Role.bidder_staff) else None
        if own is None or lot.stage == "draft":
            raise lot_not_found(lot_id)
        stmt = stmt.where(Objection.entity_id == own)
        rows = list(session.scalars(stmt.order_by(Objection.id)))
        if not rows:
            raise lot_not_found(lot_id)
    else:
        rows = list(session.scalars(stmt.order_by(Objection.id)))
    return [_out(session, o, lot, now) for o in rows]


def objection_for(session: Session, *, actor: Principal | None, objection_id: int, now: datetime) -> ObjectionOut:
    o = session.get(Objection, objection_id)
    lot = session.get(Lot, o.lot_id) if o is not None else None
    own = actor.entity_id if actor is not None and actor.has(Role.bidder_staff) else None
    if o is None or lot is None or not (sees_all_objections(actor, lot) or (own is not None and own == o.entity_id)):
        raise NotFound(f"异议 {objection_id} 不存在", code="OBJECTION_NOT_FOUND", field="objection_id")
    return _out(session, o, lot, now)


def hold_of(session: Session, *, actor: Principal | None, lot_id: int) -> HoldOut:
    """Whether the lot is paused is public: bidders must know the procedure stands still (条例22, 54)."""
    lot = visible_lot(session, actor=actor, lot_id=lot_id)
    hold = holds.active_hold(session, lot.id)
    return HoldOut(lot_id=lot.id, on_hold=hold is not None, citation=hold.citation if hold else None)
