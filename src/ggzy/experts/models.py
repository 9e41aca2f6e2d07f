"""The expert pool: experts, their specialties, employment, declared interests, availability and
sanctions; committees, their draws and members; ratings and notifications."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ggzy.core.db import Base, JSONType, UTCDateTime


class SpecialtyNode(Base):
    """One node of the classification tree (A08, A0801, A080101)."""

    __tablename__ = "expert_classification"

    code: Mapped[str] = mapped_column(String(7), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("expert_classification.code"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Expert(Base):
    __tablename__ = "experts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, unique=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(30), default="")
    email: Mapped[str] = mapped_column(String(100), default="")
    title: Mapped[str] = mapped_column(String(50))  # e.g. 高级工程师
    title_level: Mapped[str] = mapped_column(String(20))  # principal_senior | senior | intermediate | junior
    years_of_practice: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    # The current employer (the open employment period), kept here for the draw's one-query filter.
    employer_name: Mapped[str] = mapped_column(String(100), default="")
    employer_uscc: Mapped[str] = mapped_column(String(18), default="", index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # pending|approved|rejected
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    specialties: Mapped[list[ExpertSpecialty]] = relationship(
        cascade="all, delete-orphan", order_by="ExpertSpecialty.rank"
    )
    employments: Mapped[list[ExpertEmployment]] = relationship(
        cascade="all, delete-orphan", order_by="ExpertEmployment.start_date"
    )
    interests: Mapped[list[ExpertInterest]] = relationship(cascade="all, delete-orphan", order_by="ExpertInterest.id")


class ExpertSpecialty(Base):
    __tablename__ = "expert_specialties"
    __table_args__ = (UniqueConstraint("expert_id", "code", name="uq_expert_specialties_expert_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(ForeignKey("expert_classification.code"), index=True)
    rank: Mapped[int] = mapped_column(Integer, default=1)


class ExpertEmployment(Base):
    """One period of employment, [start_date, end_date] inclusive; end None = current."""

    __tablename__ = "expert_employments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    employer_name: Mapped[str] = mapped_column(String(100))
    employer_uscc: Mapped[str] = mapped_column(String(18), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class ExpertInterest(Base):
    """A declared relative at, or economic interest in, an entity (评标规定12; 采购条例9)."""

    __tablename__ = "expert_interests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # relative | interest
    party_uscc: Mapped[str] = mapped_column(String(18), index=True)
    party_name: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(200), default="")


class ExpertUnavailability(Base):
    __tablename__ = "expert_unavailability"
    __table_args__ = (Index("ix_expert_unavailability_dates", "start_date", "end_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExpertSanction(Base):
    """A suspension or blacklisting for a period; the expert is back in the pool when it ends."""

    __tablename__ = "expert_sanctions"
    __table_args__ = (Index("ix_expert_sanctions_period", "starts_at", "ends_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # suspension | blacklist
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # None = permanent
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("committees.id"), nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Committee(Base):
    """An evaluation committee of one lot: requested, drawn, then fixed when the evaluation result is."""

    __tablename__ = "committees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="requested", index=True)  # requested|drawn|cancelled
    size: Mapped[int] = mapped_column(Integer)
    owner_representatives: Mapped[int] = mapped_column(Integer, default=0)
    owner_representative_user_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    requirements: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    region_prefixes: Mapped[list[str]] = mapped_column(JSONType)
    remote_sites: Mapped[list[str]] = mapped_column(JSONType, default=list)
    reserve_count: Mapped[int] = mapped_column(Integer, default=2)
    evaluation_start: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    evaluation_end: Mapped[datetime] = mapped_column(UTCDateTime())
    venue: Mapped[str] = mapped_column(String(200))
    # The draw secret of the current round: committed in the ledger at request time, never shown before.
    secret: Mapped[bytes] = mapped_column(LargeBinary(32))
    commitment: Mapped[str] = mapped_column(String(64))
    commitment_index: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer, default=1)
    result_fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    members: Mapped[list[CommitteeMember]] = relationship(order_by="CommitteeMember.id", back_populates="committee")


class CommitteeDraw(Base):
    """One round of the draw with its full record (published when the result is fixed)."""

    __tablename__ = "committee_draws"
    __table_args__ = (UniqueConstraint("committee_id", "round", name="uq_committee_draws_committee_round"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    record: Mapped[dict[str, Any]] = mapped_column(JSONType)
    record_hash: Mapped[str] = mapped_column(String(64))
    ledger_index: Mapped[int] = mapped_column(Integer)
    superseded_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    drawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CommitteeMember(Base):
    __tablename__ = "committee_members"
    __table_args__ = (Index("ix_committee_members_expert_status", "expert_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("committee_draws.id"), nullable=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"), nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(30))  # expert | owner_representative
    specialty_code: Mapped[str | None] = mapped_column(String(7), nullable=True)
    is_reserve: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # notified | confirmed | declined | no_show | replaced (reserves: standby until called)
    status: Mapped[str] = mapped_column(String(20), default="notified")
    replaced_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("committee_members.id"), nullable=True)
    response_note: Mapped[str] = mapped_column(String(200), default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    committee: Mapped[Committee] = relationship(back_populates="members")


class ExpertRating(Base):
    __tablename__ = "expert_ratings"
    __table_args__ = (
        UniqueConstraint("committee_id", "expert_id", "rater_role", name="uq_expert_ratings_committee_expert_role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("committees.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    rater_role: Mapped[str] = mapped_column(String(20))  # owner | center
    rater_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    score: Mapped[int] = mapped_column(Integer)  # 1..5
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExpertNotification(Base):
    """A message sent to an expert through a channel (log, email), kept for the expert's page."""

    __tablename__ = "expert_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("committee_members.id"), nullable=True)
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
