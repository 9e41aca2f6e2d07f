"""Reads of projects and lots, shaped to what the caller may see."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ggzy.core.security import Principal, Role
from ggzy.entities.models import Entity
from ggzy.projects.models import Lot, LotBidder, Project
from ggzy.projects.schemas import CandidateOut, LotBidderOut, LotOut, ProjectOut, ProjectPage
from ggzy.projects.service import get_project, is_manager


def get_lot(session: Session, lot_id: int) -> Lot | None:
    return session.get(Lot, lot_id)


def lot_stage(session: Session, lot_id: int) -> str | None:
    """A lot's stage, which is public (the notices say as much); None when there is no such lot."""
    return session.scalar(select(Lot.stage).where(Lot.id == lot_id))


def lot_bidders(session: Session, lot_id: int) -> list[LotBidder]:
    return list(session.scalars(select(LotBidder).where(LotBidder.lot_id == lot_id).order_by(LotBidder.id)))


def interested_entity_ids(session: Session, lot_id: int) -> set[int]:
    """Owner, agency and every bidder of the lot: the parties an expert must not be tied to."""
    lot = session.get(Lot, lot_id)
    if lot is None:
        return set()
    ids = {lot.project.owner_entity_id}
    if lot.project.agency_entity_id is not None:
        ids.add(lot.project.agency_entity_id)
    ids.update(session.scalars(select(LotBidder.entity_id).where(LotBidder.lot_id == lot_id)))
    return ids


def can_manage_lot(principal: Principal | None, lot: Lot) -> bool:
    """Owner or agency staff of the lot's project, or center staff."""
    if principal is None:
        return False
    return principal.has(Role.center_staff) or is_manager(principal, lot.project)


def can_view_project(principal: Principal | None, project: Project, session: Session) -> bool:
    if principal is None:
        return False
    if principal.has(Role.center_staff, Role.platform_admin) or is_manager(principal, project):
        return True
    if principal.has(Role.supervisor):
        return any(g.role == Role.supervisor and g.trade in (None, project.trade) for g in principal.grants)
    if principal.entity_id is not None:
        # A bidder sees the projects in which its bid was opened.
        lot_ids = [lot.id for lot in project.lots]
        return bool(
            lot_ids
            and session.scalar(
                select(LotBidder.id).where(LotBidder.lot_id.in_(lot_ids), LotBidder.entity_id == principal.entity_id)
            )
        )
    return False


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {row.id: row.name for row in session.execute(select(Entity.id, Entity.name).where(Entity.id.in_(ids)))}


# From the candidates' publicity on, the ranking is public information (条例54).
PUBLISHED_RESULT_STAGES = frozenset({"publicity", "decided", "awarded", "contracted", "performed"})


def candidates_of(session: Session, lot: Lot) -> list[CandidateOut]:
    out = []
    for c in lot.candidates:
        bidder = session.get(LotBidder, c.lot_bidder_id)
        assert bidder is not None
        entity = session.get(Entity, bidder.entity_id)
        out.append(
            CandidateOut(
                rank=c.rank,
                lot_bidder_id=bidder.id,
                entity_id=bidder.entity_id,
                name=entity.name if entity else "",
                price=bidder.price,
                score=c.score,
            )
        )
    return out


def lot_out(session: Session, lot: Lot) -> LotOut:
    count = None
    # Before the opening nobody learns how many bids there are (20号令 art.21, 27).
    if lot.stage not in ("draft", "published", "opening"):
        count = int(session.scalar(select(func.count()).where(LotBidder.lot_id == lot.id)) or 0)
    return LotOut(
        id=lot.id,
        project_id=lot.project_id,
        code=lot.code,
        name=lot.name,
        procedure=lot.procedure,
        estimate=lot.estimate,
        max_price=lot.max_price,
        category=lot.category,
        stage=lot.stage,
        stage_reason=lot.stage_reason,
        documents_from=lot.documents_from,
        documents_until=lot.documents_until,
        bid_deadline=lot.bid_deadline,
        bid_bond=lot.bid_bond,
        publicity_from=lot.publicity_from,
        publicity_until=lot.publicity_until,
        candidates=candidates_of(session, lot) if lot.stage in PUBLISHED_RESULT_STAGES else [],
        winner_bidder_id=lot.winner_bidder_id,
        awarded_at=lot.awarded_at,
        contract_amount=lot.contract_amount,
        contract_signed_on=lot.contract_signed_on,
        performance=lot.performance,
        bidder_count=count,
    )


def project_out(session: Session, project: Project) -> ProjectOut:
    names = _names(session, {project.owner_entity_id} | ({project.agency_entity_id} - {None}))  # type: ignore[operator]
    return ProjectOut(
        id=project.id,
        code=project.code,
        name=project.name,
        trade=project.trade,
        region_code=project.region_code,
        owner_entity_id=project.owner_entity_id,
        owner_name=names.get(project.owner_entity_id, ""),
        agency_entity_id=project.agency_entity_id,
        agency_name=names.get(project.agency_entity_id) if project.agency_entity_id else None,
        fund_source=project.fund_source,
        state_funded=project.state_funded,
        description=project.description,
        created_at=project.created_at,
        lots=[lot_out(session, lot) for lot in project.lots],
    )


def project_for(session: Session, *, actor: Principal | None, project_id: int) -> ProjectOut:
    project = get_project(session, project_id)
    if not can_view_project(actor, project, session):
        from ggzy.core.errors import NotFound

        raise NotFound(f"项目 {project_id} 不存在", code="PROJECT_NOT_FOUND", field="project_id")
    return project_out(session, project)


def bidders_for(session: Session, *, actor: Principal | None, lot_id: int) -> list[LotBidderOut]:
    lot = session.get(Lot, lot_id)
    if lot is None or not can_view_project(actor, lot.project, session):
        from ggzy.core.errors import NotFound

        raise NotFound(f"标段 {lot_id} 不存在", code="LOT_NOT_FOUND", field="lot_id")
    rows = lot_bidders(session, lot_id)
    names = _names(session, {r.entity_id for r in rows})
    return [
        LotBidderOut(
            id=r.id,
            entity_id=r.entity_id,
            entity_name=names.get(r.entity_id, ""),
            price=r.price,
            listed_items=r.listed_items,
            status=r.status,
            opened_at=r.opened_at,
        )
        for r in rows
    ]


def projects_for(session: Session, *, actor: Principal, limit: int, offset: int) -> ProjectPage:
    stmt = select(Project)
    if not actor.has(Role.center_staff, Role.platform_admin):
        conditions = []
        if actor.has(Role.owner_staff) and actor.entity_id is not None:
            conditions += [Project.owner_entity_id == actor.entity_id, Project.agency_entity_id == actor.entity_id]
        if actor.has(Role.supervisor):
            trades = {g.trade for g in actor.grants if g.role == Role.supervisor}
            conditions.append(Project.id.isnot(None) if None in trades else Project.trade.in_(trades))
        if actor.entity_id is not None:
            conditions.append(
                Project.id.in_(
                    select(Lot.project_id)
                    .join(LotBidder, LotBidder.lot_id == Lot.id)
                    .where(LotBidder.entity_id == actor.entity_id)
                )
            )
        if not conditions:
            return ProjectPage(items=[], total=0, limit=limit, offset=offset)
        stmt = stmt.where(or_(*conditions))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(
        stmt.options(selectinload(Project.lots)).order_by(Project.id.desc()).limit(limit).offset(offset)
    ).all()
    return ProjectPage(items=[project_out(session, p) for p in rows], total=total, limit=limit, offset=offset)
