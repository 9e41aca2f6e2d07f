"""Demo opening keys: the published demo lots get one so that visitors can seal and upload bids in the browser.

In a real ceremony each custodian keeps its own share (page /lots/{id}/opening-key, or ``ggzy shares split``);
here all of them are written to ``<data>/demo-shares/lot-<id>/`` so that one visitor can play every custodian
at the opening (escrow).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.bids.models import LotOpeningKey
from ggzy.bids.service import register_opening_key
from ggzy.core.security import Grant, Principal, Role
from ggzy.core.settings import Settings
from ggzy.entities.models import User
from ggzy.projects.demo import DEMO_PROJECT_NAMES
from ggzy.projects.models import Lot, Project
from ggzy.vault.threshold import generate_opening_key

DEMO_CUSTODIANS = ("交易中心", "行政监督部门", "公证机构")


def seed_opening_keys(session: Session, *, now: datetime, settings: Settings) -> list[str]:
    """Idempotent: a lot that has a key is left alone."""
    user = session.scalars(select(User).where(User.username == "center")).one()
    center = Principal(user.id, user.username, user.display_name, user.entity_id, grants=(Grant(Role.center_staff),))
    lots = session.scalars(
        select(Lot)
        .join(Project)
        .outerjoin(LotOpeningKey, LotOpeningKey.lot_id == Lot.id)
        .where(Lot.stage == "published", Project.name.in_(DEMO_PROJECT_NAMES), LotOpeningKey.lot_id.is_(None))
        .order_by(Lot.id)
    ).all()
    for lot in lots:
        public, shares = generate_opening_key(2, 3, DEMO_CUSTODIANS)
        register_opening_key(
            session,
            actor=center,
            lot_id=lot.id,
            public_key=public.raw.hex(),
            k=2,
            n=3,
            custodians=list(DEMO_CUSTODIANS),
            commitments_digest=shares[0].digest,
            now=now,
        )
        folder = settings.data_dir / "demo-shares" / f"lot-{lot.id}"
        folder.mkdir(parents=True, exist_ok=True)
        for share in shares:
            (folder / f"share-{share.index}.json").write_text(share.dumps(), encoding="utf-8")
    if not lots:
        return []
    return [
        f"演示开标密钥：{len(lots)} 个标段已登记（2/3 门限），三位保管人的分片保存在 "
        f"{settings.data_dir / 'demo-shares'}（仅演示如此；正式环境由各保管人各自保存）。"
    ]
