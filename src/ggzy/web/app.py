"""The application factory: settings, database, clock, error shape, routers of every domain."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

import ggzy
from ggzy.core.clock import Clock, SystemClock
from ggzy.core.db import Database, DatabaseBusy, create_database
from ggzy.core.errors import AppError, ErrorBody, ErrorResponse
from ggzy.core.lease import ProcessLease, background_lease
from ggzy.core.security import Principal
from ggzy.core.settings import Settings, load_settings
from ggzy.ledger.signing import SigningKey
from ggzy.web.templating import render

log = logging.getLogger("ggzy.web")

_STATUS_CODES = {
    400: ("BAD_REQUEST", "请求无效"),
    401: ("AUTH_REQUIRED", "请先登录"),
    403: ("FORBIDDEN", "无权访问"),
    404: ("NOT_FOUND", "您访问的内容不存在"),
    405: ("METHOD_NOT_ALLOWED", "不支持该请求方法"),
    413: ("PAYLOAD_TOO_LARGE", "请求内容过大"),
    429: ("TOO_MANY_REQUESTS", "请求过于频繁"),
}

# Pydantic error types in Chinese, so every validation message names the field in the users' language.
_VALIDATION_ZH = {
    "missing": "必填",
    "string_too_short": "长度不足",
    "string_too_long": "超过最大长度",
    "string_pattern_mismatch": "格式不正确",
    "int_parsing": "必须是整数",
    "decimal_parsing": "必须是数字",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "json_invalid": "JSON 格式错误",
    "enum": "取值不在允许范围内",
    "literal_error": "取值不在允许范围内",
    "extra_forbidden": "不允许的字段",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api") and "text/html" in request.headers.get("accept", "")


def _error_response(request: Request, status: int, body: ErrorResponse) -> Response:
    if _wants_html(request):
        return render(request, "web/error.html", {"error": body.error, "status": status}, status_code=status)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        return _error_response(request, exc.status_code, exc.body())

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        details = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "form")]
            field = ".".join(loc) or None
            reason = _VALIDATION_ZH.get(str(err.get("type")), str(err.get("msg", "")))
            details.append({"field": field, "message": f"{field or '请求'}：{reason}", "type": err.get("type")})
        first = details[0] if details else {"field": None, "message": "输入无效"}
        body = ErrorResponse(
            error=ErrorBody(
                code="INVALID_INPUT",
                message=str(first["message"]),
                field=first["field"],
                details=details,
            )
        )
        return _error_response(request, 422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code, message = _STATUS_CODES.get(exc.status_code, ("HTTP_ERROR", "请求失败"))
        body = ErrorResponse(error=ErrorBody(code=code, message=message))
        return _error_response(request, exc.status_code, body)

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> Response:
        # Services check uniqueness first; this only fires when two writers raced for the same key.
        log.warning("integrity error: %s", exc.orig)
        body = ErrorResponse(error=ErrorBody(code="CONFLICT", message="数据与现有记录冲突，请刷新后重试"))
        return _error_response(request, 409, body)

    @app.exception_handler(OperationalError)
    async def database_error(request: Request, exc: OperationalError) -> Response:
        if "database is locked" in str(exc.orig):  # another process kept SQLite's write lock past the wait
            log.warning("sqlite busy on %s %s", request.method, request.url.path)
            return _error_response(request, DatabaseBusy.status_code, DatabaseBusy().body())
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        body = ErrorResponse(error=ErrorBody(code="INTERNAL_ERROR", message="服务器内部错误，已记录，请稍后重试"))
        return _error_response(request, 500, body)


def _domain_modules() -> list[Any]:
    """Every domain package's ``views`` (API) and ``pages`` (HTML) modules, found by name."""
    modules = []
    for info in sorted(pkgutil.iter_modules(ggzy.__path__), key=lambda i: i.name):
        if not info.ispkg or info.name in {"core", "web", "migrations"}:
            continue
        for leaf in ("views", "pages"):
            try:
                modules.append(importlib.import_module(f"ggzy.{info.name}.{leaf}"))
            except ModuleNotFoundError as exc:
                if exc.name != f"ggzy.{info.name}.{leaf}":
                    raise
    return modules


def _resolve_principal(request: Request) -> Principal | None:
    from ggzy.web.auth import resolve_principal

    return resolve_principal(request)


async def _publish_tree_heads(app: FastAPI, interval: float, lease: ProcessLease) -> None:
    """Sign a new tree head whenever the log has grown, so published heads trail the log by seconds."""
    from ggzy.ledger.proofs import current_tree_head

    while True:
        await asyncio.sleep(interval)
        if not lease.held():  # another worker process of this server runs the background loops
            continue
        try:
            await run_in_threadpool(
                current_tree_head, app.state.db, key=app.state.signing_key, now=app.state.clock.now()
            )
        except Exception:
            log.exception("publishing the ledger tree head failed; will retry")


async def _run_scheduler(app: FastAPI, interval: float, lease: ProcessLease) -> None:
    """Fire due transitions from their stored times, so nothing waits for a request to arrive."""
    from ggzy.bids.box import seal_due
    from ggzy.procedures.scheduler import run_due

    while True:
        await asyncio.sleep(interval)
        if not lease.held():
            continue
        try:
            report = await run_in_threadpool(run_due, app.state.db, now=app.state.clock.now())
            if report.failed:
                log.error("scheduler: %s transition(s) failed; recorded on their rows, will retry", report.failed)
        except Exception:
            log.exception("the scheduler pass failed; will retry")
        try:
            minutes = app.state.settings.bid_box_seal_minutes
            await run_in_threadpool(seal_due, app.state.db, now=app.state.clock.now(), minutes=minutes)
        except Exception:
            log.exception("sealing the bid boxes failed; will retry at the next pass")


def create_app(settings: Settings | None = None, *, clock: Clock | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or load_settings()
    settings.check_production()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = db or create_database(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        lease = background_lease(settings.data_dir)
        task = None
        if settings.tree_head_interval_seconds > 0:
            task = asyncio.create_task(_publish_tree_heads(app, settings.tree_head_interval_seconds, lease))
        ticker = None
        if settings.scheduler_interval_seconds > 0:
            ticker = asyncio.create_task(_run_scheduler(app, settings.scheduler_interval_seconds, lease))
        yield
        for background in (task, ticker):
            if background is not None:
                background.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await background
        lease.release()
        if db is None:
            database.dispose()

    app = FastAPI(
        title="ggzy 公共资源交易平台 API",
        version=ggzy.__version__,
        description=(
            "统一的公共资源交易平台开放接口。"
            "所有错误使用统一结构：HTTP 状态码、稳定错误代码、中文信息、相关字段或法律规则。"
        ),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.clock = clock or SystemClock()
    app.state.resolve_principal = _resolve_principal
    # Generated on first start, kept in the data folder: the platform's identity for signed tree heads.
    app.state.signing_key = SigningKey.load_or_create(settings.signing_key_path)
    database.signer = app.state.signing_key
    _install_error_handlers(app)

    from ggzy.web import api as web_api
    from ggzy.web import pages as web_pages

    app.include_router(web_pages.router)
    app.include_router(web_api.router)
    for module in _domain_modules():
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)
    app.mount("/static", StaticFiles(packages=[("ggzy.web", "static")]), name="static")
    return app
