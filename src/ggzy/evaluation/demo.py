"""Demo scoring schemes: a comprehensive scheme on every demo lot that has none yet."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.security import Grant, Principal, Role
from ggzy.core.settings import Settings
from ggzy.entities.models import User
from ggzy.evaluation import service
from ggzy.evaluation.models import ScoringScheme
from ggzy.projects.demo import DEMO_PROJECT_NAMES
from ggzy.projects.models import Lot, Project

# Price weight by lot category (goods ≥ 30, services ≥ 10 under 87号令55; works: a common local practice).
PRICE_WEIGHTS = {"goods": Decimal("30"), "services": Decimal("30"), "works": Decimal("60")}


def _criteria(price_weight: Decimal) -> list[service.CriterionIn]:
    rest = Decimal(100) - price_weight
    technical = (rest * Decimal("0.5")).quantize(Decimal("0.01"))
    record = (rest * Decimal("0.3")).quantize(Decimal("0.01"))
    service_score = rest - technical - record
    return [
        service.CriterionIn(code="T1", name="技术方案", kind="subjective", max_score=technical),
        service.CriterionIn(code="T2", name="类似项目业绩", kind="objective", max_score=record),
        service.CriterionIn(code="T3", name="售后服务与质量保证", kind="subjective", max_score=service_score),
    ]


def seed_evaluation(session: Session, *, now: datetime, settings: Settings) -> list[str]:
    """Idempotent: lots that already have a scheme are left alone."""
    del settings
    center_user = session.scalars(select(User).where(User.username == "center")).first()
    if center_user is None:
        return []
    center = Principal(
        center_user.id, center_user.username, center_user.display_name, None, grants=(Grant(Role.center_staff),)
    )
    lots = session.scalars(
        select(Lot)
        .join(Project, Project.id == Lot.project_id)
        .where(Project.name.in_(DEMO_PROJECT_NAMES), Lot.id.not_in(select(ScoringScheme.lot_id)))
        .order_by(Lot.id)
    ).all()
    for lot in lots:
        weight = PRICE_WEIGHTS.get(lot.category, Decimal("30"))
        service.set_scheme(
            session,
            actor=center,
            lot_id=lot.id,
            method="comprehensive",
            price_weight=weight,
            criteria=_criteria(weight),
            now=now,
        )
    if not lots:
        return []
    return [f"演示评标办法：为 {len(lots)} 个标段设置了综合评分法（价格分按法定最低比重以上）。"]
