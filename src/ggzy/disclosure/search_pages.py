"""Public search page: GET /search — query box, filters, ranked highlighted results, bounded pages."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.security import Principal, public
from ggzy.disclosure.search_views import region_names, run_search
from ggzy.entities.trades import TRADE_LABELS_ZH
from ggzy.notices.service import KINDS
from ggzy.regions.models import Region
from ggzy.web.routing import get_session, page_router
from ggzy.web.templating import render

router = page_router()


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: Annotated[Session, Depends(get_session)],
    _: Annotated[Principal | None, Depends(public)],
) -> HTMLResponse:
    params = dict(request.query_params)
    flt, page = run_search(session, params, required=False)
    province = request.app.state.settings.province_code
    prefectures = list(
        session.scalars(
            select(Region).where(Region.province_code == province, Region.level == "prefecture").order_by(Region.code)
        )
    )
    keep = {**flt.params(), "q": page.q}
    if "size" in params:
        keep["size"] = str(page.page_size)

    def link(number: int) -> str:
        return "/search?" + urlencode({**keep, "page": str(number)})

    return render(
        request,
        "disclosure/search.html",
        {
            "q": page.q,
            "page": page,
            "flt": flt,
            "trades": TRADE_LABELS_ZH,
            "kinds": KINDS,
            "prefectures": prefectures,
            "names": region_names(session, {h.notice.region_code for h in page.hits}),
            "prev_link": link(page.page - 1) if page.page > 1 else None,
            "next_link": link(page.page + 1) if page.has_more else None,
        },
    )
