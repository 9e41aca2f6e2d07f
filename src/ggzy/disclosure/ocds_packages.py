"""OCDS release and record packages by date range: page reads for the API, streaming writers for the export.

Date ranges are Asia/Shanghai calendar dates on ``published_at``, both inclusive. Releases come in ledger-index
order (publication order). A record in a range-limited package compiles the process's releases published up
to the end of the range, so the same range always yields the same package.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ggzy.core.errors import InvalidInput
from ggzy.disclosure.filters import shanghai_midnight
from ggzy.disclosure.ocds import EXTENSIONS, LICENSE, Context, build_record, build_release
from ggzy.ledger.service import format_instant
from ggzy.notices.models import Notice
from ggzy.projects.models import Project

VERSION = "1.1"
# Rows fetched per round trip when streaming; memory stays bounded by this, not by the package size.
STREAM_BATCH = 500


@dataclass(frozen=True)
class DateRange:
    date_from: date | None = None
    date_to: date | None = None

    def apply(self, stmt: Select[Any]) -> Select[Any]:
        if self.date_from is not None:
            stmt = stmt.where(Notice.published_at >= shanghai_midnight(self.date_from))
        if self.date_to is not None:
            stmt = stmt.where(Notice.published_at < self.end())
        return stmt

    def end(self) -> datetime | None:
        return shanghai_midnight(self.date_to + timedelta(days=1)) if self.date_to is not None else None


def _day(raw: str | None, name: str, label: str) -> date | None:
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{label}（{name}）格式应为 YYYY-MM-DD，例如 2026-05-01",
            code="OCDS_DATE_INVALID",
            field=name,
            status_code=400,
        ) from None


def parse_range(raw_from: str | None, raw_to: str | None, *, names: tuple[str, str] = ("from", "to")) -> DateRange:
    date_from = _day(raw_from, names[0], "开始日期")
    date_to = _day(raw_to, names[1], "结束日期")
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InvalidInput(
            f"开始日期（{names[0]}）不能晚于结束日期（{names[1]}）",
            code="OCDS_RANGE_INVALID",
            field=names[0],
            status_code=400,
        )
    return DateRange(date_from, date_to)


def package_meta(ctx: Context, *, uri: str, published: datetime) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": list(EXTENSIONS),
        "publishedDate": format_instant(published),
        "publisher": {"name": ctx.publisher_name, "uri": ctx.url("/")},
        "license": LICENSE,
        "publicationPolicy": ctx.url("/api/ocds/publication-policy"),
    }


# --- queries ----------------------------------------------------------------------------------------------


def releases_stmt(rng: DateRange, *, after: int = -1) -> Select[Any]:
    stmt = select(Notice).where(Notice.ledger_index > after).order_by(Notice.ledger_index)
    return rng.apply(stmt)


def release_page(session: Session, rng: DateRange, *, after: int, limit: int) -> tuple[list[Notice], bool]:
    rows: list[Notice] = list(session.scalars(releases_stmt(rng, after=after).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def project_ids_stmt(rng: DateRange, *, after: int = 0) -> Select[Any]:
    stmt = select(Notice.project_id).where(Notice.project_id > after).distinct().order_by(Notice.project_id)
    return rng.apply(stmt)


def process_notices(session: Session, project_id: int, *, until: datetime | None = None) -> list[Notice]:
    stmt = select(Notice).where(Notice.project_id == project_id).order_by(Notice.ledger_index)
    if until is not None:
        stmt = stmt.where(Notice.published_at < until)
    return list(session.scalars(stmt))


def record_page(ctx: Context, rng: DateRange, *, after: int, limit: int) -> tuple[list[dict[str, Any]], int, bool]:
    """Records of processes with a release in the range, by project id; (records, last project id, more)."""
    ids: list[int] = list(ctx.session.scalars(project_ids_stmt(rng, after=after).limit(limit + 1)))
    more = len(ids) > limit
    ids = ids[:limit]
    records = [_record(ctx, pid, rng.end()) for pid in ids]
    return records, (ids[-1] if ids else after), more


def _record(ctx: Context, project_id: int, until: datetime | None) -> dict[str, Any]:
    notices = process_notices(ctx.session, project_id, until=until)
    ocid = build_release(ctx, notices[0])["ocid"]
    return build_record(ctx, ocid, notices)


def ocid_project(session: Session, ocid_prefix: str, ocid: str) -> int | None:
    """The project an ocid names, if it is under our prefix and the project has published anything."""
    head = f"{ocid_prefix}-"
    if not ocid.startswith(head) or len(ocid) > 200:
        return None
    code = ocid[len(head) :]
    project_id = session.scalar(select(Project.id).where(Project.code == code))
    if project_id is None:
        return None
    published = session.scalar(select(Notice.id).where(Notice.project_id == project_id).limit(1))
    return project_id if published is not None else None


def record_for(ctx: Context, ocid: str) -> dict[str, Any] | None:
    project_id = ocid_project(ctx.session, ctx.ocid_prefix, ocid)
    if project_id is None:
        return None
    return _record(ctx, project_id, None)


def release_by_id(ctx: Context, release_id: str) -> dict[str, Any] | None:
    ocid, _, tail = release_id.rpartition("-")
    if not tail.isdigit() or len(tail) > 12:
        return None
    notice = ctx.session.get(Notice, int(tail))
    if notice is None:
        return None
    release = build_release(ctx, notice)
    return release if release["ocid"] == ocid else None


# --- streaming writers ------------------------------------------------------------------------------------


def stream_notices(session: Session, stmt: Select[Any]) -> Iterator[Notice]:
    """Rows one batch at a time (a server-side cursor on PostgreSQL), each dropped from the session once used."""
    notice: Notice
    for notice in session.scalars(stmt.execution_options(yield_per=STREAM_BATCH)):
        yield notice
        session.expunge(notice)


def _open_package(fp: IO[str], meta: dict[str, Any], key: str) -> None:
    head = json.dumps(meta, ensure_ascii=False, indent=None)
    fp.write(head[:-1] + f', "{key}": [')


def _write_items(fp: IO[str], items: Iterable[dict[str, Any]]) -> int:
    count = 0
    for obj in items:
        fp.write(("," if count else "") + "\n" + json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        count += 1
    fp.write("\n]}\n")
    return count


def write_release_package(fp: IO[str], ctx: Context, rng: DateRange, *, uri: str, published: datetime) -> int:
    """Write one release package with every release in the range, item by item; returns the count."""
    _open_package(fp, package_meta(ctx, uri=uri, published=published), "releases")
    notices = stream_notices(ctx.session, releases_stmt(rng))
    return _write_items(fp, (build_release(ctx, n) for n in notices))


def write_record_package(fp: IO[str], ctx: Context, rng: DateRange, *, uri: str, published: datetime) -> int:
    """Write one record package with a record per process that has a release in the range."""
    _open_package(fp, package_meta(ctx, uri=uri, published=published), "records")
    # Project ids first (small ints), then one process at a time: only one record is ever in memory.
    ids: list[int] = list(ctx.session.scalars(project_ids_stmt(rng)))
    end = rng.end()

    def records() -> Iterator[dict[str, Any]]:
        for pid in ids:
            record = _record(ctx, pid, end)
            ctx.session.expunge_all()
            yield record

    return _write_items(fp, records())
