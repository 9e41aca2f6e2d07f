"""A lot ready for evaluation, built directly in the database: owner, bidders with opened bids, center staff,
a drawn committee whose members confirmed, and users for every role that may look at the evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from ggzy.core.security import hash_password
from ggzy.entities import uscc
from ggzy.entities.models import Entity, User, UserRole
from ggzy.experts.models import Committee, CommitteeMember, Expert
from ggzy.projects.models import Lot, LotBidder, Project

PASSWORD = "Test-password-2026"
_HASH = hash_password(PASSWORD)


@dataclass
class World:
    lot_id: int
    committee_id: int
    bidder_ids: list[int]  # LotBidder ids, in price order given
    member_ids: list[int]  # CommitteeMember ids
    member_users: list[str]  # usernames of the scoring members
    users: dict[str, int] = field(default_factory=dict)


def _user(session: Session, now: datetime, username: str, role: str, entity_id: int | None = None, **kw: str) -> int:
    user = User(
        username=username,
        display_name=f"用户{username}",
        password_hash=_HASH,
        entity_id=entity_id,
        created_at=now,
        roles=[UserRole(role=role, granted_at=now, **kw)],
    )
    session.add(user)
    session.flush()
    return user.id


def _entity(session: Session, now: datetime, name: str, kind: str, org: str) -> int:
    e = Entity(
        uscc=uscc.make("91", "620100", org),
        name=name,
        kind=kind,
        region_code="6201",
        legal_representative="张三",
        created_at=now,
    )
    session.add(e)
    session.flush()
    return e.id


def build(
    session: Session,
    *,
    now: datetime,
    prices: tuple[str, ...] = ("1000000", "950000", "1100000", "1200000"),
    members: int = 5,
    trade: str = "procurement",
    category: str = "goods",
    procedure: str = "open_tender",
    max_price: str | None = None,
    statuses: tuple[str, ...] | None = None,
    reserves: int = 0,
) -> World:
    owner = _entity(session, now, "兰州测试采购人", "tenderee", "MA71EW01")
    outsider_entity = _entity(session, now, "无关投标人有限公司", "bidder", "MA71EW99")
    project = Project(
        code="E" * 33,
        name="测试设备采购项目",
        trade=trade,
        owner_entity_id=owner,
        region_code="6201",
        created_at=now,
    )
    session.add(project)
    session.flush()
    lot = Lot(
        project_id=project.id,
        code="01",
        name="一包：服务器",
        procedure=procedure,
        estimate=Decimal("1500000"),
        max_price=Decimal(max_price) if max_price else None,
        category=category,
        stage="opened",
        created_at=now,
        updated_at=now,
    )
    session.add(lot)
    session.flush()
    bidder_ids = []
    users: dict[str, int] = {}
    for i, price in enumerate(prices):
        entity_id = _entity(session, now, f"投标人{i + 1}有限公司", "bidder", f"MA71EB{i:02d}")
        status = statuses[i] if statuses else "valid"
        b = LotBidder(
            lot_id=lot.id, entity_id=entity_id, price=Decimal(price), listed_items={}, status=status, opened_at=now
        )
        session.add(b)
        session.flush()
        bidder_ids.append(b.id)
        if i == 0:
            users["bidder"] = _user(session, now, "bidder1", "bidder_staff", entity_id)
    users["center"] = _user(session, now, "center", "center_staff")
    users["owner"] = _user(session, now, "owner", "owner_staff", owner)
    users["supervisor"] = _user(session, now, "sup", "supervisor", trade=trade)
    users["outsider"] = _user(session, now, "outsider", "bidder_staff", outsider_entity)
    users["other_expert"] = _user(session, now, "expert_x", "expert")
    committee = Committee(
        lot_id=lot.id,
        status="drawn",
        size=members,
        requirements=[],
        region_prefixes=["62"],
        evaluation_start=now,
        evaluation_end=now + timedelta(hours=8),
        venue="兰州评标室1",
        secret=b"\0" * 32,
        commitment="0" * 64,
        commitment_index=0,
        created_at=now,
    )
    session.add(committee)
    session.flush()
    member_ids = []
    member_users = []
    for i in range(members + reserves):
        reserve = i >= members
        name = f"reserve{i - members + 1}" if reserve else f"expert{i + 1}"
        uid = _user(session, now, name, "expert")
        users[name] = uid
        expert = Expert(
            user_id=uid,
            name=f"专家{i + 1}",
            id_number=f"62010219700101{i:04d}",
            birth_date=datetime(1970, 1, 1).date(),
            title="高级工程师",
            title_level="senior",
            years_of_practice=15,
            region_code="6201",
            status="approved",
            created_at=now,
        )
        session.add(expert)
        session.flush()
        m = CommitteeMember(
            committee_id=committee.id,
            expert_id=expert.id,
            kind="expert",
            status="standby" if reserve else "confirmed",
            is_reserve=reserve,
            position=i,
            created_at=now,
        )
        session.add(m)
        session.flush()
        if not reserve:
            member_ids.append(m.id)
            member_users.append(name)
    return World(
        lot_id=lot.id,
        committee_id=committee.id,
        bidder_ids=bidder_ids,
        member_ids=member_ids,
        member_users=member_users,
        users=users,
    )
