"""Builders for expert tests: a lot with its parties, staff users, approved experts (bulk-capable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.orm import Session
from stdnum.cn import ric

from ggzy.core.security import Grant, Principal, Role, hash_password
from ggzy.entities import uscc
from ggzy.entities.models import Entity, User, UserRole
from ggzy.experts.models import Expert, ExpertEmployment, ExpertSpecialty
from ggzy.experts.service import ensure_classification
from ggzy.projects.models import Lot, LotBidder, Project

PASSWORD = "Test-password-2026"
_HASH: list[str] = []


def id_number(n: int, birth: date = date(1975, 1, 1)) -> str:
    body = f"620102{birth:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def company_uscc(n: int) -> str:
    return uscc.make("91", "620100", f"MA{n:06d}")


def principal(user_id: int, role: Role, entity_id: int | None = None) -> Principal:
    return Principal(
        user_id=user_id,
        username=f"u{user_id}",
        display_name=f"用户{user_id}",
        entity_id=entity_id,
        grants=(Grant(role),),
    )


def make_user(session: Session, username: str, role: Role, *, entity_id: int | None, now: datetime) -> int:
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    user = User(
        username=username,
        display_name=username,
        password_hash=_HASH[0],
        entity_id=entity_id,
        created_at=now,
        roles=[UserRole(role=role.value, granted_at=now)],
    )
    session.add(user)
    session.flush()
    return user.id


def make_entity(session: Session, n: int, kind: str, name: str, now: datetime) -> Entity:
    entity = Entity(
        uscc=company_uscc(n), name=name, kind=kind, region_code="6201", legal_representative="法人", created_at=now
    )
    session.add(entity)
    session.flush()
    return entity


@dataclass
class World:
    lot_id: int
    owner_entity_id: int
    bidder_entity_ids: list[int]
    owner_uscc: str
    bidder_usccs: list[str]
    center: Principal
    owner: Principal
    bidder: Principal
    supervisor: Principal
    owner_user_id: int


def make_world(
    session: Session,
    now: datetime,
    *,
    trade: str = "construction",
    procedure: str = "open_tender",
    estimate: str = "5000000",
) -> World:
    ensure_classification(session, now=now)
    owner = make_entity(session, 1, "tenderee", "测试招标人", now)
    bidders = [make_entity(session, 10 + i, "bidder", f"测试投标人{i}", now) for i in range(2)]
    project = Project(
        code="P-TEST-1",
        name="测试项目",
        trade=trade,
        owner_entity_id=owner.id,
        agency_entity_id=None,
        region_code="6201",
        created_at=now,
    )
    session.add(project)
    session.flush()
    lot = Lot(
        project_id=project.id,
        code="01",
        name="一标段",
        procedure=procedure,
        estimate=Decimal(estimate),
        stage="opened",
        created_at=now,
        updated_at=now,
    )
    session.add(lot)
    session.flush()
    for b in bidders:
        session.add(LotBidder(lot_id=lot.id, entity_id=b.id, price=Decimal("1000000"), listed_items={}, opened_at=now))
    center_id = make_user(session, "center1", Role.center_staff, entity_id=None, now=now)
    owner_id = make_user(session, "owner1", Role.owner_staff, entity_id=owner.id, now=now)
    bidder_id = make_user(session, "bidder1", Role.bidder_staff, entity_id=bidders[0].id, now=now)
    sup_id = make_user(session, "super1", Role.supervisor, entity_id=None, now=now)
    session.flush()
    return World(
        lot_id=lot.id,
        owner_entity_id=owner.id,
        bidder_entity_ids=[b.id for b in bidders],
        owner_uscc=owner.uscc,
        bidder_usccs=[b.uscc for b in bidders],
        center=principal(center_id, Role.center_staff),
        owner=principal(owner_id, Role.owner_staff, owner.id),
        bidder=principal(bidder_id, Role.bidder_staff, bidders[0].id),
        supervisor=principal(sup_id, Role.supervisor),
        owner_user_id=owner_id,
    )


def bulk_experts(
    session: Session,
    n: int,
    *,
    now: datetime,
    start: int = 1,
    specialties: tuple[str, ...] = ("A080101", "A060101", "A050101"),
    employers: int = 500,
    region: str = "620102",
    user_ids: dict[int, int] | None = None,
) -> list[int]:
    """``n`` approved experts, fast (bulk inserts); expert k has specialty k % len and employer k % employers."""
    rows = []
    for k in range(start, start + n):
        rows.append(
            {
                "user_id": (user_ids or {}).get(k),
                "name": f"测评{k:05d}号",
                "id_number": f"X{k:017d}",
                "birth_date": date(1970 + k % 25, 1 + k % 12, 1 + k % 28),
                "phone": "",
                "email": f"e{k}@example.cn",
                "title": "高级工程师",
                "title_level": "senior",
                "years_of_practice": 10 + k % 20,
                "region_code": region,
                "employer_name": f"测试单位{k % employers:04d}号",
                "employer_uscc": company_uscc(1000 + k % employers),
                "status": "approved",
                "review_note": "",
                "created_at": now,
            }
        )
    ids = list(session.scalars(insert(Expert).returning(Expert.id, sort_by_parameter_order=True), rows))
    by_k = dict(zip(range(start, start + n), ids, strict=True))
    session.execute(
        insert(ExpertSpecialty),
        [{"expert_id": by_k[k], "code": specialties[k % len(specialties)], "rank": 1} for k in by_k],
    )
    session.execute(
        insert(ExpertEmployment),
        [
            {
                "expert_id": by_k[k],
                "employer_name": f"测试单位{k % employers:04d}号",
                "employer_uscc": company_uscc(1000 + k % employers),
                "start_date": date(2010, 1, 1),
                "end_date": None,
            }
            for k in by_k
        ],
    )
    session.flush()
    return ids


def evaluation_times(now: datetime, days: int = 5) -> tuple[datetime, datetime]:
    start = now + timedelta(days=days)
    return start, start + timedelta(hours=4)
