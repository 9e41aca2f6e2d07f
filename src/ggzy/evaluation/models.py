"""Evaluation: the lot's scoring scheme, members' sheets and scores, corrections, the report and its signatures."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ggzy.core.db import Base, JSONType, UTCDateTime

Score = Numeric(8, 2, asdecimal=True)


class ScoringScheme(Base):
    """How a lot is evaluated (评标办法); frozen when evaluation starts."""

    __tablename__ = "scoring_schemes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), unique=True)
    method: Mapped[str] = mapped_column(String(20))  # lowest_price | comprehensive | qualification
    price_weight: Mapped[Decimal] = mapped_column(Score, default=Decimal(0))
    frozen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="scheme", cascade="all, delete-orphan", order_by="Criterion.position"
    )


class Criterion(Base):
    """One scoring item (评分因素) with its maximum score."""

    __tablename__ = "scoring_criteria"
    __table_args__ = (UniqueConstraint("scheme_id", "code", name="uq_scoring_criteria_scheme_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scoring_schemes.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # objective | subjective
    max_score: Mapped[Decimal] = mapped_column(Score)
    position: Mapped[int] = mapped_column(Integer, default=0)

    scheme: Mapped[ScoringScheme] = relationship(back_populates="criteria")


class Evaluation(Base):
    """One lot's evaluation by its committee, from start to the fixed result."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), unique=True)
    committee_id: Mapped[int] = mapped_column(Integer, index=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("scoring_schemes.id"))
    # scoring | summarized | reported | fixed | failed
    status: Mapped[str] = mapped_column(String(20), default="scoring", index=True)
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    started_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    sheets: Mapped[list[Sheet]] = relationship(back_populates="evaluation", order_by="Sheet.id")


class Sheet(Base):
    """One member's scoring sheet; immutable once signed; void when the member is replaced."""

    __tablename__ = "evaluation_sheets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    member_id: Mapped[int] = mapped_column(Integer, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | signed | void
    time_short: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    evaluation: Mapped[Evaluation] = relationship(back_populates="sheets")
    verdicts: Mapped[list[Verdict]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan", order_by="Verdict.bidder_id"
    )
    scores: Mapped[list[CriterionScore]] = relationship(
        back_populates="sheet", cascade="all, delete-orphan", order_by="CriterionScore.id"
    )


class Verdict(Base):
    """A member's qualification review of one bid: pass, or fail with the reason."""

    __tablename__ = "evaluation_verdicts"
    __table_args__ = (UniqueConstraint("sheet_id", "bidder_id", name="uq_evaluation_verdicts_sheet_bidder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sheets.id", ondelete="CASCADE"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("lot_bidders.id"))
    passed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text, default="")

    sheet: Mapped[Sheet] = relationship(back_populates="verdicts")


class CriterionScore(Base):
    """A member's score for one bid on one criterion."""

    __tablename__ = "evaluation_scores"
    __table_args__ = (UniqueConstraint("sheet_id", "bidder_id", "criterion_id", name="uq_evaluation_scores_cell"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("evaluation_sheets.id", ondelete="CASCADE"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("lot_bidders.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("scoring_criteria.id"))
    score: Mapped[Decimal] = mapped_column(Score)

    sheet: Mapped[Sheet] = relationship(back_populates="scores")


class Correction(Base):
    """A correction of a signed score, for one of the reasons 87号令64 allows."""

    __tablename__ = "evaluation_corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), index=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("evaluation_scores.id"))
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")
    old_score: Mapped[Decimal] = mapped_column(Score)
    new_score: Mapped[Decimal] = mapped_column(Score)
    by_user: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Report(Base):
    """The evaluation report (评标报告) with its ranked candidates; fixed when every member has signed."""

    __tablename__ = "evaluation_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluations.id"), unique=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)
    generated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReportSignature(Base):
    __tablename__ = "evaluation_report_signatures"
    __table_args__ = (UniqueConstraint("report_id", "member_id", name="uq_evaluation_report_signatures_member"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("evaluation_reports.id"), index=True)
    member_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
