"""Projects API: create projects and lots, read them, take in a lot's opening result."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, Role, allow, authenticated
from ggzy.projects import award, queries, service
from ggzy.projects.schemas import (
    AwardIn,
    ContractIn,
    EndIn,
    LotBidderOut,
    LotIn,
    LotOut,
    NoticeIn,
    OpeningIn,
    PerformanceIn,
    ProjectIn,
    ProjectOut,
    ProjectPage,
)
from ggzy.web.routing import api_router, get_clock, get_session

router = api_router(prefix="/api", tags=["项目与标段"])
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]


@router.post(
    "/projects",
    response_model=ProjectOut,
    status_code=201,
    responses=error_responses(403, 422),
    summary="创建项目（招标人/采购人或代理机构）",
)
def create_project(
    body: ProjectIn, actor: Annotated[Principal, Depends(allow(Role.owner_staff))], session: DB, clock: ClockDep
) -> ProjectOut:
    project = service.create_project(
        session,
        actor=actor,
        name=body.name,
        trade=body.trade,
        region_code=body.region_code,
        owner_entity_id=body.owner_entity_id,
        fund_source=body.fund_source,
        state_funded=body.state_funded,
        description=body.description,
        now=clock.now(),
    )
    return queries.project_out(session, project)


@router.get("/projects", response_model=ProjectPage, summary="我可见的项目")
def list_projects(
    actor: Annotated[Principal, Depends(authenticated)],
    session: DB,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ProjectPage:
    return queries.projects_for(session, actor=actor, limit=limit, offset=offset)


@router.get("/projects/{project_id}", response_model=ProjectOut, responses=error_responses(404), summary="项目详情")
def get_project(project_id: int, actor: Annotated[Principal, Depends(authenticated)], session: DB) -> ProjectOut:
    return queries.project_for(session, actor=actor, project_id=project_id)


@router.post(
    "/projects/{project_id}/lots",
    response_model=LotOut,
    status_code=201,
    responses=error_responses(404, 409, 422),
    summary="新增标段（包）",
)
def add_lot(
    project_id: int,
    body: LotIn,
    actor: Annotated[Principal, Depends(allow(Role.owner_staff))],
    session: DB,
    clock: ClockDep,
) -> LotOut:
    lot = service.add_lot(
        session,
        actor=actor,
        project_id=project_id,
        code=body.code,
        name=body.name,
        procedure=body.procedure,
        estimate=body.estimate,
        max_price=body.max_price,
        category=body.category,
        now=clock.now(),
    )
    return queries.lot_out(session, lot)


@router.post(
    "/lots/{lot_id}/opening",
    response_model=list[LotBidderOut],
    responses=error_responses(403, 404, 409, 422),
    summary="登记标段开标结果（交易中心）",
)
def record_opening(
    lot_id: int,
    body: OpeningIn,
    actor: Annotated[Principal, Depends(allow(Role.center_staff))],
    session: DB,
    clock: ClockDep,
) -> list[LotBidderOut]:
    service.record_opening(
        session,
        actor=actor,
        lot_id=lot_id,
        bids=[service.OpenedBid(b.entity_id, b.price, b.listed_items) for b in body.bids],
        now=clock.now(),
    )
    return queries.bidders_for(session, actor=actor, lot_id=lot_id)


@router.get(
    "/lots/{lot_id}/bidders",
    response_model=list[LotBidderOut],
    responses=error_responses(404),
    summary="标段开标记录中的投标人",
)
def lot_bidders(lot_id: int, actor: Annotated[Principal, Depends(authenticated)], session: DB) -> list[LotBidderOut]:
    return queries.bidders_for(session, actor=actor, lot_id=lot_id)


@router.post(
    "/lots/{lot_id}/notice",
    response_model=LotOut,
    responses=error_responses(404, 409, 422),
    summary="发布招标（采购）公告：期限不足、保证金超标时拒绝并引用法条",
)
def publish_notice(
    lot_id: int,
    body: NoticeIn,
    actor: Annotated[Principal, Depends(allow(Role.owner_staff))],
    session: DB,
    clock: ClockDep,
) -> LotOut:
    lot = service.publish_notice(
        session,
        actor=actor,
        lot_id=lot_id,
        documents_from=body.documents_from,
        documents_until=body.documents_until,
        bid_deadline=body.bid_deadline,
        bid_bond=body.bid_bond,
        now=clock.now(),
    )
    return queries.lot_out(session, lot)


@router.post(
    "/lots/{lot_id}/end",
    response_model=LotOut,
    responses=error_responses(403, 404, 409, 422),
    summary="流标或终止（写明原因）",
)
def end_lot(
    lot_id: int,
    body: EndIn,
    actor: Annotated[Principal, Depends(allow(Role.owner_staff, Role.center_staff))],
    session: DB,
    clock: ClockDep,
) -> LotOut:
    lot = service.end_lot(session, actor=actor, lot_id=lot_id, action=body.action, reason=body.reason, now=clock.now())
    return queries.lot_out(session, lot)


@router.post(
    "/lots/{lot_id}/candidates/publish",
    response_model=LotOut,
    responses=error_responses(404, 409, 422),
    summary="公示中标候选人（政府采购：公告采购结果），公示期按法定最短期限计算",
)
def publish_candidates(
    lot_id: int, actor: Annotated[Principal, Depends(allow(Role.owner_staff))], session: DB, clock: ClockDep
) -> LotOut:
    return queries.lot_out(session, award.publish_candidates(session, actor=actor, lot_id=lot_id, now=clock.now()))


@router.post(
    "/lots/{lot_id}/award",
    response_model=LotOut,
    responses=error_responses(404, 409, 422),
    summary="确定中标人并发出中标通知书（国有资金项目须为排名第一的候选人）",
)
def award_lot(
    lot_id: int,
    body: AwardIn,
    actor: Annotated[Principal, Depends(allow(Role.owner_staff))],
    session: DB,
    clock: ClockDep,
) -> LotOut:
    lot = award.award(session, actor=actor, lot_id=lot_id, lot_bidder_id=body.lot_bidder_id, now=clock.now())
    return queries.lot_out(session, lot)


@router.post(
    "/lots/{lot_id}/contract",
    response_model=LotOut,
    responses=error_responses(404, 409, 422),
    summary="登记并公开合同（金额须与中标价一致；逾期签订照实记录并标明）",
)
def sign_contract(
    lot_id: int,
    body: ContractIn,
    actor: Annotated[Principal, Depends(allow(Role.owner_staff))],
    session: DB,
    clock: ClockDep,
) -> LotOut:
    lot, _late = award.sign_contract(
        session, actor=actor, lot_id=lot_id, amount=body.amount, signed_on=body.signed_on, now=clock.now()
    )
    return queries.lot_out(session, lot)


@router.post(
    "/lots/{lot_id}/performance",
    response_model=LotOut,
    responses=error_responses(404, 409, 422),
    summary="登记履约信息（完成日期、质量、结算金额）",
)
def record_performance(
    lot_id: int,
    body: PerformanceIn,
    actor: Annotated[Principal, Depends(allow(Role.owner_staff))],
    session: DB,
    clock: ClockDep,
) -> LotOut:
    lot = award.record_performance(
        session,
        actor=actor,
        lot_id=lot_id,
        completed_on=body.completed_on,
        quality=body.quality,
        final_amount=body.final_amount,
        now=clock.now(),
    )
    return queries.lot_out(session, lot)
