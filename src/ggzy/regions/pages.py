"""Pages: regions (the province first), centers with their venues and branches."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.errors import AppError
from ggzy.core.security import Principal, Role, allow, public
from ggzy.regions import queries, service
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import get_clock, get_session, page_router
from ggzy.web.templating import render

router = page_router()
Public = Annotated[Principal | None, Depends(public)]
DB = Annotated[Session, Depends(get_session)]


@router.get("/regions", response_class=HTMLResponse)
def regions_page(
    request: Request, _: Public, session: DB, q: Annotated[str | None, Query(max_length=20)] = None
) -> HTMLResponse:
    province = request.app.state.settings.province_code
    return render(
        request,
        "regions/index.html",
        {
            "provinces": queries.provinces(session, first=province),
            "tree": queries.province_tree(session, province),
            "home": queries.get_region(session, province),
            "q": q or "",
            "found": queries.search(session, q=q, limit=50, offset=0) if q else None,
        },
    )


@router.get("/regions/{code}", response_class=HTMLResponse)
def region_page(request: Request, code: str, _: Public, session: DB) -> HTMLResponse:
    region = queries.get_region(session, code)
    return render(
        request,
        "regions/region.html",
        {
            "region": region,
            "ancestors": queries.ancestors(session, region),
            "children": queries.children(session, code),
            "centers": queries.centers(session, region=code, level=None),
        },
    )


@router.get("/centers", response_class=HTMLResponse)
def centers_page(
    request: Request, _: Public, session: DB, level: Annotated[str | None, Query(max_length=20)] = None
) -> HTMLResponse:
    return render(
        request,
        "regions/centers.html",
        {
            "centers": queries.centers(session, region=request.app.state.settings.province_code, level=level or None),
            "levels": queries.CENTER_LEVELS,
            "level": level,
        },
    )


def _center(
    request: Request,
    session: Session,
    principal: Principal | None,
    center_id: int,
    *,
    error: str | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    center = queries.get_center(session, center_id)
    parent = queries.get_center(session, center.parent_id) if center.parent_id else None
    return render(
        request,
        "regions/center.html",
        {
            "center": center,
            "parent": parent,
            "venues": queries.venues(session, center_id),
            "branches": queries.branches(session, center_id),
            "kinds": queries.VENUE_KINDS,
            "levels": queries.CENTER_LEVELS,
            "region": queries.get_region(session, center.region_code),
            "can_edit": principal is not None and principal.has(Role.center_staff, Role.platform_admin),
            "error": error,
            "message": message,
        },
        status_code=status_code,
    )


@router.get("/centers/{center_id}", response_class=HTMLResponse)
def center_page(request: Request, center_id: int, principal: Public, session: DB) -> HTMLResponse:
    return _center(request, session, principal, center_id)


@router.post("/centers/{center_id}/venues", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def add_venue(
    request: Request,
    center_id: int,
    principal: Annotated[Principal, Depends(allow(Role.center_staff, Role.platform_admin))],
    session: DB,
    clock: Annotated[Clock, Depends(get_clock)],
    name: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    capacity: Annotated[str, Form(max_length=6)] = "0",
) -> HTMLResponse:
    try:
        if not capacity.isdigit():
            raise AppError("容纳人数应为0-10000的整数", code="INVALID_INPUT", field="capacity")
        venue = service.create_venue(
            session, actor=principal, center_id=center_id, name=name, kind=kind, capacity=int(capacity), now=clock.now()
        )
    except AppError as exc:
        session.rollback()
        if exc.status_code == 404:
            raise
        return _center(request, session, principal, center_id, error=exc.message, status_code=exc.status_code)
    return _center(request, session, principal, center_id, message=f"已新增场所：{venue.name}")
