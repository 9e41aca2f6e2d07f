"""Credit API: the public list of sanctions (信用信息公开), an entity's standing, recording and lifting."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock, local_today
from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, Role, allow, public
from ggzy.credit import queries, service
from ggzy.credit.schemas import BasisOut, EntityCreditOut, LiftIn, SanctionIn, SanctionOut, SanctionPage
from ggzy.web.routing import api_router, get_clock, get_session

router = api_router(prefix="/api/credit", tags=["信用信息与失信惩戒"])
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Anyone = Annotated[Principal | None, Depends(public)]
Recorder = Annotated[Principal, Depends(allow(Role.supervisor, Role.center_staff))]


@router.get(
    "/sanctions",
    response_model=SanctionPage,
    responses=error_responses(403, 422),
    summary="失信惩戒名单（公开）：执行中或历史记录，可按主体名称或统一社会信用代码查询",
)
def list_sanctions(
    actor: Anyone,
    session: DB,
    clock: ClockDep,
    q: Annotated[str | None, Query(max_length=100, description="主体名称关键字或统一社会信用代码")] = None,
    status: Annotated[
        str, Query(description="in_force 执行中（默认）；history 已期满或已解除；pending、all 仅限监督人员和交易中心")
    ] = "in_force",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> SanctionPage:
    return queries.sanctions(
        session, actor=actor, q=q, status=status, today=local_today(clock), limit=limit, offset=offset
    )


@router.get("/sanctions/{sanction_id}", response_model=SanctionOut, responses=error_responses(404), summary="惩戒详情")
def get_sanction(sanction_id: int, actor: Anyone, session: DB, clock: ClockDep) -> SanctionOut:
    return queries.sanction_for(session, actor=actor, sanction_id=sanction_id, today=local_today(clock))


@router.post(
    "/sanctions",
    response_model=SanctionOut,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="登记失信惩戒决定（行政监督人员、交易中心工作人员）；期限须符合法定上下限",
)
def impose(body: SanctionIn, actor: Recorder, session: DB, clock: ClockDep) -> SanctionOut:
    sanction = service.impose(
        session,
        actor=actor,
        entity_id=body.entity_id,
        kind=body.kind,
        scope_trades=body.scope_trades,
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        authority=body.authority,
        document_no=body.document_no,
        rule_key=body.rule,
        reason=body.reason,
        now=clock.now(),
    )
    return queries.sanction_out(sanction, local_today(clock))


@router.post(
    "/sanctions/{sanction_id}/lift",
    response_model=SanctionOut,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="解除惩戒（信用修复或决定撤销）；记录保留在历史中",
)
def lift(sanction_id: int, body: LiftIn, actor: Recorder, session: DB, clock: ClockDep) -> SanctionOut:
    sanction = service.lift(session, actor=actor, sanction_id=sanction_id, reason=body.reason, now=clock.now())
    return queries.sanction_out(sanction, local_today(clock))


@router.get(
    "/entities/{entity_id}",
    response_model=EntityCreditOut,
    responses=error_responses(404),
    summary="市场主体当前是否被禁止投标（公开）",
)
def entity_credit(entity_id: int, actor: Anyone, session: DB, clock: ClockDep) -> EntityCreditOut:
    del actor
    return queries.entity_credit(session, entity_id=entity_id, on=local_today(clock))


@router.get("/bases", response_model=list[BasisOut], summary="惩戒的法律依据目录（公开）")
def list_bases(actor: Anyone, session: DB, clock: ClockDep) -> list[BasisOut]:
    del actor
    return queries.basis_list(session, on=local_today(clock))
