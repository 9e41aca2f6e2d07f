"""Pages for projects and lots: my projects, a new project, a project with its lots, a lot's opening record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.clock import SHANGHAI, Clock
from ggzy.core.errors import AppError, InvalidInput
from ggzy.core.security import Principal, Role, allow, authenticated
from ggzy.entities.models import Entity
from ggzy.entities.trades import TRADE_LABELS_ZH, EntityKind
from ggzy.procedures.common import TENDER_STAGES
from ggzy.projects import award, queries, service
from ggzy.projects.schemas import LotIn, ProjectIn
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import get_clock, get_session, page_router
from ggzy.web.templating import render

router = page_router()
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Owner = Annotated[Principal, Depends(allow(Role.owner_staff))]

LABELS = {
    "name": "项目名称",
    "trade": "交易类型",
    "region_code": "所在地区",
    "code": "标段编号",
    "procedure": "交易方式",
    "estimate": "估算价/预算",
    "max_price": "最高限价",
    "category": "类别",
}


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = str(err["loc"][0]) if err["loc"] else ""
    return f"{LABELS.get(loc, loc)}：输入无效（{err['msg']}）"


def _common() -> dict[str, object]:
    return {
        "TRADES": TRADE_LABELS_ZH,
        "PROCEDURES": service.PROCEDURE_LABELS_ZH,
        "STAGES": TENDER_STAGES,
    }


@router.get("/projects", response_class=HTMLResponse)
def projects_page(
    request: Request,
    actor: Annotated[Principal, Depends(authenticated)],
    session: DB,
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> HTMLResponse:
    result = queries.projects_for(session, actor=actor, limit=20, offset=(page - 1) * 20)
    return render(request, "projects/list.html", {"result": result, "page": page, **_common()})


def _owners(session: Session) -> list[Entity]:
    return list(session.scalars(select(Entity).where(Entity.kind == EntityKind.tenderee).order_by(Entity.name)))


@router.get("/projects/new", response_class=HTMLResponse)
def new_project_form(request: Request, actor: Owner, session: DB) -> HTMLResponse:
    return render(request, "projects/new.html", {"values": {}, "owners": _owners(session), **_common()})


@router.post("/projects/new", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def new_project_submit(
    request: Request,
    actor: Owner,
    session: DB,
    clock: ClockDep,
    name: Annotated[str, Form(max_length=300)] = "",
    trade: Annotated[str, Form(max_length=30)] = "",
    region_code: Annotated[str, Form(max_length=20)] = "",
    owner_entity_id: Annotated[str, Form(max_length=20)] = "",
    fund_source: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    values = {"name": name, "trade": trade, "region_code": region_code, "owner_entity_id": owner_entity_id}
    try:
        body = ProjectIn(
            name=name,
            trade=trade,
            region_code=region_code,
            owner_entity_id=int(owner_entity_id) if owner_entity_id.isdigit() else None,
            fund_source=fund_source,
            description=description,
        )
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
    except ValidationError as exc:
        ctx = {"values": values, "owners": _owners(session), "error": _first_error(exc), **_common()}
        return render(request, "projects/new.html", ctx, status_code=422)
    except AppError as exc:
        session.rollback()
        ctx = {"values": values, "owners": _owners(session), "error": exc.message, **_common()}
        return render(request, "projects/new.html", ctx, status_code=exc.status_code)
    return RedirectResponse(f"/projects/{project.id}", status_code=303)


def _project_page(
    request: Request,
    session: Session,
    actor: Principal,
    project_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    project = queries.project_for(session, actor=actor, project_id=project_id)
    raw = service.get_project(session, project_id)
    ctx = {
        "project": project,
        "can_manage": service.is_manager(actor, raw),
        "error": error,
        "categories": {"works": "工程", "goods": "货物", "services": "服务"},
        "allowed_procedures": service.PROCEDURES_BY_TRADE[project.trade],
        **_common(),
    }
    return render(request, "projects/project.html", ctx, status_code=status)


@router.get("/projects/{project_id}", response_class=HTMLResponse)
def project_page(
    request: Request, project_id: int, actor: Annotated[Principal, Depends(authenticated)], session: DB
) -> HTMLResponse:
    return _project_page(request, session, actor, project_id)


@router.post("/projects/{project_id}/lots", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def add_lot_submit(
    request: Request,
    project_id: int,
    actor: Owner,
    session: DB,
    clock: ClockDep,
    code: Annotated[str, Form(max_length=40)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    procedure: Annotated[str, Form(max_length=40)] = "",
    estimate: Annotated[str, Form(max_length=30)] = "",
    max_price: Annotated[str, Form(max_length=30)] = "",
    category: Annotated[str, Form(max_length=20)] = "works",
) -> Response:
    try:
        body = LotIn(
            code=code,
            name=name,
            procedure=procedure,
            estimate=Decimal(estimate or "0"),
            max_price=Decimal(max_price) if max_price.strip() else None,
            category=category,
        )
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
    except InvalidOperation:
        return _project_page(request, session, actor, project_id, error="估算价/预算：请输入金额（元）", status=422)
    except ValidationError as exc:
        return _project_page(request, session, actor, project_id, error=_first_error(exc), status=422)
    except AppError as exc:
        session.rollback()
        return _project_page(request, session, actor, project_id, error=exc.message, status=exc.status_code)
    return RedirectResponse(f"/lots/{lot.id}", status_code=303)


@router.get("/lots/{lot_id}", response_class=HTMLResponse)
def lot_page(
    request: Request, lot_id: int, actor: Annotated[Principal, Depends(authenticated)], session: DB
) -> HTMLResponse:
    return _lot_page(request, session, actor, lot_id)


def _lot_page(
    request: Request,
    session: Session,
    actor: Principal,
    lot_id: int,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    bidders = queries.bidders_for(session, actor=actor, lot_id=lot_id)
    lot = service.get_lot(session, lot_id)
    project = queries.project_out(session, lot.project)
    return render(
        request,
        "projects/lot.html",
        {
            "lot": queries.lot_out(session, lot),
            "project": project,
            "bidders": bidders,
            "can_manage": queries.can_manage_lot(actor, lot),
            "is_owner": service.is_manager(actor, lot.project),
            "error": error,
            "form": form or {},
            **_common(),
        },
        status_code=status,
    )


def _refusal_text(exc: AppError) -> str:
    """The refusal as shown on a page: its message, with the article appended unless the message cites it."""
    return exc.message if not exc.citation or exc.citation in exc.message else f"{exc.message}（{exc.citation}）"


def _local(value: str, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{NOTICE_LABELS[field]}：请填写日期和时间", code="INVALID_INPUT", field=field) from exc
    return parsed.replace(tzinfo=SHANGHAI) if parsed.tzinfo is None else parsed


NOTICE_LABELS = {
    "documents_from": "文件发出开始",
    "documents_until": "文件发出截止",
    "bid_deadline": "投标截止（开标）",
}


@router.post("/lots/{lot_id}/notice", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def publish_notice_submit(
    request: Request,
    lot_id: int,
    actor: Owner,
    session: DB,
    clock: ClockDep,
    documents_from: Annotated[str, Form(max_length=40)] = "",
    documents_until: Annotated[str, Form(max_length=40)] = "",
    bid_deadline: Annotated[str, Form(max_length=40)] = "",
    bid_bond: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    form = {
        "documents_from": documents_from,
        "documents_until": documents_until,
        "bid_deadline": bid_deadline,
        "bid_bond": bid_bond,
    }
    try:
        try:
            bond = Decimal(bid_bond) if bid_bond.strip() else None
        except InvalidOperation as exc:
            raise InvalidInput("投标保证金：请输入金额（元）", code="INVALID_INPUT", field="bid_bond") from exc
        service.publish_notice(
            session,
            actor=actor,
            lot_id=lot_id,
            documents_from=_local(documents_from, "documents_from"),
            documents_until=_local(documents_until, "documents_until"),
            bid_deadline=_local(bid_deadline, "bid_deadline"),
            bid_bond=bond,
            now=clock.now(),
        )
    except AppError as exc:
        session.rollback()
        message = _refusal_text(exc)
        return _lot_page(request, session, actor, lot_id, error=message, form=form, status=exc.status_code)
    return RedirectResponse(f"/lots/{lot_id}", status_code=303)


@router.post("/lots/{lot_id}/end", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def end_lot_submit(
    request: Request,
    lot_id: int,
    actor: Annotated[Principal, Depends(allow(Role.owner_staff, Role.center_staff))],
    session: DB,
    clock: ClockDep,
    action: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        service.end_lot(session, actor=actor, lot_id=lot_id, action=action, reason=reason, now=clock.now())
    except AppError as exc:
        session.rollback()
        return _lot_page(request, session, actor, lot_id, error=exc.message, status=exc.status_code)
    return RedirectResponse(f"/lots/{lot_id}", status_code=303)


def _after(request: Request, session: Session, actor: Principal, lot_id: int, run: Callable[[], object]) -> Response:
    """Run one after-evaluation step from a form; on refusal show the lot page with the message and article."""
    try:
        run()
    except AppError as exc:
        session.rollback()
        message = _refusal_text(exc)
        return _lot_page(request, session, actor, lot_id, error=message, status=exc.status_code)
    return RedirectResponse(f"/lots/{lot_id}", status_code=303)


def _decimal(value: str, field: str, label: str) -> Decimal:
    try:
        return Decimal(value.strip())
    except InvalidOperation as exc:
        raise InvalidInput(f"{label}：请输入金额（元）", code="INVALID_INPUT", field=field) from exc


def _date(value: str, field: str, label: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise InvalidInput(f"{label}：请填写日期", code="INVALID_INPUT", field=field) from exc


@router.post("/lots/{lot_id}/candidates", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def publish_candidates_submit(request: Request, lot_id: int, actor: Owner, session: DB, clock: ClockDep) -> Response:
    return _after(
        request,
        session,
        actor,
        lot_id,
        lambda: award.publish_candidates(session, actor=actor, lot_id=lot_id, now=clock.now()),
    )


@router.post("/lots/{lot_id}/award", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def award_submit(
    request: Request,
    lot_id: int,
    actor: Owner,
    session: DB,
    clock: ClockDep,
    lot_bidder_id: Annotated[int, Form(ge=1)],
) -> Response:
    return _after(
        request,
        session,
        actor,
        lot_id,
        lambda: award.award(session, actor=actor, lot_id=lot_id, lot_bidder_id=lot_bidder_id, now=clock.now()),
    )


@router.post("/lots/{lot_id}/contract", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def contract_submit(
    request: Request,
    lot_id: int,
    actor: Owner,
    session: DB,
    clock: ClockDep,
    amount: Annotated[str, Form(max_length=30)] = "",
    signed_on: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    return _after(
        request,
        session,
        actor,
        lot_id,
        lambda: award.sign_contract(
            session,
            actor=actor,
            lot_id=lot_id,
            amount=_decimal(amount, "amount", "合同金额"),
            signed_on=_date(signed_on, "signed_on", "签订日期"),
            now=clock.now(),
        ),
    )


@router.post("/lots/{lot_id}/performance", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def performance_submit(
    request: Request,
    lot_id: int,
    actor: Owner,
    session: DB,
    clock: ClockDep,
    completed_on: Annotated[str, Form(max_length=20)] = "",
    quality: Annotated[str, Form(max_length=300)] = "",
    final_amount: Annotated[str, Form(max_length=30)] = "",
) -> Response:
    return _after(
        request,
        session,
        actor,
        lot_id,
        lambda: award.record_performance(
            session,
            actor=actor,
            lot_id=lot_id,
            completed_on=_date(completed_on, "completed_on", "完成日期"),
            quality=quality,
            final_amount=_decimal(final_amount, "final_amount", "结算金额"),
            now=clock.now(),
        ),
    )
