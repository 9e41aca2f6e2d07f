"""How a request becomes a principal: bearer tokens on /api, the session cookie on pages.

The API never honours the session cookie, so a page visited in a logged-in browser cannot be abused to
call the API across sites (CSRF); pages never honour bearer tokens.
"""

from __future__ import annotations

from fastapi import Request

from ggzy.core.errors import Unauthenticated
from ggzy.core.security import Principal
from ggzy.entities import auth

SESSION_COOKIE = "ggzy_session"


def resolve_principal(request: Request) -> Principal | None:
    db = request.app.state.db
    now = request.app.state.clock.now()
    if request.url.path.startswith("/api"):
        header = request.headers.get("authorization", "")
        if not header:
            return None
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise Unauthenticated("Authorization 头格式应为 Bearer <令牌>", code="AUTH_TOKEN_INVALID")
        with db.session(write=False) as session:
            principal = auth.principal_from_token(session, raw=raw.strip(), now=now)
        if principal is None:
            raise Unauthenticated("访问令牌无效、已过期或已撤销", code="AUTH_TOKEN_INVALID")
        return principal
    raw_cookie = request.cookies.get(SESSION_COOKIE)
    if not raw_cookie:
        return None
    with db.session(write=False) as session:
        # A forged or expired cookie is treated as no session: the visitor is simply anonymous.
        return auth.principal_from_session(session, raw=raw_cookie, now=now)
