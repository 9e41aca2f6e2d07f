"""Public notice filters: one parser for every public list, search and statistics endpoint.

Query parameters (all optional, empty values are ignored so plain HTML forms work):

- ``trade``: one of the six trades (``construction``, ``procurement``…)
- ``kind``: a notice kind (``tender``, ``result``…, see ``ggzy.notices.service.KINDS``)
- ``region``: a region code (GB/T 2260: ``62`` province, ``6201`` prefecture, ``620102`` county); it matches the
  region and everything below it
- ``date_from``, ``date_to``: ``YYYY-MM-DD`` calendar dates in Asia/Shanghai, both inclusive
- ``amount_min``, ``amount_max``: yuan, inclusive

Anything else is refused (``FILTER_UNKNOWN``) unless the endpoint lists it in ``allowed_extra`` (``page``,
``cursor``, ``q``, ``size``…): a typo such as ``?trad=land`` must not silently return every notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select

from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import InvalidInput
from ggzy.entities.trades import TRADE_LABELS_ZH
from ggzy.notices.models import Notice
from ggzy.notices.service import KINDS

PAGE_SIZE_MAX = 100

# Parameter name → label used in messages.
FILTER_PARAMS: dict[str, str] = {
    "trade": "交易类型",
    "kind": "公告类型",
    "region": "地区",
    "date_from": "开始日期",
    "date_to": "结束日期",
    "amount_min": "最低金额",
    "amount_max": "最高金额",
}
# Amounts beyond this are typos, not transactions (the Money column holds 18 digits).
_AMOUNT_LIMIT = Decimal("1e15")


@dataclass(frozen=True)
class NoticeFilter:
    trade: str | None = None
    kind: str | None = None
    region_code: str | None = None
    # Asia/Shanghai calendar dates, inclusive.
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None

    def is_empty(self) -> bool:
        return self == NoticeFilter()

    def params(self) -> dict[str, str]:
        """The filter back as query parameters (for links that keep the current filter)."""
        out: dict[str, str] = {}
        if self.trade:
            out["trade"] = self.trade
        if self.kind:
            out["kind"] = self.kind
        if self.region_code:
            out["region"] = self.region_code
        if self.date_from:
            out["date_from"] = self.date_from.isoformat()
        if self.date_to:
            out["date_to"] = self.date_to.isoformat()
        if self.amount_min is not None:
            out["amount_min"] = format(self.amount_min, "f")
        if self.amount_max is not None:
            out["amount_max"] = format(self.amount_max, "f")
        return out


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, code="FILTER_INVALID", field=field, status_code=400)


def _date(params: Mapping[str, str], name: str) -> date | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise _invalid(name, f"{FILTER_PARAMS[name]}（{name}）格式应为 YYYY-MM-DD，例如 2024-05-01") from None


def _amount(params: Mapping[str, str], name: str) -> Decimal | None:
    raw = params.get(name, "").strip().replace(",", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise _invalid(name, f"{FILTER_PARAMS[name]}（{name}）必须是数字（单位：元）") from None
    if not value.is_finite() or value < 0 or value >= _AMOUNT_LIMIT:
        raise _invalid(name, f"{FILTER_PARAMS[name]}（{name}）应为 0 至 1000 万亿元之间的数字")
    return value


def parse_filters(params: Mapping[str, str], *, allowed_extra: frozenset[str] = frozenset()) -> NoticeFilter:
    """Validate query parameters into a filter; raises ``InvalidInput`` (HTTP 400) naming the parameter."""
    for name in params:
        if name not in FILTER_PARAMS and name not in allowed_extra:
            known = "、".join([*FILTER_PARAMS, *sorted(allowed_extra)])
            raise InvalidInput(
                f"不支持的筛选条件 {name[:40]}；可用的参数：{known}",
                code="FILTER_UNKNOWN",
                field=name[:40],
                status_code=400,
            )
    trade = params.get("trade", "").strip() or None
    if trade is not None and trade not in TRADE_LABELS_ZH:
        raise _invalid("trade", f"交易类型（trade）{trade[:40]} 不存在；可选：{'、'.join(TRADE_LABELS_ZH)}")
    kind = params.get("kind", "").strip() or None
    if kind is not None and kind not in KINDS:
        raise _invalid("kind", f"公告类型（kind）{kind[:40]} 不存在；可选：{'、'.join(KINDS)}")
    region = params.get("region", "").strip() or None
    if region is not None and not (region.isascii() and region.isdigit() and 2 <= len(region) <= 12):
        raise _invalid("region", "地区（region）应为 2-12 位数字的行政区划代码，例如 6201")
    date_from = _date(params, "date_from")
    date_to = _date(params, "date_to")
    if date_from and date_to and date_from > date_to:
        raise _invalid("date_from", "开始日期（date_from）不能晚于结束日期（date_to）")
    amount_min = _amount(params, "amount_min")
    amount_max = _amount(params, "amount_max")
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        raise _invalid("amount_min", "最低金额（amount_min）不能高于最高金额（amount_max）")
    return NoticeFilter(
        trade=trade,
        kind=kind,
        region_code=region,
        date_from=date_from,
        date_to=date_to,
        amount_min=amount_min,
        amount_max=amount_max,
    )


def shanghai_midnight(day: date) -> datetime:
    """The UTC-aware instant at which ``day`` begins in Asia/Shanghai."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def region_upper_bound(code: str) -> str:
    """The smallest string above every code starting with ``code`` (codes are digits, so ``'9'`` → ``':'``)."""
    return code[:-1] + chr(ord(code[-1]) + 1)


def apply_filters(stmt: Select[Any], f: NoticeFilter) -> Select[Any]:
    """Add the filter's WHERE clauses on ``Notice`` to ``stmt``.

    The region is a half-open string range rather than LIKE or a join with ``regions``: codes nest by prefix, and
    a range uses the (region_code, published_at) index on both databases (LIKE does not on PostgreSQL's default
    collation, nor on SQLite where LIKE is case-insensitive).
    """
    if f.trade:
        stmt = stmt.where(Notice.trade == f.trade)
    if f.kind:
        stmt = stmt.where(Notice.kind == f.kind)
    if f.region_code:
        stmt = stmt.where(Notice.region_code >= f.region_code, Notice.region_code < region_upper_bound(f.region_code))
    if f.date_from:
        stmt = stmt.where(Notice.published_at >= shanghai_midnight(f.date_from))
    if f.date_to:
        stmt = stmt.where(Notice.published_at < shanghai_midnight(f.date_to + timedelta(days=1)))
    if f.amount_min is not None:
        stmt = stmt.where(Notice.amount >= f.amount_min)
    if f.amount_max is not None:
        stmt = stmt.where(Notice.amount <= f.amount_max)
    return stmt


def parse_page_size(value: str | None, default: int = 20) -> int:
    """A page size from ``?size=``; refused (``PAGE_SIZE_INVALID``, 400) outside 1..PAGE_SIZE_MAX."""
    if value is None or not value.strip():
        return default
    raw = value.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or not 1 <= int(raw) <= PAGE_SIZE_MAX:
        raise InvalidInput(
            f"每页条数（size）应为 1 至 {PAGE_SIZE_MAX} 之间的整数",
            code="PAGE_SIZE_INVALID",
            field="size",
            status_code=400,
        )
    return int(raw)
