"""Projects and their lots: what an owner puts to tender, and the bidders a lot has after its opening."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ggzy.core.db import Base, JSONType, Money, UTCDateTime


class Project(Base):
    """A project (项目) of one owner, in one trade, run in one region."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    trade: Mapped[str] = mapped_column(String(32), index=True)
    owner_entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    agency_entity_id: Mapped[int | None] = mapped_column(ForeignKey("entities.id"), nullable=True, index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    fund_source: Mapped[str] = mapped_column(String(100), default="")
    # State-funded or state-controlled (条例55: the first-ranked candidate wins).
    state_funded: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    lots: Mapped[list[Lot]] = relationship(back_populates="project", order_by="Lot.id")


class Lot(Base):
    """A lot (标段/包): the unit that is tendered, opened, evaluated and awarded."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("project_id", "code", name="uq_lots_project_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    procedure: Mapped[str] = mapped_column(String(40))
    # Estimate (工程估算价) or budget (采购预算), yuan.
    estimate: Mapped[Decimal] = mapped_column(Money)
    max_price: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    category: Mapped[str] = mapped_column(String(20), default="works")  # works | goods | services
    stage: Mapped[str] = mapped_column(String(32), default="draft", index=True)
    # Set when the tender notice is published: documents on offer, bid deadline (= opening time), bid bond.
    documents_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    documents_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    bid_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    bid_bond: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    stage_reason: Mapped[str] = mapped_column(Text, default="")
    # After the evaluation: publicity, award, contract and performance (条例54-58, 法46).
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The committee that signed the fixed report, [{"name", "kind"}]: public from then on; a procurement
    # result notice must list the experts (采购条例43).
    committee: Mapped[list[dict[str, str]] | None] = mapped_column(JSONType, nullable=True)
    publicity_from: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    publicity_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # A LotBidder id, checked by the service; no foreign key, so lots and lot_bidders keep a one-way dependency.
    winner_bidder_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    contract_amount: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    contract_signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    performance: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    project: Mapped[Project] = relationship(back_populates="lots")
    bidders: Mapped[list[LotBidder]] = relationship(back_populates="lot", order_by="LotBidder.id")
    candidates: Mapped[list[LotCandidate]] = relationship(order_by="LotCandidate.rank")


class LotBidder(Base):
    """A bidder whose bid was opened in this lot, with the items announced at the opening (开标记录)."""

    __tablename__ = "lot_bidders"
    __table_args__ = (UniqueConstraint("lot_id", "entity_id", name="uq_lot_bidders_lot_entity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    price: Mapped[Decimal] = mapped_column(Money)
    listed_items: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="valid")  # valid | rejected
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())

    lot: Mapped[Lot] = relationship(back_populates="bidders")


class LotCandidate(Base):
    """A ranked candidate from the fixed evaluation report (中标候选人, 评标规定45)."""

    __tablename__ = "lot_candidates"
    __table_args__ = (UniqueConstraint("lot_id", "lot_bidder_id", name="uq_lot_candidates_lot_bidder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    lot_bidder_id: Mapped[int] = mapped_column(ForeignKey("lot_bidders.id"))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
