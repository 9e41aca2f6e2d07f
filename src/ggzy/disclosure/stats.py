"""Transaction statistics, derived from published notices only (one source; nothing stored twice).

- a transaction is a result notice (中标结果公告); its amount is the award price;
- bidders per opened lot: the bids listed in opening notices (开标记录);
- savings rate: 1 − Σ award price / Σ estimate, over result notices (the estimate is in the signed document's lot);
- failed procedures: failure (流标) and termination (终止) notices.

Each figure is grouped by trade, prefecture (the first four digits of the region code) or month (Asia/Shanghai),
with the aggregation done by the database: a few GROUP BY queries, whatever the number of notices.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import ColumnElement, Numeric, case, cast, func, literal_column, select
from sqlalchemy.orm import Session

from ggzy.core.errors import InvalidInput
from ggzy.disclosure.filters import NoticeFilter, apply_filters, parse_filters
from ggzy.disclosure.queries import region_names
from ggzy.entities.trades import TRADE_LABELS_ZH
from ggzy.notices.models import Notice

Dimension = Literal["trade", "region", "month"]
DIMENSIONS: dict[str, str] = {"trade": "交易类型", "region": "地区（市州）", "month": "月份"}
_CENT = Decimal("0.01")


@dataclass
class Metrics:
    transactions: int = 0
    amount: Decimal = Decimal(0)
    opened_lots: int = 0
    bids: int = 0
    estimate_total: Decimal = Decimal(0)
    award_total: Decimal = Decimal(0)
    failed: int = 0
    terminated: int = 0

    @property
    def avg_bidders(self) -> Decimal | None:
        return (Decimal(self.bids) / self.opened_lots).quantize(_CENT) if self.opened_lots else None

    @property
    def savings_rate(self) -> Decimal | None:
        """Percent saved against the estimate, e.g. Decimal('8.50') for 8.5 %."""
        if not self.estimate_total:
            return None
        return ((self.estimate_total - self.award_total) * 100 / self.estimate_total).quantize(_CENT)

    def add(self, other: Metrics) -> None:
        self.transactions += other.transactions
        self.amount += other.amount
        self.opened_lots += other.opened_lots
        self.bids += other.bids
        self.estimate_total += other.estimate_total
        self.award_total += other.award_total
        self.failed += other.failed
        self.terminated += other.terminated

    def out(self) -> dict[str, Any]:
        def money(v: Decimal) -> str:
            return format(v.quantize(_CENT), "f")

        return {
            "transactions": self.transactions,
            "amount": money(self.amount),
            "opened_lots": self.opened_lots,
            "bids": self.bids,
            "avg_bidders": format(self.avg_bidders, "f") if self.avg_bidders is not None else None,
            "estimate_total": money(self.estimate_total),
            "award_total": money(self.award_total),
            "savings_rate": format(self.savings_rate, "f") if self.savings_rate is not None else None,
            "failed": self.failed,
            "terminated": self.terminated,
        }


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    metrics: Metrics


@dataclass(frozen=True)
class Statistics:
    filter: NoticeFilter
    total: Metrics
    by: dict[str, list[Row]]


def parse_stats_filters(params: Mapping[str, str]) -> NoticeFilter:
    """Trade, region and date range; a kind or amount filter would change what the figures mean, so refused."""
    f = parse_filters(params)
    for name, value in (("kind", f.kind), ("amount_min", f.amount_min), ("amount_max", f.amount_max)):
        if value is not None:
            raise InvalidInput(
                f"统计不支持按 {name} 筛选；可用：trade、region、date_from、date_to",
                code="FILTER_UNKNOWN",
                field=name,
                status_code=400,
            )
    return f


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _dim(session: Session, dim: str) -> ColumnElement[Any]:
    if dim == "trade":
        return Notice.trade.expression
    if dim == "region":
        return func.substr(Notice.region_code, 1, 4)
    if _dialect(session) == "postgresql":
        return func.to_char(func.timezone("Asia/Shanghai", Notice.published_at), "YYYY-MM")
    # SQLite keeps naive UTC text; Shanghai has had no daylight saving time since 1991.
    return func.strftime("%Y-%m", Notice.published_at, "+8 hours")


def _json(session: Session, path: tuple[str, ...], *, array_length: bool = False) -> ColumnElement[Any]:
    """A value inside the signed document, read by the database's own JSON functions."""
    if _dialect(session) == "postgresql":
        expr = "(notices.document::json)" + "".join(f"->'{p}'" for p in path[:-1])
        expr += f"->'{path[-1]}'" if array_length else f"->>'{path[-1]}'"
        return func.json_array_length(literal_column(expr)) if array_length else literal_column(expr)
    json_path = "$." + ".".join(path)
    if array_length:
        return func.json_array_length(Notice.document, json_path)
    return func.json_extract(Notice.document, json_path)


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(_CENT)


