"""The rule catalogue: every legal period, threshold and limit as data, with its source and wording."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from ggzy.rules.catalog_data import DEFAULT_RULE_ROWS, LAWS


class Unit(StrEnum):
    calendar_days = "calendar_days"
    working_days = "working_days"
    hours = "hours"
    percent = "percent"
    yuan = "yuan"
    number = "count"
    years = "years"


UNIT_ZH = {
    Unit.calendar_days: "日",
    Unit.working_days: "个工作日",
    Unit.hours: "小时",
    Unit.percent: "%",
    Unit.yuan: "元",
    Unit.number: "个",
    Unit.years: "年",
}


class Comparison(StrEnum):
    at_least = "at_least"  # a minimum: periods, committee sizes
    at_most = "at_most"  # a maximum: bond ratios
    within = "within"  # an act must happen within the period


COMPARISON_ZH = {Comparison.at_least: "不少于", Comparison.at_most: "不超过", Comparison.within: "之内"}


@dataclass(frozen=True)
class Rule:
    key: str
    trade: str
    title_zh: str
    value: Decimal
    unit: Unit
    comparison: Comparison
    law: str  # short name, a key of LAWS
    article: str  # Chinese ordinal form, e.g. 第二十四条
    text_zh: str
    effective_from: date
    effective_to: date | None = None
    verify: bool = False  # recalled from secondary sources: configurable, flagged until checked
    roll_to_working_day: bool = False  # a calendar-day deadline on a rest day moves to the next working day
    note_zh: str = ""

    @property
    def law_title(self) -> str:
        return LAWS[self.law]

    @property
    def value_zh(self) -> str:
        value = format(self.value.normalize(), "f")
        return f"{COMPARISON_ZH[self.comparison]}{value}{UNIT_ZH[self.unit]}"

    def effective_on(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


def citation_zh(rule: Rule) -> str:
    return f"依据{rule.law_title}{rule.article}：{rule.text_zh}"


class UnknownRule(LookupError):
    def __init__(self, key: str) -> None:
        super().__init__(f"没有规则 {key}")
        self.key = key
        self.message_zh = str(self)


class RuleNotEffective(LookupError):
    def __init__(self, key: str, on: date) -> None:
        super().__init__(f"规则 {key} 在 {on.isoformat()} 尚未生效或已失效")
        self.key = key
        self.message_zh = str(self)


class RuleSet:
    """Versions of every rule; a lookup picks the version in force on a given date."""

    def __init__(self, rules: list[Rule]) -> None:
        self._versions: dict[str, list[Rule]] = {}
        for rule in rules:
            self._versions.setdefault(rule.key, []).append(rule)
        for key, versions in self._versions.items():
            versions.sort(key=lambda r: r.effective_from)
            starts = [r.effective_from for r in versions]
            if len(set(starts)) != len(starts):
                raise ValueError(f"rule {key} has two versions starting on the same day")

    def keys(self) -> list[str]:
        return sorted(self._versions)

    def versions(self, key: str) -> list[Rule]:
        if key not in self._versions:
            raise UnknownRule(key)
        return list(self._versions[key])

    def get(self, key: str, *, on: date) -> Rule:
        for rule in reversed(self.versions(key)):
            if rule.effective_on(on):
                return rule
        raise RuleNotEffective(key, on)

    def current(self, *, on: date, trade: str | None = None) -> list[Rule]:
        out = []
        for key in self.keys():
            try:
                rule = self.get(key, on=on)
            except RuleNotEffective:
                continue
            if trade is None or rule.trade in (trade, "all"):
                out.append(rule)
        return out

    def with_override(self, *, key: str, value: Decimal, effective_from: date, note_zh: str = "") -> RuleSet:
        """A new RuleSet where ``key`` takes ``value`` from ``effective_from`` on; history is kept."""
        versions = self.versions(key)
        base = next((r for r in reversed(versions) if r.effective_from <= effective_from), versions[0])
        rules: list[Rule] = []
        for k, vs in self._versions.items():
            for r in vs:
                if (
                    k == key
                    and r.effective_from < effective_from
                    and (r.effective_to is None or r.effective_to > effective_from)
                ):
                    r = replace(r, effective_to=effective_from)
                elif k == key and r.effective_from >= effective_from:
                    continue  # a later version is superseded by the override
                rules.append(r)
        rules.append(replace(base, value=value, effective_from=effective_from, effective_to=None, note_zh=note_zh))
        return RuleSet(rules)


def _build_defaults() -> list[Rule]:
    rules = []
    for row in DEFAULT_RULE_ROWS:
        rules.append(
            Rule(
                key=row["key"],
                trade=row["trade"],
                title_zh=row["title"],
                value=Decimal(row["value"]),
                unit=Unit(row["unit"]),
                comparison=Comparison(row["cmp"]),
                law=row["law"],
                article=row["article"],
                text_zh=row["text"],
                effective_from=date.fromisoformat(row["from"]),
                verify=bool(row.get("verify", False)),
                roll_to_working_day=bool(row.get("roll", False)),
            )
        )
    return rules


DEFAULT_RULES: list[Rule] = _build_defaults()


def default_ruleset() -> RuleSet:
    return RuleSet(DEFAULT_RULES)
