"""Page tests' session helpers: the CSRF token of a rendered form, and logging in through /login."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import DEFAULT_PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match is not None, "the page has no CSRF token"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = DEFAULT_PASSWORD) -> None:
    """Replace the client's session with one for ``username`` (cookie login, as a browser does)."""
    client.cookies.clear()
    token = csrf_token(client.get("/login").text)
    r = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
