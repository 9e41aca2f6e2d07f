"""Regions API: China's divisions (the configured province first), centers and venues."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, Role, allow, public
from ggzy.regions import queries, service
from ggzy.regions.schemas import CenterDetail, CenterOut, RegionDetail, RegionOut, VenueIn, VenueOut
from ggzy.web.routing import api_router, get_clock, get_session

router = api_router(prefix="/api", tags=["区域与交易中心"])
Public = Annotated[Principal | None, Depends(public)]
DB = Annotated[Session, Depends(get_session)]


@router.get(
    "/regions",
    response_model=list[RegionOut],
    responses=error_responses(404, 422),
    summary="行政区划：省级列表（本省在前）、某区划的下级，或按名称搜索",
)
def list_regions(
    request: Request,
    _: Public,
    session: DB,
    parent: Annotated[str | None, Query(max_length=12, pattern=r"^[0-9]+$", description="上级区划代码")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=20, description="名称关键字")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[RegionOut]:
    if q:
        rows = queries.search(session, q=q, limit=limit, offset=offset)
    elif parent:
        queries.get_region(session, parent)
        rows = queries.children(session, parent)[offset : offset + limit]
    else:
        rows = queries.provinces(session, first=request.app.state.settings.province_code)[offset : offset + limit]
    return [RegionOut.model_validate(r) for r in rows]


@router.get("/regions/{code}", response_model=RegionDetail, responses=error_responses(404), summary="区划详情")
def region_detail(code: str, _: Public, session: DB) -> RegionDetail:
    region = queries.get_region(session, code)
    return RegionDetail(
        **RegionOut.model_validate(region).model_dump(),
        ancestors=[RegionOut.model_validate(r) for r in queries.ancestors(session, region)],
        children=[RegionOut.model_validate(r) for r in queries.children(session, code)],
    )


@router.get(
    "/centers",
    response_model=list[CenterOut],
    responses=error_responses(404, 422),
    summary="交易中心（区域过滤含下级）",
)
def list_centers(
    _: Public,
    session: DB,
    region: Annotated[str | None, Query(max_length=12, pattern=r"^[0-9]+$")] = None,
    level: Annotated[str | None, Query(max_length=20)] = None,
) -> list[CenterOut]:
    return [CenterOut.model_validate(c) for c in queries.centers(session, region=region, level=level)]


@router.get(
    "/centers/{center_id}",
    response_model=CenterDetail,
    responses=error_responses(404),
    summary="交易中心详情：场所与分中心",
)
def center_detail(center_id: int, _: Public, session: DB) -> CenterDetail:
    center = queries.get_center(session, center_id)
    return CenterDetail(
        **CenterOut.model_validate(center).model_dump(),
        venues=[VenueOut.model_validate(v) for v in queries.venues(session, center_id)],
        branches=[CenterOut.model_validate(b) for b in queries.branches(session, center_id)],
    )


@router.post(
    "/centers/{center_id}/venues",
    response_model=VenueOut,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="新增场所（交易中心工作人员）",
)
def add_venue(
    center_id: int,
    body: VenueIn,
    principal: Annotated[Principal, Depends(allow(Role.center_staff, Role.platform_admin))],
    session: DB,
    clock: Annotated[Clock, Depends(get_clock)],
) -> VenueOut:
    venue = service.create_venue(
        session,
        actor=principal,
        center_id=center_id,
        name=body.name,
        kind=body.kind,
        capacity=body.capacity,
        now=clock.now(),
    )
    return VenueOut.model_validate(venue)
