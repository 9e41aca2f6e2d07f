"""Experts API: classification, pool, review, availability, sanctions, committees, draw, record, ratings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.errors import NotFound, error_responses
from ggzy.core.security import Principal, Role, allow, authenticated, public
from ggzy.experts import committees, queries, service
from ggzy.experts.schemas import (
    AssignmentOut,
    CommitteeIn,
    CommitteeOut,
    DrawOut,
    ExpertDetail,
    ExpertIn,
    ExpertPage,
    RatingIn,
    RatingOut,
    RedrawIn,
    ReplaceIn,
    RespondIn,
    ReviewIn,
    SanctionIn,
    SpecialtyNodeIn,
    SpecialtyNodeOut,
    UnavailabilityIn,
)
from ggzy.web.routing import api_router, get_clock, get_session

router = api_router(prefix="/api", tags=["评标专家"])
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Center = Annotated[Principal, Depends(allow(Role.center_staff))]
Anyone = Annotated[Principal | None, Depends(public)]
User_ = Annotated[Principal, Depends(authenticated)]


@router.get("/experts/classification", response_model=list[SpecialtyNodeOut], summary="评标专家专业分类（公开）")
def classification(_: Anyone, session: DB) -> list[SpecialtyNodeOut]:
    return queries.classification_tree(session)


@router.post(
    "/experts/classification",
    response_model=SpecialtyNodeOut,
    status_code=201,
    responses=error_responses(401, 403, 409, 422),
    summary="增加专业分类节点（交易中心）",
)
def add_specialty(body: SpecialtyNodeIn, principal: Center, session: DB, clock: ClockDep) -> SpecialtyNodeOut:
    node = service.add_specialty_node(session, actor=principal, code=body.code, name=body.name, now=clock.now())
    return SpecialtyNodeOut(code=node.code, name=node.name, parent_code=node.parent_code)


@router.post(
    "/experts",
    response_model=ExpertDetail,
    status_code=201,
    responses=error_responses(401, 403, 409, 422),
    summary="专家申请入库（本人）或交易中心录入",
)
def register(
    body: ExpertIn,
    principal: Annotated[Principal, Depends(allow(Role.expert, Role.center_staff))],
    session: DB,
    clock: ClockDep,
) -> ExpertDetail:
    expert = service.register_expert(
        session,
        actor=principal,
        name=body.name,
        id_number=body.id_number,
        phone=body.phone,
        email=body.email,
        title=body.title,
        title_level=body.title_level,
        years_of_practice=body.years_of_practice,
        region_code=body.region_code,
        specialties=body.specialties,
        employments=[
            service.EmploymentIn(e.employer_name, e.employer_uscc, e.start_date, e.end_date) for e in body.employments
        ],
        interests=[service.InterestIn(i.kind, i.party_uscc, i.party_name, i.note) for i in body.interests],
        for_self=body.for_self,
        now=clock.now(),
    )
    return queries.expert_detail(session, expert, at=clock.now())


@router.get(
    "/experts", response_model=ExpertPage, responses=error_responses(401, 403, 422), summary="专家库（交易中心）"
)
def pool(
    _: Center,
    session: DB,
    clock: ClockDep,
    q: Annotated[str | None, Query(max_length=50)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    specialty: Annotated[str | None, Query(max_length=7)] = None,
    region: Annotated[str | None, Query(max_length=12)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ExpertPage:
    return queries.pool(
        session, q=q, status=status, specialty=specialty, region=region, at=clock.now(), limit=limit, offset=offset
    )


@router.get(
    "/experts/me/assignments",
    response_model=list[AssignmentOut],
    responses=error_responses(401, 403),
    summary="我的评标任务（专家）",
)
def my_assignments(principal: Annotated[Principal, Depends(allow(Role.expert))], session: DB) -> list[AssignmentOut]:
    expert = queries.my_expert(session, principal)
    return queries.assignments(session, expert.id) if expert else []


@router.get(
    "/experts/ratings", response_model=list[RatingOut], responses=error_responses(401, 403), summary="专家评价（监督）"
)
def ratings(
    _: Annotated[Principal, Depends(allow(Role.supervisor, Role.center_staff))], session: DB
) -> list[RatingOut]:
    return queries.ratings(session)


@router.get(
    "/experts/{expert_id}",
    response_model=ExpertDetail,
    responses=error_responses(401, 404),
    summary="专家详情（本人或交易中心）",
)
def detail(expert_id: int, principal: User_, session: DB, clock: ClockDep) -> ExpertDetail:
    return queries.expert_for(session, principal, expert_id, at=clock.now())


@router.post(
    "/experts/{expert_id}/review",
    response_model=ExpertDetail,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="审核入库申请（交易中心）",
)
def review(expert_id: int, body: ReviewIn, principal: Center, session: DB, clock: ClockDep) -> ExpertDetail:
    expert = service.review_expert(
        session, actor=principal, expert_id=expert_id, approve=body.approve, note=body.note, now=clock.now()
    )
    return queries.expert_detail(session, expert, at=clock.now())


@router.post(
    "/experts/{expert_id}/unavailability",
    status_code=201,
    responses=error_responses(401, 404, 422),
    summary="申报不能参加评标的日期（本人或交易中心）",
)
def unavailability(
    expert_id: int, body: UnavailabilityIn, principal: User_, session: DB, clock: ClockDep
) -> dict[str, Any]:
    row = service.add_unavailability(
        session,
        actor=principal,
        expert_id=expert_id,
        start_date=body.start_date,
        end_date=body.end_date,
        reason=body.reason,
        now=clock.now(),
    )
    return {"id": row.id, "start_date": row.start_date, "end_date": row.end_date}


@router.post(
    "/experts/{expert_id}/sanctions",
    status_code=201,
    responses=error_responses(401, 403, 404, 422),
    summary="暂停评标资格或列入黑名单（交易中心）",
)
def sanction(expert_id: int, body: SanctionIn, principal: Center, session: DB, clock: ClockDep) -> dict[str, Any]:
    row = service.sanction_expert(
        session,
        actor=principal,
        expert_id=expert_id,
        kind=body.kind,
        reason=body.reason,
        days=body.days,
        committee_id=body.committee_id,
        now=clock.now(),
    )
    return {"id": row.id, "kind": row.kind, "starts_at": row.starts_at, "ends_at": row.ends_at}


@router.post(
    "/committees",
    response_model=CommitteeOut,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="申请组建评标委员会（招标人/代理机构或交易中心）",
)
def request_committee(
    body: CommitteeIn,
    principal: Annotated[Principal, Depends(allow(Role.owner_staff, Role.center_staff))],
    session: DB,
    clock: ClockDep,
) -> CommitteeOut:
    committee = committees.request_committee(
        session,
        actor=principal,
        lot_id=body.lot_id,
        size=body.size,
        owner_representative_user_ids=body.owner_representative_user_ids,
        requirements=[committees.RequirementIn(r.specialty, r.count) for r in body.requirements],
        region_prefixes=body.region_prefixes,
        remote_sites=body.remote_sites,
        evaluation_start=body.evaluation_start,
        evaluation_end=body.evaluation_end,
        venue=body.venue,
        reserve_count=body.reserve_count,
        now=clock.now(),
    )
    return queries.committee_out(session, principal, committee)


@router.get(
    "/committees/{committee_id}",
    response_model=CommitteeOut,
    responses=error_responses(404),
    summary="评标委员会（结果确定前仅显示人数）",
)
def get_committee(committee_id: int, principal: Anyone, session: DB) -> CommitteeOut:
    return queries.committee_out(session, principal, queries.get_committee(session, committee_id))


@router.get(
    "/lots/{lot_id}/committee",
    response_model=CommitteeOut,
    responses=error_responses(404),
    summary="标段的评标委员会（结果确定前仅显示人数）",
)
def lot_committee(lot_id: int, principal: Anyone, session: DB) -> CommitteeOut:
    committee = queries.committee_for_lot(session, lot_id)
    if committee is None:
        raise NotFound("该标段尚未申请评标委员会", code="COMMITTEE_NOT_FOUND")
    return queries.committee_out(session, principal, committee)


@router.post(
    "/committees/{committee_id}/draw",
    response_model=CommitteeOut,
    responses=error_responses(401, 403, 404, 409),
    summary="随机抽取专家（交易中心）",
)
def run_draw(committee_id: int, principal: Center, session: DB, clock: ClockDep) -> CommitteeOut:
    committees.draw_committee(session, actor=principal, committee_id=committee_id, now=clock.now())
    return queries.committee_out(session, principal, queries.get_committee(session, committee_id))


@router.post(
    "/committees/{committee_id}/redraw",
    response_model=CommitteeOut,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="记录理由后重新抽取（交易中心）",
)
def redraw(committee_id: int, body: RedrawIn, principal: Center, session: DB, clock: ClockDep) -> CommitteeOut:
    committee = committees.request_redraw(
        session, actor=principal, committee_id=committee_id, reason=body.reason, now=clock.now()
    )
    return queries.committee_out(session, principal, committee)


@router.get(
    "/committees/{committee_id}/record",
    responses=error_responses(403, 404),
    summary="抽取记录（评标结果确定后公开，可用 ggzy draw verify 重放）",
)
def draw_record(committee_id: int, principal: Anyone, session: DB) -> dict[str, Any]:
    return queries.draw_record(session, principal, committee_id)


@router.get(
    "/draws",
    response_model=list[DrawOut],
    responses=error_responses(401, 403),
    summary="抽取记录列表（监督、交易中心）",
)
def draws(
    _: Annotated[Principal, Depends(allow(Role.supervisor, Role.center_staff))],
    session: DB,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[DrawOut]:
    return [d for d, _c in queries.draw_list(session, limit=limit, offset=offset)]


@router.post(
    "/committee-members/{member_id}/respond",
    responses=error_responses(401, 403, 404, 409),
    summary="专家确认或拒绝参加评标",
)
def respond(
    member_id: int,
    body: RespondIn,
    principal: Annotated[Principal, Depends(allow(Role.expert))],
    session: DB,
    clock: ClockDep,
) -> dict[str, Any]:
    member = committees.respond(
        session, actor=principal, member_id=member_id, accept=body.accept, note=body.note, now=clock.now()
    )
    return {"member_id": member.id, "status": member.status}


@router.post(
    "/committee-members/{member_id}/replace",
    responses=error_responses(401, 403, 404, 409, 422),
    summary="记录缺席或更换专家，递补备选（交易中心）",
)
def replace(member_id: int, body: ReplaceIn, principal: Center, session: DB, clock: ClockDep) -> dict[str, Any]:
    reserve = committees.replace_member(
        session, actor=principal, member_id=member_id, status=body.status, reason=body.reason, now=clock.now()
    )
    return {"member_id": member_id, "replacement_member_id": reserve.id if reserve else None}


@router.post(
    "/committees/{committee_id}/ratings",
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="评价专家（招标人或交易中心，结果确定后）",
)
def rate(
    committee_id: int,
    body: RatingIn,
    principal: Annotated[Principal, Depends(allow(Role.owner_staff, Role.center_staff))],
    session: DB,
    clock: ClockDep,
) -> dict[str, Any]:
    rating = service.rate_expert(
        session,
        actor=principal,
        committee_id=committee_id,
        expert_id=body.expert_id,
        score=body.score,
        comment=body.comment,
        now=clock.now(),
    )
    return {"id": rating.id, "rater_role": rating.rater_role, "score": rating.score}
