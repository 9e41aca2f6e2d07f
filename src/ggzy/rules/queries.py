"""Reads for the rules API and page; every failure is a refusal the user can act on."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ggzy.core.errors import InvalidInput, NotFound
from ggzy.rules import calendar as cal
from ggzy.rules import periods
from ggzy.rules.catalog import Rule, UnknownRule
from ggzy.rules.periods import QUESTIONS, PeriodAnswer
from ggzy.rules.service import current_ruleset

TRADES = ("construction", "procurement", "land", "mining", "property", "medical")


def rules_in_force(session: Session, *, on: date, trade: str | None) -> list[Rule]:
    if trade is not None and trade not in TRADES:
        raise InvalidInput(f"交易类型 {trade} 不存在", code="TRADE_UNKNOWN", field="trade")
    return current_ruleset(session).current(on=on, trade=trade)


def rule_versions(session: Session, *, key: str) -> list[Rule]:
    try:
        return current_ruleset(session).versions(key)
    except UnknownRule as exc:
        raise NotFound(f"没有规则 {key}", code="RULE_NOT_FOUND", field="key") from exc


def answer_question(session: Session, *, question: str, trade: str, start: date) -> PeriodAnswer:
    if question not in QUESTIONS:
        raise InvalidInput(f"不支持的问题 {question}", code="RULE_QUESTION_UNKNOWN", field="question")
    suffix = QUESTIONS[question][0]
    if question == "publicity_end":
        key = "construction.candidate_publicity" if trade == "construction" else "procurement.result_publicity"
    else:
        key = f"{trade}.{suffix}"
    return period(session, key=key, start=start, field="trade")


def period(session: Session, *, key: str, start: date, field: str = "key") -> PeriodAnswer:
    rules = current_ruleset(session)
    try:
        rules.versions(key)
    except UnknownRule as exc:
        raise NotFound(f"没有规则 {key}（该交易类型没有这一时限）", code="RULE_NOT_FOUND", field=field) from exc
    try:
        return periods.period_end(rules, key=key, start=start)
    except cal.CalendarNotCovered as exc:
        raise InvalidInput(exc.message_zh, code="RULE_CALENDAR_NOT_COVERED", field="start") from exc
    except ValueError as exc:
        raise InvalidInput(f"规则 {key} 不是期限类规则", code="RULE_NOT_A_PERIOD", field="key") from exc


def year_calendar(year: int) -> dict[str, list[tuple[date, str]]]:
    try:
        return cal.year_calendar(year)
    except cal.CalendarNotCovered as exc:
        raise InvalidInput(exc.message_zh, code="RULE_CALENDAR_NOT_COVERED", field="year") from exc
