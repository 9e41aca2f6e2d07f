"""A notice as published: canonical signed document plus the few columns the public lists filter on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.core.db import Base, Money, UTCDateTime


class Notice(Base):
    """One published notice. Write-once: a correction is a new notice (kind ``change``) pointing at the old one.

    ``ledger_index`` is the index of the ledger event that published it. Ledger indexes are claimed under the
    ledger head's row lock and become visible in index order, so they are the change feed's stable order.
    """

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_published", "published_at"),
        Index("ix_notices_trade_published", "trade", "published_at"),
        Index("ix_notices_region_published", "region_code", "published_at"),
        Index("ix_notices_kind_published", "kind", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ledger_index: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), nullable=True, index=True)
    # A change or clarification names the notice it changes.
    related_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), nullable=True)
    # Copies of the project's facts at publication (they are inside the signed document too): filters.
    trade: Mapped[str] = mapped_column(String(32))
    region_code: Mapped[str] = mapped_column(String(12))
    title: Mapped[str] = mapped_column(String(300))
    amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Canonical JSON (sorted keys, no spaces), the exact bytes that are hashed and signed.
    document: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(128))
    key_id: Mapped[str] = mapped_column(String(64))
    # jieba-segmented title and text, space separated: what the full-text index is built over.
    search_text: Mapped[str] = mapped_column(Text, default="")

    def fields(self) -> dict[str, Any]:
        import json

        doc: dict[str, Any] = json.loads(self.document)
        return doc
