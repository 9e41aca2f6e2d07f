"""Reads of bids: a bidder sees its own, nobody else sees anything before the deadline."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.bids.models import Bid
from ggzy.bids.schemas import BidOut
from ggzy.core.security import Principal


def own_bids(session: Session, *, actor: Principal, lot_id: int | None = None) -> list[BidOut]:
    """The actor's entity's bids (any status), newest first; empty for anyone who is not that bidder."""
    if actor.entity_id is None:
        return []
    stmt = select(Bid).where(Bid.bidder_entity_id == actor.entity_id)
    if lot_id is not None:
        stmt = stmt.where(Bid.lot_id == lot_id)
    return [BidOut.of(b) for b in session.scalars(stmt.order_by(Bid.submitted_at.desc(), Bid.id).limit(200))]
