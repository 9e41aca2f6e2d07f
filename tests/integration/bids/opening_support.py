"""Helpers for opening tests: a published lot with 4 bidders, each sealing its own form to the lot's
opening key and to its own key, submitted before the deadline; the deadline then fired by the scheduler."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal

from sqlalchemy.orm import Session
from tests.factories import principal, tender_world
from tests.integration.bids.support import DEADLINE, BidWorld, at, publish_tender, submit

from ggzy.bids import service
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.security import Role
from ggzy.ledger.signing import SigningKey
from ggzy.procedures.scheduler import run_due
from ggzy.vault.container import BidForm, FileSource
from ggzy.vault.envelope import read_header, unwrap_key
from ggzy.vault.keys import PrivateKey
from ggzy.vault.seal import seal_bid
from ggzy.vault.threshold import Share, split_key

PRICES = [Decimal("9876543.21"), Decimal("9500000.00"), Decimal("9700000.50"), Decimal("9999999.99")]


def form(i: int) -> BidForm:
    return BidForm(PRICES[i], 300 + i, "合格", f"项目经理{i}", f"62010219800101123{i}")


@dataclass
class OpeningWorld:
    bids: BidWorld
    shares: list[Share]
    bidder_keys: list[PrivateKey]
    blobs: list[bytes]
    bid_ids: list[str]

    @property
    def lot_id(self) -> int:
        return self.bids.tender.lot_id


def seal_for(world: BidWorld, i: int, bidder_key: PrivateKey) -> bytes:
    out = io.BytesIO()
    payload = f"施工组织设计 {i} ".encode() * 300
    seal_bid(
        form(i),
        [FileSource(name="技术标.pdf", size=len(payload), open=lambda: io.BytesIO(payload))],
        out,
        opening_key=world.opening.public,
        bidder_key=bidder_key.public,
        lot_id=str(world.tender.lot_id),
        bidder_id=str(world.tender.bidder_ids[i]),
        created_at=at("2026-09-30"),
        chunk_size=1024,
    )
    return out.getvalue()


def data_key(blob: bytes, key: PrivateKey) -> bytes:
    """What ``ggzy unwrap`` does on the bidder's machine."""
    return unwrap_key(read_header(io.BytesIO(blob)).header, key)


def _world(s: Session, clock: FrozenClock, bidders: int) -> tuple[BidWorld, list[Share]]:
    now = clock.now()
    tender = tender_world(s, now=now, bidders=bidders)
    staff = [
        principal(s, username=f"bidder{i}", role=Role.bidder_staff, entity_id=e, now=now)
        for i, e in enumerate(tender.bidder_ids)
    ]
    publish_tender(s, tender, now=now)
    key = PrivateKey.generate()
    shares = split_key(key, 2, 3, ["交易中心", "行政监督", "公证处"])
    service.register_opening_key(
        s,
        actor=tender.center,
        lot_id=tender.lot_id,
        public_key=key.public.raw.hex(),
        k=2,
        n=3,
        custodians=["交易中心", "行政监督", "公证处"],
        commitments_digest=shares[0].digest,
        now=now,
    )
    return BidWorld(tender, key, staff), shares


def opening_world(
    db: Database,
    clock: FrozenClock,
    storage: BidStorage,
    signing_key: SigningKey,
    *,
    bidders: int = 4,
    fire: bool = True,
) -> OpeningWorld:
    with db.transaction() as s:
        world, shares = _world(s, clock, bidders)
    keys = [PrivateKey.generate() for _ in range(bidders)]
    blobs = [seal_for(world, i, keys[i]) for i in range(bidders)]
    ids = [submit(db, world, i, storage, signing_key, clock, blob=blobs[i]).id for i in range(bidders)]
    if fire:
        clock.set(DEADLINE.astimezone(UTC))
        assert run_due(db, now=clock.now()).done == 1
    return OpeningWorld(world, shares, keys, blobs, ids)
