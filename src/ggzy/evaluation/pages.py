"""Pages: an expert's 我的评标任务 → 评分表; center staff's 评标室; the printable 评标报告."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.errors import AppError, InvalidInput, NotFound
from ggzy.core.security import Principal, Role, allow, authenticated
from ggzy.evaluation import closing, queries, service
from ggzy.evaluation.schemas import EvaluationOut
from ggzy.projects.queries import can_manage_lot
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import get_clock, get_session, page_router, run_view_work
from ggzy.web.templating import render

router = page_router()
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Member_ = Annotated[Principal, Depends(allow(Role.expert, Role.owner_staff))]
Center = Annotated[Principal, Depends(allow(Role.center_staff))]
User_ = Annotated[Principal, Depends(authenticated)]

REJECT_LABELS = {"above_max_price": "投标报价超过最高投标限价", "failed_review": "资格/符合性审查未通过"}


def _context(view: EvaluationOut) -> dict[str, Any]:
    names = {b.id: b.name for b in view.bidders or []}
    return {
        "ev": view,
        "names": names,
        "reject_labels": REJECT_LABELS,
        "reasons": service.CORRECTION_REASONS,
        "method_labels": service.METHOD_LABELS_ZH,
    }


def _page(
    request: Request, session: Session, principal: Principal, evaluation_id: int, template: str, **extra: Any
) -> HTMLResponse:
    status = int(extra.pop("status_code", 200))
    view = queries.evaluation_for(session, actor=principal, evaluation_id=evaluation_id)
    return render(request, template, {**_context(view), **extra}, status_code=status)


@router.get("/evaluation/mine", response_class=HTMLResponse)
def mine(request: Request, principal: Member_, session: DB) -> HTMLResponse:
    items = queries.assignments_for(session, actor=principal)
    return render(request, "evaluation/mine.html", {"items": items})


@router.get("/evaluation/{evaluation_id}", response_class=HTMLResponse)
def room(request: Request, evaluation_id: int, principal: User_, session: DB) -> HTMLResponse:
    """评标室: members are sent to their sheet; everyone else sees what their role may see."""
    view = queries.evaluation_for(session, actor=principal, evaluation_id=evaluation_id)
    template = "evaluation/sheet.html" if view.role == "member" else "evaluation/room.html"
    return render(request, template, _context(view))


def _after(
    request: Request, session: Session, principal: Principal, evaluation_id: int, exc: AppError | None, message: str
) -> Response:
    if exc is not None:
        session.rollback()
        view = queries.evaluation_for(session, actor=principal, evaluation_id=evaluation_id)
        template = "evaluation/sheet.html" if view.role == "member" else "evaluation/room.html"
        return render(
            request,
            template,
            {**_context(view), "error": exc.message, "error_field": exc.field},
            status_code=exc.status_code,
        )
    return RedirectResponse(f"/evaluation/{evaluation_id}?done={message}", status_code=303)


def _decimal(raw: str, field: str) -> Decimal:
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise InvalidInput(f"得分“{raw}”不是有效数字", code="SCORE_INVALID", field=field) from None
    if not value.is_finite():
        raise InvalidInput(f"得分“{raw}”不是有效数字", code="SCORE_INVALID", field=field)
    return value


@router.post("/evaluation/{evaluation_id}/sheet", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
async def submit_sheet(
    request: Request, evaluation_id: int, principal: Member_, session: DB, clock: ClockDep
) -> Response:
    # The sheet's fields are named per bid and criterion, so the form is read whole; the database work runs in
    # a worker thread that also ends the unit of work, like every synchronous route.
    form = await request.form()
    fields = [(k, v) for k, v in form.multi_items() if isinstance(v, str)]
    return await run_view_work(request, _save_sheet, request, evaluation_id, principal, session, clock, fields)


def _save_sheet(
    request: Request,
    evaluation_id: int,
    principal: Principal,
    session: Session,
    clock: Clock,
    fields: list[tuple[str, str]],
) -> Response:
    values = dict(fields)
    verdicts: list[service.VerdictIn] = []
    scores: list[service.ScoreIn] = []
    try:
        for key, value in fields:
            if key.startswith("v_"):
                bidder_id = int(key[2:])
                reason = values.get(f"r_{bidder_id}", "")[:500]
                verdicts.append(service.VerdictIn(bidder_id=bidder_id, passed=value == "pass", reason=reason))
            elif key.startswith("s_") and value.strip():
                _, bidder, criterion = key.split("_")
                scores.append(
                    service.ScoreIn(bidder_id=int(bidder), criterion_id=int(criterion), score=_decimal(value, key))
                )
        service.submit_sheet(
            session, actor=principal, evaluation_id=evaluation_id, verdicts=verdicts, scores=scores, now=clock.now()
        )
    except ValueError:
        invalid = InvalidInput("评分表格式有误", code="SHEET_INVALID")
        return _after(request, session, principal, evaluation_id, invalid, "")
    except AppError as exc:
        return _after(request, session, principal, evaluation_id, exc, "")
    return _after(request, session, principal, evaluation_id, None, "saved")


@router.post(
    "/evaluation/{evaluation_id}/sheet/sign", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)]
)
def sign_sheet(request: Request, evaluation_id: int, principal: Member_, session: DB, clock: ClockDep) -> Response:
    try:
        service.sign_sheet(session, actor=principal, evaluation_id=evaluation_id, now=clock.now())
    except AppError as exc:
        return _after(request, session, principal, evaluation_id, exc, "")
    return _after(request, session, principal, evaluation_id, None, "signed")


@router.post(
    "/evaluation/{evaluation_id}/time-short", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)]
)
def time_short(request: Request, evaluation_id: int, principal: Member_, session: DB, clock: ClockDep) -> Response:
    try:
        service.declare_time_short(session, actor=principal, evaluation_id=evaluation_id, now=clock.now())
    except AppError as exc:
        return _after(request, session, principal, evaluation_id, exc, "")
    return _after(request, session, principal, evaluation_id, None, "time_short")


@router.post(
    "/evaluation/{evaluation_id}/corrections", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)]
)
def correct(
    request: Request,
    evaluation_id: int,
    principal: Member_,
    session: DB,
    clock: ClockDep,
    bidder_id: Annotated[int, Form()],
    criterion_id: Annotated[int, Form()],
    new_score: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=40)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    try:
        closing.correct_score(
            session,
            actor=principal,
            evaluation_id=evaluation_id,
            bidder_id=bidder_id,
            criterion_id=criterion_id,
            new_score=_decimal(new_score, "new_score"),
            reason=reason,
            note=note,
            now=clock.now(),
        )
    except AppError as exc:
        return _after(request, session, principal, evaluation_id, exc, "")
    return _after(request, session, principal, evaluation_id, None, "corrected")


@router.post("/evaluation/{evaluation_id}/report", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def report(
    request: Request,
    evaluation_id: int,
    principal: Center,
    session: DB,
    clock: ClockDep,
    candidate_count: Annotated[int, Form()] = 3,
) -> Response:
    try:
        closing.generate_report(
            session, actor=principal, evaluation_id=evaluation_id, candidate_count=candidate_count, now=clock.now()
        )
    except AppError as exc:
        return _after(request, session, principal, evaluation_id, exc, "")
    return _after(request, session, principal, evaluation_id, None, "report")


@router.post(
    "/evaluation/{evaluation_id}/report/sign", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)]
)
def sign_report(request: Request, evaluation_id: int, principal: Member_, session: DB, clock: ClockDep) -> Response:
    try:
        closing.sign_report(session, actor=principal, evaluation_id=evaluation_id, now=clock.now())
    except AppError as exc:
        return _after(request, session, principal, evaluation_id, exc, "")
    return _after(request, session, principal, evaluation_id, None, "report_signed")


@router.get("/evaluation/{evaluation_id}/report", response_class=HTMLResponse)
def printable_report(request: Request, evaluation_id: int, principal: User_, session: DB) -> HTMLResponse:
    view = queries.evaluation_for(session, actor=principal, evaluation_id=evaluation_id)
    if view.report is None:
        raise AppError("评标报告尚未生成或您无权查看", code="REPORT_NOT_FOUND", status_code=404)
    return render(request, "evaluation/report.html", _context(view))


@router.post("/evaluation/lots/{lot_id}/start", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def start(request: Request, lot_id: int, principal: Center, session: DB, clock: ClockDep) -> Response:
    try:
        evaluation = service.start_evaluation(session, actor=principal, lot_id=lot_id, now=clock.now())
    except AppError as exc:
        session.rollback()
        return _lot_page(
            request, session, principal, lot_id, status_code=exc.status_code, error=exc.message, citation=exc.citation
        )
    return RedirectResponse(f"/evaluation/{evaluation.id}", status_code=303)


def _lot_page(
    request: Request, session: Session, principal: Principal, lot_id: int, *, status_code: int = 200, **extra: Any
) -> HTMLResponse:
    lot = service.get_lot(session, lot_id)
    if not can_manage_lot(principal, lot):
        raise NotFound(f"标段 {lot_id} 不存在", code="LOT_NOT_FOUND", field="lot_id")
    scheme = service.scheme_for_lot(session, lot_id)
    context = {
        "lot": lot,
        "lot_id": lot_id,
        "scheme": queries.scheme_out(scheme) if scheme is not None else None,
        "can_start": principal.has(Role.center_staff),
        "method_labels": service.METHOD_LABELS_ZH,
        "rows": range(6),
        **extra,
    }
    return render(request, "evaluation/start.html", context, status_code=status_code)


@router.get("/evaluation/lots/{lot_id}", response_class=HTMLResponse)
def lot_entry(request: Request, lot_id: int, principal: User_, session: DB) -> Response:
    """From a lot to its evaluation room; before the start, the scheme form and (center staff) the start button."""
    evaluation_id = queries.evaluation_id_for_lot(session, lot_id)
    if evaluation_id is not None:
        return RedirectResponse(f"/evaluation/{evaluation_id}", status_code=303)
    return _lot_page(request, session, principal, lot_id)


@router.post("/evaluation/lots/{lot_id}/scheme", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
async def set_scheme(
    request: Request,
    lot_id: int,
    principal: Annotated[Principal, Depends(allow(Role.center_staff, Role.owner_staff))],
    session: DB,
    clock: ClockDep,
) -> Response:
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_view_work(request, _save_scheme, request, lot_id, principal, session, clock, fields)


def _save_scheme(
    request: Request, lot_id: int, principal: Principal, session: Session, clock: Clock, fields: dict[str, str]
) -> Response:
    try:
        criteria = []
        for i in range(20):
            name = fields.get(f"c_name_{i}", "").strip()
            if not name:
                continue
            criteria.append(
                service.CriterionIn(
                    code=fields.get(f"c_code_{i}", "").strip()[:20] or f"C{i + 1}",
                    name=name[:100],
                    kind=fields.get(f"c_kind_{i}", "subjective"),
                    max_score=_decimal(fields.get(f"c_max_{i}", ""), f"c_max_{i}"),
                )
            )
        service.set_scheme(
            session,
            actor=principal,
            lot_id=lot_id,
            method=fields.get("method", ""),
            price_weight=_decimal(fields.get("price_weight", "0") or "0", "price_weight"),
            criteria=criteria,
            now=clock.now(),
        )
    except AppError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _lot_page(
            request, session, principal, lot_id, status_code=exc.status_code, error=exc.message, citation=exc.citation
        )
    return RedirectResponse(f"/evaluation/lots/{lot_id}?done=scheme", status_code=303)
