"""Reads: the public list (in force, or history), one sanction, an entity's credit standing, the bases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from ggzy.core.errors import Forbidden, InvalidInput, NotFound
from ggzy.core.security import Principal
from ggzy.credit.models import Sanction
from ggzy.credit.schemas import BasisOut, EntityCreditOut, SanctionOut, SanctionPage
from ggzy.credit.service import KINDS_ZH, STATUS_ZH, barring, bases, may_sanction, status_of
from ggzy.entities.models import Entity
from ggzy.entities.trades import TRADE_LABELS_ZH
from ggzy.rules.catalog import citation_zh

PUBLIC_STATUSES = ("in_force", "history")


def sanction_out(sanction: Sanction, today: date) -> SanctionOut:
    status = status_of(sanction, today)
    return SanctionOut(
        id=sanction.id,
        entity_id=sanction.entity_id,
        entity_name=sanction.entity.name,
        uscc=sanction.entity.uscc,
        kind=sanction.kind,
        kind_label=KINDS_ZH.get(sanction.kind, sanction.kind),
        scope_trades=list(sanction.scope_trades),
        scope_labels=[TRADE_LABELS_ZH.get(t, t) for t in sanction.scope_trades],
        valid_from=sanction.valid_from,
        valid_until=sanction.valid_until,
        authority=sanction.authority,
        document_no=sanction.document_no,
        rule=sanction.rule,
        citation=sanction.citation,
        reason=sanction.reason,
        status=status,
        status_label=STATUS_ZH[status],
        imposed_at=sanction.imposed_at,
        lifted_at=sanction.lifted_at,
        lift_reason=sanction.lift_reason,
    )


def _status_clause(status: str, today: date) -> ColumnElement[bool] | None:
    live = Sanction.lifted_at.is_(None)
    if status == "in_force":
        return and_(live, Sanction.valid_from <= today, Sanction.valid_until >= today)
    if status == "history":
        return or_(Sanction.lifted_at.isnot(None), Sanction.valid_until < today)
    if status == "pending":
        return and_(live, Sanction.valid_from > today)
    return None


def sanctions(
    session: Session,
    *,
    actor: Principal | None,
    q: str | None,
    status: str,
    today: date,
    limit: int,
    offset: int,
) -> SanctionPage:
    """In force and history are public (信用信息公开); decisions not yet in force only for those who record them."""
    if status not in ("in_force", "history", "pending", "all"):
        raise InvalidInput("status 只能是 in_force、history、pending 或 all", code="INVALID_INPUT", field="status")
    if status not in PUBLIC_STATUSES and not may_sanction(actor):
        raise Forbidden(
            "尚未开始执行的惩戒仅限行政监督人员和交易中心工作人员查看", code="ROLE_REQUIRED", field="status"
        )
    stmt = select(Sanction).join(Entity, Entity.id == Sanction.entity_id)
    clause = _status_clause(status, today)
    if clause is not None:
        stmt = stmt.where(clause)
    if q and q.strip():
        text = q.strip()
        like = f"%{text.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(Entity.name.like(like), Entity.uscc == text.upper()))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Sanction.valid_from.desc(), Sanction.id.desc()).limit(limit).offset(offset))
    return SanctionPage(items=[sanction_out(s, today) for s in rows], total=total, limit=limit, offset=offset)


def sanction_for(session: Session, *, actor: Principal | None, sanction_id: int, today: date) -> SanctionOut:
    sanction = session.get(Sanction, sanction_id)
    if sanction is None or (status_of(sanction, today) == "pending" and not may_sanction(actor)):
        raise NotFound(f"惩戒记录 {sanction_id} 不存在", code="SANCTION_NOT_FOUND", field="sanction_id")
    return sanction_out(sanction, today)


def entity_credit(session: Session, *, entity_id: int, on: date) -> EntityCreditOut:
    """Whether the entity is barred on ``on`` and from which trades: public, like the sanctions themselves."""
    entity = session.get(Entity, entity_id)
    if entity is None:
        raise NotFound(f"市场主体 {entity_id} 不存在", code="ENTITY_NOT_FOUND", field="entity_id")
    in_force = barring(session, entity_id=entity_id, on=on)
    trades = sorted({t for s in in_force for t in s.scope_trades})
    return EntityCreditOut(
        entity_id=entity.id,
        entity_name=entity.name,
        uscc=entity.uscc,
        on=on,
        barred=bool(in_force),
        barred_trades=trades,
        in_force=[sanction_out(s, on) for s in in_force],
    )


def basis_list(session: Session, *, on: date) -> list[BasisOut]:
    return [
        BasisOut(
            key=basis.key,
            title=rule.title_zh,
            trade=rule.trade,
            kinds=list(basis.kinds),
            min_years=basis.min_years,
            max_years=int(rule.value),
            citation=citation_zh(rule),
        )
        for basis, rule in bases(session, on=on)
    ]
