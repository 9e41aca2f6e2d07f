"""Use cases of entities and users: register once, add users, grant roles, change passwords."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ggzy.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from ggzy.core.security import Principal, Role, hash_password, verify_password
from ggzy.entities import uscc as uscc_codes
from ggzy.entities.models import ApiToken, Entity, User, UserRole
from ggzy.entities.trades import EntityKind
from ggzy.ledger import service as ledger
from ggzy.regions.models import Region

ROLE_FOR_KIND = {
    EntityKind.tenderee: Role.owner_staff,
    EntityKind.agency: Role.owner_staff,
    EntityKind.bidder: Role.bidder_staff,
}
# Roles only the platform admin grants; entity admins never can.
PLATFORM_ROLES = {Role.platform_admin, Role.center_staff, Role.supervisor, Role.expert}


def check_password(password: str, *, field: str = "password") -> None:
    if len(password) < 10 or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        raise InvalidInput("密码至少10位，并同时包含字母和数字", code="USER_PASSWORD_WEAK", field=field)


def _check_region(session: Session, code: str, *, field: str = "region_code") -> Region:
    region = session.get(Region, code)
    if region is None:
        raise InvalidInput(f"行政区划代码 {code} 不存在", code="REGION_UNKNOWN", field=field)
    return region


def _check_username_free(session: Session, username: str, *, field: str) -> None:
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已被使用，请换一个", code="USER_USERNAME_TAKEN", field=field)


def _new_user(
    *,
    username: str,
    display_name: str,
    password: str,
    entity_id: int | None,
    admin: bool,
    roles: list[Role],
    now: datetime,
) -> User:
    return User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        entity_id=entity_id,
        is_entity_admin=admin,
        created_at=now,
        roles=[UserRole(role=r.value, granted_at=now) for r in roles],
    )


def register_entity(
    session: Session,
    *,
    uscc: str,
    name: str,
    kind: EntityKind,
    region_code: str,
    legal_representative: str,
    contact_name: str,
    contact_phone: str,
    address: str,
    admin_username: str,
    admin_display_name: str,
    admin_password: str,
    now: datetime,
) -> tuple[Entity, User]:
    """Register an entity once for the whole province, with its first user as its administrator."""
    try:
        code = uscc_codes.parse(uscc).code
    except uscc_codes.UsccError as exc:
        raise InvalidInput(exc.message_zh, code="ENTITY_USCC_INVALID", field="uscc") from exc
    if contact_phone and not re.fullmatch(r"[0-9+\-() ]{7,20}", contact_phone):
        raise InvalidInput("联系电话格式不正确", code="INVALID_INPUT", field="contact_phone")
    _check_region(session, region_code)
    check_password(admin_password, field="admin.password")
    duplicate = session.scalar(select(Entity.id).where(Entity.uscc == code))
    if duplicate is not None:
        raise _duplicate(code)
    _check_username_free(session, admin_username, field="admin.username")
    entity = Entity(
        uscc=code,
        name=name,
        kind=kind.value,
        region_code=region_code,
        legal_representative=legal_representative,
        contact_name=contact_name,
        contact_phone=contact_phone,
        address=address,
        created_at=now,
    )
    try:
        # A concurrent registration of the same code passed the check above too; the unique index decides.
        with session.begin_nested():
            session.add(entity)
            session.flush()
    except IntegrityError as exc:
        raise _duplicate(code) from exc
    admin = _new_user(
        username=admin_username,
        display_name=admin_display_name,
        password=admin_password,
        entity_id=entity.id,
        admin=True,
        roles=[ROLE_FOR_KIND[kind]],
        now=now,
    )
    try:
        with session.begin_nested():
            session.add(admin)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"用户名 {admin_username} 已被使用，请换一个", code="USER_USERNAME_TAKEN", field="admin.username"
        ) from exc
    ledger.record(
        session,
        kind="entity.registered",
        actor="anonymous",
        subject=f"entity:{entity.id}",
        data={"uscc": code, "name": name, "kind": kind.value, "region_code": region_code, "admin_user_id": admin.id},
        private={
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "address": address,
            "admin_username": admin_username,
        },
        now=now,
    )
    return entity, admin


def _duplicate(code: str) -> Conflict:
    return Conflict(
        f"统一社会信用代码 {code} 已注册，一地注册、全省通用；如需账号请联系该主体的管理员",
        code="ENTITY_USCC_DUPLICATE",
        field="uscc",
    )


def get_entity(session: Session, entity_id: int) -> Entity:
    entity = session.get(Entity, entity_id)
    if entity is None:
        raise NotFound(f"市场主体 {entity_id} 不存在", code="ENTITY_NOT_FOUND", field="entity_id")
    return entity


def can_view_private(actor: Principal | None, entity_id: int) -> bool:
    return actor is not None and (actor.entity_id == entity_id or actor.has(Role.platform_admin, Role.center_staff))


def require_manager(actor: Principal, entity_id: int) -> None:
    """Only the entity's own administrator (or the platform admin) manages it."""
    if actor.has(Role.platform_admin):
        return
    if actor.entity_id == entity_id and actor.is_entity_admin:
        return
    if actor.entity_id == entity_id:
        raise Forbidden("仅本主体的管理员可以执行此操作", code="ENTITY_ADMIN_REQUIRED")
    raise Forbidden("无权管理其他市场主体", code="ENTITY_FORBIDDEN")


