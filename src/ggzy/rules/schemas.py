"""API shapes of the rules engine."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ggzy.rules.catalog import Rule, citation_zh
from ggzy.rules.periods import PeriodAnswer


class RuleOut(BaseModel):
    key: str
    trade: str
    title: str
    value: Decimal
    unit: str
    comparison: str
    value_text: str = Field(description="中文表述，例如 不少于20日")
    law: str
    article: str
    text: str
    citation: str
    effective_from: date
    effective_to: date | None
    verify: bool = Field(description="为 true 表示依据来自二手资料，尚待核对官方文本")
    note: str = ""

    @classmethod
    def of(cls, rule: Rule) -> RuleOut:
        return cls(
            key=rule.key,
            trade=rule.trade,
            title=rule.title_zh,
            value=rule.value,
            unit=rule.unit.value,
            comparison=rule.comparison.value,
            value_text=rule.value_zh,
            law=rule.law_title,
            article=rule.article,
            text=rule.text_zh,
            citation=citation_zh(rule),
            effective_from=rule.effective_from,
            effective_to=rule.effective_to,
            verify=rule.verify,
            note=rule.note_zh,
        )


class RuleDetail(RuleOut):
    versions: list[RuleOut]


class RuleChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Decimal = Field(gt=0, max_digits=16, decimal_places=4, description="新取值")
    effective_from: date = Field(description="生效日期（不得早于今天）")
    reason: str = Field(min_length=4, max_length=500, description="变更理由（公开）")


class SkippedDay(BaseModel):
    date: date
    reason: str


class PeriodOut(BaseModel):
    question: str | None = None
    start: date
    end: date
    days_counted: int
    unit: str
    skipped: list[SkippedDay]
    explanation: str
    rule: RuleOut

    @classmethod
    def of(cls, answer: PeriodAnswer, question: str | None = None) -> PeriodOut:
        return cls(
            question=question,
            start=answer.start,
            end=answer.end,
            days_counted=answer.days_counted,
            unit=answer.rule.unit.value,
            skipped=[SkippedDay(date=d, reason=r) for d, r in answer.skipped],
            explanation=answer.explanation_zh,
            rule=RuleOut.of(answer.rule),
        )


class CalendarDay(BaseModel):
    date: date
    name: str


class YearCalendarOut(BaseModel):
    year: int
    holidays: list[CalendarDay]
    swapped_working_days: list[CalendarDay]
