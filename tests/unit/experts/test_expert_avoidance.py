"""Avoidance and eligibility as pure functions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.experts.avoidance import (
    PeriodError,
    age_on,
    apply_avoidance,
    check_employment_periods,
    committee_size_problem,
    eligibility_problems,
    employment_conflicts,
    explain_shortfall,
)

ON = date(2026, 10, 8)


def test_overlapping_or_inverted_employment_periods_are_refused() -> None:
    check_employment_periods([(date(2000, 1, 1), date(2010, 12, 31)), (date(2011, 1, 1), None)])
    with pytest.raises(PeriodError, match="重叠"):
        check_employment_periods([(date(2000, 1, 1), date(2012, 6, 30)), (date(2011, 1, 1), None)])
    with pytest.raises(PeriodError, match="重叠"):
        check_employment_periods([(date(2015, 1, 1), None), (date(2000, 1, 1), None)])
    with pytest.raises(PeriodError, match="早于"):
        check_employment_periods([(date(2010, 1, 1), date(2009, 1, 1))])


def test_employment_within_three_years_of_the_evaluation_date_conflicts() -> None:
    jobs = [
        (1, "PARTY", date(2000, 1, 1), None),  # now employed by a party
        (2, "PARTY", date(2000, 1, 1), date(2023, 10, 8)),  # left exactly 3 years before: still within
        (3, "PARTY", date(2000, 1, 1), date(2023, 10, 7)),  # left more than 3 years before
        (4, "OTHER", date(2000, 1, 1), None),
        (5, "PARTY", date(2027, 1, 1), None),  # starts after the evaluation
    ]
    assert employment_conflicts(jobs, {"PARTY"}, on=ON, years=3) == {1, 2}


def test_apply_avoidance_keeps_every_reason_in_fixed_order() -> None:
    result = apply_avoidance(range(1, 7), [("frequency", {2}), ("blacklisted", {2, 3}), ("booked", {5})])
    assert result.eligible == [1, 4, 6]
    assert result.excluded == {2: ("blacklisted", "frequency"), 3: ("blacklisted",), 5: ("booked",)}


@given(
    st.sets(st.integers(1, 200)),
    st.lists(st.tuples(st.sampled_from(["blacklisted", "booked", "frequency"]), st.sets(st.integers(1, 200)))),
)
def test_avoidance_partitions_the_candidates(candidates: set[int], sets: list[tuple[str, set[int]]]) -> None:
    result = apply_avoidance(candidates, sets)
    assert set(result.eligible) | set(result.excluded) == candidates
    assert not set(result.eligible) & set(result.excluded)
    banned = set().union(*(s for _, s in sets)) if sets else set()
    assert not set(result.eligible) & banned


def test_shortfall_names_the_constraint_that_emptied_the_pool() -> None:
    specialties = {i: ["A080101"] for i in range(1, 6)} | {9: ["B020101"]}
    culprit, funnel = explain_shortfall("A0801", 3, specialties, [("blacklisted", {1}), ("booked", {2, 3})])
    assert culprit == "booked"
    assert funnel == [("specialty_region", 5), ("blacklisted", 4), ("booked", 2)]
    assert explain_shortfall("C06", 1, specialties, [])[0] == "specialty_region"


def test_eligibility_needs_eight_years_and_a_senior_title() -> None:
    assert eligibility_problems(years_of_practice=8, title_level="senior", birth_date=date(1975, 1, 1), on=ON) == []
    keys = [
        k
        for k, _ in eligibility_problems(
            years_of_practice=7, title_level="intermediate", birth_date=date(1975, 1, 1), on=ON
        )
    ]
    assert keys == ["experts.years_of_practice", "experts.senior_title"]
    assert age_on(date(1956, 10, 9), ON) == 69 and age_on(date(1956, 10, 8), ON) == 70


@pytest.mark.parametrize(
    ("trade", "procedure", "estimate", "size", "reps", "refused_by"),
    [
        ("construction", "open_tender", "5000000", 5, 1, None),
        ("construction", "open_tender", "5000000", 4, 0, "experts.committee_size"),
        ("construction", "open_tender", "5000000", 6, 0, "experts.committee_size"),
        ("construction", "open_tender", "5000000", 5, 2, "experts.committee_size"),  # experts < 2/3
        ("procurement", "open_tender", "9999999.99", 5, 0, None),
        ("procurement", "open_tender", "10000000", 5, 0, "experts.procurement_committee_size_large"),
        ("procurement", "open_tender", "10000000", 7, 2, None),
        ("procurement", "inquiry", "200000", 3, 0, None),
        ("procurement", "competitive_negotiation", "200000", 4, 0, "experts.panel_size"),
    ],
)
def test_committee_sizes_the_law_forbids(
    trade: str, procedure: str, estimate: str, size: int, reps: int, refused_by: str | None
) -> None:
    problem = committee_size_problem(
        trade=trade, procedure=procedure, estimate=Decimal(estimate), size=size, owner_representatives=reps
    )
    assert (problem[0] if problem else None) == refused_by
