"""Pages for entities: registration, directory, an entity's page, my account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.errors import AppError
from ggzy.core.security import Principal, authenticated, public
from ggzy.core.settings import Settings
from ggzy.entities import auth, queries, service
from ggzy.entities.schemas import EntityRegistration, UserIn
from ggzy.entities.trades import KIND_LABELS_ZH
from ggzy.regions.queries import province_tree
from ggzy.web.auth import SESSION_COOKIE
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import client_ip, get_clock, get_session, get_settings, page_router
from ggzy.web.templating import render

router = page_router()
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]

REGISTER_FIELDS = [
    "uscc",
    "name",
    "kind",
    "region_code",
    "legal_representative",
    "contact_name",
    "contact_phone",
    "address",
    "admin_username",
    "admin_display_name",
]


def _validation_message(exc: ValidationError) -> tuple[str, str]:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    labels = {
        "uscc": "统一社会信用代码",
        "name": "主体名称",
        "legal_representative": "法定代表人",
        "region_code": "所在地区",
        "admin.username": "用户名",
        "admin.display_name": "姓名",
        "admin.password": "密码",
        "contact_phone": "联系电话",
        "address": "地址",
        "kind": "主体类型",
        "username": "用户名",
        "display_name": "姓名",
        "password": "密码",
    }
    reasons = {
        "string_too_short": "长度不足",
        "string_too_long": "过长",
        "string_pattern_mismatch": "格式不正确",
        "missing": "必填",
        "enum": "取值无效",
    }
    return f"{labels.get(loc, loc)}：{reasons.get(err['type'], err['msg'])}", loc


def _register_form(
    request: Request,
    session: Session,
    settings: Settings,
    *,
    values: dict[str, Any],
    error: str | None = None,
    field: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "entities/register.html",
        {
            "values": values,
            "error": error,
            "error_field": field,
            "kinds": KIND_LABELS_ZH,
            "tree": province_tree(session, settings.province_code),
        },
        status_code=status_code,
    )


@router.get("/entities/register", response_class=HTMLResponse)
def register_form(
    request: Request,
    _: Annotated[Principal | None, Depends(public)],
    session: DB,
    settings: Annotated[Settings, Depends(get_settings)],
) -> HTMLResponse:
    return _register_form(request, session, settings, values={"kind": "bidder"})


@router.post("/entities/register", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def register_submit(
    request: Request,
    _: Annotated[Principal | None, Depends(public)],
    session: DB,
    clock: ClockDep,
    settings: Annotated[Settings, Depends(get_settings)],
    uscc: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=300)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    region_code: Annotated[str, Form(max_length=20)] = "",
    legal_representative: Annotated[str, Form(max_length=200)] = "",
    contact_name: Annotated[str, Form(max_length=200)] = "",
    contact_phone: Annotated[str, Form(max_length=50)] = "",
    address: Annotated[str, Form(max_length=500)] = "",
    admin_username: Annotated[str, Form(max_length=200)] = "",
    admin_display_name: Annotated[str, Form(max_length=200)] = "",
    admin_password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    values = {
        "uscc": uscc,
        "name": name,
        "kind": kind,
        "region_code": region_code,
        "legal_representative": legal_representative,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "address": address,
        "admin_username": admin_username,
        "admin_display_name": admin_display_name,
    }
    try:
        body = EntityRegistration(
            uscc=uscc,
            name=name,
            kind=kind,
            region_code=region_code,
            legal_representative=legal_representative,
            contact_name=contact_name,
            contact_phone=contact_phone,
            address=address,
            admin=UserIn(username=admin_username, display_name=admin_display_name, password=admin_password),
        )
        now = clock.now()
        entity, admin = service.register_entity(
            session,
            uscc=body.uscc,
            name=body.name,
            kind=body.kind,
            region_code=body.region_code,
            legal_representative=body.legal_representative,
            contact_name=body.contact_name,
            contact_phone=body.contact_phone,
            address=body.address,
            admin_username=body.admin.username,
            admin_display_name=body.admin.display_name,
            admin_password=body.admin.password,
            now=now,
        )
    except ValidationError as exc:
        message, field = _validation_message(exc)
        return _register_form(request, session, settings, values=values, error=message, field=field, status_code=422)
    except AppError as exc:
        session.rollback()
        return _register_form(
            request, session, settings, values=values, error=exc.message, field=exc.field, status_code=exc.status_code
        )
    raw = auth.start_session(session, user=admin, ip=client_ip(request), now=now, settings=settings)
    response = RedirectResponse(f"/entities/{entity.id}?registered=1", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        httponly=True,
        samesite="lax",
        secure=settings.cookie_secure,
        max_age=settings.session_days * 86400,
    )
    return response


@router.get("/entities", response_class=HTMLResponse)
def directory_page(
    request: Request,
    _: Annotated[Principal | None, Depends(public)],
    session: DB,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> HTMLResponse:
    size = 20
    result = queries.directory(session, q=q, region=None, kind=None, limit=size, offset=(page - 1) * size)
    return render(
        request,
        "entities/directory.html",
        {
            "result": result,
            "q": q or "",
            "page": page,
            "pages": max(1, -(-result.total // size)),
            "kinds": KIND_LABELS_ZH,
        },
    )


def _entity_page(
    request: Request,
    session: Session,
    principal: Principal | None,
    entity_id: int,
    *,
    error: str | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    entity = queries.entity_for(session, actor=principal, entity_id=entity_id)
    manager = False
    users = []
    if principal is not None:
        try:
            service.require_manager(principal, entity_id)
            manager = True
            users = queries.entity_users(session, actor=principal, entity_id=entity_id)
        except AppError:
            manager = False
    return render(
        request,
        "entities/entity.html",
        {
            "entity": entity,
            "private": hasattr(entity, "contact_phone"),
            "manager": manager,
            "users": users,
            "kinds": KIND_LABELS_ZH,
            "error": error,
            "message": message,
            "registered": request.query_params.get("registered") == "1",
        },
        status_code=status_code,
    )


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(
    request: Request, entity_id: int, principal: Annotated[Principal | None, Depends(public)], session: DB
) -> HTMLResponse:
    return _entity_page(request, session, principal, entity_id)


@router.post("/entities/{entity_id}/users", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def add_user_submit(
    request: Request,
    entity_id: int,
    principal: Annotated[Principal, Depends(authenticated)],
    session: DB,
    clock: ClockDep,
    username: Annotated[str, Form(max_length=200)] = "",
    display_name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    try:
        body = UserIn(username=username, display_name=display_name, password=password)
        service.add_user(
            session,
            actor=principal,
            entity_id=entity_id,
            username=body.username,
            display_name=body.display_name,
            password=body.password,
            now=clock.now(),
        )
    except ValidationError as exc:
        return _entity_page(request, session, principal, entity_id, error=_validation_message(exc)[0], status_code=422)
    except AppError as exc:
        session.rollback()
        if exc.status_code in (403, 404):
            raise
        return _entity_page(request, session, principal, entity_id, error=exc.message, status_code=exc.status_code)
    return _entity_page(request, session, principal, entity_id, message=f"已添加用户 {body.username}")


def _account(request: Request, session: Session, principal: Principal, **extra: Any) -> HTMLResponse:
    status_code = extra.pop("status_code", 200)
    return render(
        request,
        "entities/account.html",
        {
            "tokens": queries.my_tokens(session, actor=principal),
            **extra,
        },
        status_code=status_code,
    )


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, principal: Annotated[Principal, Depends(authenticated)], session: DB) -> HTMLResponse:
    return _account(request, session, principal)


@router.post("/account/password", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def account_password(
    request: Request,
    principal: Annotated[Principal, Depends(authenticated)],
    session: DB,
    clock: ClockDep,
    old_password: Annotated[str, Form(max_length=200)] = "",
    new_password: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    try:
        service.change_password(
            session, actor=principal, old_password=old_password, new_password=new_password, now=clock.now()
        )
    except AppError as exc:
        session.rollback()
        return _account(request, session, principal, error=exc.message, status_code=exc.status_code)
    return _account(request, session, principal, message="密码已修改")


@router.post("/account/tokens", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def account_new_token(
    request: Request,
    principal: Annotated[Principal, Depends(authenticated)],
    session: DB,
    clock: ClockDep,
    settings: Annotated[Settings, Depends(get_settings)],
    name: Annotated[str, Form(min_length=1, max_length=50)] = "api",
) -> HTMLResponse:
    user = service.get_user(session, principal.user_id)
    raw, _ = auth.issue_token(session, user=user, name=name, now=clock.now(), settings=settings)
    return _account(request, session, principal, new_token=raw, message="令牌已创建，仅显示这一次，请妥善保存")


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def account_revoke_token(
    request: Request,
    token_id: int,
    principal: Annotated[Principal, Depends(authenticated)],
    session: DB,
    clock: ClockDep,
) -> HTMLResponse:
    service.revoke_token(session, actor=principal, token_id=token_id, now=clock.now())
    return _account(request, session, principal, message="令牌已撤销")
