"""Questions from bidders (anonymous to everyone but the asker) and objections with their legal answer times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.core.db import Base, UTCDateTime


class Question(Base):
    """A question about a lot's documents. The asker is stored for the asker's own view and never shown
    to anyone else (the owner answers the text only); the answer is published as a clarification notice."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    asker_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    asker_entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), nullable=True)


class Objection(Base):
    """An objection (异议; procurement 质疑) to the documents, the opening or the evaluation result."""

    __tablename__ = "objections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # documents | opening | result
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The legal answer time (None for an opening objection: answered on the spot) and its article.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rule: Mapped[str] = mapped_column(String(80))
    citation: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending | answered
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Answered after the legal time: recorded, not refused (the answer is still owed).
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    changes_documents: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("lot_holds.id"), nullable=True)
