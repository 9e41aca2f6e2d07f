"""Platform-wide pages: home, login, logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.errors import AppError
from ggzy.core.security import Principal, authenticated, public
from ggzy.core.settings import Settings
from ggzy.entities import auth
from ggzy.web.auth import SESSION_COOKIE
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import client_ip, get_clock, get_reader, get_session, get_settings, page_router
from ggzy.web.templating import render

router = page_router()


# The home page "/" is the public disclosure portal: ggzy.disclosure.pages.home.


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, _: Annotated[Principal | None, Depends(public)], next: str = "/") -> HTMLResponse:
    return render(request, "web/login.html", {"next": _safe_next(next)})


def _safe_next(target: str) -> str:
    # Only same-site paths: an open redirect after login is a phishing aid.
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.post("/login", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def login_submit(
    request: Request,
    _: Annotated[Principal | None, Depends(public)],
    session: Annotated[Session, Depends(get_session)],
    reader: Annotated[Session, Depends(get_reader)],
    clock: Annotated[Clock, Depends(get_clock)],
    settings: Annotated[Settings, Depends(get_settings)],
    username: Annotated[str, Form(max_length=50)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    now = clock.now()
    try:
        user = auth.authenticate(
            session,
            reader=reader,
            username=username,
            password=password,
            ip=client_ip(request),
            now=now,
            settings=settings,
        )
    except AppError as exc:
        # The failed attempt must be stored (throttling), so commit it before showing the form again.
        session.commit()
        return render(
            request,
            "web/login.html",
            {"error": exc.message, "username": username, "next": _safe_next(next)},
            status_code=exc.status_code,
        )
    raw = auth.start_session(session, user=user, ip=client_ip(request), now=now, settings=settings)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_days * 86400,
    )
    return response


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def logout(
    request: Request,
    _: Annotated[Principal, Depends(authenticated)],
    session: Annotated[Session, Depends(get_session)],
) -> Response:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        auth.end_session(session, raw=raw)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
