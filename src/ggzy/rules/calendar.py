"""Working days per China's statutory holidays and swapped weekend days (调休), via ``chinese_calendar``.

A year the package has no data for raises :class:`CalendarNotCovered`: a deadline is never guessed.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from chinese_calendar import constants as cc

from ggzy.core.errors import AppError

HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


class CalendarNotCovered(AppError):
    """A working-day period reaches a year whose holidays are not known: nothing is computed or saved.

    503, not a user's mistake: the operator updates ``chinese_calendar`` once the State Council publishes
    the year's arrangement (usually in November)."""

    status_code = 503
    default_code = "RULE_CALENDAR_NOT_COVERED"

    def __init__(self, year: int) -> None:
        first, last = covered_years()
        super().__init__(
            f"节假日日历未包含 {year} 年（已知 {first}–{last} 年），无法按工作日计算法定时限，本次操作未保存；"
            "请平台运维人员更新节假日日历数据后重试"
        )
        self.year = year
        self.message_zh = self.message


@cache
def covered_years() -> tuple[int, int]:
    years = {d.year for d in cc.holidays} | {d.year for d in cc.workdays}
    return min(years), max(years)


def _check(d: date) -> None:
    first, last = covered_years()
    if not first <= d.year <= last:
        raise CalendarNotCovered(d.year)


def is_working_day(d: date) -> bool:
    _check(d)
    if d in cc.workdays:  # a weekend day made a working day by 调休
        return True
    if d in cc.holidays:
        return False
    return d.weekday() < 5


def holiday_name(d: date) -> str | None:
    """The Chinese name of the holiday ``d`` belongs to (also for its 调休 working days), else None."""
    _check(d)
    name = cc.holidays.get(d) or cc.workdays.get(d)
    return HOLIDAY_NAMES_ZH.get(name, name) if name else None


def describe_day(d: date) -> str:
    """Why a day is (not) a working day, in Chinese: 国庆节 / 周六 / 国庆节调休上班."""
    _check(d)
    if d in cc.workdays:
        return f"{holiday_name(d)}调休上班"
    if d in cc.holidays:
        return holiday_name(d) or "法定节假日"
    return "周六" if d.weekday() == 5 else "周日" if d.weekday() == 6 else "工作日"


def add_calendar_days(start: date, n: int) -> date:
    return start + timedelta(days=n)


def add_working_days(start: date, n: int) -> tuple[date, list[date]]:
    """The n-th working day after ``start`` (the start day is not counted), and the days skipped."""
    if n < 1:
        raise ValueError("n must be at least 1")
    d, counted, skipped = start, 0, []
    while counted < n:
        d += timedelta(days=1)
        if is_working_day(d):
            counted += 1
        else:
            skipped.append(d)
    return d, skipped


def next_working_day_on_or_after(d: date) -> tuple[date, list[date]]:
    skipped = []
    while not is_working_day(d):
        skipped.append(d)
        d += timedelta(days=1)
    return d, skipped


def working_days_between(a: date, b: date) -> int:
    """Working days after ``a`` up to and including ``b``."""
    count, d = 0, a
    while d < b:
        d += timedelta(days=1)
        if is_working_day(d):
            count += 1
    return count


def year_calendar(year: int) -> dict[str, list[tuple[date, str]]]:
    """Statutory holidays and swapped working days of a year, for the rules page and API."""
    _check(date(year, 1, 1))
    holidays = sorted((d, HOLIDAY_NAMES_ZH.get(n, n)) for d, n in cc.holidays.items() if d.year == year)
    workdays = sorted((d, HOLIDAY_NAMES_ZH.get(n, n)) for d, n in cc.workdays.items() if d.year == year)
    return {"holidays": holidays, "swapped_working_days": workdays}
