"""Bid pages: a bidder's own bids with their receipts (withdrawal before the deadline), a lot's opening key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ggzy.bids import queries, service
from ggzy.bids.schemas import OpeningKeyOut
from ggzy.core.clock import Clock
from ggzy.core.errors import AppError, InvalidInput
from ggzy.core.security import Principal, Role, allow, public
from ggzy.projects.models import Lot
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
    request: Request, lot_id: int, actor: Annotated[Principal | None, Depends(public)], session: DB
) -> HTMLResponse:
    return _opening_key(request, session, actor, lot_id)


def _opening_key(
    request: Request,
    session: Session,
    actor: Principal | None,
    lot_id: int,
    *,
    error: dict[str, Any] | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    row = service.opening_key_of(session, lot_id)
    key = OpeningKeyOut.of(row) if row is not None else None
    lot = session.get(Lot, lot_id)
    # Center staff register the key from the custodians' ceremony while the lot has no bids yet.
    can_register = (
        key is None
        and lot is not None
        and lot.stage in service.KEY_STAGES
        and actor is not None
        and actor.has(Role.center_staff)
    )
    context = {
        "lot_id": lot_id,
        "lot": lot,
        "key": key,
        "can_register": can_register,
        "error": error,
        "form": form or {"k": 2, "n": 3, "custodians": "交易中心\n行政监督部门\n公证机构"},
    }
    status = error["status"] if error else (200 if key or can_register else 404)
    return render(request, "bids/opening_key.html", context, status_code=status)


@router.post("/lots/{lot_id}/opening-key", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def register_opening_key_page(
    request: Request,
    lot_id: int,
    actor: Annotated[Principal, Depends(allow(Role.center_staff))],
    session: DB,
    clock: Annotated[Clock, Depends(get_clock)],
    public_key: Annotated[str, Form(max_length=200)] = "",
    k: Annotated[str, Form(max_length=5)] = "",
    n: Annotated[str, Form(max_length=5)] = "",
    custodians: Annotated[str, Form(max_length=10_000)] = "",
    commitments_digest: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    form = {
        "public_key": public_key,
        "k": k,
        "n": n,
        "custodians": custodians,
        "commitments_digest": commitments_digest,
    }
    try:
        if not (k.strip().isdigit() and n.strip().isdigit()):
            raise InvalidInput("门限 k 与 n 应为整数", code="OPENING_KEY_THRESHOLD_INVALID", field="k")
        service.register_opening_key(
            session,
            actor=actor,
            lot_id=lot_id,
            public_key=public_key.strip(),
            k=int(k),
            n=int(n),
            custodians=[c.strip() for c in custodians.splitlines() if c.strip()],
            commitments_digest=commitments_digest.strip(),
            now=clock.now(),
        )
    except AppError as exc:
        session.rollback()
        body = exc.body().error
        error = {"status": exc.status_code, "code": body.code, "message": body.message, "field": body.field}
        return _opening_key(request, session, actor, lot_id, error=error, form=form)
    return RedirectResponse(f"/lots/{lot_id}/opening-key", status_code=303)


# The opening hall (开标大厅) pages live in their own module; the app discovers only this router.
from ggzy.bids.opening_pages import router as _opening_router  # noqa: E402

router.include_router(_opening_router)

from ggzy.bids.bid_pages import router as _bid_router  # noqa: E402

router.include_router(_bid_router)
