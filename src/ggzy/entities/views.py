"""Entities API: self-registration, public directory, own records, users and role grants."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, Role, allow, authenticated, public
from ggzy.entities import queries, service
from ggzy.entities.schemas import (
    EntityPage,
    EntityPrivate,
    EntityPublic,
    EntityRegistration,
    EntityUpdate,
    GrantIn,
    GrantOut,
    PasswordChange,
    RegistrationOut,
    TokenOut,
    UserIn,
    UserOut,
)
from ggzy.web.routing import api_router, get_clock, get_session

router = api_router(prefix="/api", tags=["市场主体"])
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
User_ = Annotated[Principal, Depends(authenticated)]


@router.post(
    "/entities",
    response_model=RegistrationOut,
    status_code=201,
    responses=error_responses(409, 422),
    summary="注册市场主体（一地注册、全省通用）",
)
def register(
    body: EntityRegistration, _: Annotated[Principal | None, Depends(public)], session: DB, clock: ClockDep
) -> RegistrationOut:
    entity, admin = service.register_entity(
        session,
        uscc=body.uscc,
        name=body.name,
        kind=body.kind,
        region_code=body.region_code,
        legal_representative=body.legal_representative,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        address=body.address,
        admin_username=body.admin.username,
        admin_display_name=body.admin.display_name,
        admin_password=body.admin.password,
        now=clock.now(),
    )
    return RegistrationOut(entity=queries.private_view(session, entity), admin=queries.user_out(admin))


@router.get("/entities", response_model=EntityPage, responses=error_responses(422), summary="市场主体名录（公开）")
def list_entities(
    _: Annotated[Principal | None, Depends(public)],
    session: DB,
    q: Annotated[str | None, Query(max_length=100, description="名称关键字或统一社会信用代码")] = None,
    region: Annotated[str | None, Query(max_length=12, description="区域代码（含下级）")] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> EntityPage:
    return queries.directory(session, q=q, region=region, kind=kind, limit=limit, offset=offset)


@router.get(
    "/entities/{entity_id}",
    response_model=EntityPrivate | EntityPublic,
    responses=error_responses(404),
    summary="市场主体（本主体用户可见联系方式）",
)
def get_entity(
    entity_id: int, principal: Annotated[Principal | None, Depends(public)], session: DB
) -> EntityPublic | EntityPrivate:
    return queries.entity_for(session, actor=principal, entity_id=entity_id)


@router.patch(
    "/entities/{entity_id}",
    response_model=EntityPrivate,
    responses=error_responses(401, 403, 404, 422),
    summary="修改本主体联系方式（主体管理员）",
)
def update_entity(entity_id: int, body: EntityUpdate, principal: User_, session: DB, clock: ClockDep) -> EntityPrivate:
    entity = service.update_entity(
        session,
        actor=principal,
        entity_id=entity_id,
        contact_name=body.contact_name,
        contact_phone=body.contact_phone,
        address=body.address,
        now=clock.now(),
    )
    return queries.private_view(session, entity)


@router.get(
    "/entities/{entity_id}/users",
    response_model=list[UserOut],
    responses=error_responses(401, 403, 404),
    summary="本主体的用户（主体管理员）",
)
def list_users(entity_id: int, principal: User_, session: DB) -> list[UserOut]:
    return queries.entity_users(session, actor=principal, entity_id=entity_id)


@router.post(
    "/entities/{entity_id}/users",
    response_model=UserOut,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="为本主体添加用户（主体管理员）",
)
def add_user(entity_id: int, body: UserIn, principal: User_, session: DB, clock: ClockDep) -> UserOut:
    user = service.add_user(
        session,
        actor=principal,
        entity_id=entity_id,
        username=body.username,
        display_name=body.display_name,
        password=body.password,
        now=clock.now(),
    )
    return queries.user_out(user)


@router.post(
    "/users/{user_id}/roles",
    response_model=GrantOut,
    status_code=201,
    responses=error_responses(401, 403, 404, 409, 422),
    summary="授予角色（平台管理员）",
)
def grant_role(
    user_id: int,
    body: GrantIn,
    principal: Annotated[Principal, Depends(allow(Role.platform_admin))],
    session: DB,
    clock: ClockDep,
) -> GrantOut:
    grant = service.grant_role(
        session,
        actor=principal,
        user_id=user_id,
        role=body.role,
        trade=body.trade.value if body.trade else None,
        region_code=body.region_code,
        now=clock.now(),
    )
    return GrantOut(id=grant.id, role=grant.role, trade=grant.trade, region_code=grant.region_code)


@router.delete(
    "/users/{user_id}/roles/{grant_id}",
    status_code=204,
    responses=error_responses(401, 403, 404, 409),
    summary="撤销角色（平台管理员）",
)
def revoke_role(
    user_id: int,
    grant_id: int,
    principal: Annotated[Principal, Depends(allow(Role.platform_admin))],
    session: DB,
    clock: ClockDep,
) -> Response:
    service.revoke_role(session, actor=principal, user_id=user_id, grant_id=grant_id, now=clock.now())
    return Response(status_code=204)


@router.post(
    "/users/{user_id}/deactivate",
    response_model=UserOut,
    responses=error_responses(401, 403, 404, 409),
    summary="停用用户（主体管理员或平台管理员）",
)
def deactivate(user_id: int, principal: User_, session: DB, clock: ClockDep) -> UserOut:
    return queries.user_out(service.deactivate_user(session, actor=principal, user_id=user_id, now=clock.now()))


@router.post("/me/password", status_code=204, responses=error_responses(401, 422), summary="修改密码")
def change_password(body: PasswordChange, principal: User_, session: DB, clock: ClockDep) -> Response:
    service.change_password(
        session, actor=principal, old_password=body.old_password, new_password=body.new_password, now=clock.now()
    )
    return Response(status_code=204)


@router.get("/me/tokens", response_model=list[TokenOut], responses=error_responses(401), summary="我的访问令牌")
def tokens(principal: User_, session: DB) -> list[TokenOut]:
    return queries.my_tokens(session, actor=principal)


@router.delete("/me/tokens/{token_id}", status_code=204, responses=error_responses(401, 404), summary="撤销令牌")
def revoke_token(token_id: int, principal: User_, session: DB, clock: ClockDep) -> Response:
    service.revoke_token(session, actor=principal, token_id=token_id, now=clock.now())
    return Response(status_code=204)
