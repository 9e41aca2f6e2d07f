"""Pure avoidance and eligibility rules: no database, no clock, tested on their own.

The draw gathers, with a few indexed queries, one set of expert ids per exclusion reason; these
functions turn them into the eligible list, a reason for every excluded expert, and, when a
committee cannot be filled, the constraint that emptied it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise

from ggzy.experts import rules_data
from ggzy.experts.classification import matches

# Reason codes in the order they are checked; the first is shown first in a record.
REASONS_ZH: dict[str, str] = {
    "blacklisted": "已列入专家黑名单",
    "suspended": "暂停评标资格期间",
    "age_limit": "超过政府采购评审专家年龄上限",
    "unavailable": "申报该时段不能参加评标",
    "booked": "同一时段已被抽取参加其他评标",
    "employed_by_party": "现在或三年内曾受聘于招标人、代理机构或投标人",
    "declared_interest": "申报与招标人或投标人存在亲属或利害关系",
    "frequency": "本年度参加评标次数已达上限",
    "same_employer_share": "同一工作单位专家人数已达上限",
}

CONSTRAINTS_ZH: dict[str, str] = {
    "specialty_region": "所需专业与地区范围内的已审核专家",
    **REASONS_ZH,
}

TITLE_LEVELS_ZH: dict[str, str] = {
    "principal_senior": "正高级",
    "senior": "副高级",
    "intermediate": "中级",
    "junior": "初级及以下",
}
SENIOR_TITLE_LEVELS = frozenset({"principal_senior", "senior"})


class PeriodError(ValueError):
    """An employment history the law cannot reason about: a period ending before it starts, or overlaps."""

    def __init__(self, message_zh: str, *, index: int) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.index = index


def check_employment_periods(periods: Sequence[tuple[date, date | None]]) -> None:
    """Periods are [start, end] inclusive, end None = current; at most one current, none overlapping."""
    for i, (start, end) in enumerate(periods):
        if end is not None and end < start:
            raise PeriodError(f"第{i + 1}段任职经历的结束日期早于开始日期", index=i)
    order = sorted(range(len(periods)), key=lambda i: periods[i][0])
    for a, b in pairwise(order):
        a_end = periods[a][1]
        if a_end is None or a_end >= periods[b][0]:
            first, second = sorted((a, b))
            raise PeriodError(f"第{first + 1}段与第{second + 1}段任职经历时间重叠", index=second)


def years_before(on: date, years: int) -> date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


def age_on(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def employment_conflicts(
    employments: Iterable[tuple[int, str, date, date | None]], party_usccs: Set[str], *, on: date, years: int
) -> set[int]:
    """Experts employed by a party now, or at any time within ``years`` before ``on`` (the evaluation date)."""
    horizon = years_before(on, years)
    out: set[int] = set()
    for expert_id, uscc, start, end in employments:
        if uscc in party_usccs and start <= on and (end is None or end >= horizon):
            out.add(expert_id)
    return out


def ranges_overlap(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


@dataclass(frozen=True)
class AvoidanceResult:
    eligible: list[int]
    excluded: dict[int, tuple[str, ...]]


def apply_avoidance(candidates: Iterable[int], exclusion_sets: Sequence[tuple[str, Set[int]]]) -> AvoidanceResult:
    """Every candidate in any exclusion set is out, with all its reasons in the fixed order of REASONS_ZH."""
    order = {code: i for i, code in enumerate(REASONS_ZH)}
    sets = sorted(exclusion_sets, key=lambda kv: order.get(kv[0], len(order)))
    pool = set(candidates)
    # Set operations in C for the many eligible; per-expert reasons only for the few excluded.
    out: set[int] = pool & set().union(*(ids for _, ids in sets)) if sets else set()
    excluded = {i: tuple(code for code, ids in sets if i in ids) for i in sorted(out)}
    return AvoidanceResult(eligible=sorted(pool - out), excluded=excluded)


def explain_shortfall(
    requirement: str,
    needed: int,
    specialties: Mapping[int, Sequence[str]],
    exclusion_sets: Sequence[tuple[str, Set[int]]],
    *,
    employer_limited: int = 0,
) -> tuple[str, list[tuple[str, int]]]:
    """Which constraint took the candidates of one requirement below ``needed``, and the whole funnel.

    The funnel applies the constraints in order; the answer is the first step where fewer than ``needed``
    remain (``specialty_region`` when the pool itself is too small).
    """
    remaining = {i for i, codes in specialties.items() if any(matches(requirement, c) for c in codes)}
    funnel = [("specialty_region", len(remaining))]
    culprit = "specialty_region" if len(remaining) < needed else ""
    order = {code: i for i, code in enumerate(REASONS_ZH)}
    for code, ids in sorted(exclusion_sets, key=lambda kv: order.get(kv[0], len(order))):
        remaining -= ids
        funnel.append((code, len(remaining)))
        if not culprit and len(remaining) < needed:
            culprit = code
    if employer_limited:
        funnel.append(("same_employer_share", len(remaining) - employer_limited))
    return culprit or "same_employer_share", funnel


def eligibility_problems(
    *, years_of_practice: int, title_level: str, birth_date: date, on: date
) -> list[tuple[str, str]]:
    """Reasons an applicant may not join the pool, each as (rule key, Chinese message)."""
    problems: list[tuple[str, str]] = []
    min_years = rules_data.value("experts.years_of_practice")
    if years_of_practice < min_years:
        problems.append(("experts.years_of_practice", f"从事相关领域工作{years_of_practice}年，不满{min_years}年"))
    if title_level not in SENIOR_TITLE_LEVELS:
        problems.append(
            ("experts.senior_title", f"职称级别为{TITLE_LEVELS_ZH.get(title_level, title_level)}，须为高级职称")
        )
    if age_on(birth_date, on) < 18:
        problems.append(("experts.years_of_practice", "出生日期不合理"))
    return problems


def procurement_age_ok(birth_date: date, on: date) -> bool:
    return age_on(birth_date, on) < rules_data.value("experts.procurement_max_age")


PANEL_PROCEDURES = frozenset({"competitive_negotiation", "inquiry", "competitive_consultation", "single_source"})


def committee_size_rule(*, trade: str, procedure: str, estimate: Decimal) -> str:
    """The key of the rule that sets the minimum committee size for a lot."""
    if trade == "procurement":
        if procedure in PANEL_PROCEDURES:
            return "experts.panel_size"
        if estimate >= rules_data.rule("experts.procurement_large_budget").value:
            return "experts.procurement_committee_size_large"
        return "experts.procurement_committee_size"
    return "experts.committee_size"


def committee_size_problem(
    *, trade: str, procedure: str, estimate: Decimal, size: int, owner_representatives: int
) -> tuple[str, str] | None:
    """(rule key, message) when the law forbids this committee size or composition, else None."""
    key = committee_size_rule(trade=trade, procedure=procedure, estimate=estimate)
    minimum = rules_data.value(key)
    if size < minimum or size % 2 == 0:
        return key, f"评标委员会人数为{size}人，应为{minimum}人以上单数"
    if owner_representatives < 0 or owner_representatives * 3 > size:
        # Experts must be at least two thirds of the members (法37, 87号令47, 采购法38).
        return key, f"招标人代表{owner_representatives}人，专家人数不得少于成员总数的三分之二"
    return None