def update_entity(
    session: Session,
    *,
    actor: Principal,
    entity_id: int,
    contact_name: str | None,
    contact_phone: str | None,
    address: str | None,
    now: datetime,
) -> Entity:
    entity = get_entity(session, entity_id)
    require_manager(actor, entity_id)
    if contact_phone and not re.fullmatch(r"[0-9+\-() ]{7,20}", contact_phone):
        raise InvalidInput("联系电话格式不正确", code="INVALID_INPUT", field="contact_phone")
    changed = []
    for field, value in (("contact_name", contact_name), ("contact_phone", contact_phone), ("address", address)):
        if value is not None and getattr(entity, field) != value:
            setattr(entity, field, value)
            changed.append(field)
    if changed:
        ledger.record(
            session,
            kind="entity.updated",
            actor=f"user:{actor.user_id}",
            subject=f"entity:{entity_id}",
            data={"fields": changed},
            now=now,
        )
    return entity


def add_user(
    session: Session,
    *,
    actor: Principal,
    entity_id: int,
    username: str,
    display_name: str,
    password: str,
    now: datetime,
) -> User:
    entity = get_entity(session, entity_id)
    require_manager(actor, entity_id)
    check_password(password)
    _check_username_free(session, username, field="username")
    user = _new_user(
        username=username,
        display_name=display_name,
        password=password,
        entity_id=entity_id,
        admin=False,
        roles=[ROLE_FOR_KIND[EntityKind(entity.kind)]],
        now=now,
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"用户名 {username} 已被使用，请换一个", code="USER_USERNAME_TAKEN", field="username") from exc
    ledger.record(
        session,
        kind="user.added",
        actor=f"user:{actor.user_id}",
        subject=f"user:{user.id}",
        data={"entity_id": entity_id},
        now=now,
    )
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在", code="USER_NOT_FOUND", field="user_id")
    return user


def grant_role(
    session: Session,
    *,
    actor: Principal,
    user_id: int,
    role: Role,
    trade: str | None,
    region_code: str | None,
    now: datetime,
) -> UserRole:
    if not actor.has(Role.platform_admin):
        raise Forbidden("仅平台管理员可以授予角色", code="ROLE_REQUIRED")
    user = get_user(session, user_id)
    if role is not Role.supervisor and (trade or region_code):
        raise InvalidInput("只有行政监督人员的角色需要交易类型和区域范围", code="ROLE_SCOPE_NOT_ALLOWED", field="trade")
    if region_code:
        _check_region(session, region_code)
    if role in (Role.owner_staff, Role.bidder_staff) and user.entity_id is None:
        raise InvalidInput("该角色只能授予市场主体的用户", code="ROLE_NEEDS_ENTITY", field="role")
    for existing in user.roles:
        if (existing.role, existing.trade, existing.region_code) == (role.value, trade, region_code):
            raise Conflict("该用户已有此角色", code="ROLE_ALREADY_GRANTED", field="role")
    grant = UserRole(role=role.value, trade=trade, region_code=region_code, granted_by=actor.user_id, granted_at=now)
    user.roles.append(grant)
    session.flush()
    ledger.record(
        session,
        kind="role.granted",
        actor=f"user:{actor.user_id}",
        subject=f"user:{user_id}",
        data={"role": role.value, "trade": trade, "region_code": region_code, "grant_id": grant.id},
        now=now,
    )
    return grant


def revoke_role(session: Session, *, actor: Principal, user_id: int, grant_id: int, now: datetime) -> None:
    if not actor.has(Role.platform_admin):
        raise Forbidden("仅平台管理员可以撤销角色", code="ROLE_REQUIRED")
    grant = session.get(UserRole, grant_id)
    if grant is None or grant.user_id != user_id:
        raise NotFound("该授权不存在", code="ROLE_GRANT_NOT_FOUND", field="grant_id")
    if grant.user_id == actor.user_id and grant.role == Role.platform_admin:
        raise Conflict("不能撤销自己的平台管理员角色", code="ROLE_SELF_REVOKE", field="grant_id")
    data = {"role": grant.role, "trade": grant.trade, "region_code": grant.region_code, "grant_id": grant_id}
    session.delete(grant)
    ledger.record(
        session, kind="role.revoked", actor=f"user:{actor.user_id}", subject=f"user:{user_id}", data=data, now=now
    )


def change_password(session: Session, *, actor: Principal, old_password: str, new_password: str, now: datetime) -> None:
    user = get_user(session, actor.user_id)
    if not verify_password(user.password_hash, old_password):
        raise Unauthenticated("原密码不正确", code="AUTH_INVALID_CREDENTIALS", field="old_password")
    check_password(new_password, field="new_password")
    user.password_hash = hash_password(new_password)
    ledger.record(
        session, kind="user.password_changed", actor=f"user:{user.id}", subject=f"user:{user.id}", data={}, now=now
    )


def deactivate_user(session: Session, *, actor: Principal, user_id: int, now: datetime) -> User:
    user = get_user(session, user_id)
    if user.entity_id is None:
        if not actor.has(Role.platform_admin):
            raise Forbidden("无权停用该用户", code="ENTITY_FORBIDDEN")
    else:
        require_manager(actor, user.entity_id)
    if user.id == actor.user_id:
        raise Conflict("不能停用自己的账号", code="USER_SELF_DEACTIVATE", field="user_id")
    user.is_active = False
    ledger.record(
        session, kind="user.deactivated", actor=f"user:{actor.user_id}", subject=f"user:{user_id}", data={}, now=now
    )
    return user


def revoke_token(session: Session, *, actor: Principal, token_id: int, now: datetime) -> None:
    token = session.get(ApiToken, token_id)
    # Another user's token answers as absent: its existence is nobody else's business.
    if token is None or token.user_id != actor.user_id:
        raise NotFound("令牌不存在", code="TOKEN_NOT_FOUND", field="token_id")
    if token.revoked_at is None:
        token.revoked_at = now
        ledger.record(
            session,
            kind="token.revoked",
            actor=f"user:{actor.user_id}",
            subject=f"user:{actor.user_id}",
            data={"token_id": token_id},
            now=now,
        )
