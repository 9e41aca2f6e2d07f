"""Credit pages: the public sanction list (/credit), one sanction, an entity's standing, and the forms with
which supervisors and center staff record and lift decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock, local_today
from ggzy.core.errors import AppError, InvalidInput, NotFound
from ggzy.core.security import Principal, Role, allow, public
from ggzy.credit import queries, service
from ggzy.entities.models import Entity
from ggzy.entities.trades import TRADE_LABELS_ZH
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import get_clock, get_session, page_router
from ggzy.web.templating import render

router = page_router()
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Anyone = Annotated[Principal | None, Depends(public)]
Recorder = Annotated[Principal, Depends(allow(Role.supervisor, Role.center_staff))]


def _refusal(exc: AppError) -> str:
    return exc.message if not exc.citation or exc.citation in exc.message else f"{exc.message}（{exc.citation}）"


@router.get("/credit", response_class=HTMLResponse)
def credit_page(
    request: Request,
    actor: Anyone,
    session: DB,
    clock: ClockDep,
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    today = local_today(clock)
    recorder = service.may_sanction(actor)

    def page(status: str) -> list[Any]:
        return queries.sanctions(session, actor=actor, q=q, status=status, today=today, limit=200, offset=0).items

    ctx = {
        "q": q,
        "today": today,
        "in_force": page("in_force"),
        "history": page("history"),
        "pending": page("pending") if recorder else [],
        "recorder": recorder,
    }
    return render(request, "credit/list.html", ctx)


def _form(
    request: Request,
    session: Session,
    clock: Clock,
    *,
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    today = local_today(clock)
    ctx = {
        "bases": queries.basis_list(session, on=today),
        "KINDS": service.KINDS_ZH,
        "TRADES": TRADE_LABELS_ZH,
        "today": today,
        "error": error,
        "v": values or {},
    }
    return render(request, "credit/new.html", ctx, status_code=status)


@router.get("/credit/new", response_class=HTMLResponse)
def new_form(request: Request, actor: Recorder, session: DB, clock: ClockDep) -> HTMLResponse:
    del actor
    return _form(request, session, clock)


def _date(value: str, *, field: str, label: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{label}应为日期，格式 YYYY-MM-DD", code="INVALID_INPUT", field=field) from exc


@router.post("/credit/sanctions", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def impose_submit(
    request: Request,
    actor: Recorder,
    session: DB,
    clock: ClockDep,
    uscc: Annotated[str, Form(max_length=18)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    scope_trades: Annotated[list[str] | None, Form()] = None,
    valid_from: Annotated[str, Form(max_length=10)] = "",
    valid_until: Annotated[str, Form(max_length=10)] = "",
    authority: Annotated[str, Form(max_length=100)] = "",
    document_no: Annotated[str, Form(max_length=100)] = "",
    rule: Annotated[str, Form(max_length=80)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    values = {
        "uscc": uscc,
        "kind": kind,
        "scope_trades": scope_trades or [],
        "valid_from": valid_from,
        "valid_until": valid_until,
        "authority": authority,
        "document_no": document_no,
        "rule": rule,
        "reason": reason,
    }
    try:
        entity_id = session.scalar(select(Entity.id).where(Entity.uscc == uscc.strip().upper()))
        if entity_id is None:
            raise NotFound(
                f"统一社会信用代码 {uscc} 对应的市场主体不存在", code="SANCTION_ENTITY_NOT_FOUND", field="uscc"
            )
        sanction = service.impose(
            session,
            actor=actor,
            entity_id=entity_id,
            kind=kind,
            scope_trades=scope_trades,
            valid_from=_date(valid_from, field="valid_from", label="起始日期"),
            valid_until=_date(valid_until, field="valid_until", label="截止日期"),
            authority=authority,
            document_no=document_no,
            rule_key=rule,
            reason=reason,
            now=clock.now(),
        )
    except AppError as exc:
        session.rollback()
        return _form(request, session, clock, error=_refusal(exc), values=values, status=exc.status_code)
    return RedirectResponse(f"/credit/sanctions/{sanction.id}", status_code=303)


def _detail(
    request: Request,
    session: Session,
    actor: Principal | None,
    clock: Clock,
    sanction_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    sanction = queries.sanction_for(session, actor=actor, sanction_id=sanction_id, today=local_today(clock))
    ctx = {
        "s": sanction,
        "can_lift": sanction.status in ("pending", "in_force") and service.may_sanction(actor, sanction.scope_trades),
        "error": error,
    }
    return render(request, "credit/sanction.html", ctx, status_code=status)


@router.get("/credit/sanctions/{sanction_id}", response_class=HTMLResponse)
def sanction_page(request: Request, sanction_id: int, actor: Anyone, session: DB, clock: ClockDep) -> HTMLResponse:
    return _detail(request, session, actor, clock, sanction_id)


@router.post("/credit/sanctions/{sanction_id}/lift", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def lift_submit(
    request: Request,
    sanction_id: int,
    actor: Recorder,
    session: DB,
    clock: ClockDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        service.lift(session, actor=actor, sanction_id=sanction_id, reason=reason, now=clock.now())
    except AppError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _detail(request, session, actor, clock, sanction_id, error=_refusal(exc), status=exc.status_code)
    return RedirectResponse(f"/credit/sanctions/{sanction_id}", status_code=303)


@router.get("/credit/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(request: Request, entity_id: int, actor: Anyone, session: DB, clock: ClockDep) -> HTMLResponse:
    del actor
    standing = queries.entity_credit(session, entity_id=entity_id, on=local_today(clock))
    history = [
        s
        for s in queries.sanctions(
            session, actor=None, q=standing.uscc, status="history", today=standing.on, limit=200, offset=0
        ).items
    ]
    ctx = {"c": standing, "history": history, "TRADES": TRADE_LABELS_ZH}
    return render(request, "credit/entity.html", ctx)
