"""Time-driven transitions waiting for their moment (bid deadline reached, publicity over …)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.core.db import Base, UTCDateTime


class ScheduledTransition(Base):
    """One timed step for one subject; fired once by the scheduler, whichever process gets it first."""

    __tablename__ = "scheduled_transitions"
    __table_args__ = (UniqueConstraint("subject", "action", "due_at", name="uq_scheduled_transitions_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(60), index=True)  # e.g. lot:12
    action: Mapped[str] = mapped_column(String(60))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # pending | done (the step was taken) | skipped (no longer applies) | failed (gave up after retries)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LotHold(Base):
    """A pause of a lot's procedure (暂停招标投标活动, 条例22/54) while an objection is unanswered.

    Placed and released by the domain that owns the cause (complaints); read by the kernel's callers through
    ``ggzy.procedures.holds`` so that projects need not import the complaints domain.
    """

    __tablename__ = "lot_holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    source: Mapped[str] = mapped_column(String(60))  # e.g. objection:12
    rule: Mapped[str] = mapped_column(String(80))
    citation: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
