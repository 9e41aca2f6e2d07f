"""Questions and objections API: ask, answer (published as a clarification), object, answer objections."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session

from ggzy.complaints import queries, service
from ggzy.complaints.schemas import (
    AnswerIn,
    HoldOut,
    ObjectionAnswerIn,
    ObjectionIn,
    ObjectionOut,
    QuestionIn,
    QuestionOut,
)
from ggzy.core.clock import Clock
from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, Role, allow, authenticated, public
from ggzy.web.routing import api_router, get_clock, get_session

router = api_router(prefix="/api", tags=["答疑与异议"])
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Anyone = Annotated[Principal | None, Depends(public)]
Bidder = Annotated[Principal, Depends(allow(Role.bidder_staff))]
Owner = Annotated[Principal, Depends(allow(Role.owner_staff))]


@router.get(
    "/lots/{lot_id}/questions",
    response_model=list[QuestionOut],
    responses=error_responses(404),
    summary="标段的答疑（已答复的对所有人公开；提问人身份不公开）",
)
def list_questions(lot_id: int, actor: Anyone, session: DB) -> list[QuestionOut]:
    return queries.questions_for(session, actor=actor, lot_id=lot_id)


@router.post(
    "/lots/{lot_id}/questions",
    response_model=QuestionOut,
    status_code=201,
    responses=error_responses(403, 404, 409, 422),
    summary="就招标文件提问（投标人）",
)
def ask(lot_id: int, body: QuestionIn, actor: Bidder, session: DB, clock: ClockDep) -> QuestionOut:
    q = service.ask_question(session, actor=actor, lot_id=lot_id, text=body.text, now=clock.now())
    return next(o for o in queries.questions_for(session, actor=actor, lot_id=lot_id) if o.id == q.id)


@router.post(
    "/questions/{question_id}/answer",
    response_model=QuestionOut,
    responses=error_responses(404, 409, 422),
    summary="答复问题并发布澄清与答疑公告（招标人/代理机构）",
)
def answer(question_id: int, body: AnswerIn, actor: Owner, session: DB, clock: ClockDep) -> QuestionOut:
    q = service.answer_question(session, actor=actor, question_id=question_id, answer=body.answer, now=clock.now())
    return next(o for o in queries.questions_for(session, actor=actor, lot_id=q.lot_id) if o.id == q.id)


@router.get("/lots/{lot_id}/hold", response_model=HoldOut, responses=error_responses(404), summary="标段是否因异议暂停")
def lot_hold(lot_id: int, actor: Anyone, session: DB) -> HoldOut:
    return queries.hold_of(session, actor=actor, lot_id=lot_id)


@router.get(
    "/lots/{lot_id}/objections",
    response_model=list[ObjectionOut],
    responses=error_responses(401, 404),
    summary="标段的异议（招标人/代理机构、交易中心、监督人员；异议人仅见本单位的）",
)
def list_objections(
    lot_id: int, actor: Annotated[Principal, Depends(authenticated)], session: DB, clock: ClockDep
) -> list[ObjectionOut]:
    return queries.objections_for(session, actor=actor, lot_id=lot_id, now=clock.now())


@router.post(
    "/lots/{lot_id}/objections",
    response_model=ObjectionOut,
    status_code=201,
    responses=error_responses(403, 404, 422),
    summary="提出异议（投标人）：招标文件、开标或评标结果，各在法定期间内",
)
def file(lot_id: int, body: ObjectionIn, actor: Bidder, session: DB, clock: ClockDep) -> ObjectionOut:
    o = service.file_objection(session, actor=actor, lot_id=lot_id, kind=body.kind, text=body.text, now=clock.now())
    return queries.objection_for(session, actor=actor, objection_id=o.id, now=clock.now())


@router.get(
    "/objections/{objection_id}", response_model=ObjectionOut, responses=error_responses(401, 404), summary="异议详情"
)
def get_objection(
    objection_id: int, actor: Annotated[Principal, Depends(authenticated)], session: DB, clock: ClockDep
) -> ObjectionOut:
    return queries.objection_for(session, actor=actor, objection_id=objection_id, now=clock.now())


@router.post(
    "/objections/{objection_id}/answer",
    response_model=ObjectionOut,
    responses=error_responses(404, 409, 422),
    summary="答复异议（招标人/代理机构）；逾期答复予以记录",
)
def answer_objection(
    objection_id: int, body: ObjectionAnswerIn, actor: Owner, session: DB, clock: ClockDep
) -> ObjectionOut:
    service.answer_objection(
        session,
        actor=actor,
        objection_id=objection_id,
        answer=body.answer,
        changes_documents=body.changes_documents,
        now=clock.now(),
    )
    return queries.objection_for(session, actor=actor, objection_id=objection_id, now=clock.now())
