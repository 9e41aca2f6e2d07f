"""Bid pages: a bidder's own bids with their receipts (withdrawal before the deadline), a lot's opening key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from ggzy.bids import queries, service
from ggzy.bids.schemas import OpeningKeyOut
from ggzy.core.clock import Clock
from ggzy.core.security import Principal, Role, allow, public
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import get_clock, get_session, page_router
from ggzy.web.templating import render

router = page_router()
DB = Annotated[Session, Depends(get_session)]
Bidder = Annotated[Principal, Depends(allow(Role.bidder_staff))]

STATUS_ZH = {"submitted": "有效", "replaced": "已被替换", "withdrawn": "已撤回"}


@router.get("/bids", response_class=HTMLResponse)
def own_bids_page(request: Request, actor: Bidder, session: DB) -> HTMLResponse:
    bids = queries.own_bids(session, actor=actor)
    return render(request, "bids/own.html", {"bids": bids, "status_zh": STATUS_ZH})


@router.post("/bids/{bid_id}/withdraw", dependencies=[Depends(csrf_protect)])
def withdraw_page(
    bid_id: str, actor: Bidder, session: DB, clock: Annotated[Clock, Depends(get_clock)]
) -> RedirectResponse:
    service.withdraw_bid(session, actor=actor, bid_id=bid_id, now=clock.now())
    return RedirectResponse("/bids", status_code=303)


@router.get("/lots/{lot_id}/opening-key", response_class=HTMLResponse)
def opening_key_page(
    request: Request, lot_id: int, _: Annotated[Principal | None, Depends(public)], session: DB
) -> HTMLResponse:
    row = service.opening_key_of(session, lot_id)
    key = OpeningKeyOut.of(row) if row is not None else None
    return render(request, "bids/opening_key.html", {"lot_id": lot_id, "key": key}, status_code=200 if key else 404)


# The opening hall (开标大厅) pages live in their own module; the app discovers only this router.
from ggzy.bids.opening_pages import router as _opening_router  # noqa: E402

router.include_router(_opening_router)

from ggzy.bids.bid_pages import router as _bid_router  # noqa: E402

router.include_router(_bid_router)
