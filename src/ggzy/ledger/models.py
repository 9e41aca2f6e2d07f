"""Tables of the transparency ledger: events (leaves), private parts, tree state, nodes, signed heads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.core.db import Base, JSONType, UTCDateTime


class LedgerEvent(Base):
    """One leaf of the Merkle log. Its leaf hash covers exactly the fields the public API returns."""

    __tablename__ = "ledger_events"

    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(128), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    # SHA-256 over a salt and the private part: commits to it without revealing it.
    private_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerPrivate(Base):
    """The confidential part of an event (e.g. an IP address), kept off the public API."""

    __tablename__ = "ledger_private"

    index: Mapped[int] = mapped_column(ForeignKey("ledger_events.index"), primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)


class LedgerState(Base):
    """A single row: the log size. Appenders lock it, so indexes are gap-free and in commit order."""

    __tablename__ = "ledger_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    # Leaves whose perfect-subtree nodes are already stored in ledger_nodes.
    integrated_size: Mapped[int] = mapped_column(BigInteger, default=0)


class LedgerNode(Base):
    """Hash of the perfect subtree of 2**level leaves starting at leaf idx * 2**level (level >= 1)."""

    __tablename__ = "ledger_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerTreeHead(Base):
    """A signed tree head (STH) the platform published."""

    __tablename__ = "ledger_tree_heads"

    tree_size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    timestamp_ms: Mapped[int] = mapped_column(BigInteger)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    key_id: Mapped[str] = mapped_column(String(32))
