"""Public notices API: GET /api/public/notices — the list page's filters and keyset pages, as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, public
from ggzy.disclosure import http, queries
from ggzy.disclosure.filters import parse_filters, parse_page_size
from ggzy.notices.models import Notice
from ggzy.notices.service import KINDS
from ggzy.web.routing import api_router, get_session

router = api_router(prefix="/api/public", tags=["公开信息"])

LIST_PARAMS = frozenset({"cursor", "size"})


def summary(n: Notice) -> dict[str, Any]:
    """A list entry; the signed document is one request away (``document_url``)."""
    return {
        "id": n.id,
        "kind": n.kind,
        "kind_label": KINDS.get(n.kind, n.kind),
        "title": n.title,
        "project_id": n.project_id,
        "lot_id": n.lot_id,
        "related_id": n.related_id,
        "trade": n.trade,
        "region_code": n.region_code,
        "amount": format(n.amount, "f") if n.amount is not None else None,
        "published_at": n.published_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "ledger_index": n.ledger_index,
        "digest": n.digest,
        "url": f"/notices/{n.id}",
        "document_url": f"/api/notices/{n.id}/document",
    }


@router.get(
    "/notices",
    summary="已发布公告列表（可组合筛选，按发布时间倒序，游标翻页）",
    description=(
        "参数：trade、kind、region（含下辖县区）、date_from、date_to（北京时间日期，含当日）、amount_min、"
        "amount_max、size（1-100，默认 20）、cursor（上一页返回的 next_cursor，不透明）。"
        "未知参数、格式错误返回 400 及错误代码。支持 ETag / If-None-Match 与 Last-Modified / If-Modified-Since。"
    ),
    responses=error_responses(400),
)
def list_notices(
    request: Request, _: Annotated[Principal | None, Depends(public)], session: Annotated[Session, Depends(get_session)]
) -> Response:
    params = dict(request.query_params)
    f = parse_filters(params, allowed_extra=LIST_PARAMS)
    size = parse_page_size(params.get("size"))
    v = http.validators(request, session)
    if (early := http.not_modified(request, v)) is not None:
        return early
    page = queries.list_notices(session, f, size=size, cursor=params.get("cursor") or None)
    body = {"items": [summary(n) for n in page.items], "next_cursor": page.next_cursor, "size": size}
    return http.with_validators(JSONResponse(body), v)
