"""Demo credit data: one demo bidder barred from construction tendering (with a login, so its refused bid can
be tried in the browser) and one lifted procurement sanction for the public history."""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.security import Grant, Principal, Role, hash_password
from ggzy.core.settings import Settings
from ggzy.credit import service
from ggzy.credit.models import Sanction
from ggzy.entities.models import Entity, User, UserRole
from ggzy.ledger import service as ledger

BARRED_ENTITY = "庆阳市华池建筑安装有限公司（演示）"
BARRED_USER = "bidder4"
BARRED_DOCUMENT = "甘建罚字（演示）第001号"
LIFTED_ENTITY = "临夏州河州物业服务有限公司（演示）"
LIFTED_DOCUMENT = "甘财购罚字（演示）第007号"


def _password(path: Path) -> str:
    if path.exists():
        return str(json.loads(path.read_text(encoding="utf-8"))[BARRED_USER])
    made = "Demo-" + secrets.token_urlsafe(9) + "9"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump({BARRED_USER: made}, fh, ensure_ascii=False)
    return made


def _recorder(session: Session, username: str, role: Role, trade: str | None) -> Principal:
    user = session.scalars(select(User).where(User.username == username)).one()
    return Principal(user.id, user.username, user.display_name, None, grants=(Grant(role, trade=trade),))


def _barred_user(session: Session, *, entity: Entity, password: str, now: datetime) -> None:
    if session.scalar(select(User.id).where(User.username == BARRED_USER)) is not None:
        return
    user = User(
        username=BARRED_USER,
        display_name="华池建筑投标专员",
        password_hash=hash_password(password),
        entity_id=entity.id,
        is_entity_admin=True,
        created_at=now,
        roles=[UserRole(role=Role.bidder_staff.value, granted_at=now)],
    )
    session.add(user)
    session.flush()
    ledger.record(
        session,
        kind="role.granted",
        actor="system",
        subject=f"user:{user.id}",
        data={"role": Role.bidder_staff.value, "trade": None, "region_code": None, "demo": True},
        now=now,
    )


def seed_credit(session: Session, *, now: datetime, settings: Settings) -> list[str]:
    """Idempotent: a sanction already recorded under its document number is left alone."""
    names = {
        row.name: row for row in session.scalars(select(Entity).where(Entity.name.in_([BARRED_ENTITY, LIFTED_ENTITY])))
    }
    password = _password(settings.data_dir / "credit-demo-accounts.txt")
    barred = names[BARRED_ENTITY]
    _barred_user(session, entity=barred, password=password, now=now)
    today = service.local_day(now)
    exists = session.scalar(select(Sanction.id).where(Sanction.document_no == BARRED_DOCUMENT))
    if exists is None:
        start = today - timedelta(days=30)
        service.impose(
            session,
            actor=_recorder(session, "supervisor", Role.supervisor, "construction"),
            entity_id=barred.id,
            kind=service.SanctionKind.construction,
            scope_trades=None,
            valid_from=start,
            valid_until=service.add_years(start, 1) - timedelta(days=1),
            authority="甘肃省住房和城乡建设厅（演示）",
            document_no=BARRED_DOCUMENT,
            rule_key="construction.sanction_collusion_serious",
            reason="3年内2次以上串通投标（演示数据，纯属虚构）",
            now=now,
        )
    if session.scalar(select(Sanction.id).where(Sanction.document_no == LIFTED_DOCUMENT)) is None:
        center = _recorder(session, "center", Role.center_staff, None)
        lifted = service.impose(
            session,
            actor=center,
            entity_id=names[LIFTED_ENTITY].id,
            kind=service.SanctionKind.procurement,
            scope_trades=None,
            valid_from=today - timedelta(days=200),
            valid_until=service.add_years(today - timedelta(days=200), 1) - timedelta(days=1),
            authority="甘肃省财政厅（演示）",
            document_no=LIFTED_DOCUMENT,
            rule_key="procurement.sanction_supplier",
            reason="提供虚假材料谋取成交（演示数据，纯属虚构）",
            now=now,
        )
        service.lift(session, actor=center, sanction_id=lifted.id, reason="处罚决定经行政复议撤销（演示）", now=now)
    return [
        f"演示失信惩戒：{BARRED_ENTITY}被取消工程建设项目投标资格（{BARRED_DOCUMENT}），"
        f"以 {BARRED_USER} 登录投标将被拒绝（账号 {BARRED_USER} 密码 {password}）；名单见 /credit。"
    ]
