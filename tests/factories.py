"""Building blocks for tests across domains: entities, principals, a project with a lot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.db import Database
from ggzy.core.security import Grant, Principal, Role
from ggzy.entities import uscc
from ggzy.entities.models import Entity, User, UserRole
from ggzy.entities.trades import Trade
from ggzy.projects import service as projects
from ggzy.projects.models import LotBidder

_ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def org_code(n: int) -> str:
    """An 8-character organisation code valid in a USCC, distinct per ``n``."""
    digits = []
    for _ in range(4):
        n, r = divmod(n, len(_ORG_CHARS))
        digits.append(_ORG_CHARS[r])
    return "MA7" + "".join(reversed(digits)) + "0"


def entity(session: Session, *, n: int, kind: str, name: str, now: datetime, region: str = "6201") -> Entity:
    row = Entity(
        uscc=uscc.make("91", region.ljust(6, "0"), org_code(n)),
        name=name,
        kind=kind,
        region_code=region,
        legal_representative="张三",
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def principal(session: Session, *, username: str, role: Role, entity_id: int | None, now: datetime) -> Principal:
    user = User(
        username=username,
        display_name=username,
        password_hash="x",
        entity_id=entity_id,
        created_at=now,
        roles=[UserRole(role=role.value, granted_at=now)],
    )
    session.add(user)
    session.flush()
    return Principal(user.id, username, username, entity_id, grants=(Grant(role),))


@dataclass
class TenderWorld:
    owner: Principal
    other_owner: Principal
    center: Principal
    bidder_ids: list[int]
    project_id: int
    lot_id: int


def tender_world(
    session: Session,
    *,
    now: datetime,
    trade: Trade = Trade.construction,
    procedure: str = "open_tender",
    estimate: str = "10000000",
    bidders: int = 5,
) -> TenderWorld:
    owner_entity = entity(session, n=1, kind="tenderee", name="测试招标人", now=now)
    other_entity = entity(session, n=2, kind="tenderee", name="另一招标人", now=now)
    bidder_ids = [entity(session, n=10 + i, kind="bidder", name=f"投标人{i}", now=now).id for i in range(bidders)]
    owner = principal(session, username="owner", role=Role.owner_staff, entity_id=owner_entity.id, now=now)
    other = principal(session, username="other", role=Role.owner_staff, entity_id=other_entity.id, now=now)
    center = principal(session, username="center", role=Role.center_staff, entity_id=None, now=now)
    project = projects.create_project(
        session,
        actor=owner,
        name="测试道路工程",
        trade=trade,
        region_code="6201",
        owner_entity_id=None,
        fund_source="财政资金",
        state_funded=True,
        description="",
        now=now,
    )
    lot = projects.add_lot(
        session,
        actor=owner,
        project_id=project.id,
        code="01",
        name="施工",
        procedure=procedure,
        estimate=Decimal(estimate),
        max_price=None,
        category="works" if trade == Trade.construction else "goods",
        now=now,
    )
    return TenderWorld(owner, other, center, bidder_ids, project.id, lot.id)


OPENED_PRICES = [Decimal("9100000"), Decimal("9300000"), Decimal("9500000")]


# The committee that signs evaluated_world's report, as the evaluation domain passes it on.
COMMITTEE = [
    *({"name": name, "kind": "expert"} for name in ("赵评审", "钱评审", "孙评审", "李评审")),
    {"name": "周代表", "kind": "owner_representative"},
]


def evaluated_world(
    db: Database, clock: Clock, *, trade: Trade = Trade.construction, bidders: int = 5
) -> tuple[TenderWorld, list[int]]:
    """A lot opened with three bids (OPENED_PRICES) and evaluated, ranked in opening order; returns the world
    and the lot's bidder ids (LotBidder) in rank order. Each step in its own transaction."""
    with db.transaction() as s:
        w = tender_world(s, now=clock.now(), trade=trade, bidders=bidders)
    with db.transaction() as s:
        projects.record_opening(
            s,
            actor=w.center,
            lot_id=w.lot_id,
            bids=[projects.OpenedBid(b, p, {}) for b, p in zip(w.bidder_ids, OPENED_PRICES, strict=False)],
            now=clock.now(),
        )
    with db.transaction() as s:
        ranked = list(s.scalars(select(LotBidder.id).where(LotBidder.lot_id == w.lot_id).order_by(LotBidder.id)))
        projects.move_lot(s, lot_id=w.lot_id, action="start_evaluation", actor="system", now=clock.now())
        projects.move_lot(
            s,
            lot_id=w.lot_id,
            action="finish_evaluation",
            actor="system",
            now=clock.now(),
            candidates=[projects.Candidate(b, i + 1, Decimal(90 - i)) for i, b in enumerate(ranked)],
            committee=COMMITTEE,
        )
    return w, ranked
