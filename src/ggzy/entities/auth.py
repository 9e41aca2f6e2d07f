"""Credentials: password login with throttling, browser sessions and API bearer tokens."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, null, select
from sqlalchemy.orm import Session, selectinload

from ggzy.core.errors import TooManyRequests, Unauthenticated
from ggzy.core.security import (
    DUMMY_HASH,
    Grant,
    Principal,
    Role,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from ggzy.core.settings import Settings
from ggzy.entities.models import ApiToken, LoginAttempt, User, UserRole, WebSession
from ggzy.ledger import service as ledger


def principal_for(user: User, *, via: str) -> Principal:
    return _principal_of(user, user.roles, via=via)


def _principal_of(user: Any, grants: Iterable[Any], *, via: str) -> Principal:
    """From a user (a ``User`` or a row with its column names) and its grants (``UserRole``s or rows)."""
    return Principal(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        entity_id=user.entity_id,
        grants=tuple(Grant(role=Role(g.role), trade=g.trade, region_code=g.region_code) for g in grants),
        is_entity_admin=user.is_entity_admin,
        via=via,
    )


def _recent_failures(session: Session, *, username: str, ip: str, since: datetime) -> tuple[int, int]:
    by_user = session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.username == username, LoginAttempt.success.is_(False), LoginAttempt.at >= since
        )
    )
    by_ip = session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.ip == ip, LoginAttempt.success.is_(False), LoginAttempt.at >= since
        )
    )
    return int(by_user or 0), int(by_ip or 0)


def authenticate(
    session: Session, *, reader: Session, username: str, password: str, ip: str, now: datetime, settings: Settings
) -> User:
    """Check a password, refusing while the account or the address is throttled.

    Failures are recorded but, as the issue asks, not put in the public ledger; successes are.
    A username or address with ``login_max_failures`` failures inside the window is locked out for the
    rest of that window (and an address gets ten times the allowance, since offices share one).
    The throttle, the lookup and the (deliberately slow) hash check read through ``reader``, so the
    writing ``session`` starts its transaction, on SQLite the platform's one write lock, only after them.
    """
    username = username.strip()
    window = timedelta(minutes=settings.login_window_minutes)
    by_user, by_ip = _recent_failures(reader, username=username, ip=ip, since=now - window)
    if by_user >= settings.login_max_failures or by_ip >= settings.login_max_failures * 10:
        raise TooManyRequests(f"登录失败次数过多，请 {settings.login_lock_minutes} 分钟后再试", code="AUTH_THROTTLED")
    found = reader.execute(
        select(User.id, User.password_hash, User.is_active).where(User.username == username)
    ).one_or_none()
    reader.rollback()  # end the read transaction before the slow part
    ok = verify_password(found.password_hash if found else DUMMY_HASH, password)
    user = None
    if found is not None and ok and found.is_active:
        user = session.scalars(select(User).options(selectinload(User.roles)).where(User.id == found.id)).one_or_none()
    if user is None or not user.is_active:
        session.add(LoginAttempt(username=username[:50], ip=ip[:64], at=now, success=False))
        raise Unauthenticated("用户名或密码错误", code="AUTH_INVALID_CREDENTIALS", field="password")
    session.add(LoginAttempt(username=username, ip=ip[:64], at=now, success=True))
    ledger.record(
        session,
        kind="user.logged_in",
        actor=f"user:{user.id}",
        subject=f"user:{user.id}",
        data={},
        private={"ip": ip},
        now=now,
    )
    return user


def start_session(session: Session, *, user: User, ip: str, now: datetime, settings: Settings) -> str:
    """Create a browser session and return the cookie value (only its digest is stored)."""
    raw = new_token("s")
    session.add(
        WebSession(
            digest=token_digest(raw),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(days=settings.session_days),
            ip=ip[:64],
        )
    )
    return raw


def end_session(session: Session, *, raw: str) -> None:
    ws = session.scalars(select(WebSession).where(WebSession.digest == token_digest(raw))).one_or_none()
    if ws is not None:
        session.delete(ws)


def principal_from_session(session: Session, *, raw: str, now: datetime) -> Principal | None:
    return _principal(session, WebSession, digest=token_digest(raw), now=now, via="session")


def issue_token(session: Session, *, user: User, name: str, now: datetime, settings: Settings) -> tuple[str, ApiToken]:
    raw = new_token("ggzy")
    token = ApiToken(
        user_id=user.id,
        name=name,
        digest=token_digest(raw),
        created_at=now,
        expires_at=now + timedelta(days=settings.api_token_days),
    )
    session.add(token)
    session.flush()
    ledger.record(
        session,
        kind="token.issued",
        actor=f"user:{user.id}",
        subject=f"user:{user.id}",
        data={"token_id": token.id, "name": name, "expires_at": token.expires_at},
        now=now,
    )
    return raw, token


def principal_from_token(session: Session, *, raw: str, now: datetime) -> Principal | None:
    return _principal(session, ApiToken, digest=token_digest(raw), now=now, via="token")


def _principal_query(credential: type[ApiToken] | type[WebSession]) -> Any:
    # Table columns, not mapped attributes: a Core statement skips the ORM's compile and result steps.
    held, users, grants = cast(Table, credential.__table__).c, cast(Table, User.__table__).c, UserRole.__table__.c
    revoked: Any = held.revoked_at if credential is ApiToken else null()  # sessions end by expiring
    return (
        select(
            held.expires_at,
            revoked.label("revoked_at"),
            users.id,
            users.username,
            users.display_name,
            users.entity_id,
            users.is_entity_admin,
            users.is_active,
            grants.role,
            grants.trade,
            grants.region_code,
        )
        .join_from(cast(Table, credential.__table__), cast(Table, User.__table__), users.id == held.user_id)
        .outerjoin(UserRole.__table__, grants.user_id == users.id)
        .where(held.digest == bindparam("digest"))
        .order_by(grants.id)
    )


# Built once: constructing the statement cost as much as running it, on every API call and page.
_PRINCIPAL_QUERIES = {credential: _principal_query(credential) for credential in (ApiToken, WebSession)}


def _principal(
    session: Session, credential: type[ApiToken] | type[WebSession], *, digest: str, now: datetime, via: str
) -> Principal | None:
    """The credential, its user and the user's grants in one query (a row per grant) and without ORM objects:
    every API call and page asks this, 200 times a second in the last minute before a deadline."""
    rows = session.execute(_PRINCIPAL_QUERIES[credential], {"digest": digest}).all()
    if not rows:
        return None
    first = rows[0]
    if first.revoked_at is not None or first.expires_at <= now or not first.is_active:
        return None
    return _principal_of(first, [row for row in rows if row.role], via=via)


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
