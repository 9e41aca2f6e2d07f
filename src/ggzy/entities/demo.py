"""Demo entities of Gansu and one user per role. Passwords are random, made on first seed, kept in the
data folder (never in the repo) and printed on every run."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.security import ROLE_LABELS_ZH, Role, hash_password
from ggzy.core.settings import Settings
from ggzy.entities import uscc
from ggzy.entities.models import Entity, User, UserRole
from ggzy.entities.service import ROLE_FOR_KIND
from ggzy.entities.trades import EntityKind
from ggzy.ledger import service as ledger


@dataclass(frozen=True)
class DemoAccount:
    role_label: str
    username: str
    password: str


# (name, kind, region, organisation base, legal representative)
DEMO_ENTITIES = [
    ("兰州市城市建设投资有限公司（演示）", EntityKind.tenderee, "6201", "MA71CJT0", "王建国"),
    ("甘肃省人民医院（演示）", EntityKind.tenderee, "620102", "43800012", "李明华"),
    ("天水市交通运输局（演示）", EntityKind.tenderee, "6205", "01392751", "赵志强"),
    ("甘肃公信招标代理有限公司（演示）", EntityKind.agency, "620103", "MA72DL01", "陈晓燕"),
    ("酒泉市诚达工程咨询有限公司（演示）", EntityKind.agency, "6209", "MA74GC02", "刘振东"),
    ("甘肃陇原建设集团有限公司（演示）", EntityKind.bidder, "6201", "MA71JK03", "张海涛"),
    ("白银市金鼎路桥工程有限公司（演示）", EntityKind.bidder, "6204", "MA73LQ04", "孙立军"),
    ("张掖市祁连水利水电工程有限公司（演示）", EntityKind.bidder, "6207", "MA75HL05", "马文斌"),
    ("庆阳市华池建筑安装有限公司（演示）", EntityKind.bidder, "6210", "MA76JA06", "杨春生"),
    ("甘肃敦煌医疗器械有限公司（演示）", EntityKind.bidder, "620982", "MA77YL07", "何丽娟"),
    ("定西市安定区信息技术有限公司（演示）", EntityKind.bidder, "621102", "MA78XX08", "周国庆"),
    ("临夏州河州物业服务有限公司（演示）", EntityKind.bidder, "622901", "MA79WY09", "马哈三"),
]

# username → (role, entity index or None, display name, supervisor scope)
DEMO_USERS: list[tuple[str, Role, int | None, str, tuple[str | None, str | None]]] = [
    ("admin", Role.platform_admin, None, "平台管理员", (None, None)),
    ("center", Role.center_staff, None, "省中心工作人员", (None, None)),
    ("owner", Role.owner_staff, 0, "城投公司招标专员", (None, None)),
    ("agency", Role.owner_staff, 3, "代理机构项目经理", (None, None)),
    ("bidder1", Role.bidder_staff, 5, "陇原建设投标专员", (None, None)),
    ("bidder2", Role.bidder_staff, 6, "金鼎路桥投标专员", (None, None)),
    ("bidder3", Role.bidder_staff, 7, "祁连水利投标专员", (None, None)),
    ("expert", Role.expert, None, "评标专家（演示）", (None, None)),
    ("supervisor", Role.supervisor, None, "住建厅监督员（演示）", ("construction", "62")),
]


def _passwords(path: Path) -> dict[str, str]:
    if path.exists():
        return dict(json.loads(path.read_text(encoding="utf-8")))
    made = {u[0]: "Demo-" + secrets.token_urlsafe(9) + "9" for u in DEMO_USERS}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(made, fh, ensure_ascii=False, indent=1)
    return made


def seed_entities(session: Session, *, now: datetime, settings: Settings) -> list[DemoAccount]:
    """Idempotent: entities and users that exist are left alone."""
    passwords = _passwords(settings.data_dir / "demo-accounts.txt")
    entity_ids: list[int] = []
    for name, kind, region, org, legal in DEMO_ENTITIES:
        code = uscc.make("91", region.ljust(6, "0"), org)
        existing = session.scalar(select(Entity).where(Entity.uscc == code))
        if existing is None:
            existing = Entity(
                uscc=code,
                name=name,
                kind=kind.value,
                region_code=region,
                legal_representative=legal,
                contact_name=legal,
                contact_phone="0931-0000000",
                address="甘肃省（演示地址）",
                created_at=now,
            )
            session.add(existing)
            session.flush()
            ledger.record(
                session,
                kind="entity.registered",
                actor="system",
                subject=f"entity:{existing.id}",
                data={"uscc": code, "name": name, "kind": kind.value, "region_code": region, "demo": True},
                now=now,
            )
        entity_ids.append(existing.id)
    accounts = []
    for username, role, entity_index, display, (trade, region_code) in DEMO_USERS:
        password = passwords[username]
        if session.scalar(select(User.id).where(User.username == username)) is None:
            entity_id = entity_ids[entity_index] if entity_index is not None else None
            if entity_index is not None:
                assert ROLE_FOR_KIND[DEMO_ENTITIES[entity_index][1]] == role
            user = User(
                username=username,
                display_name=display,
                password_hash=hash_password(password),
                entity_id=entity_id,
                is_entity_admin=entity_id is not None,
                created_at=now,
                roles=[UserRole(role=role.value, trade=trade, region_code=region_code, granted_at=now)],
            )
            session.add(user)
            session.flush()
            ledger.record(
                session,
                kind="role.granted",
                actor="system",
                subject=f"user:{user.id}",
                data={"role": role.value, "trade": trade, "region_code": region_code, "demo": True},
                now=now,
            )
        accounts.append(DemoAccount(ROLE_LABELS_ZH[role], username, password))
    return accounts
