"""Questions users ask the rules engine, as pure functions over a RuleSet and dates.

Day counting (87号令 art.85-86, and the general rule of the Civil Code): the start day is not counted; a
period counted in working days skips statutory holidays and rest days but counts 调休 working weekends.
Dates come from the caller (an injected clock), never from ``date.today()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from ggzy.core.errors import RuleRefused
from ggzy.rules import calendar as cal
from ggzy.rules.catalog import Comparison, Rule, RuleSet, Unit, citation_zh


class RuleViolation(Exception):
    """An action the law forbids; ``code`` is stable, ``message_zh`` cites the article."""

    def __init__(self, rule: Rule, message_zh: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message_zh)
        self.rule = rule
        self.message_zh = message_zh
        self.code = code
        self.field = field

    @property
    def citation(self) -> str:
        return citation_zh(self.rule)

    def as_refusal(self) -> RuleRefused:
        """The API's refusal for this violation: 422 with the rule key and its citation."""
        return RuleRefused(
            self.message_zh, code=self.code, field=self.field, rule=self.rule.key, citation=self.citation
        )


@dataclass(frozen=True)
class PeriodAnswer:
    start: date
    end: date
    rule: Rule
    days_counted: int
    skipped: list[tuple[date, str]] = field(default_factory=list)
    explanation_zh: str = ""


def _skipped(days: list[date]) -> list[tuple[date, str]]:
    return [(d, cal.describe_day(d)) for d in days]


def period_end(rules: RuleSet, *, key: str, start: date, on: date | None = None) -> PeriodAnswer:
    """The day a period that starts on ``start`` ends, per the rule in force on ``on`` (default: start)."""
    rule = rules.get(key, on=on or start)
    n = int(rule.value)
    if rule.unit is Unit.working_days:
        end, skipped = cal.add_working_days(start, n)
        how = f"自 {start.isoformat()} 次日起计算 {n} 个工作日"
    elif rule.unit is Unit.calendar_days:
        end, skipped = cal.add_calendar_days(start, n), []
        how = f"自 {start.isoformat()} 次日起计算 {n} 日"
        if rule.roll_to_working_day:
            rolled, skipped = cal.next_working_day_on_or_after(end)
            if rolled != end:
                how += f"，期满日 {end.isoformat()} 为{cal.describe_day(end)}，顺延至 {rolled.isoformat()}"
            end = rolled
    else:
        raise ValueError(f"rule {key} is not a period (unit {rule.unit})")
    explanation = f"{how}，截至 {end.isoformat()}。{citation_zh(rule)}"
    return PeriodAnswer(start, end, rule, n, _skipped(skipped), explanation)


def latest_day_before(rules: RuleSet, *, key: str, deadline: date, on: date | None = None) -> PeriodAnswer:
    """The last day an act may happen when it must be at least N days before ``deadline``."""
    rule = rules.get(key, on=on or deadline)
    n = int(rule.value)
    if rule.unit is not Unit.calendar_days:
        raise ValueError(f"rule {key} is not counted in calendar days")
    last = deadline - timedelta(days=n)
    explanation = f"须在 {deadline.isoformat()} 的 {n} 日前，即最迟 {last.isoformat()}。{citation_zh(rule)}"
    return PeriodAnswer(deadline, last, rule, n, [], explanation)


# The questions of the rules page, by trade and procedure: (key, how the answer reads).
QUESTIONS: dict[str, tuple[str, str]] = {
    "earliest_bid_deadline": ("documents_to_bid_deadline", "最早的投标截止日"),
    "document_availability_end": ("document_availability", "招标文件发售（提供）期最早截止日"),
    "publicity_end": ("candidate_publicity", "中标候选人公示期最早结束日"),
    "contract_deadline": ("contract_signing", "签订合同的最后一天"),
    "inquiry_last_day": ("inquiry_window", "提出质疑的最后一天"),
    "complaint_last_day": ("complaint_window", "提起投诉的最后一天"),
    "result_publicity_end": ("result_publicity", "中标结果公告期最早结束日"),
}


def earliest_bid_deadline(rules: RuleSet, *, trade: str, documents_issued_on: date) -> PeriodAnswer:
    return period_end(rules, key=f"{trade}.documents_to_bid_deadline", start=documents_issued_on)


