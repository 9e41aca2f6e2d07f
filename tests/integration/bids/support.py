"""Helpers for bid tests: a published lot with a registered opening key, envelopes sealed in-process."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session
from tests.factories import TenderWorld, principal, tender_world

from ggzy.bids import service, upload_io
from ggzy.bids.models import Bid
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import SHANGHAI, FrozenClock
from ggzy.core.db import Database
from ggzy.core.security import Principal, Role
from ggzy.ledger.signing import SigningKey
from ggzy.projects import service as projects
from ggzy.vault.container import BidForm, FileSource
from ggzy.vault.keys import PrivateKey, PublicKey
from ggzy.vault.seal import seal_bid
from ggzy.vault.threshold import split_key

FORM = BidForm(Decimal("9876543.21"), 365, "合格", "李四", "620102198001011234")


def at(day: str, hm: str = "09:30") -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


DEADLINE = at("2026-10-15")


def seal(
    opening: PublicKey,
    *,
    lot_id: int | str,
    bidder_id: int | str,
    payload: bytes = b"technical proposal " * 200,
    chunk_size: int = 1024,
    extra: PublicKey | None = None,
) -> bytes:
    out = io.BytesIO()
    seal_bid(
        FORM,
        [FileSource(name="投标文件.pdf", size=len(payload), open=lambda: io.BytesIO(payload))],
        out,
        opening_key=opening,
        bidder_key=extra,
        lot_id=str(lot_id),
        bidder_id=str(bidder_id),
        created_at=at("2026-09-30"),
        chunk_size=chunk_size,
        metadata={"tool": "ggzy-seal/0.1.0", "fingerprint": "ab" * 32},
    )
    return out.getvalue()


@dataclass
class BidWorld:
    tender: TenderWorld
    opening: PrivateKey
    bidders: list[Principal]  # bidder_staff of tender.bidder_ids[i]


def key_ceremony(k: int = 2, n: int = 3) -> tuple[PrivateKey, dict[str, object]]:
    key = PrivateKey.generate()
    custodians = ["交易中心", "行政监督", "公证处"][:n]
    shares = split_key(key, k, n, custodians)
    digest = shares[0].digest
    return key, {
        "public_key": key.public.raw.hex(),
        "k": k,
        "n": n,
        "custodians": custodians,
        "commitments_digest": digest,
    }


def publish_tender(session: Session, tender: TenderWorld, *, now: datetime) -> None:
    """The tender's notice: documents from 09-25 to 09-30 17:00, bids until DEADLINE, no bond."""
    projects.publish_notice(
        session,
        actor=tender.owner,
        lot_id=tender.lot_id,
        documents_from=at("2026-09-25"),
        documents_until=at("2026-09-30", "17:00"),
        bid_deadline=DEADLINE,
        bid_bond=None,
        now=now,
    )


def bid_world(session: Session, *, now: datetime, publish: bool = True, register: bool = True) -> BidWorld:
    tender = tender_world(session, now=now, bidders=3)
    bidders = [
        principal(session, username=f"bidder{i}", role=Role.bidder_staff, entity_id=e, now=now)
        for i, e in enumerate(tender.bidder_ids)
    ]
    if publish:
        publish_tender(session, tender, now=now)
    key, doc = key_ceremony()
    if register:
        service.register_opening_key(session, actor=tender.center, lot_id=tender.lot_id, now=now, **doc)  # type: ignore[arg-type]
    return BidWorld(tender, key, bidders)


def start(db: Database, actor: Principal, lot_id: int, size: int, clock: FrozenClock) -> str:
    with db.transaction() as s:
        return service.start_upload(s, actor=actor, lot_id=lot_id, declared_size=size, now=clock.now()).id


def write(
    db: Database, actor: Principal, upload_id: str, data: bytes, start_at: int, storage: BidStorage, clock: FrozenClock
) -> None:
    """What the PUT endpoint does, without HTTP."""
    with db.transaction() as s:
        service.check_chunk(
            s, actor=actor, upload_id=upload_id, start=start_at, length=len(data), storage=storage, now=clock.now()
        )
    with storage.locked_partial(upload_id) as fh:
        fh.seek(start_at)
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    with db.transaction() as s:
        service.record_chunk(
            s, actor=actor, upload_id=upload_id, start=start_at, end=start_at + len(data), now=clock.now()
        )


def uploaded(db: Database, world: BidWorld, i: int, storage: BidStorage, clock: FrozenClock) -> tuple[str, bytes]:
    """Bidder ``i``'s sealed envelope, uploaded whole in one chunk and not completed: (upload id, envelope)."""
    data = seal(world.opening.public, lot_id=world.tender.lot_id, bidder_id=world.tender.bidder_ids[i])
    upload_id = start(db, world.bidders[i], world.tender.lot_id, len(data), clock)
    write(db, world.bidders[i], upload_id, data, 0, storage, clock)
    return upload_id, data


def complete(
    db: Database, actor: Principal, upload_id: str, storage: BidStorage, key: SigningKey, clock: FrozenClock
) -> Bid:
    """What the complete endpoint does (``upload_io.complete``), returning the stored bid."""
    out = upload_io.complete(
        db, actor=actor, upload_id=upload_id, storage=storage, signing_key=key, ip="203.0.113.9", now=clock.now()
    )
    with db.session(write=False) as s:
        bid = s.get(Bid, out.id)
        assert bid is not None
        s.expunge(bid)
    return bid


def submit(
    db: Database,
    world: BidWorld,
    i: int,
    storage: BidStorage,
    key: SigningKey,
    clock: FrozenClock,
    blob: bytes | None = None,
) -> Bid:
    actor = world.bidders[i]
    data = (
        blob
        if blob is not None
        else seal(world.opening.public, lot_id=world.tender.lot_id, bidder_id=world.tender.bidder_ids[i])
    )
    upload_id = start(db, actor, world.tender.lot_id, len(data), clock)
    half = len(data) // 2
    write(db, actor, upload_id, data[:half], 0, storage, clock)
    write(db, actor, upload_id, data[half:], half, storage, clock)
    return complete(db, actor, upload_id, storage, key, clock)
