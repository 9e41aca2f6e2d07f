"""Unit of work per request: a route's session commits when the view returns and rolls back when it raises.

Views take ``session: Session = Depends(get_session)``; they never commit themselves. Reads (GET, HEAD)
get a read session, everything else a write session (on SQLite it begins IMMEDIATE, see core.db).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Iterator
from functools import partial, wraps
from typing import Any, TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ggzy.core.clock import Clock
from ggzy.core.db import Database
from ggzy.core.events import dispatch_after_commit
from ggzy.core.settings import Settings

T = TypeVar("T")

_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


# The dependencies below only read app state (a session opens no connection until first used): as
# coroutines FastAPI calls them on the event loop, where a plain function would cost a worker-thread hop each,
# three or four per request.


async def get_session(request: Request) -> Session:
    session: Session | None = getattr(request.state, "db_session", None)
    if session is None:
        db: Database = request.app.state.db
        session = db.session(write=request.method not in _READ_METHODS)
        request.state.db_session = session
    return session


def get_reader(request: Request) -> Iterator[Session]:
    """A read session beside the request's own, for slow checks that must not hold SQLite's one write lock
    (a password hash takes ~0.1 s: inside the write transaction it stalled every writer of the platform).
    Its user should end the read transaction (``rollback``) once done reading: the session is closed only
    after the response, and under load, connections held that long emptied the read pool while the
    threads that would have given them back waited for one (tried for bid upload starts, 200 at once)."""
    db: Database = request.app.state.db
    session = db.session(write=False)
    try:
        yield session
    finally:
        session.close()


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


class UnitOfWorkRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _ending_in_its_thread(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_unit_of_work(request: Request) -> Response:
            async def end(commit: bool) -> None:
                if getattr(request.state, "db_session", None) is None:
                    return  # nothing to end (a synchronous view ended it in its thread): no thread hop
                await to_thread.run_sync(partial(end_unit_of_work, request, commit=commit), limiter=_limiter(request))

            try:
                try:
                    response = await handler(request)
                except BaseException:
                    await end(commit=False)
                    raise
                await end(commit=True)
            finally:
                committed: Session | None = getattr(request.state, "db_committed", None)
                if committed is not None:
                    request.state.db_committed = None
                    await run_in_threadpool(dispatch_after_commit, request.app.state.db, committed)
            return response

        return with_unit_of_work


_REQUEST_PARAM = "ggzy_unit_of_work_request"


def _ending_in_its_thread(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A synchronous view whose transaction ends in the worker thread that ran it, before the thread is
    given back. On SQLite a session that has written holds the database's write lock until it ends; had it
    to wait for another worker thread (FastAPI validates a synchronous view's response in the pool, then
    the unit of work ends), and were the pool full of threads waiting for that lock, nothing would move
    until their busy timeout. 200 concurrent bid uploads failed that way with "database is locked"."""
    try:
        signature = inspect.signature(endpoint, eval_str=True)
    except NameError:  # an annotation only for type checkers, as FastAPI itself tolerates
        signature = inspect.signature(endpoint)
    # FastAPI passes the request to one parameter only: the view's own when it has one, else one added here.
    own = next(
        (
            p.name
            for p in signature.parameters.values()
            if isinstance(p.annotation, type) and issubclass(p.annotation, Request)
        ),
        None,
    )
    name = own or _REQUEST_PARAM

    @wraps(endpoint)
    def view(*args: Any, **kwargs: Any) -> Any:
        request = kwargs[name] if own else kwargs.pop(name)
        return _ending(request, endpoint, *args, **kwargs)

    if own is None:
        params = list(signature.parameters.values())
        keyword_at = next((i for i, p in enumerate(params) if p.kind is inspect.Parameter.VAR_KEYWORD), len(params))
        params.insert(keyword_at, inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Request))
        view.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return view


def _ending(request: Request, work: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    try:
        result = work(*args, **kwargs)
    except BaseException:
        end_unit_of_work(request, commit=False)
        raise
    end_unit_of_work(request, commit=True)
    return result


async def run_view_work(request: Request, work: Callable[..., T], *args: Any) -> T:
    """An asynchronous view's database work, run in a worker thread that also ends the unit of work
    (see ``_ending_in_its_thread``)."""
    return await run_in_threadpool(_ending, request, work, *args)


def _limiter(request: Request) -> CapacityLimiter:
    """Threads of their own for ending transactions that an asynchronous view left open (the same convoy
    as above): ending one never waits for the write lock, so this small pool always frees it. One per app,
    made inside its event loop."""
    limiter: CapacityLimiter | None = getattr(request.app.state, "unit_of_work_limiter", None)
    if limiter is None:
        limiter = request.app.state.unit_of_work_limiter = CapacityLimiter(4)
    return limiter


def end_unit_of_work(request: Request, *, commit: bool) -> None:
    """Commit (or roll back) the request's session now, in the calling thread; its events are dispatched
    once the response is ready. An asynchronous view that does its database work in a worker thread calls
    this at the end of that work, for the reason given in ``_ending_in_its_thread``."""
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
        request.state.db_committed = session


def api_router(**kwargs: Any) -> APIRouter:
    """Routers for the JSON API under /api."""
    return APIRouter(route_class=UnitOfWorkRoute, **kwargs)


def page_router(**kwargs: Any) -> APIRouter:
    """Routers for HTML pages (excluded from the OpenAPI schema)."""
    kwargs.setdefault("include_in_schema", False)
    return APIRouter(route_class=UnitOfWorkRoute, **kwargs)
