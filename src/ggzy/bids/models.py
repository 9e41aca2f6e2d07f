"""Sealed bids: a lot's registered opening public key, resumable upload sessions and the stored bids."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.core.db import Base, JSONType, Money, UTCDateTime


class LotOpeningKey(Base):
    """The X25519 public key bids of a lot are sealed to; its private key exists only as custodians' shares."""

    __tablename__ = "lot_opening_keys"
    __table_args__ = (UniqueConstraint("lot_id", name="uq_lot_opening_keys_lot_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    key_id: Mapped[str] = mapped_column(String(32))
    public_key: Mapped[str] = mapped_column(String(64))  # raw X25519, lowercase hex
    k: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer)
    custodians: Mapped[list[str]] = mapped_column(JSONType, default=list)
    commitments_digest: Mapped[str] = mapped_column(String(64))
    registered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BidUpload(Base):
    """A resumable upload of one envelope; ``received`` bytes are durably on disk (fsynced before counted)."""

    __tablename__ = "bid_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, unguessable
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    bidder_entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    declared_size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | completed | discarded
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Bid(Base):
    """A completed, receipted envelope. Confidential to its bidder until the deadline."""

    __tablename__ = "bids"
    # At most one live bid per bidder and lot: a newer one replaces it.
    __table_args__ = (
        Index(
            "uq_bids_live",
            "lot_id",
            "bidder_entity_id",
            unique=True,
            sqlite_where=text("status = 'submitted'"),
            postgresql_where=text("status = 'submitted'"),
        ),
    )

    # Random and opaque: it is the receipt id the public ledger shows, and says nothing about counts.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    bidder_entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    upload_id: Mapped[str] = mapped_column(ForeignKey("bid_uploads.id"))
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(20), default="submitted", index=True)  # submitted|replaced|withdrawn
    ciphertext_hash: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    path: Mapped[str] = mapped_column(String(300))  # relative to the bids storage root
    opening_key_id: Mapped[str] = mapped_column(String(32))
    fingerprint: Mapped[str] = mapped_column(String(256), default="")
    tool: Mapped[str] = mapped_column(String(256), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_ip: Mapped[str] = mapped_column(String(64), default="")
    ledger_index: Mapped[int] = mapped_column(BigInteger)
    receipt: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # replaced or withdrawn


class BidOpening(Base):
    """What the opening learned from one bid: the decrypted form (开标) or why it was not decrypted."""

    __tablename__ = "bid_openings"

    bid_id: Mapped[str] = mapped_column(ForeignKey("bids.id"), primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))  # bidder | escrow | classified
    price: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    form: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # the bid form as sealed
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # name, size, sha256
    cause: Mapped[str] = mapped_column(String(20), default="")  # bidder | other (not decrypted)
    note: Mapped[str] = mapped_column(String(500), default="")
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class OpeningRecord(Base):
    """The close of a lot's opening. The signed opening record itself IS the published notice (kind
    ``opening``, or ``failure`` with fewer than 3 decrypted bids): stored once, in ``notices``."""

    __tablename__ = "opening_records"

    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    outcome: Mapped[str] = mapped_column(String(20))  # opened | failed
    closed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BidBoxEntry(Base):
    """One event of a lot's sealed bid box (a submission or a withdrawal), chained by hash. Confidential until
    the deadline: the public ledger carries only salted commitments to the chain's head, at a fixed rate, so
    that neither the number nor the times of bids can be read from it (20号令 art.27-28; 法22)."""

    __tablename__ = "bid_box_entries"
    __table_args__ = (UniqueConstraint("lot_id", "seq", name="uq_bid_box_entries_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # received|withdrawn
    receipt_id: Mapped[str] = mapped_column(String(32))
    ciphertext_hash: Mapped[str] = mapped_column(String(64))
    replaces: Mapped[list[str]] = mapped_column(JSONType, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    chain: Mapped[str] = mapped_column(String(64))


class BidBoxSeal(Base):
    """A salted commitment to a lot's box head at one tick; its salt stays private until the deadline."""

    __tablename__ = "bid_box_seals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    slot: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    commitment: Mapped[str] = mapped_column(String(64))
    ledger_index: Mapped[int] = mapped_column(BigInteger)


class BidBoxCommitment(Base):
    """The box opened to the public once the deadline passed: one ledger event per lot."""

    __tablename__ = "bid_box_commitments"

    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), primary_key=True)
    ledger_index: Mapped[int] = mapped_column(BigInteger)
    entries: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime())
