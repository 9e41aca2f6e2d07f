"""The rules engine: working days across 2025-2026 holidays, periods, refusals with citations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ggzy.rules import calendar as cal
from ggzy.rules import periods
from ggzy.rules.catalog import DEFAULT_RULES, LAWS, RuleSet, citation_zh, default_ruleset
from ggzy.rules.periods import RuleViolation

RULES = default_ruleset()

# State Council notices on the 2025 and 2026 holidays: (days off), (weekend days worked).
OFF_2025 = [
    "2025-01-01",
    "2025-01-28",
    "2025-02-04",
    "2025-04-04",
    "2025-04-06",
    "2025-05-01",
    "2025-05-05",
    "2025-05-31",
    "2025-06-02",
    "2025-10-01",
    "2025-10-08",
]
WORKED_2025 = ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
OFF_2026 = [
    "2026-01-01",
    "2026-01-02",
    "2026-01-03",
    "2026-02-15",
    "2026-02-23",
    "2026-04-04",
    "2026-04-06",
    "2026-05-01",
    "2026-05-05",
    "2026-06-19",
    "2026-06-21",
    "2026-09-25",
    "2026-09-27",
    "2026-10-01",
    "2026-10-07",
]
WORKED_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]


@pytest.mark.parametrize("day", OFF_2025 + OFF_2026)
def test_statutory_holidays_are_not_working_days(day: str) -> None:
    assert not cal.is_working_day(date.fromisoformat(day))


@pytest.mark.parametrize("day", WORKED_2025 + WORKED_2026)
def test_swapped_weekend_days_are_working_days(day: str) -> None:
    d = date.fromisoformat(day)
    assert d.weekday() >= 5
    assert cal.is_working_day(d)
    assert "调休上班" in cal.describe_day(d)


def test_construction_bid_deadline_for_documents_issued_on_2026_09_25() -> None:
    answer = periods.earliest_bid_deadline(RULES, trade="construction", documents_issued_on=date(2026, 9, 25))
    assert answer.end == date(2026, 10, 15)  # 20 calendar days, start day not counted
    assert "第二十四条" in answer.explanation_zh and "招标投标法" in answer.explanation_zh


def test_inquiry_window_across_national_day_2026() -> None:
    answer = periods.last_day_for_inquiry(RULES, published_on=date(2026, 9, 29))
    # 9-30 (1); 10-1..10-7 off; 10-8 (2); 10-9 (3); 10-10 Saturday worked (4); 10-12 (5); 10-13 (6); 10-14 (7)
    assert answer.end == date(2026, 10, 14)
    skipped = dict(answer.skipped)
    assert skipped[date(2026, 10, 1)] == "国庆节"
    assert date(2026, 10, 10) not in skipped
    assert skipped[date(2026, 10, 11)] == "周日"
    assert "第五十二条" in answer.explanation_zh


def test_procurement_calendar_day_deadline_rolls_past_holidays() -> None:
    # Issued 2026-09-11: day 20 is 2026-10-01 (国庆节) → the next working day, 2026-10-08.
    answer = periods.earliest_bid_deadline(RULES, trade="procurement", documents_issued_on=date(2026, 9, 11))
    assert answer.end == date(2026, 10, 8)
    assert "顺延" in answer.explanation_zh


@pytest.mark.parametrize("year", [2003, 2031])
def test_years_outside_the_calendar_are_errors(year: int) -> None:
    with pytest.raises(cal.CalendarNotCovered) as err:
        cal.is_working_day(date(year, 6, 1))
    assert str(year) in err.value.message_zh
    with pytest.raises(cal.CalendarNotCovered):
        periods.last_day_for_inquiry(RULES, published_on=date(cal.covered_years()[1], 12, 28))


@given(st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 11, 30)), st.integers(min_value=1, max_value=20))
def test_add_working_days_properties(start: date, n: int) -> None:
    end, skipped = cal.add_working_days(start, n)
    assert end > start and cal.is_working_day(end)
    assert cal.working_days_between(start, end) == n
    assert all(not cal.is_working_day(d) for d in skipped)
    assert (end - start).days == n + len(skipped)


def test_every_rule_carries_its_source() -> None:
    seen = set()
    for rule in DEFAULT_RULES:
        assert rule.law in LAWS and rule.article.startswith("第") and rule.article.endswith("条")
        assert rule.text_zh and rule.title_zh
        assert citation_zh(rule).startswith("依据《")
        assert (rule.key, rule.effective_from) not in seen
        seen.add((rule.key, rule.effective_from))


def test_override_keeps_history() -> None:
    changed = RULES.with_override(key="land.listing_period", value=Decimal("12"), effective_from=date(2027, 1, 1))
    assert changed.get("land.listing_period", on=date(2026, 12, 31)).value == 10
    assert changed.get("land.listing_period", on=date(2027, 1, 1)).value == 12
    assert len(changed.versions("land.listing_period")) == 2
    assert RULES.get("land.listing_period", on=date(2027, 1, 1)).value == 10  # the original is untouched
    with pytest.raises(ValueError):
        RuleSet([*DEFAULT_RULES, DEFAULT_RULES[0]])


def test_refusals_cite_the_article() -> None:
    with pytest.raises(RuleViolation) as err:
        periods.check_min_period(
            RULES,
            key="construction.documents_to_bid_deadline",
            start=date(2026, 9, 25),
            end=date(2026, 10, 14),
            field="bid_deadline",
        )
    assert err.value.code == "RULE_PERIOD_TOO_SHORT" and "第二十四条" in err.value.message_zh
    assert err.value.field == "bid_deadline"
    periods.check_min_period(
        RULES, key="construction.documents_to_bid_deadline", start=date(2026, 9, 25), end=date(2026, 10, 15)
    )
    with pytest.raises(RuleViolation) as err:
        periods.check_max_ratio(
            RULES,
            key="construction.bid_bond_ratio",
            amount=Decimal("20100.00"),
            base=Decimal("1000000"),
            on=date(2026, 9, 25),
        )
    assert err.value.code == "RULE_RATIO_EXCEEDED" and "第二十六条" in err.value.message_zh
    assert periods.check_max_ratio(
        RULES,
        key="construction.bid_bond_ratio",
        amount=Decimal("20000.00"),
        base=Decimal("1000000"),
        on=date(2026, 9, 25),
    ) == Decimal("20000.00")
    with pytest.raises(RuleViolation):
        periods.check_days_before(
            RULES,
            key="construction.objection_to_tender_documents",
            act_on=date(2026, 10, 6),
            deadline=date(2026, 10, 15),
        )
    periods.check_days_before(
        RULES, key="construction.objection_to_tender_documents", act_on=date(2026, 10, 5), deadline=date(2026, 10, 15)
    )


@pytest.mark.parametrize(
    ("trade", "procedure", "size", "budget", "ok"),
    [
        ("construction", "open_tender", 6, None, False),
        ("construction", "open_tender", 4, None, False),
        ("construction", "open_tender", 5, None, True),
        ("procurement", "open_tender", 5, Decimal("12000000"), False),
        ("procurement", "open_tender", 7, Decimal("12000000"), True),
        ("procurement", "open_tender", 5, Decimal("9999999.99"), True),
        ("procurement", "inquiry", 3, Decimal("500000"), True),
        ("procurement", "competitive_negotiation", 4, None, False),
    ],
)
def test_committee_sizes(trade: str, procedure: str, size: int, budget: Decimal | None, ok: bool) -> None:
    def check() -> None:
        periods.check_committee_size(
            RULES, trade=trade, procedure=procedure, size=size, budget_yuan=budget, on=date(2026, 9, 25)
        )

    if ok:
        check()
    else:
        with pytest.raises(RuleViolation) as err:
            check()
        assert err.value.code == "RULE_COMMITTEE_SIZE" and "单数" in err.value.message_zh


def test_year_calendar_lists_holidays_and_swaps() -> None:
    year = cal.year_calendar(2026)
    assert (date(2026, 10, 10), "国庆节") in year["swapped_working_days"]
    assert len([d for d, n in year["holidays"] if n == "春节"]) == 9
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 9, 30) + timedelta(days=0)) == 0
