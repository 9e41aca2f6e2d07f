"""Pages of the transparency ledger: latest signed head, recent events, one event with its proof."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from ggzy.core.security import Principal, public
from ggzy.ledger import proofs, queries
from ggzy.web.routing import get_session, page_router
from ggzy.web.templating import render

router = page_router()

PAGE = 50


@router.get("/ledger", response_class=HTMLResponse)
def ledger_home(
    request: Request,
    _: Annotated[Principal | None, Depends(public)],
    session: Annotated[Session, Depends(get_session)],
    before: Annotated[int | None, Query(ge=0)] = None,
) -> HTMLResponse:
    head = proofs.current_tree_head(
        request.app.state.db, key=request.app.state.signing_key, now=request.app.state.clock.now()
    )
    events = queries.recent_events(session, limit=PAGE, before=before)
    older = events[-1]["index"] if len(events) == PAGE and events[-1]["index"] > 0 else None
    return render(
        request,
        "ledger/index.html",
        {"head": head, "events": events, "older": older, "key_id": request.app.state.signing_key.key_id},
    )


@router.get("/ledger/events/{index}", response_class=HTMLResponse)
def ledger_event(
    request: Request,
    index: int,
    _: Annotated[Principal | None, Depends(public)],
    session: Annotated[Session, Depends(get_session)],
) -> HTMLResponse:
    event = proofs.event_or_404(session, index)
    head = queries.latest_tree_head(session)
    proof = (
        proofs.inclusion(session, index=index, tree_size=head.tree_size) if head and index < head.tree_size else None
    )
    return render(request, "ledger/event.html", {"event": event, "head": head, "proof": proof})
