"""Who is calling, and who may call: roles, principals, password hashing, tokens, access declarations.

Every route declares its audience with ``Depends(allow(...))`` or ``Depends(public)``; a test walks the
route table and fails on any route that declares nothing. How a request becomes a principal (session
cookie or bearer token) is plugged in by the web layer, so this module knows no tables.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import Request

from ggzy.core.errors import Forbidden, Unauthenticated


class Role(StrEnum):
    platform_admin = "platform_admin"
    center_staff = "center_staff"
    owner_staff = "owner_staff"  # 招标人/采购人 or 招标代理机构 staff
    bidder_staff = "bidder_staff"
    expert = "expert"
    supervisor = "supervisor"


ROLE_LABELS_ZH: dict[str, str] = {
    Role.platform_admin: "平台管理员",
    Role.center_staff: "交易中心工作人员",
    Role.owner_staff: "招标人/代理机构人员",
    Role.bidder_staff: "投标人人员",
    Role.expert: "评标专家",
    Role.supervisor: "行政监督人员",
    "public": "社会公众",
}


@dataclass(frozen=True)
class Grant:
    role: Role
    # Supervisors are scoped to trades and regions; None means all.
    trade: str | None = None
    region_code: str | None = None


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    entity_id: int | None
    grants: tuple[Grant, ...] = ()
    is_entity_admin: bool = False
    via: str = "session"  # session | token
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(g.role for g in self.grants)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# A constant hash to verify against when the user does not exist, so timing does not reveal usernames.
DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def token_digest(token: str) -> str:
    """Tokens are stored only as their SHA-256: a leaked table opens nothing."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


# --- access declarations -------------------------------------------------------------------------

ACCESS_ATTR = "__ggzy_access__"


def current_principal(request: Request) -> Principal | None:
    resolver: Callable[[Request], Principal | None] = request.app.state.resolve_principal
    if hasattr(request.state, "principal"):
        cached: Principal | None = request.state.principal
        return cached
    principal = resolver(request)
    request.state.principal = principal
    return principal


def public(request: Request) -> Principal | None:
    """Anyone, including anonymous visitors; returns the principal when there is one."""
    return current_principal(request)


setattr(public, ACCESS_ATTR, ("public",))


def authenticated(request: Request) -> Principal:
    """Any logged-in user, whatever the role."""
    principal = current_principal(request)
    if principal is None:
        raise Unauthenticated("请先登录", code="AUTH_REQUIRED")
    return principal


setattr(authenticated, ACCESS_ATTR, ("authenticated",))


def allow(*roles: Role) -> Callable[[Request], Principal]:
    """A dependency admitting only users holding one of ``roles``."""
    if not roles:
        raise ValueError("allow() needs at least one role")

    def dependency(request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
            raise Unauthenticated("请先登录", code="AUTH_REQUIRED")
        if not principal.has(*roles):
            names = "、".join(ROLE_LABELS_ZH[r] for r in roles)
            raise Forbidden(f"仅限{names}访问", code="ROLE_REQUIRED")
        return principal

    setattr(dependency, ACCESS_ATTR, tuple(r.value for r in roles))
    dependency.__name__ = "allow_" + "_".join(r.value for r in roles)
    return dependency
