"""Reads of entities and users, each shaped to what the caller may see."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ggzy.core.errors import InvalidInput
from ggzy.core.security import Principal
from ggzy.entities.models import ApiToken, Entity, User
from ggzy.entities.schemas import EntityPage, EntityPrivate, EntityPublic, GrantOut, TokenOut, UserOut
from ggzy.entities.service import can_view_private, get_entity, require_manager
from ggzy.entities.trades import EntityKind
from ggzy.regions.models import Region


def _region_name(session: Session, code: str) -> str:
    region = session.get(Region, code)
    return region.name if region else code


def public_view(session: Session, entity: Entity) -> EntityPublic:
    return EntityPublic(
        id=entity.id,
        uscc=entity.uscc,
        name=entity.name,
        kind=entity.kind,
        region_code=entity.region_code,
        region_name=_region_name(session, entity.region_code),
        legal_representative=entity.legal_representative,
    )


def private_view(session: Session, entity: Entity) -> EntityPrivate:
    return EntityPrivate(
        **public_view(session, entity).model_dump(),
        contact_name=entity.contact_name,
        contact_phone=entity.contact_phone,
        address=entity.address,
        created_at=entity.created_at,
    )


def entity_for(session: Session, *, actor: Principal | None, entity_id: int) -> EntityPublic | EntityPrivate:
    """Everyone sees the public fields; the entity's own users, center staff and admins see the rest."""
    entity = get_entity(session, entity_id)
    return private_view(session, entity) if can_view_private(actor, entity_id) else public_view(session, entity)


def directory(
    session: Session, *, q: str | None, region: str | None, kind: str | None, limit: int, offset: int
) -> EntityPage:
    stmt = select(Entity)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(or_(Entity.name.like(like), Entity.uscc == q.strip().upper()))
    if region:
        if not region.isdigit():
            raise InvalidInput("区域代码应为数字", code="REGION_UNKNOWN", field="region")
        # GB/T 2260 codes nest by prefix, so a region filter includes everything below it.
        stmt = stmt.where(Entity.region_code.startswith(region))
    if kind:
        if kind not in {k.value for k in EntityKind}:
            raise InvalidInput(f"主体类型 {kind} 不存在", code="INVALID_INPUT", field="kind")
        stmt = stmt.where(Entity.kind == kind)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Entity.id).limit(limit).offset(offset))
    return EntityPage(items=[public_view(session, e) for e in rows], total=total, limit=limit, offset=offset)


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        entity_id=user.entity_id,
        is_entity_admin=user.is_entity_admin,
        is_active=user.is_active,
        roles=[GrantOut(id=r.id, role=r.role, trade=r.trade, region_code=r.region_code) for r in user.roles],
    )


def entity_users(session: Session, *, actor: Principal, entity_id: int) -> list[UserOut]:
    get_entity(session, entity_id)
    require_manager(actor, entity_id)
    users = session.scalars(
        select(User).options(selectinload(User.roles)).where(User.entity_id == entity_id).order_by(User.id)
    )
    return [user_out(u) for u in users]


def my_tokens(session: Session, *, actor: Principal) -> list[TokenOut]:
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == actor.user_id).order_by(ApiToken.id.desc()))
    return [
        TokenOut(id=t.id, name=t.name, created_at=t.created_at, expires_at=t.expires_at, revoked_at=t.revoked_at)
        for t in rows
    ]
