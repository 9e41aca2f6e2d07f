"""CSRF protection for pages: a signed double-submit token.

Every page response carries a ``ggzy_csrf`` cookie holding a random token signed with the secret key;
forms echo it in a hidden ``csrf_token`` field and HTMX in the ``X-CSRF-Token`` header. A state-changing
page request passes only if both are present, equal, and the signature is ours. The API does not accept
session cookies at all (bearer tokens only), so it needs no CSRF token.
"""

from __future__ import annotations

import secrets

from fastapi import Request
from itsdangerous import BadSignature, URLSafeSerializer

from ggzy.core.errors import Forbidden
from ggzy.core.security import constant_time_equal

COOKIE = "ggzy_csrf"
HEADER = "x-csrf-token"
FIELD = "csrf_token"


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.resolved_secret_key, salt="ggzy-csrf")


def csrf_token(request: Request) -> str:
    """The token for this browser, minting one (and marking it for the cookie) when absent or forged."""
    existing = getattr(request.state, "csrf_token", None)
    if existing:
        return str(existing)
    cookie = request.cookies.get(COOKIE)
    if cookie and _valid(request, cookie):
        request.state.csrf_token = cookie
        return cookie
    token = _serializer(request).dumps(secrets.token_urlsafe(24))
    request.state.csrf_token = token
    request.state.csrf_new = True
    return str(token)


def _valid(request: Request, token: str) -> bool:
    try:
        _serializer(request).loads(token)
    except BadSignature:
        return False
    return True


async def csrf_protect(request: Request) -> None:
    """Dependency for state-changing page routes."""
    cookie = request.cookies.get(COOKIE, "")
    sent = request.headers.get(HEADER, "")
    if not sent:
        form = await request.form()
        value = form.get(FIELD, "")
        sent = value if isinstance(value, str) else ""
    if not cookie or not sent or not constant_time_equal(cookie, sent) or not _valid(request, cookie):
        raise Forbidden("页面已过期或请求来源无效，请刷新页面后重试", code="CSRF_FAILED")
