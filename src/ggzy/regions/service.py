"""Loading China's administrative divisions from the data shipped with the package."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from importlib import resources

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ggzy.core.errors import Conflict, InvalidInput
from ggzy.core.security import Principal
from ggzy.ledger import service as ledger
from ggzy.regions import queries
from ggzy.regions.models import Region, Venue


def _rows(name: str) -> Iterator[dict[str, str]]:
    with resources.files("ggzy.regions").joinpath("data", name).open(encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def iter_region_records() -> Iterator[dict[str, object]]:
    """Provinces, prefectures and counties as Region column values, parents before children."""
    for row in _rows("provinces.csv"):
        yield {
            "code": row["code"],
            "name": row["name"],
            "level": "province",
            "parent_code": None,
            "province_code": row["code"],
            "is_functional_zone": False,
        }
    for row in _rows("cities.csv"):
        yield {
            "code": row["code"],
            "name": row["name"],
            "level": "prefecture",
            "parent_code": row["provinceCode"],
            "province_code": row["provinceCode"],
            "is_functional_zone": False,
        }
    for row in _rows("areas.csv"):
        # 5th-6th digits 7x mark functional zones such as 兰州新区 (620171).
        yield {
            "code": row["code"],
            "name": row["name"],
            "level": "county",
            "parent_code": row["cityCode"],
            "province_code": row["provinceCode"],
            "is_functional_zone": row["code"][4] == "7",
        }


def load_regions(session: Session) -> int:
    """Insert every region not yet present; returns how many were added. Safe to run again."""
    existing = set(session.scalars(select(Region.code)))
    new = [r for r in iter_region_records() if r["code"] not in existing]
    if new:
        session.execute(insert(Region), new)
    return len(new)


def region_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Region)) or 0)


def create_venue(
    session: Session, *, actor: Principal, center_id: int, name: str, kind: str, capacity: int, now: datetime
) -> Venue:
    """Add a room to a center (center staff, platform admin)."""
    center = queries.get_center(session, center_id)
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("场所名称应为1-100个字符", code="INVALID_INPUT", field="name")
    if kind not in queries.VENUE_KINDS:
        raise InvalidInput("场所类型应为开标室、评标室或远程异地评标场所", code="VENUE_KIND_INVALID", field="kind")
    if not 0 <= capacity <= 10000:
        raise InvalidInput("容纳人数应在0-10000之间", code="INVALID_INPUT", field="capacity")
    if session.scalar(select(Venue.id).where(Venue.center_id == center_id, Venue.name == name)) is not None:
        raise Conflict(f"{center.name}已有名为“{name}”的场所", code="VENUE_DUPLICATE_NAME", field="name")
    venue = Venue(center_id=center_id, name=name, kind=kind, capacity=capacity)
    session.add(venue)
    session.flush()
    ledger.record(
        session,
        kind="venue.created",
        actor=f"user:{actor.user_id}",
        subject=f"venue:{venue.id}",
        data={"center_id": center_id, "name": name, "kind": kind, "capacity": capacity},
        now=now,
    )
    return venue