def document_availability_end(rules: RuleSet, *, trade: str, documents_issued_on: date) -> PeriodAnswer:
    return period_end(rules, key=f"{trade}.document_availability", start=documents_issued_on)


def last_day_for_inquiry(rules: RuleSet, *, published_on: date) -> PeriodAnswer:
    return period_end(rules, key="procurement.inquiry_window", start=published_on)


def last_day_for_objection(rules: RuleSet, *, bid_deadline: date) -> PeriodAnswer:
    return latest_day_before(rules, key="construction.objection_to_tender_documents", deadline=bid_deadline)


def publicity_end(rules: RuleSet, *, trade: str, published_on: date) -> PeriodAnswer:
    key = "construction.candidate_publicity" if trade == "construction" else "procurement.result_publicity"
    return period_end(rules, key=key, start=published_on)


def contract_deadline(rules: RuleSet, *, trade: str, award_notice_on: date) -> PeriodAnswer:
    return period_end(rules, key=f"{trade}.contract_signing", start=award_notice_on)


# --- checks that refuse --------------------------------------------------------------------------


def check_min_period(rules: RuleSet, *, key: str, start: date, end: date, field: str | None = None) -> PeriodAnswer:
    answer = period_end(rules, key=key, start=start)
    if end < answer.end:
        raise RuleViolation(
            answer.rule,
            f"{answer.rule.title_zh}{answer.rule.value_zh}：自 {start.isoformat()} 起最早为 "
            f"{answer.end.isoformat()}，所填 {end.isoformat()} 过早。{citation_zh(answer.rule)}",
            code="RULE_PERIOD_TOO_SHORT",
            field=field,
        )
    return answer


def check_days_before(
    rules: RuleSet, *, key: str, act_on: date, deadline: date, field: str | None = None
) -> PeriodAnswer:
    answer = latest_day_before(rules, key=key, deadline=deadline)
    if act_on > answer.end:
        raise RuleViolation(
            answer.rule,
            f"{answer.rule.title_zh}{answer.rule.value_zh}：最迟 {answer.end.isoformat()}，"
            f"{act_on.isoformat()} 已过期。{citation_zh(answer.rule)}",
            code="RULE_TOO_LATE",
            field=field,
        )
    return answer


def check_max_ratio(
    rules: RuleSet, *, key: str, amount: Decimal, base: Decimal, on: date, field: str | None = None
) -> Decimal:
    """Refuse ``amount`` above the rule's percentage of ``base``; returns the allowed maximum."""
    rule = rules.get(key, on=on)
    if rule.unit is not Unit.percent or rule.comparison is not Comparison.at_most:
        raise ValueError(f"rule {key} is not a maximum percentage")
    limit = (base * rule.value / Decimal(100)).quantize(Decimal("0.01"))
    if amount > limit:
        raise RuleViolation(
            rule,
            f"{rule.title_zh}为{format(rule.value.normalize(), 'f')}%，即不超过 {limit} 元，所填 {amount} 元超出。"
            f"{citation_zh(rule)}",
            code="RULE_RATIO_EXCEEDED",
            field=field,
        )
    return limit


NEGOTIATION_PROCEDURES = {"competitive_negotiation", "inquiry", "competitive_consultation"}


def check_committee_size(
    rules: RuleSet,
    *,
    trade: str,
    procedure: str,
    size: int,
    budget_yuan: Decimal | None,
    on: date,
    field: str = "committee_size",
) -> Rule:
    """≥5 and odd; procurement ≥7 and odd from 10 million yuan; negotiation or inquiry panels ≥3 and odd."""
    if trade == "procurement" and procedure in NEGOTIATION_PROCEDURES:
        rule = rules.get("procurement.panel_size", on=on)
    elif trade == "procurement":
        threshold = rules.get("procurement.committee_large_budget_threshold", on=on).value
        large = budget_yuan is not None and budget_yuan >= threshold
        rule = rules.get("procurement.committee_size_large" if large else "procurement.committee_size", on=on)
    else:
        rule = rules.get("construction.committee_size", on=on)
    minimum = int(rule.value)
    if size < minimum or size % 2 == 0:
        raise RuleViolation(
            rule,
            f"评标委员会人数应为 {minimum} 人以上单数，所填 {size} 人不符合。{citation_zh(rule)}",
            code="RULE_COMMITTEE_SIZE",
            field=field,
        )
    return rule
