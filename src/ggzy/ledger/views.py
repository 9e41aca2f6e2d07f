"""Public API of the transparency ledger: signed tree heads, events, inclusion and consistency proofs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, public
from ggzy.ledger import proofs, queries
from ggzy.ledger.merkle import canonical_json
from ggzy.ledger.schemas import (
    ConsistencyProofOut,
    EventOut,
    EventPage,
    InclusionProofOut,
    PublicKeyOut,
    TreeHeadOut,
)
from ggzy.web.routing import api_router, get_session

router = api_router(prefix="/api/ledger", tags=["透明账本"])
Public = Annotated[Principal | None, Depends(public)]
ReadSession = Annotated[Session, Depends(get_session)]


@router.get("/tree-head", response_model=TreeHeadOut, summary="最新的签名树头")
def tree_head(request: Request, _: Public) -> TreeHeadOut:
    head = proofs.current_tree_head(
        request.app.state.db, key=request.app.state.signing_key, now=request.app.state.clock.now()
    )
    return TreeHeadOut.of(head)


@router.get(
    "/tree-heads/{tree_size}", response_model=TreeHeadOut, responses=error_responses(404), summary="某一大小的签名树头"
)
def tree_head_at(tree_size: int, _: Public, session: ReadSession) -> TreeHeadOut:
    return TreeHeadOut.of(proofs.tree_head_or_404(session, tree_size))


@router.get("/public-key", response_model=PublicKeyOut, summary="平台签名公钥")
def public_key(request: Request, _: Public) -> PublicKeyOut:
    key = request.app.state.signing_key
    return PublicKeyOut(key_id=key.key_id, public_key_pem=key.public_key_pem().decode("ascii"))


@router.get("/events", response_model=EventPage, responses=error_responses(422), summary="公开事件（按序号）")
def events(
    _: Public,
    session: ReadSession,
    start: Annotated[int, Query(ge=0, description="起始序号")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="每页条数，1-1000")] = 100,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=128)] = None,
) -> EventPage:
    items = queries.list_events(session, start=start, limit=limit, kind=kind, subject=subject)
    next_start = items[-1]["index"] + 1 if len(items) == limit else None
    return EventPage(items=[EventOut(**i) for i in items], next_start=next_start)


@router.get("/events/{index}", response_model=EventOut, responses=error_responses(404), summary="单个事件")
def event(index: int, _: Public, session: ReadSession) -> EventOut:
    return EventOut(**proofs.event_or_404(session, index))


@router.get(
    "/proofs/inclusion",
    response_model=InclusionProofOut,
    responses=error_responses(404, 422),
    summary="包含证明：事件在某一签名树头中",
)
def inclusion(
    _: Public,
    session: ReadSession,
    index: Annotated[int, Query(ge=0)],
    tree_size: Annotated[int, Query(ge=1)],
) -> InclusionProofOut:
    return proofs.inclusion(session, index=index, tree_size=tree_size)


@router.get(
    "/proofs/consistency",
    response_model=ConsistencyProofOut,
    responses=error_responses(404, 422),
    summary="一致性证明：较小的树是较大的树的前缀",
)
def consistency(
    _: Public,
    session: ReadSession,
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int, Query(ge=1)],
) -> ConsistencyProofOut:
    return proofs.consistency(session, first=first, second=second)


@router.get("/export", summary="导出全部公开事件（JSON Lines，流式）", response_class=StreamingResponse)
def export(request: Request, _: Public, tree_size: Annotated[int | None, Query(ge=0)] = None) -> StreamingResponse:
    db = request.app.state.db

    def lines() -> Iterator[bytes]:
        with db.session(write=False) as session:
            for doc in queries.iter_events(session, stop=tree_size):
                yield canonical_json(doc) + b"\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")
