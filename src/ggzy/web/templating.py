"""Jinja2 rendering for pages: every page gets the principal, the CSRF token and the platform name."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ggzy.core.clock import format_local
from ggzy.core.security import ROLE_LABELS_ZH, current_principal
from ggzy.web import csrf

TEMPLATES_DIR = Path(__file__).parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.filters["local_time"] = format_local
templates.env.filters["ms_local_time"] = lambda ms: format_local(datetime.fromtimestamp(ms / 1000, tz=UTC))
templates.env.filters["iso_local_time"] = lambda iso: format_local(datetime.fromisoformat(iso.replace("Z", "+00:00")))
templates.env.globals["ROLE_LABELS_ZH"] = ROLE_LABELS_ZH


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, status_code: int = 200
) -> HTMLResponse:
    ctx: dict[str, Any] = {
        "principal": current_principal(request),
        "csrf_token": csrf.csrf_token(request),
        "platform_name": request.app.state.settings.platform_name,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    set_csrf_cookie(request, response)
    return response


def set_csrf_cookie(request: Request, response: Any) -> None:
    if getattr(request.state, "csrf_new", False):
        response.set_cookie(
            csrf.COOKIE,
            request.state.csrf_token,
            httponly=True,
            samesite="strict",
            secure=request.app.state.settings.cookie_secure,
        )
