"""Public statistics API: JSON figures and CSV downloads, derived from published notices."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Path, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, public
from ggzy.disclosure import http
from ggzy.disclosure.stats import parse_stats_filters, statistics, statistics_out, to_csv
from ggzy.web.routing import api_router, get_session

router = api_router(prefix="/api/public", tags=["公开信息"])
Public = Annotated[Principal | None, Depends(public)]
ReadSession = Annotated[Session, Depends(get_session)]


@router.get(
    "/statistics",
    summary="交易统计：按交易类型、市州、月份的成交数与金额、平均投标人数、节资率、流标与终止",
    description="筛选参数：trade、region、date_from、date_to。支持 ETag 与 Last-Modified。",
    responses=error_responses(400),
)
def statistics_json(request: Request, _: Public, session: ReadSession) -> Response:
    f = parse_stats_filters(dict(request.query_params))
    v = http.validators(request, session)
    if (early := http.not_modified(request, v)) is not None:
        return early
    return http.with_validators(JSONResponse(statistics_out(statistics(session, f))), v)


@router.get(
    "/statistics/{dimension}.csv",
    summary="交易统计 CSV 下载（UTF-8，带 BOM）",
    response_class=Response,
    responses=error_responses(400, 422),
)
def statistics_csv(
    request: Request,
    _: Public,
    session: ReadSession,
    dimension: Annotated[Literal["trade", "region", "month"], Path(description="trade、region 或 month")],
) -> Response:
    f = parse_stats_filters(dict(request.query_params))
    v = http.validators(request, session)
    if (early := http.not_modified(request, v)) is not None:
        return early
    response = Response(
        content=to_csv(statistics(session, f), dimension).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ggzy-statistics-{dimension}.csv"'},
    )
    return http.with_validators(response, v)
