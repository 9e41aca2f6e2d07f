"""A small known set of published notices for portal and statistics tests, published through
``ggzy.notices.service.publish`` (the same signing and ledger path as every lot step)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ggzy.core.db import Database
from ggzy.entities.trades import Trade
from ggzy.notices.models import Notice
from ggzy.notices.service import NoticeDraft, publish
from ggzy.projects import service as projects
from ggzy.projects.models import Lot, Project
from tests.factories import TenderWorld, tender_world


def make_lot(
    s: Session, w: TenderWorld, *, name: str, trade: Trade, region: str, estimate: str, now: datetime
) -> tuple[Project, Lot]:
    project = projects.create_project(
        s,
        actor=w.owner,
        name=name,
        trade=trade,
        region_code=region,
        owner_entity_id=None,
        fund_source="财政资金",
        state_funded=True,
        description="",
        now=now,
    )
    lot = projects.add_lot(
        s,
        actor=w.owner,
        project_id=project.id,
        code="01",
        name="一标段",
        procedure="open_tender",
        estimate=Decimal(estimate),
        max_price=None,
        category="works" if trade == Trade.construction else "goods",
        now=now,
    )
    return project, lot


def pub(
    s: Session,
    *,
    kind: str,
    project: Project,
    lot: Lot | None,
    now: datetime,
    title: str,
    amount: str | None = None,
    fields: dict[str, Any] | None = None,
    related_id: int | None = None,
) -> Notice:
    return publish(
        s,
        kind=kind,
        draft=NoticeDraft(
            title=title,
            fields=fields or {},
            text=f"{title}。正文。",
            amount=Decimal(amount) if amount is not None else None,
            related_id=related_id,
        ),
        project=project,
        lot=lot,
        actor="system",
        now=now,
        event_kind="test.notice_published",
        event_data={"project_id": project.id},
    )


def _bids(n: int) -> list[dict[str, Any]]:
    return [{"bidder_name": f"投标人{i}", "price": str(800000 + i)} for i in range(n)]


@dataclass
class World:
    w: TenderWorld
    ids: dict[str, int] = field(default_factory=dict)
    projects: dict[str, int] = field(default_factory=dict)
    lots: dict[str, int] = field(default_factory=dict)


def build(db: Database, now: datetime) -> World:
    """Four published projects and one draft one:

    - road (construction, 城关区 620102, est. 1,000,000): tender → change → opening (3 bids) → result 900,000
    - bridge (construction, 嘉峪关 6202, est. 2,000,000): tender → opening (5 bids) → result 1,800,000, the result
      at 2026-09-01 00:30 Beijing (still August in UTC)
    - school (procurement, 城关区 620102, est. 500,000): tender → failure
    - clinic (procurement, 兰州 6201, est. 300,000): tender → termination
    - farm (land, 金昌 6203): a lot in draft, nothing published
    """
    with db.transaction() as s:
        world = World(w=tender_world(s, now=now))
    t = now - timedelta(days=40)
    with db.transaction() as s:
        specs = [
            ("road", "兰州城关道路改造工程", Trade.construction, "620102", "1000000"),
            ("bridge", "嘉峪关大桥维修工程", Trade.construction, "6202", "2000000"),
            ("school", "城关区学校设备采购", Trade.procurement, "620102", "500000"),
            ("clinic", "兰州社区医院设备采购", Trade.procurement, "6201", "300000"),
            ("farm", "金昌农用地出让", Trade.land, "6203", "700000"),
        ]
        made = {}
        for key, name, trade, region, est in specs:
            project, lot = make_lot(s, world.w, name=name, trade=trade, region=region, estimate=est, now=t)
            made[key] = (project, lot)
            world.projects[key] = project.id
            world.lots[key] = lot.id
    steps: list[tuple[str, str, str, datetime, str | None, dict[str, Any], str | None]] = [
        ("road.tender", "road", "tender", t + timedelta(days=1), "1000000", {"estimate": "1000000"}, None),
        ("road.change", "road", "change", t + timedelta(days=2), None, {"reason": "延期"}, "road.tender"),
        ("road.opening", "road", "opening", t + timedelta(days=21), None, {"bids": _bids(3)}, None),
        ("road.result", "road", "result", t + timedelta(days=30), "900000", {"price": "900000"}, None),
        ("bridge.tender", "bridge", "tender", t + timedelta(days=3), "2000000", {}, None),
        ("bridge.opening", "bridge", "opening", t + timedelta(days=22), None, {"bids": _bids(5)}, None),
        ("bridge.result", "bridge", "result", datetime.fromisoformat("2026-08-31T16:30:00+00:00"), "1800000", {}, None),
        ("school.tender", "school", "tender", t + timedelta(days=4), "500000", {}, None),
        ("school.failure", "school", "failure", t + timedelta(days=25), None, {"reason": "投标人不足三家"}, None),
        ("clinic.tender", "clinic", "tender", t + timedelta(days=5), "300000", {}, None),
        ("clinic.termination", "clinic", "termination", t + timedelta(days=26), None, {"reason": "资金未落实"}, None),
    ]
    for key, pkey, kind, at, amount, fields, related in steps:
        project, lot = made[pkey]
        with db.transaction() as s:
            p = s.get(Project, project.id)
            lt = s.get(Lot, lot.id)
            assert p is not None and lt is not None
            n = pub(
                s,
                kind=kind,
                project=p,
                lot=lt,
                now=at,
                title=f"{p.name}{kind}",
                amount=amount,
                fields=fields,
                related_id=world.ids[related] if related else None,
            )
            world.ids[key] = n.id
    return world