Key = tuple[str, str, str]  # (trade, prefecture, month)


def _grouped(session: Session, f: NoticeFilter) -> dict[Key, Metrics]:
    """Every metric per (trade, prefecture, month): four GROUP BY queries, one per kind of notice read; the
    per-dimension figures are roll-ups of these cells (a few thousand at most: 6 trades × prefectures × months)."""
    keys = [_dim(session, d).label(f"k_{d}") for d in DIMENSIONS]
    out: dict[Key, Metrics] = {}

    def metrics(row: Any) -> Metrics:
        return out.setdefault((str(row[0]), str(row[1]), str(row[2])), Metrics())

    estimate = cast(_json(session, ("lot", "estimate")), Numeric(18, 2))
    award_if_estimated = case((estimate.is_not(None), Notice.amount))
    results = select(
        *keys, func.count(), func.sum(Notice.amount), func.sum(estimate), func.sum(award_if_estimated)
    ).where(Notice.kind == "result")
    for row in session.execute(apply_filters(results, f).group_by(*keys)):
        m = metrics(row)
        m.transactions, m.amount = int(row[3]), _money(row[4])
        m.estimate_total, m.award_total = _money(row[5]), _money(row[6])
    bids = _json(session, ("fields", "bids"), array_length=True)
    openings = select(*keys, func.count(), func.sum(func.coalesce(bids, 0))).where(Notice.kind == "opening")
    for row in session.execute(apply_filters(openings, f).group_by(*keys)):
        m = metrics(row)
        m.opened_lots, m.bids = int(row[3]), int(row[4] or 0)
    ended = select(*keys, Notice.kind, func.count()).where(Notice.kind.in_(("failure", "termination")))
    for row in session.execute(apply_filters(ended, f).group_by(*keys, Notice.kind)):
        m = metrics(row)
        if row[3] == "failure":
            m.failed = int(row[4])
        else:
            m.terminated = int(row[4])
    return out


def statistics(session: Session, f: NoticeFilter) -> Statistics:
    cells = _grouped(session, f)
    total = Metrics()
    rolled: dict[str, dict[str, Metrics]] = {dim: {} for dim in DIMENSIONS}
    for key, m in cells.items():
        total.add(m)
        for dim, k in zip(DIMENSIONS, key, strict=True):
            rolled[dim].setdefault(k, Metrics()).add(m)
    by: dict[str, list[Row]] = {}
    for dim, grouped in rolled.items():
        if dim == "trade":
            labels = {k: TRADE_LABELS_ZH.get(k, k) for k in grouped}
            order = [t for t in TRADE_LABELS_ZH if t in grouped] + sorted(set(grouped) - set(TRADE_LABELS_ZH))
        elif dim == "region":
            labels = region_names(session, set(grouped))
            order = sorted(grouped)
        else:
            labels = {k: k for k in grouped}
            order = sorted(grouped)
        by[dim] = [Row(key=k, label=labels.get(k, k), metrics=grouped[k]) for k in order]
    return Statistics(filter=f, total=total, by=by)


def statistics_out(stats: Statistics) -> dict[str, Any]:
    return {
        "filter": stats.filter.params(),
        "total": stats.total.out(),
        **{dim: [{"key": r.key, "label": r.label, **r.metrics.out()} for r in rows] for dim, rows in stats.by.items()},
    }


CSV_COLUMNS: dict[str, str] = {
    "transactions": "成交数",
    "amount": "成交金额（元）",
    "opened_lots": "开标标段数",
    "bids": "投标数",
    "avg_bidders": "平均投标人数",
    "estimate_total": "估算价合计（元）",
    "award_total": "中标价合计（元）",
    "savings_rate": "节资率（%）",
    "failed": "流标数",
    "terminated": "终止数",
}


def to_csv(stats: Statistics, dim: str) -> str:
    """One dimension as CSV with Chinese headers; a BOM so that spreadsheet programs read it as UTF-8."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["代码", DIMENSIONS[dim], *CSV_COLUMNS.values()])
    for row in stats.by[dim]:
        values = row.metrics.out()
        writer.writerow([row.key, row.label, *("" if values[c] is None else values[c] for c in CSV_COLUMNS)])
    total = stats.total.out()
    writer.writerow(["", "合计", *("" if total[c] is None else total[c] for c in CSV_COLUMNS)])
    return "\ufeff" + buf.getvalue()
