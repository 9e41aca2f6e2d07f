"""Public search API: GET /api/public/search — ranked, highlighted notices, combinable with the list filters."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ggzy.core.errors import InvalidInput
from ggzy.core.security import Principal, public
from ggzy.disclosure import search
from ggzy.disclosure.filters import NoticeFilter, apply_filters, parse_filters, parse_page_size
from ggzy.notices.service import KINDS
from ggzy.regions.models import Region
from ggzy.web.routing import api_router, get_session

router = api_router(prefix="/api/public", tags=["公开信息"])

SEARCH_PARAMS = frozenset({"q", "page", "size"})


def parse_page(value: str | None) -> int:
    raw = (value or "").strip()
    if not raw:
        return 1
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or int(raw) < 1:
        raise InvalidInput("页码（page）应为正整数", code="PAGE_INVALID", field="page", status_code=400)
    return int(raw)


def run_search(session: Session, params: dict[str, str], *, required: bool) -> tuple[NoticeFilter, search.SearchPage]:
    """Parse the request's parameters and run the search; every bad parameter is a 400 naming it."""
    flt = parse_filters(params, allowed_extra=SEARCH_PARAMS)
    q = params.get("q", "").strip()
    if required and not q:
        raise InvalidInput("请输入检索词（q）", code="SEARCH_QUERY_REQUIRED", field="q", status_code=400)
    size = parse_page_size(params.get("size"))
    page = parse_page(params.get("page"))

    def restrict(stmt: Select[Any]) -> Select[Any]:
        return apply_filters(stmt, flt)

    facets = search.facet_terms(flt)
    return flt, search.search(
        session, q=q, restrict=None if flt.is_empty() else restrict, facets=facets, page=page, page_size=size
    )


def region_names(session: Session, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    return {r.code: r.name for r in session.scalars(select(Region).where(Region.code.in_(codes)))}


@router.get("/search", summary="全文检索已发布的公告（中文分词，按相关度排序，可与筛选条件组合）")
def search_notices(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    _: Annotated[Principal | None, Depends(public)],
) -> dict[str, Any]:
    params = dict(request.query_params)
    flt, page = run_search(session, params, required=True)
    names = region_names(session, {h.notice.region_code for h in page.hits})
    return {
        "q": page.q,
        "terms": page.terms,
        "filters": flt.params(),
        "page": page.page,
        "size": page.page_size,
        "has_more": page.has_more,
        "max_page": page.max_page,
        "items": [
            {
                "id": h.notice.id,
                "kind": h.notice.kind,
                "kind_label": KINDS.get(h.notice.kind, h.notice.kind),
                "title": h.notice.title,
                "title_html": str(h.title_html),
                "excerpt_html": str(h.excerpt_html),
                "trade": h.notice.trade,
                "region_code": h.notice.region_code,
                "region_name": names.get(h.notice.region_code, ""),
                "amount": format(h.notice.amount, "f") if h.notice.amount is not None else None,
                "published_at": h.notice.published_at.isoformat().replace("+00:00", "Z"),
                "project_id": h.notice.project_id,
                "lot_id": h.notice.lot_id,
                "url": f"/notices/{h.notice.id}",
            }
            for h in page.hits
        ],
    }
