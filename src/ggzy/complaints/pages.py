"""The lot's Q&A and objection page (/lots/{id}/questions): bidders ask and object, the owner answers,
everybody reads the published answers. No page ever names a question's asker."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ggzy.complaints import queries, service
from ggzy.complaints.models import Objection, Question
from ggzy.complaints.rules import KINDS_ZH
from ggzy.core.clock import Clock
from ggzy.core.errors import AppError, NotFound
from ggzy.core.security import Principal, Role, allow, public
from ggzy.procedures.common import TENDER_STAGES
from ggzy.projects.service import is_manager
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import get_clock, get_session, page_router
from ggzy.web.templating import render

router = page_router()
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Bidder = Annotated[Principal, Depends(allow(Role.bidder_staff))]
Owner = Annotated[Principal, Depends(allow(Role.owner_staff))]


def _page(
    request: Request,
    session: Session,
    actor: Principal | None,
    clock: Clock,
    lot_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    lot = service.visible_lot(session, actor=actor, lot_id=lot_id)
    questions = queries.questions_for(session, actor=actor, lot_id=lot_id)
    try:
        objections = queries.objections_for(session, actor=actor, lot_id=lot_id, now=clock.now())
    except NotFound:
        objections = []
    ctx = {
        "lot": lot,
        "project": lot.project,
        "questions": questions,
        "objections": objections,
        "hold": queries.hold_of(session, actor=actor, lot_id=lot_id),
        "is_owner": is_manager(actor, lot.project),
        "is_bidder": actor is not None and actor.has(Role.bidder_staff) and actor.entity_id is not None,
        "KINDS": KINDS_ZH,
        "STAGES": TENDER_STAGES,
        "error": error,
    }
    return render(request, "complaints/lot.html", ctx, status_code=status)


def _refusal(exc: AppError) -> str:
    return exc.message if not exc.citation or exc.citation in exc.message else f"{exc.message}（{exc.citation}）"


@router.get("/lots/{lot_id}/questions", response_class=HTMLResponse, name="lot.questions")
def questions_page(
    request: Request, lot_id: int, actor: Annotated[Principal | None, Depends(public)], session: DB, clock: ClockDep
) -> HTMLResponse:
    return _page(request, session, actor, clock, lot_id)


@router.post("/lots/{lot_id}/questions", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def ask_submit(
    request: Request,
    lot_id: int,
    actor: Bidder,
    session: DB,
    clock: ClockDep,
    text: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        service.ask_question(session, actor=actor, lot_id=lot_id, text=text, now=clock.now())
    except AppError as exc:
        session.rollback()
        return _page(request, session, actor, clock, lot_id, error=_refusal(exc), status=exc.status_code)
    return RedirectResponse(f"/lots/{lot_id}/questions", status_code=303)


@router.post("/questions/{question_id}/answer", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def answer_submit(
    request: Request,
    question_id: int,
    actor: Owner,
    session: DB,
    clock: ClockDep,
    answer: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    question = session.get(Question, question_id)
    try:
        q = service.answer_question(session, actor=actor, question_id=question_id, answer=answer, now=clock.now())
    except AppError as exc:
        session.rollback()
        if question is None or exc.status_code == 404:
            raise
        return _page(request, session, actor, clock, question.lot_id, error=_refusal(exc), status=exc.status_code)
    return RedirectResponse(f"/lots/{q.lot_id}/questions", status_code=303)


@router.post("/lots/{lot_id}/objections", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def object_submit(
    request: Request,
    lot_id: int,
    actor: Bidder,
    session: DB,
    clock: ClockDep,
    kind: Annotated[str, Form(max_length=20)] = "",
    text: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    try:
        service.file_objection(session, actor=actor, lot_id=lot_id, kind=kind, text=text, now=clock.now())
    except AppError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _page(request, session, actor, clock, lot_id, error=_refusal(exc), status=exc.status_code)
    return RedirectResponse(f"/lots/{lot_id}/questions", status_code=303)


@router.post("/objections/{objection_id}/answer", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def answer_objection_submit(
    request: Request,
    objection_id: int,
    actor: Owner,
    session: DB,
    clock: ClockDep,
    answer: Annotated[str, Form(max_length=4000)] = "",
    changes_documents: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    objection = session.get(Objection, objection_id)
    try:
        o = service.answer_objection(
            session,
            actor=actor,
            objection_id=objection_id,
            answer=answer,
            changes_documents=changes_documents in ("1", "on", "true"),
            now=clock.now(),
        )
    except AppError as exc:
        session.rollback()
        if objection is None or exc.status_code == 404:
            raise
        return _page(request, session, actor, clock, objection.lot_id, error=_refusal(exc), status=exc.status_code)
    return RedirectResponse(f"/lots/{o.lot_id}/questions", status_code=303)
