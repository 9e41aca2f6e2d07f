"""The bidder's submission page (/lots/{id}/bid): the bid is sealed in the browser (static/seal.js) and sent
with the resumable upload in chunks. The API takes bearer tokens only, so the page has its own JSON routes
with the session cookie and the CSRF header, calling the same service functions. The platform only ever
receives the envelope (ciphertext)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.bids import service, upload_io
from ggzy.bids.models import Bid
from ggzy.bids.schemas import BidOut, UploadIn, UploadOut
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import Clock
from ggzy.core.db import Database
from ggzy.core.security import Principal, Role, allow
from ggzy.core.settings import Settings
from ggzy.projects.models import Lot
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import client_ip, get_clock, get_db, get_session, get_settings, page_router
from ggzy.web.templating import render

router = page_router()
DB = Annotated[Session, Depends(get_session)]
DbDep = Annotated[Database, Depends(get_db)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Bidder = Annotated[Principal, Depends(allow(Role.bidder_staff))]
CSRF = [Depends(csrf_protect)]


@router.get("/lots/{lot_id}/bid", response_class=HTMLResponse, name="lot.bid")
def bid_page(request: Request, lot_id: int, actor: Bidder, session: DB, clock: ClockDep) -> HTMLResponse:
    lot = session.get(Lot, lot_id)
    key = service.opening_key_of(session, lot_id)
    own: list[Bid] = []
    if lot is not None and actor.entity_id is not None:
        stmt = select(Bid).where(Bid.lot_id == lot_id, Bid.bidder_entity_id == actor.entity_id)
        own = list(session.scalars(stmt.order_by(Bid.submitted_at.desc())))
    now = clock.now()
    open_ = lot is not None and lot.stage == "published" and lot.bid_deadline is not None and now < lot.bid_deadline
    context: dict[str, Any] = {
        "lot": lot,
        "key": key,
        "bids": own,
        "live": next((b for b in own if b.status == "submitted"), None),
        "accepting": open_ and key is not None,
        "bidder_id": actor.entity_id,
    }
    return render(request, "bids/submit.html", context, status_code=200 if lot is not None else 404)


@router.post("/lots/{lot_id}/bid/uploads", response_model=UploadOut, status_code=201, dependencies=CSRF)
def start_upload_page(lot_id: int, body: UploadIn, actor: Bidder, db: DbDep, clock: ClockDep) -> UploadOut:
    return upload_io.start(db, actor=actor, lot_id=lot_id, declared_size=body.declared_size, now=clock.now())


@router.get("/bid/uploads/{upload_id}", response_model=UploadOut)
def upload_state_page(upload_id: str, actor: Bidder, db: DbDep, clock: ClockDep, settings: SettingsDep) -> UploadOut:
    with db.transaction() as session:  # may cut unacknowledged bytes after a crash
        upload = service.own_upload(session, actor=actor, upload_id=upload_id, lock=True)
        service.reconcile_upload(session, upload=upload, storage=BidStorage.under(settings.data_dir), now=clock.now())
        return UploadOut.of(upload)


@router.put("/bid/uploads/{upload_id}", response_model=UploadOut, dependencies=CSRF)
async def put_chunk_page(
    upload_id: str, request: Request, actor: Bidder, db: DbDep, clock: ClockDep, settings: SettingsDep
) -> UploadOut:
    storage = BidStorage.under(settings.data_dir)
    return await upload_io.receive_chunk(request, actor=actor, upload_id=upload_id, db=db, clock=clock, storage=storage)


@router.post("/bid/uploads/{upload_id}/complete", response_model=BidOut, status_code=201, dependencies=CSRF)
def complete_page(
    upload_id: str, request: Request, actor: Bidder, db: DbDep, clock: ClockDep, settings: SettingsDep
) -> BidOut:
    return upload_io.complete(
        db,
        actor=actor,
        upload_id=upload_id,
        storage=BidStorage.under(settings.data_dir),
        signing_key=request.app.state.signing_key,
        ip=client_ip(request),
        now=clock.now(),
    )


@router.post("/lots/{lot_id}/bid/{bid_id}/withdraw", dependencies=CSRF)
def withdraw_from_bid_page(lot_id: int, bid_id: str, actor: Bidder, session: DB, clock: ClockDep) -> RedirectResponse:
    service.withdraw_bid(session, actor=actor, bid_id=bid_id, now=clock.now())
    return RedirectResponse(f"/lots/{lot_id}/bid", status_code=303)
