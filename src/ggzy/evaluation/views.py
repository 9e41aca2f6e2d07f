"""Evaluation API: scheme, start, members' sheets and signatures, corrections, report."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, Role, allow, authenticated, public
from ggzy.evaluation import closing, queries, service
from ggzy.evaluation.schemas import (
    AssignmentOut,
    CorrectionIn,
    EvaluationOut,
    ReportIn,
    SchemeIn,
    SchemeOut,
    SheetIn,
)
from ggzy.web.routing import api_router, get_clock, get_session

router = api_router(prefix="/api/evaluation", tags=["评标"])
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Member_ = Annotated[Principal, Depends(allow(Role.expert, Role.owner_staff))]
Center = Annotated[Principal, Depends(allow(Role.center_staff))]


@router.get(
    "/lots/{lot_id}/scheme", response_model=SchemeOut, responses=error_responses(404), summary="标段评标办法（公开）"
)
def get_scheme(lot_id: int, _: Annotated[Principal | None, Depends(public)], session: DB) -> SchemeOut:
    return queries.lot_scheme(session, lot_id)


@router.put(
    "/lots/{lot_id}/scheme",
    response_model=SchemeOut,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="设置评标办法（交易中心、招标人或代理机构；评标开始后不得修改）",
)
def put_scheme(
    lot_id: int,
    body: SchemeIn,
    principal: Annotated[Principal, Depends(allow(Role.center_staff, Role.owner_staff))],
    session: DB,
    clock: ClockDep,
) -> SchemeOut:
    scheme = service.set_scheme(
        session,
        actor=principal,
        lot_id=lot_id,
        method=body.method,
        price_weight=body.price_weight,
        criteria=[
            service.CriterionIn(code=c.code, name=c.name, kind=c.kind, max_score=c.max_score) for c in body.criteria
        ],
        now=clock.now(),
    )
    return queries.scheme_out(scheme)


@router.post(
    "/lots/{lot_id}/start",
    response_model=EvaluationOut,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="启动评标（交易中心）",
)
def start(lot_id: int, principal: Center, session: DB, clock: ClockDep) -> EvaluationOut:
    evaluation = service.start_evaluation(session, actor=principal, lot_id=lot_id, now=clock.now())
    return queries.evaluation_for(session, actor=principal, evaluation_id=evaluation.id)


@router.get("/mine", response_model=list[AssignmentOut], responses=error_responses(401, 403), summary="我的评标任务")
def mine(principal: Member_, session: DB) -> list[AssignmentOut]:
    return queries.assignments_for(session, actor=principal)


@router.get(
    "/evaluations/{evaluation_id}",
    response_model=EvaluationOut,
    responses=error_responses(401, 404),
    summary="评标进度与结果（按身份可见）",
)
def get_evaluation(
    evaluation_id: int, principal: Annotated[Principal, Depends(authenticated)], session: DB
) -> EvaluationOut:
    return queries.evaluation_for(session, actor=principal, evaluation_id=evaluation_id)


@router.put(
    "/evaluations/{evaluation_id}/sheet",
    response_model=EvaluationOut,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="提交本人评分表（签名前可修改）",
)
def put_sheet(evaluation_id: int, body: SheetIn, principal: Member_, session: DB, clock: ClockDep) -> EvaluationOut:
    service.submit_sheet(
        session,
        actor=principal,
        evaluation_id=evaluation_id,
        verdicts=[service.VerdictIn(bidder_id=v.bidder_id, passed=v.passed, reason=v.reason) for v in body.verdicts],
        scores=[
            service.ScoreIn(bidder_id=s.bidder_id, criterion_id=s.criterion_id, score=s.score) for s in body.scores
        ],
        now=clock.now(),
    )
    return queries.evaluation_for(session, actor=principal, evaluation_id=evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/sheet/sign",
    response_model=EvaluationOut,
    responses=error_responses(401, 403, 404, 409),
    summary="签署本人评分表（签署后不得修改）",
)
def sign_sheet(evaluation_id: int, principal: Member_, session: DB, clock: ClockDep) -> EvaluationOut:
    service.sign_sheet(session, actor=principal, evaluation_id=evaluation_id, now=clock.now())
    return queries.evaluation_for(session, actor=principal, evaluation_id=evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/time-short",
    response_model=EvaluationOut,
    responses=error_responses(401, 403, 404, 409),
    summary="提出评标时间不够（超过三分之一成员提出时延长）",
)
def time_short(evaluation_id: int, principal: Member_, session: DB, clock: ClockDep) -> EvaluationOut:
    service.declare_time_short(session, actor=principal, evaluation_id=evaluation_id, now=clock.now())
    return queries.evaluation_for(session, actor=principal, evaluation_id=evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/corrections",
    response_model=EvaluationOut,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="修改本人评分（仅限法定情形，须说明理由）",
)
def correct(evaluation_id: int, body: CorrectionIn, principal: Member_, session: DB, clock: ClockDep) -> EvaluationOut:
    closing.correct_score(
        session,
        actor=principal,
        evaluation_id=evaluation_id,
        bidder_id=body.bidder_id,
        criterion_id=body.criterion_id,
        new_score=body.new_score,
        reason=body.reason,
        note=body.note,
        now=clock.now(),
    )
    return queries.evaluation_for(session, actor=principal, evaluation_id=evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/report",
    response_model=EvaluationOut,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="生成评标报告（交易中心）",
)
def report(evaluation_id: int, body: ReportIn, principal: Center, session: DB, clock: ClockDep) -> EvaluationOut:
    closing.generate_report(
        session, actor=principal, evaluation_id=evaluation_id, candidate_count=body.candidate_count, now=clock.now()
    )
    return queries.evaluation_for(session, actor=principal, evaluation_id=evaluation_id)


@router.post(
    "/evaluations/{evaluation_id}/report/sign",
    response_model=EvaluationOut,
    responses=error_responses(401, 403, 404, 409),
    summary="签署评标报告（全部成员签署后评标结果确定）",
)
def sign_report(evaluation_id: int, principal: Member_, session: DB, clock: ClockDep) -> EvaluationOut:
    closing.sign_report(session, actor=principal, evaluation_id=evaluation_id, now=clock.now())
    return queries.evaluation_for(session, actor=principal, evaluation_id=evaluation_id)
