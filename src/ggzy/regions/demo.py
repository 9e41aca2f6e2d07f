"""Demo trading centers of Gansu: the province center, 14 prefecture centers, 兰州新区, county branches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.ledger import service as ledger
from ggzy.regions.models import Center, Region, Venue

PROVINCE = "62"
NEW_AREA = "620171"


def _venues(level: str) -> list[tuple[str, str, int]]:
    rooms = [("第一开标室", "opening_room", 60), ("第一评标室", "evaluation_room", 12)]
    if level in ("province", "prefecture"):
        rooms += [("第二评标室", "evaluation_room", 12), ("远程异地评标室（副场）", "remote_evaluation_site", 9)]
    return rooms


def _add_center(
    session: Session, *, name: str, region: str, level: str, parent: Center | None, address: str, now: datetime
) -> tuple[Center, bool]:
    existing = session.scalar(select(Center).where(Center.name == name))
    if existing is not None:
        return existing, False
    center = Center(
        name=name,
        region_code=region,
        level=level,
        parent_id=parent.id if parent else None,
        address=address,
        phone="0931-0000000（演示）",
    )
    session.add(center)
    session.flush()
    for room, kind, capacity in _venues(level):
        session.add(Venue(center_id=center.id, name=room, kind=kind, capacity=capacity))
    ledger.record(
        session,
        kind="center.created",
        actor="system",
        subject=f"center:{center.id}",
        data={
            "name": name,
            "region_code": region,
            "level": level,
            "parent_id": parent.id if parent else None,
            "demo": True,
        },
        now=now,
    )
    return center, True


def seed_centers(session: Session, *, now: datetime) -> int:
    """Idempotent; returns how many centers it added."""
    added = 0
    province = session.get(Region, PROVINCE)
    if province is None:
        raise LookupError("regions not loaded: run load_regions first")
    root, new = _add_center(
        session,
        name="甘肃省公共资源交易中心",
        region=PROVINCE,
        level="province",
        parent=None,
        address="甘肃省兰州市城关区（演示地址）",
        now=now,
    )
    added += new
    prefectures = session.scalars(
        select(Region).where(Region.parent_code == PROVINCE, Region.level == "prefecture").order_by(Region.code)
    ).all()
    for pref in prefectures:
        center, new = _add_center(
            session,
            name=f"{pref.name}公共资源交易中心",
            region=pref.code,
            level="prefecture",
            parent=root,
            address=f"甘肃省{pref.name}（演示地址）",
            now=now,
        )
        added += new
        counties = session.scalars(select(Region).where(Region.parent_code == pref.code).order_by(Region.code)).all()
        for county in counties:
            if county.code == NEW_AREA:
                _, new = _add_center(
                    session,
                    name="兰州新区公共资源交易中心",
                    region=NEW_AREA,
                    level="prefecture",
                    parent=root,
                    address="甘肃省兰州新区（演示地址）",
                    now=now,
                )
                added += new
            elif county.name.endswith(("县", "市")) and county.name != pref.name:
                # County seats keep a branch of the prefecture's center (seed 000 §四(一)); districts do not.
                _, new = _add_center(
                    session,
                    name=f"{pref.name}公共资源交易中心{county.name}分中心",
                    region=county.code,
                    level="branch",
                    parent=center,
                    address=f"甘肃省{pref.name}{county.name}（演示地址）",
                    now=now,
                )
                added += new
    return added
