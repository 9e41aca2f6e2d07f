"""Pages of the expert pool: the expert's own page, the center's pool and draw, supervisors' records."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ggzy.core.clock import SHANGHAI, Clock
from ggzy.core.errors import AppError, InvalidInput, NotFound
from ggzy.core.security import Principal, Role, allow, public
from ggzy.experts import committees, queries, service
from ggzy.experts.avoidance import REASONS_ZH, TITLE_LEVELS_ZH
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import get_clock, get_session, page_router
from ggzy.web.templating import render

router = page_router()
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
ExpertUser = Annotated[Principal, Depends(allow(Role.expert))]
Center = Annotated[Principal, Depends(allow(Role.center_staff))]

STATUS_ZH = {
    "pending": "待审核",
    "approved": "已入库",
    "rejected": "未通过",
    "notified": "已通知待确认",
    "confirmed": "已确认参加",
    "declined": "已拒绝",
    "no_show": "缺席",
    "replaced": "已更换",
    "standby": "备选",
    "requested": "待抽取",
    "drawn": "已抽取",
    "cancelled": "已取消",
    "suspension": "暂停评标资格",
    "blacklist": "黑名单",
}


def _parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput("日期格式应为 YYYY-MM-DD", code="INVALID_INPUT", field=field) from exc


def _me_page(
    request: Request,
    session: Session,
    principal: Principal,
    clock: Clock,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    expert = queries.my_expert(session, principal)
    return render(
        request,
        "experts/me.html",
        {
            "expert": queries.expert_detail(session, expert, at=clock.now()) if expert else None,
            "assignments": queries.assignments(session, expert.id) if expert else [],
            "unavailable": queries.unavailability(session, expert.id) if expert else [],
            "notifications": queries.notifications(session, expert.id) if expert else [],
            "tree": [n for n in queries.classification_tree(session) if len(n.code) == 7],
            "titles": TITLE_LEVELS_ZH,
            "status_zh": STATUS_ZH,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/experts/me", response_class=HTMLResponse)
def me(request: Request, principal: ExpertUser, session: DB, clock: ClockDep) -> HTMLResponse:
    return _me_page(request, session, principal, clock)


@router.post("/experts/me/register", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def me_register(
    request: Request,
    principal: ExpertUser,
    session: DB,
    clock: ClockDep,
    name: Annotated[str, Form(max_length=50)] = "",
    id_number: Annotated[str, Form(max_length=18)] = "",
    phone: Annotated[str, Form(max_length=30)] = "",
    email: Annotated[str, Form(max_length=100)] = "",
    title: Annotated[str, Form(max_length=50)] = "",
    title_level: Annotated[str, Form(max_length=20)] = "senior",
    years_of_practice: Annotated[int, Form(ge=0, le=70)] = 0,
    region_code: Annotated[str, Form(max_length=12)] = "",
    specialties: Annotated[str, Form(max_length=100)] = "",
    employer_name: Annotated[str, Form(max_length=100)] = "",
    employer_uscc: Annotated[str, Form(max_length=18)] = "",
    employed_since: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        service.register_expert(
            session,
            actor=principal,
            name=name,
            id_number=id_number,
            phone=phone,
            email=email,
            title=title,
            title_level=title_level,
            years_of_practice=years_of_practice,
            region_code=region_code,
            specialties=[s for s in specialties.replace("，", ",").split(",") if s.strip()],
            employments=[
                service.EmploymentIn(employer_name, employer_uscc, _parse_date(employed_since, "employed_since"))
            ],
            now=clock.now(),
        )
    except AppError as exc:
        session.rollback()
        return _me_page(request, session, principal, clock, error=exc.message, status_code=exc.status_code)
    return RedirectResponse("/experts/me", status_code=303)


@router.post("/experts/me/unavailability", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def me_unavailability(
    request: Request,
    principal: ExpertUser,
    session: DB,
    clock: ClockDep,
    start_date: Annotated[str, Form(max_length=10)] = "",
    end_date: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    expert = queries.my_expert(session, principal)
    if expert is None:
        raise NotFound("请先申请入库", code="EXPERT_NOT_FOUND")
    try:
        service.add_unavailability(
            session,
            actor=principal,
            expert_id=expert.id,
            start_date=_parse_date(start_date, "start_date"),
            end_date=_parse_date(end_date, "end_date"),
            reason=reason,
            now=clock.now(),
        )
    except AppError as exc:
        session.rollback()
        return _me_page(request, session, principal, clock, error=exc.message, status_code=exc.status_code)
    return RedirectResponse("/experts/me", status_code=303)


@router.post("/experts/me/assignments/{member_id}", dependencies=[Depends(csrf_protect)])
def me_respond(
    member_id: int,
    principal: ExpertUser,
    session: DB,
    clock: ClockDep,
    accept: Annotated[str, Form(max_length=5)] = "",
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    committees.respond(
        session, actor=principal, member_id=member_id, accept=accept == "yes", note=note, now=clock.now()
    )
    return RedirectResponse("/experts/me", status_code=303)


@router.get("/experts/pool", response_class=HTMLResponse)
def pool(
    request: Request,
    _: Center,
    session: DB,
    clock: ClockDep,
    q: Annotated[str | None, Query(max_length=50)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    specialty: Annotated[str | None, Query(max_length=7)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    page = queries.pool(
        session,
        q=q or None,
        status=status or None,
        specialty=specialty or None,
        region=None,
        at=clock.now(),
        limit=50,
        offset=offset,
    )
    return render(
        request,
        "experts/pool.html",
        {
            "page": page,
            "q": q or "",
            "status": status or "",
            "specialty": specialty or "",
            "status_zh": STATUS_ZH,
            "titles": TITLE_LEVELS_ZH,
            "offset": offset,
        },
    )


@router.get("/experts/pool/{expert_id}", response_class=HTMLResponse)
def pool_expert(request: Request, expert_id: int, principal: Center, session: DB, clock: ClockDep) -> HTMLResponse:
    detail = queries.expert_for(session, principal, expert_id, at=clock.now())
    return render(request, "experts/expert.html", {"e": detail, "status_zh": STATUS_ZH, "titles": TITLE_LEVELS_ZH})


@router.post("/experts/pool/{expert_id}/review", dependencies=[Depends(csrf_protect)])
def pool_review(
    expert_id: int,
    principal: Center,
    session: DB,
    clock: ClockDep,
    decision: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    service.review_expert(
        session, actor=principal, expert_id=expert_id, approve=decision == "approve", note=note, now=clock.now()
    )
    return RedirectResponse(f"/experts/pool/{expert_id}", status_code=303)


@router.post("/experts/pool/{expert_id}/sanction", dependencies=[Depends(csrf_protect)])
def pool_sanction(
    expert_id: int,
    principal: Center,
    session: DB,
    clock: ClockDep,
    kind: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    days: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    service.sanction_expert(
        session,
        actor=principal,
        expert_id=expert_id,
        kind=kind,
        reason=reason,
        days=int(days) if days.strip().isdigit() else None,
        now=clock.now(),
    )
    return RedirectResponse(f"/experts/pool/{expert_id}", status_code=303)


@router.get("/committees/{committee_id}", response_class=HTMLResponse)
def committee_page(
    request: Request, committee_id: int, principal: Annotated[Principal | None, Depends(public)], session: DB
) -> HTMLResponse:
    committee = queries.get_committee(session, committee_id)
    view = queries.committee_out(session, principal, committee)
    draw = queries.current_draw(session, committee)
    return render(
        request,
        "experts/committee.html",
        {
            "c": view,
            "draw": draw if view.names_visible else None,
            "draw_hash": draw.record_hash if draw else None,
            "is_center": bool(principal and principal.has(Role.center_staff)),
            "status_zh": STATUS_ZH,
            "reasons_zh": REASONS_ZH,
        },
    )


@router.post("/committees/{committee_id}/draw", dependencies=[Depends(csrf_protect)])
def committee_draw(committee_id: int, principal: Center, session: DB, clock: ClockDep) -> Response:
    committees.draw_committee(session, actor=principal, committee_id=committee_id, now=clock.now())
    return RedirectResponse(f"/committees/{committee_id}", status_code=303)


@router.post("/committees/{committee_id}/redraw", dependencies=[Depends(csrf_protect)])
def committee_redraw(
    committee_id: int,
    principal: Center,
    session: DB,
    clock: ClockDep,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    committees.request_redraw(session, actor=principal, committee_id=committee_id, reason=reason, now=clock.now())
    return RedirectResponse(f"/committees/{committee_id}", status_code=303)


@router.get("/experts/draws", response_class=HTMLResponse)
def draws(
    request: Request, principal: Annotated[Principal, Depends(allow(Role.supervisor, Role.center_staff))], session: DB
) -> HTMLResponse:
    return render(
        request,
        "experts/draws.html",
        {
            "draws": queries.draw_list(session, limit=100),
            "ratings": queries.ratings(session),
            "pending": queries.pending_committees(session) if principal.has(Role.center_staff) else [],
            "status_zh": STATUS_ZH,
        },
    )


def _committee_form(
    request: Request, lot_id: int, *, values: dict[str, str], error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    return render(
        request, "experts/committee_new.html", {"lot_id": lot_id, "v": values, "error": error}, status_code=status_code
    )


@router.get("/experts/committees/new", response_class=HTMLResponse)
def committee_new(
    request: Request,
    _: Annotated[Principal, Depends(allow(Role.owner_staff, Role.center_staff))],
    lot_id: Annotated[int, Query(ge=1)],
) -> HTMLResponse:
    return _committee_form(
        request, lot_id, values={"size": "5", "requirements": "A080101:4", "scope": "62", "reserve_count": "2"}
    )


def _local(value: str, field: str) -> datetime:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI).astimezone(UTC)
    except ValueError as exc:
        raise InvalidInput("时间格式应为 YYYY-MM-DDTHH:MM", code="INVALID_INPUT", field=field) from exc


@router.post("/experts/committees/new", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def committee_create(
    request: Request,
    principal: Annotated[Principal, Depends(allow(Role.owner_staff, Role.center_staff))],
    session: DB,
    clock: ClockDep,
    lot_id: Annotated[int, Form(ge=1)],
    size: Annotated[str, Form(max_length=3)] = "",
    representatives: Annotated[str, Form(max_length=100)] = "",
    requirements: Annotated[str, Form(max_length=200)] = "",
    scope: Annotated[str, Form(max_length=100)] = "",
    remote_sites: Annotated[str, Form(max_length=200)] = "",
    evaluation_start: Annotated[str, Form(max_length=20)] = "",
    evaluation_end: Annotated[str, Form(max_length=20)] = "",
    venue: Annotated[str, Form(max_length=200)] = "",
    reserve_count: Annotated[str, Form(max_length=2)] = "2",
) -> Response:
    values = {
        "size": size,
        "representatives": representatives,
        "requirements": requirements,
        "scope": scope,
        "remote_sites": remote_sites,
        "evaluation_start": evaluation_start,
        "evaluation_end": evaluation_end,
        "venue": venue,
        "reserve_count": reserve_count,
    }
    try:
        reqs = []
        for part in requirements.replace("，", ",").split(","):
            code, _, count = part.strip().partition(":")
            if not code or not count.strip().isdigit():
                raise InvalidInput(
                    "所需专业格式应为 代码:人数，多个用逗号分隔", code="INVALID_INPUT", field="requirements"
                )
            reqs.append(committees.RequirementIn(code.strip(), int(count)))
        if not size.isdigit() or not reserve_count.isdigit():
            raise InvalidInput("人数必须是整数", code="INVALID_INPUT", field="size")
        committee = committees.request_committee(
            session,
            actor=principal,
            lot_id=lot_id,
            size=int(size),
            owner_representative_user_ids=[
                int(x) for x in representatives.replace("，", ",").split(",") if x.strip().isdigit()
            ],
            requirements=reqs,
            region_prefixes=[p for p in scope.replace("，", ",").split(",") if p.strip()],
            remote_sites=[p for p in remote_sites.replace("，", ",").split(",") if p.strip()],
            evaluation_start=_local(evaluation_start, "evaluation_start"),
            evaluation_end=_local(evaluation_end, "evaluation_end"),
            venue=venue,
            reserve_count=int(reserve_count),
            now=clock.now(),
        )
    except AppError as exc:
        session.rollback()
        message = exc.message + (f"（{exc.citation}）" if exc.citation else "")
        return _committee_form(request, lot_id, values=values, error=message, status_code=exc.status_code)
    return RedirectResponse(f"/committees/{committee.id}", status_code=303)
