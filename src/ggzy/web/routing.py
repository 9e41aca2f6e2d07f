"""Unit of work per request: a route's session commits when the view returns and rolls back when it raises.

Views take ``session: Session = Depends(get_session)``; they never commit themselves. Reads (GET, HEAD)
get a read session, everything else a write session (on SQLite it begins IMMEDIATE, see core.db).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ggzy.core.clock import Clock
from ggzy.core.db import Database
from ggzy.core.events import dispatch_after_commit
from ggzy.core.settings import Settings

_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def get_session(request: Request) -> Session:
    session: Session | None = getattr(request.state, "db_session", None)
    if session is None:
        db: Database = request.app.state.db
        session = db.session(write=request.method not in _READ_METHODS)
        request.state.db_session = session
    return session


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


class UnitOfWorkRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_unit_of_work(request: Request) -> Response:
            try:
                response = await handler(request)
            except BaseException:
                await run_in_threadpool(_finish, request, commit=False)
                raise
            await run_in_threadpool(_finish, request, commit=True)
            return response

        return with_unit_of_work


def _finish(request: Request, *, commit: bool) -> None:
    session: Session | None = getattr(request.state, "db_session", None)
    if session is None:
        return
    request.state.db_session = None
    try:
        if commit and session.info.get("write"):
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        session.close()
        raise
    session.close()
    if commit:
        dispatch_after_commit(request.app.state.db, session)


def api_router(**kwargs: Any) -> APIRouter:
    """Routers for the JSON API under /api."""
    return APIRouter(route_class=UnitOfWorkRoute, **kwargs)


def page_router(**kwargs: Any) -> APIRouter:
    """Routers for HTML pages (excluded from the OpenAPI schema)."""
    kwargs.setdefault("include_in_schema", False)
    return APIRouter(route_class=UnitOfWorkRoute, **kwargs)
