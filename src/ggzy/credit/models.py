"""Sanctions (市场禁入 / 取消投标资格 / 禁止参加政府采购活动) recorded from regulators' decisions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ggzy.core.db import Base, JSONType, UTCDateTime
from ggzy.entities.models import Entity


class Sanction(Base):
    """One entity barred by one decision. The period is in Beijing dates, both ends inclusive.

    Rows are never deleted: a lifted (信用修复) or expired sanction stays as public history.
    """

    __tablename__ = "sanctions"
    __table_args__ = (UniqueConstraint("entity_id", "document_no", name="uq_sanctions_entity_document"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # construction | procurement | all
    scope_trades: Mapped[list[Any]] = mapped_column(JSONType)  # trades the bar applies to
    valid_from: Mapped[date] = mapped_column(Date, index=True)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    authority: Mapped[str] = mapped_column(String(100))
    document_no: Mapped[str] = mapped_column(String(100))
    rule: Mapped[str] = mapped_column(String(80))  # key in the rule catalogue
    citation: Mapped[str] = mapped_column(Text)  # the article's text as in force when imposed
    reason: Mapped[str] = mapped_column(Text)
    imposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    lift_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    entity: Mapped[Entity] = relationship()
