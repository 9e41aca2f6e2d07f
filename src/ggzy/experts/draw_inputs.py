"""What the draw reads: candidate experts and the exclusion sets, each with one indexed query.

At 100,000 experts this is a handful of queries and set operations, never one query per expert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ggzy.experts import rules_data
from ggzy.experts.avoidance import employment_conflicts, years_before
from ggzy.experts.models import (
    Committee,
    CommitteeMember,
    Expert,
    ExpertEmployment,
    ExpertInterest,
    ExpertSanction,
    ExpertSpecialty,
    ExpertUnavailability,
)

ACTIVE_MEMBER_STATUSES = ("notified", "confirmed")


def prefix_range(column: Any, prefix: str) -> Any:
    """``column`` starts with ``prefix`` as an index range (LIKE is case-insensitive in SQLite: no index)."""
    if not prefix:
        return column.is_not(None)
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


@dataclass
class Pool:
    """The candidates before avoidance: employer (USCC) and matched specialties per expert; birth dates
    only when the lot needs the age rule."""

    employer: dict[int, str]
    specialties: dict[int, list[str]]
    birth: dict[int, date]


CHUNK = 5000
MAX_EVALUATION = timedelta(days=30)  # request_committee refuses longer evaluations


def candidate_rows(
    session: Session, *, requirements: Sequence[str], region_prefixes: Sequence[str], with_birth: bool = False
) -> Pool:
    """Approved experts in the regions with a specialty under any requirement.

    Two indexed reads, run on the connection (no ORM row processing): the specialty index gives the
    expert ids, then primary-key lookups give status, region and employer. Joining in one statement let
    the planner start from the (unselective) region index and scan the whole pool.
    """
    conn = session.connection()
    spec_cond = or_(*(prefix_range(ExpertSpecialty.code, r) for r in requirements))
    specialties: dict[int, list[str]] = {}
    for expert_id, code in conn.execute(select(ExpertSpecialty.expert_id, ExpertSpecialty.code).where(spec_cond)).all():
        specialties.setdefault(expert_id, []).append(code)
    employer: dict[int, str] = {}
    birth: dict[int, date] = {}
    # Parsing 20,000 dates costs more than the whole lookup; read them only when the age rule applies.
    stmt: Any = select(
        Expert.id, Expert.employer_uscc, Expert.region_code, Expert.status, *([Expert.birth_date] if with_birth else [])
    )
    prefixes = tuple(region_prefixes)
    ids = sorted(specialties)
    for i in range(0, len(ids), CHUNK):
        for row in conn.execute(stmt.where(Expert.id.in_(ids[i : i + CHUNK]))).all():
            key: int = row[0]
            region: str = row[2]
            if row[3] == "approved" and region.startswith(prefixes):
                employer[key] = row[1]
                if with_birth:
                    birth[key] = row[4]
    return Pool(employer, {i: specialties[i] for i in employer}, birth)


def sanction_sets(session: Session, *, start: datetime, end: datetime) -> tuple[set[int], set[int]]:
    stmt = select(ExpertSanction.expert_id, ExpertSanction.kind).where(
        ExpertSanction.starts_at <= end, or_(ExpertSanction.ends_at.is_(None), ExpertSanction.ends_at > start)
    )
    black: set[int] = set()
    suspended: set[int] = set()
    for expert_id, kind in session.execute(stmt):
        (black if kind == "blacklist" else suspended).add(expert_id)
    return black, suspended


def unavailable_set(session: Session, *, first_day: date, last_day: date, among: set[int]) -> set[int]:
    stmt = select(ExpertUnavailability.expert_id).where(
        ExpertUnavailability.start_date <= last_day, ExpertUnavailability.end_date >= first_day
    )
    if len(among) <= 2000:
        # A date range alone matches every declaration that started before the evaluation.
        stmt = stmt.where(ExpertUnavailability.expert_id.in_(sorted(among)))
    return set(session.scalars(stmt))


def booked_set(session: Session, *, committee_id: int, start: datetime, end: datetime) -> set[int]:
    stmt = (
        select(CommitteeMember.expert_id)
        .join(Committee, Committee.id == CommitteeMember.committee_id)
        .where(
            Committee.id != committee_id,
            Committee.status != "cancelled",
            Committee.evaluation_start < end,
            # Bounded below so the index on evaluation_start reads only the evaluations near this one.
            Committee.evaluation_start > start - MAX_EVALUATION,
            Committee.evaluation_end > start,
            CommitteeMember.expert_id.is_not(None),
            CommitteeMember.is_reserve.is_(False),
            CommitteeMember.status.in_(ACTIVE_MEMBER_STATUSES),
        )
    )
    return {i for i in session.scalars(stmt) if i is not None}


def employment_set(session: Session, *, party_usccs: set[str], on: date) -> set[int]:
    if not party_usccs:
        return set()
    rows = session.execute(
        select(
            ExpertEmployment.expert_id,
            ExpertEmployment.employer_uscc,
            ExpertEmployment.start_date,
            ExpertEmployment.end_date,
        ).where(ExpertEmployment.employer_uscc.in_(sorted(party_usccs)))
    )
    return employment_conflicts(
        [(a, b, c, d) for a, b, c, d in rows],
        party_usccs,
        on=on,
        years=rules_data.value("experts.employment_avoidance_years"),
    )


def interest_set(session: Session, *, party_usccs: set[str]) -> set[int]:
    if not party_usccs:
        return set()
    return set(
        session.scalars(select(ExpertInterest.expert_id).where(ExpertInterest.party_uscc.in_(sorted(party_usccs))))
    )


def frequency_set(
    session: Session, *, committee_id: int, year_start: datetime, year_end: datetime, among: set[int]
) -> set[int]:
    """Experts at the yearly limit. A small candidate set is looked up by expert (indexed); a large one by
    aggregating the year's assignments once."""
    limit = rules_data.value("experts.yearly_max_assignments")
    stmt = (
        select(CommitteeMember.expert_id)
        .join(Committee, Committee.id == CommitteeMember.committee_id)
        .where(
            Committee.id != committee_id,
            Committee.status != "cancelled",
            and_(Committee.evaluation_start >= year_start, Committee.evaluation_start < year_end),
            CommitteeMember.expert_id.is_not(None),
            CommitteeMember.is_reserve.is_(False),
            CommitteeMember.status.in_(ACTIVE_MEMBER_STATUSES),
        )
        .group_by(CommitteeMember.expert_id)
        .having(func.count() >= limit)
    )
    if len(among) <= 2000:
        stmt = stmt.where(CommitteeMember.expert_id.in_(sorted(among)))
    return {i for i in session.scalars(stmt) if i is not None}


def age_set(pool: Pool, *, on: date) -> set[int]:
    """Candidates at or over the procurement age limit on the evaluation date."""
    cutoff = years_before(on, rules_data.value("experts.procurement_max_age"))
    return {i for i, born in pool.birth.items() if born <= cutoff}
