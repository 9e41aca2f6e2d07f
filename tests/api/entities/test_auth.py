"""Login throttling, tokens, sessions and CSRF."""

from __future__ import annotations

import re
from datetime import timedelta

from ggzy.web.csrf import COOKIE as CSRF_COOKIE


def test_wrong_password_then_throttle_then_window_passes(client, make_user, clock) -> None:  # type: ignore[no-untyped-def]
    make_user("carol", "bidder_staff")
    for _ in range(5):
        r = client.post("/api/auth/token", json={"username": "carol", "password": "wrong-password-1"})
        assert r.status_code == 401
        assert r.json()["error"] == {
            "code": "AUTH_INVALID_CREDENTIALS",
            "message": "用户名或密码错误",
            "field": "password",
        }
    r = client.post("/api/auth/token", json={"username": "carol", "password": "Test-password-2026"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "AUTH_THROTTLED"
    clock.advance(timedelta(minutes=16))
    r = client.post("/api/auth/token", json={"username": "carol", "password": "Test-password-2026"})
    assert r.status_code == 200


def test_unknown_user_gets_the_same_answer(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/auth/token", json={"username": "nobody", "password": "whatever-123"})
    assert r.status_code == 401 and r.json()["error"]["message"] == "用户名或密码错误"


def test_tokens_expire_revoke_and_malformed_headers(client, make_user, login_token, clock) -> None:  # type: ignore[no-untyped-def]
    make_user("dave", "bidder_staff")
    headers = login_token("dave")
    assert client.get("/api/me", headers=headers).status_code == 200
    for bad in ({"Authorization": "Token abc"}, {"Authorization": "Bearer "}, {"Authorization": "Bearer forged"}):
        r = client.get("/api/me", headers=bad)
        assert r.status_code == 401 and r.json()["error"]["code"] == "AUTH_TOKEN_INVALID"
    assert client.get("/api/me").status_code == 401
    tokens = client.get("/api/me/tokens", headers=headers).json()
    other = login_token("dave")
    assert client.delete(f"/api/me/tokens/{tokens[0]['id']}", headers=other).status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401
    assert client.get("/api/me", headers=other).status_code == 200
    clock.advance(timedelta(days=91))
    assert client.get("/api/me", headers=other).status_code == 401


def test_session_cookie_is_ignored_by_the_api(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("erin", "bidder_staff")
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/login",
        data={"username": "erin", "password": "Test-password-2026", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "ggzy_session" in r.cookies
    assert "erin" in client.get("/account").text
    assert client.get("/api/me").status_code == 401  # cookies open pages only


def test_tampered_session_cookie_is_anonymous(client, make_user) -> None:  # type: ignore[no-untyped-def]
    client.cookies.set("ggzy_session", "s_forged-session-value")
    home = client.get("/")
    assert home.status_code == 200 and "登录" in home.text
    r = client.get("/account", headers={"accept": "text/html"})
    assert r.status_code == 401 and "请先登录" in r.text


def test_page_posts_need_a_valid_csrf_token(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("frank", "bidder_staff")
    client.get("/login")
    form = {"username": "frank", "password": "Test-password-2026"}
    r = client.post("/login", data=form, headers={"accept": "text/html"})
    assert r.status_code == 403 and "页面已过期" in r.text
    r = client.post("/login", data={**form, "csrf_token": "forged.token"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "CSRF_FAILED"
    client.cookies.set(CSRF_COOKIE, "forged.token")
    r = client.post("/login", data={**form, "csrf_token": "forged.token"})
    assert r.status_code == 403


def test_login_page_shows_chinese_error_and_throttles(client, make_user) -> None:  # type: ignore[no-untyped-def]
    make_user("gina", "bidder_staff")
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    for _ in range(5):
        r = client.post("/login", data={"username": "gina", "password": "nope-nope-1", "csrf_token": token})
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = client.post("/login", data={"username": "gina", "password": "Test-password-2026", "csrf_token": token})
    assert r.status_code == 429 and "分钟后再试" in r.text


def test_a_login_checks_the_password_without_holding_the_write_lock(  # type: ignore[no-untyped-def]
    client, make_user, clean_db, monkeypatch
) -> None:
    """A password check is slow on purpose (argon2, ~0.1 s). Done inside the login's write transaction it held
    SQLite's one write lock, so in the last minute before a deadline every bid submission queued behind the
    logins. Another writer must get through while the hash is being checked."""
    import threading

    from sqlalchemy import text

    from ggzy.entities import auth

    make_user("frank", "bidder_staff")
    real = auth.verify_password
    through: list[bool] = []

    def checking(hashed: str, password: str) -> bool:
        def write() -> None:
            with clean_db.transaction() as session:
                session.execute(text("UPDATE ledger_state SET size = size WHERE id = 1"))

        other = threading.Thread(target=write, daemon=True)
        other.start()
        other.join(timeout=5)
        through.append(not other.is_alive())
        return real(hashed, password)

    monkeypatch.setattr(auth, "verify_password", checking)
    r = client.post("/api/auth/token", json={"username": "frank", "password": "Test-password-2026"})
    assert r.status_code == 200
    assert through == [True], "another writer waited for the login's password check"
    r = client.post("/api/auth/token", json={"username": "frank", "password": "wrong-password-1"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "AUTH_INVALID_CREDENTIALS"
    assert through == [True, True]
