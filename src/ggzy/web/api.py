"""Platform-wide API: obtaining a bearer token, and who am I."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, authenticated, public
from ggzy.core.settings import Settings
from ggzy.entities import auth
from ggzy.web.routing import api_router, client_ip, get_clock, get_reader, get_session, get_settings

router = api_router(prefix="/api", tags=["身份认证"])


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=50, description="用户名")
    password: str = Field(min_length=1, max_length=200, description="密码")
    name: str = Field(default="api", min_length=1, max_length=50, description="令牌用途")


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: datetime


class GrantOut(BaseModel):
    role: str
    trade: str | None = None
    region_code: str | None = None


class MeResponse(BaseModel):
    user_id: int
    username: str
    display_name: str
    entity_id: int | None
    is_entity_admin: bool
    grants: list[GrantOut]


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    responses=error_responses(401, 422, 429),
    summary="用用户名和密码换取 API 访问令牌",
)
def issue_token(
    request: Request,
    body: TokenRequest,
    _: Annotated[Principal | None, Depends(public)],
    session: Annotated[Session, Depends(get_session)],
    reader: Annotated[Session, Depends(get_reader)],
    clock: Annotated[Clock, Depends(get_clock)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> TokenResponse:
    now = clock.now()
    try:
        user = auth.authenticate(
            session,
            reader=reader,
            username=body.username,
            password=body.password,
            ip=client_ip(request),
            now=now,
            settings=settings,
        )
    except Exception:
        session.commit()  # keep the failed attempt: throttling depends on it
        raise
    raw, token = auth.issue_token(session, user=user, name=body.name, now=now, settings=settings)
    return TokenResponse(access_token=raw, expires_at=token.expires_at)


@router.get("/me", response_model=MeResponse, responses=error_responses(401), summary="当前用户")
def me(principal: Annotated[Principal, Depends(authenticated)]) -> MeResponse:
    return MeResponse(
        user_id=principal.user_id,
        username=principal.username,
        display_name=principal.display_name,
        entity_id=principal.entity_id,
        is_entity_admin=principal.is_entity_admin,
        grants=[GrantOut(role=g.role.value, trade=g.trade, region_code=g.region_code) for g in principal.grants],
    )
