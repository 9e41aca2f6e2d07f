"""Reads of the pool and committees, shaped by one visibility rule: names (and employers) of a committee
are visible to center staff, and to everyone else only once the evaluation result is fixed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ggzy.core.errors import Forbidden, InvalidInput, NotFound
from ggzy.core.security import Principal, Role
from ggzy.entities.models import User
from ggzy.experts.models import (
    Committee,
    CommitteeDraw,
    CommitteeMember,
    Expert,
    ExpertNotification,
    ExpertRating,
    ExpertSanction,
    ExpertSpecialty,
    ExpertUnavailability,
    SpecialtyNode,
)
from ggzy.experts.schemas import (
    AssignmentOut,
    CommitteeOut,
    DrawOut,
    EmploymentSchema,
    ExpertDetail,
    ExpertOut,
    ExpertPage,
    InterestSchema,
    MemberOut,
    RatingOut,
    SpecialtyNodeOut,
)


@dataclass(frozen=True)
class ScoringMember:
    member_id: int
    user_id: int
    display_name: str
    kind: str


def committee_for_lot(session: Session, lot_id: int) -> Committee | None:
    return session.scalars(
        select(Committee)
        .where(Committee.lot_id == lot_id, Committee.status != "cancelled")
        .order_by(Committee.id.desc())
    ).first()


def scoring_members(session: Session, committee_id: int) -> list[ScoringMember]:
    """Confirmed, non-reserve, non-replaced members who score: experts with an account, owner representatives."""
    out: list[ScoringMember] = []
    rows = session.execute(
        select(CommitteeMember.id, CommitteeMember.kind, CommitteeMember.user_id, Expert.user_id, Expert.name)
        .outerjoin(Expert, Expert.id == CommitteeMember.expert_id)
        .where(
            CommitteeMember.committee_id == committee_id,
            CommitteeMember.status == "confirmed",
            CommitteeMember.is_reserve.is_(False),
        )
        .order_by(CommitteeMember.position, CommitteeMember.id)
    ).all()
    rep_ids = [r[2] for r in rows if r[1] == "owner_representative" and r[2] is not None]
    rep_names = (
        {i: n for i, n in session.execute(select(User.id, User.display_name).where(User.id.in_(rep_ids)))}
        if rep_ids
        else {}
    )
    for member_id, kind, member_user, expert_user, expert_name in rows:
        if kind == "expert" and expert_user is not None:
            out.append(ScoringMember(member_id, expert_user, expert_name, kind))
        elif kind == "owner_representative" and member_user is not None:
            out.append(ScoringMember(member_id, member_user, rep_names.get(member_user, ""), kind))
    return out


def names_visible(principal: Principal | None, committee: Committee) -> bool:
    if committee.result_fixed_at is not None:
        return True
    return principal is not None and principal.has(Role.center_staff)


def get_committee(session: Session, committee_id: int) -> Committee:
    committee = session.get(Committee, committee_id)
    if committee is None:
        raise NotFound("评标委员会不存在", code="COMMITTEE_NOT_FOUND")
    return committee


def committee_out(session: Session, principal: Principal | None, committee: Committee) -> CommitteeOut:
    members = list(committee.members)
    experts = [m for m in members if m.kind == "expert"]
    active = [m for m in experts if not m.is_reserve and m.status in ("notified", "confirmed")]
    counts = {
        "experts": len(active),
        "confirmed": sum(1 for m in active if m.status == "confirmed"),
        "reserves": sum(1 for m in experts if m.is_reserve and m.status == "standby"),
        "declined": sum(1 for m in experts if m.status == "declined"),
        "owner_representatives": sum(1 for m in members if m.kind == "owner_representative"),
    }
    visible = names_visible(principal, committee)
    listed: list[MemberOut] | None = None
    if visible:
        ids = [m.expert_id for m in members if m.expert_id is not None]
        info = (
            {
                i: (n, e)
                for i, n, e in session.execute(
                    select(Expert.id, Expert.name, Expert.employer_name).where(Expert.id.in_(ids))
                )
            }
            if ids
            else {}
        )
        listed = []
        for m in members:
            name, employer = info.get(m.expert_id, (None, None)) if m.expert_id else (None, None)
            listed.append(
                MemberOut(
                    id=m.id,
                    kind=m.kind,
                    is_reserve=m.is_reserve,
                    status=m.status,
                    specialty_code=m.specialty_code,
                    position=m.position,
                    expert_id=m.expert_id,
                    name=name,
                    employer=employer,
                )
            )
    return CommitteeOut(
        id=committee.id,
        lot_id=committee.lot_id,
        status=committee.status,
        round=committee.round,
        size=committee.size,
        owner_representatives=committee.owner_representatives,
        reserve_count=committee.reserve_count,
        requirements=committee.requirements,
        region_prefixes=committee.region_prefixes,
        remote_sites=committee.remote_sites,
        evaluation_start=committee.evaluation_start,
        evaluation_end=committee.evaluation_end,
        venue=committee.venue,
        secret_commitment=committee.commitment,
        result_fixed=committee.result_fixed_at is not None,
        counts=counts,
        names_visible=visible,
        members=listed,
    )


def current_draw(session: Session, committee: Committee) -> CommitteeDraw | None:
    return session.scalars(
        select(CommitteeDraw).where(CommitteeDraw.committee_id == committee.id).order_by(CommitteeDraw.round.desc())
    ).first()


def draw_record(session: Session, principal: Principal | None, committee_id: int) -> dict[str, Any]:
    """The full record (with the revealed secret): center staff any time, everyone once the result is fixed."""
    committee = get_committee(session, committee_id)
    if not names_visible(principal, committee):
        raise Forbidden("抽取记录在评标结果确定后公布", code="DRAW_RECORD_SEALED")
    draw = current_draw(session, committee)
    if draw is None:
        raise NotFound("尚未抽取", code="DRAW_NOT_FOUND")
    return dict(draw.record)


def draw_list(session: Session, *, limit: int = 50, offset: int = 0) -> list[tuple[DrawOut, Committee]]:
    rows = session.execute(
        select(CommitteeDraw, Committee)
        .join(Committee, Committee.id == CommitteeDraw.committee_id)
        .order_by(CommitteeDraw.drawn_at.desc(), CommitteeDraw.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [
        (
            DrawOut(
                committee_id=d.committee_id,
                round=d.round,
                record_hash=d.record_hash,
                ledger_index=d.ledger_index,
                drawn_at=d.drawn_at,
                candidates=len(d.record.get("candidates", [])),
                excluded=len(d.record.get("exclusions", [])),
                superseded_reason=d.superseded_reason,
            ),
            c,
        )
        for d, c in rows
    ]


def unavailability(session: Session, expert_id: int) -> list[ExpertUnavailability]:
    return list(
        session.scalars(
            select(ExpertUnavailability)
            .where(ExpertUnavailability.expert_id == expert_id)
            .order_by(ExpertUnavailability.start_date.desc())
            .limit(50)
        )
    )


def notifications(session: Session, expert_id: int) -> list[ExpertNotification]:
    return list(
        session.scalars(
            select(ExpertNotification)
            .where(ExpertNotification.expert_id == expert_id)
            .order_by(ExpertNotification.id.desc())
            .limit(20)
        )
    )


def pending_committees(session: Session) -> list[Committee]:
    """Committees requested and waiting for the center to run the draw."""
    return list(
        session.scalars(select(Committee).where(Committee.status == "requested").order_by(Committee.evaluation_start))
    )


def classification_tree(session: Session) -> list[SpecialtyNodeOut]:
    rows = session.scalars(select(SpecialtyNode).order_by(SpecialtyNode.code))
    return [SpecialtyNodeOut(code=n.code, name=n.name, parent_code=n.parent_code) for n in rows]


def _sanctions(session: Session, ids: list[int], at: datetime) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(ExpertSanction.expert_id, ExpertSanction.kind).where(
            ExpertSanction.expert_id.in_(ids),
            ExpertSanction.starts_at <= at,
            or_(ExpertSanction.ends_at.is_(None), ExpertSanction.ends_at > at),
        )
    )
    out: dict[int, str] = {}
    for expert_id, kind in rows:
        if out.get(expert_id) != "blacklist":
            out[expert_id] = kind
    return out


def expert_out(expert: Expert, sanction: str | None) -> ExpertOut:
    return ExpertOut(
        id=expert.id,
        name=expert.name,
        status=expert.status,
        title=expert.title,
        title_level=expert.title_level,
        years_of_practice=expert.years_of_practice,
        region_code=expert.region_code,
        employer_name=expert.employer_name,
        specialties=[s.code for s in expert.specialties],
        user_id=expert.user_id,
        sanction=sanction,
    )


def expert_detail(session: Session, expert: Expert, *, at: datetime) -> ExpertDetail:
    base = expert_out(expert, _sanctions(session, [expert.id], at).get(expert.id))
    return ExpertDetail(
        **base.model_dump(),
        phone=expert.phone,
        email=expert.email,
        birth_date=expert.birth_date,
        employments=[
            EmploymentSchema(
                employer_name=e.employer_name,
                employer_uscc=e.employer_uscc,
                start_date=e.start_date,
                end_date=e.end_date,
            )
            for e in expert.employments
        ],
        interests=[
            InterestSchema(kind=i.kind, party_uscc=i.party_uscc, party_name=i.party_name, note=i.note)
            for i in expert.interests
        ],
        review_note=expert.review_note,
    )


def expert_for(session: Session, principal: Principal, expert_id: int, *, at: datetime) -> ExpertDetail:
    """Center staff and the expert personally; to anyone else the expert does not exist."""
    expert = session.get(Expert, expert_id)
    if expert is None or not (principal.has(Role.center_staff) or expert.user_id == principal.user_id):
        raise NotFound("专家不存在", code="EXPERT_NOT_FOUND")
    return expert_detail(session, expert, at=at)


def my_expert(session: Session, principal: Principal) -> Expert | None:
    return session.scalars(select(Expert).where(Expert.user_id == principal.user_id)).first()


def pool(
    session: Session,
    *,
    q: str | None,
    status: str | None,
    specialty: str | None,
    region: str | None,
    at: datetime,
    limit: int,
    offset: int,
) -> ExpertPage:
    stmt = select(Expert)
    if q:
        stmt = stmt.where(
            or_(Expert.name.contains(q, autoescape=True), Expert.employer_name.contains(q, autoescape=True))
        )
    if status:
        if status not in ("pending", "approved", "rejected"):
            raise InvalidInput("状态应为 pending、approved 或 rejected", code="INVALID_INPUT", field="status")
        stmt = stmt.where(Expert.status == status)
    if specialty:
        stmt = stmt.where(
            Expert.id.in_(
                select(ExpertSpecialty.expert_id).where(
                    ExpertSpecialty.code.startswith(specialty.upper(), autoescape=True)
                )
            )
        )
    if region:
        stmt = stmt.where(Expert.region_code.startswith(region, autoescape=True))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    experts = list(
        session.scalars(stmt.options(selectinload(Expert.specialties)).order_by(Expert.id).limit(limit).offset(offset))
    )
    sanctions = _sanctions(session, [e.id for e in experts], at)
    return ExpertPage(items=[expert_out(e, sanctions.get(e.id)) for e in experts], total=total)


def assignments(session: Session, expert_id: int) -> list[AssignmentOut]:
    rows = session.execute(
        select(CommitteeMember, Committee)
        .join(Committee, Committee.id == CommitteeMember.committee_id)
        # Reserves on standby are not called yet; replaced seats (including a superseded round) are no longer theirs.
        .where(CommitteeMember.expert_id == expert_id, CommitteeMember.status.not_in(("standby", "replaced")))
        .order_by(Committee.evaluation_start.desc())
    ).all()
    return [
        AssignmentOut(
            member_id=m.id,
            committee_id=c.id,
            lot_id=c.lot_id,
            status=m.status,
            is_reserve=m.is_reserve,
            evaluation_start=c.evaluation_start,
            evaluation_end=c.evaluation_end,
            venue=c.venue,
        )
        for m, c in rows
    ]


def ratings(session: Session, *, limit: int = 100) -> list[RatingOut]:
    rows = session.execute(
        select(ExpertRating, Expert.name)
        .join(Expert, Expert.id == ExpertRating.expert_id)
        .order_by(ExpertRating.created_at.desc(), ExpertRating.id.desc())
        .limit(limit)
    ).all()
    return [
        RatingOut(
            committee_id=r.committee_id,
            expert_id=r.expert_id,
            expert_name=name,
            rater_role=r.rater_role,
            score=r.score,
            comment=r.comment,
            created_at=r.created_at,
        )
        for r, name in rows
    ]
