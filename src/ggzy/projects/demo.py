"""Demo projects: a construction tender and a procurement tender whose lots are opened and ready for a
committee draw and evaluation, and one lot still in draft."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.clock import SHANGHAI
from ggzy.core.security import Grant, Principal, Role
from ggzy.core.settings import Settings
from ggzy.entities.models import Entity, User
from ggzy.entities.trades import Trade
from ggzy.projects import service
from ggzy.projects.models import Project

# (project name, trade, owner name, region, lots: (code, name, procedure, category, estimate, max price, bids))
Bid = tuple[str, str, str, str]  # bidder, price, days, project manager
LotRow = tuple[str, str, str, str, str, str | None, list[Bid]]
DEMO_PROJECTS: list[tuple[str, Trade, str, str, list[LotRow]]] = [
    (
        "兰州市城关区雁滩路道路改造工程（演示）",
        Trade.construction,
        "兰州市城市建设投资有限公司（演示）",
        "620102",
        [
            (
                "01",
                "道路及排水施工",
                "open_tender",
                "works",
                "28500000.00",
                "28000000.00",
                [
                    ("甘肃陇原建设集团有限公司（演示）", "26873500.00", "360", "张海涛"),
                    ("白银市金鼎路桥工程有限公司（演示）", "27150000.00", "365", "孙立军"),
                    ("张掖市祁连水利水电工程有限公司（演示）", "26420800.00", "350", "马文斌"),
                    ("庆阳市华池建筑安装有限公司（演示）", "27690000.00", "360", "杨春生"),
                    ("定西市安定区信息技术有限公司（演示）", "28150000.00", "370", "周国庆"),
                ],
            ),
            ("02", "交通设施及绿化", "open_tender", "works", "4600000.00", None, []),
        ],
    ),
    (
        "甘肃省人民医院医学影像设备采购项目（演示）",
        Trade.procurement,
        "甘肃省人民医院（演示）",
        "620102",
        [
            (
                "1",
                "64排螺旋CT",
                "open_tender",
                "goods",
                "12000000.00",
                None,
                [
                    ("甘肃敦煌医疗器械有限公司（演示）", "11380000.00", "90", "何丽娟"),
                    ("甘肃陇原建设集团有限公司（演示）", "11650000.00", "120", "王立新"),
                    ("临夏州河州物业服务有限公司（演示）", "11900000.00", "100", "马晓东"),
                    ("定西市安定区信息技术有限公司（演示）", "11720000.00", "95", "周国庆"),
                ],
            ),
        ],
    ),
]
# The hand-made demo tenders, apart from the generated public history (ggzy.disclosure.demo_data).
DEMO_PROJECT_NAMES = tuple(p[0] for p in DEMO_PROJECTS)


def demo_principal(session: Session, username: str, role: Role) -> Principal:
    """A demo account acting in one role (the seeds act through the same services as users)."""
    user = session.scalars(select(User).where(User.username == username)).one()
    return Principal(user.id, user.username, user.display_name, user.entity_id, grants=(Grant(role),))


def seed_projects(session: Session, *, now: datetime, settings: Settings) -> list[str]:
    """Idempotent: a project that exists (by name) is left alone."""
    del settings
    names = {row.name: row.id for row in session.execute(select(Entity.name, Entity.id))}
    agency = demo_principal(session, "agency", Role.owner_staff)
    center = demo_principal(session, "center", Role.center_staff)
    made = []
    for name, trade, owner_name, region, lots in DEMO_PROJECTS:
        if session.scalar(select(Project.id).where(Project.name == name)) is not None:
            continue
        project = service.create_project(
            session,
            actor=agency,
            name=name,
            trade=trade,
            region_code=region,
            owner_entity_id=names[owner_name],
            fund_source="财政资金",
            state_funded=True,
            description="演示项目：全部数据为虚构。",
            now=now,
        )
        for code, lot_name, procedure, category, estimate, max_price, bids in lots:
            lot = service.add_lot(
                session,
                actor=agency,
                project_id=project.id,
                code=code,
                name=lot_name,
                procedure=procedure,
                estimate=Decimal(estimate),
                max_price=Decimal(max_price) if max_price else None,
                category=category,
                now=now,
            )
            if not bids:
                # Published today: the scheduler opens it at the deadline without anyone's click.
                day = now.astimezone(SHANGHAI).date()
                service.publish_notice(
                    session,
                    actor=agency,
                    lot_id=lot.id,
                    documents_from=now,
                    documents_until=datetime.combine(day + timedelta(days=7), time(17, 0), SHANGHAI),
                    bid_deadline=datetime.combine(day + timedelta(days=25), time(9, 30), SHANGHAI),
                    bid_bond=(lot.estimate * Decimal("0.02")).quantize(Decimal("1")),
                    now=now,
                )
            if bids:
                unit = "日历天" if trade == Trade.construction else "天交货"
                service.record_opening(
                    session,
                    actor=center,
                    lot_id=lot.id,
                    bids=[
                        service.OpenedBid(
                            names[bidder], Decimal(price), {"工期": f"{days}{unit}", "项目负责人": manager}
                        )
                        for bidder, price, days, manager in bids
                    ],
                    now=now,
                )
        made.append(name)
    return [f"演示项目：新增 {len(made)} 个（{'、'.join(made)}）。"] if made else []
