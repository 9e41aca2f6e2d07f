"""The opening hall page (开标大厅): each bid's decryption status, refreshed every 3 s with HTMX, the signed
record after the close; center staff close the opening from here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from ggzy.bids import opening
from ggzy.core.clock import Clock
from ggzy.core.security import Principal, Role, allow, public
from ggzy.ledger.signing import SigningKey
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import get_clock, get_session, page_router
from ggzy.web.templating import render

# No prefix: included into ``ggzy.bids.pages.router``.
router = page_router()
DB = Annotated[Session, Depends(get_session)]
Viewer = Annotated[Principal | None, Depends(public)]


def _context(session: Session, actor: Principal | None, lot_id: int) -> dict[str, Any]:
    state = opening.hall_state(session, actor=actor, lot_id=lot_id)
    rec = opening.opening_record(session, lot_id)
    return {
        "state": state,
        "record": rec,
        "can_close": actor is not None and actor.has(Role.center_staff) and state["stage"] == opening.OPENING_STAGE,
    }


@router.get("/lots/{lot_id}/opening", response_class=HTMLResponse)
def hall_page(request: Request, lot_id: int, actor: Viewer, session: DB) -> HTMLResponse:
    return render(request, "bids/opening.html", _context(session, actor, lot_id))


@router.get("/lots/{lot_id}/opening/hall", response_class=HTMLResponse)
def hall_fragment(request: Request, lot_id: int, actor: Viewer, session: DB) -> HTMLResponse:
    return render(request, "bids/_opening_hall.html", _context(session, actor, lot_id))


@router.post("/lots/{lot_id}/opening/close", dependencies=[Depends(csrf_protect)])
def close_page(
    request: Request,
    lot_id: int,
    actor: Annotated[Principal, Depends(allow(Role.center_staff))],
    session: DB,
    clock: Annotated[Clock, Depends(get_clock)],
) -> RedirectResponse:
    signing_key: SigningKey = request.app.state.signing_key
    opening.close_opening(session, actor=actor, lot_id=lot_id, signing_key=signing_key, now=clock.now())
    return RedirectResponse(f"/lots/{lot_id}/opening", status_code=303)
