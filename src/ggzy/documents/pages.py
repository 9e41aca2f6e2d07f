"""The lot's documents page: files with download links and the change history for everyone; for the owner
or agency also the downloaders and the upload and change forms; center staff and supervisors see the
downloaders once the bid deadline passed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.clock import SHANGHAI, Clock
from ggzy.core.db import Database
from ggzy.core.errors import AppError, InvalidInput
from ggzy.core.security import Principal, Role, allow, public
from ggzy.core.settings import Settings
from ggzy.documents import notify, service
from ggzy.documents.storage import ALLOWED_ZH
from ggzy.documents.views import storage_for
from ggzy.entities.models import Entity
from ggzy.notices.service import KINDS
from ggzy.procedures.common import TENDER_STAGES
from ggzy.projects.service import is_manager
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import get_clock, get_db, get_session, get_settings, page_router
from ggzy.web.templating import render

router = page_router()
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Owner = Annotated[Principal, Depends(allow(Role.owner_staff))]


def _page(
    request: Request,
    session: Session,
    actor: Principal | None,
    lot_id: int,
    now: datetime,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    lot = service.visible_lot(session, actor=actor, lot_id=lot_id)
    manager = is_manager(actor, lot.project)
    downloads = (
        service.downloads_of(session, actor=actor, lot_id=lot_id, now=now)
        if service.may_see_downloads(actor, lot, now)
        else None
    )
    names: dict[int, str] = {}
    if downloads:
        ids = {d.entity_id for d in downloads}
        names = dict(session.execute(select(Entity.id, Entity.name).where(Entity.id.in_(ids))).all())
    docs = service.documents_of(session, actor=actor, lot=lot)
    return render(
        request,
        "documents/lot.html",
        {
            "lot": lot,
            "project": lot.project,
            "documents": docs,
            "doc_names": {d.id: f"{d.name}（第{d.version}版）" for d in docs},
            "changes": service.changes_of(session, lot_id),
            "KINDS": KINDS,
            "STAGES": TENDER_STAGES,
            "is_manager": manager,
            "can_upload": manager and lot.stage in service.UPLOAD_STAGES and service._before_deadline(lot, now),
            "can_change": manager and lot.stage == "published" and service._before_deadline(lot, now),
            "downloads": downloads,
            "entity_names": names,
            "commitment": service.commitment_of(session, lot_id) if downloads is not None else None,
            "notifications": notify.notifications_for(session, user_id=actor.user_id, lot_id=lot_id) if actor else [],
            "allowed": ALLOWED_ZH,
            "error": error,
        },
        status_code=status,
    )


def _refusal(exc: AppError) -> str:
    return exc.message if not exc.citation or exc.citation in exc.message else f"{exc.message}（{exc.citation}）"


@router.get("/lots/{lot_id}/documents", response_class=HTMLResponse, name="lot.documents")
def documents_page(
    request: Request, lot_id: int, actor: Annotated[Principal | None, Depends(public)], session: DB, clock: ClockDep
) -> HTMLResponse:
    return _page(request, session, actor, lot_id, clock.now())


@router.post("/lots/{lot_id}/documents/upload", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def upload_submit(
    request: Request,
    lot_id: int,
    actor: Owner,
    session: DB,
    db: Annotated[Database, Depends(get_db)],
    clock: ClockDep,
    settings: Annotated[Settings, Depends(get_settings)],
    file: Annotated[UploadFile, File()],
    replaces_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    name = file.filename or ""
    storage = storage_for(settings)
    try:
        replaces = int(replaces_id) if replaces_id.strip() else None
        service.check_upload(session, actor=actor, lot_id=lot_id, name=name, now=clock.now())
        incoming = storage.incoming(settings.tender_document_max_bytes)
        try:
            while block := file.file.read(1 << 20):
                incoming.write(block)
        except BaseException:
            incoming.discard()
            raise
        received = incoming.finish()
        service.add_document(
            session, actor=actor, lot_id=lot_id, name=name, received=received, storage=storage,
            replaces_id=replaces, now=clock.now(),
        )  # fmt: skip
    except ValueError:
        session.rollback()
        return _page(request, session, actor, lot_id, clock.now(), error="被替换的文件编号无效", status=422)
    except AppError as exc:
        session.rollback()
        return _page(request, session, actor, lot_id, clock.now(), error=_refusal(exc), status=exc.status_code)
    return RedirectResponse(f"/lots/{lot_id}/documents", status_code=303)


def _local(value: str, field: str, label: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"{label}：请填写日期和时间", code="INVALID_INPUT", field=field) from exc
    return parsed.replace(tzinfo=SHANGHAI) if parsed.tzinfo is None else parsed


@router.post("/lots/{lot_id}/documents/change", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def change_submit(
    request: Request,
    lot_id: int,
    actor: Owner,
    session: DB,
    clock: ClockDep,
    kind: Annotated[str, Form(max_length=20)] = "clarification",
    title: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=20000)] = "",
    affects_preparation: Annotated[str, Form(max_length=5)] = "",
    bid_deadline: Annotated[str, Form(max_length=40)] = "",
    documents_until: Annotated[str, Form(max_length=40)] = "",
    document_ids: Annotated[list[int] | None, Form()] = None,
) -> Response:
    try:
        service.publish_change(
            session,
            actor=actor,
            lot_id=lot_id,
            kind=kind,
            title=title,
            text=text,
            affects_preparation=bool(affects_preparation),
            new_bid_deadline=_local(bid_deadline, "bid_deadline", "顺延后的投标截止时间"),
            new_documents_until=_local(documents_until, "documents_until", "顺延后的文件发出截止时间"),
            document_ids=document_ids or [],
            now=clock.now(),
        )
    except AppError as exc:
        session.rollback()
        return _page(request, session, actor, lot_id, clock.now(), error=_refusal(exc), status=exc.status_code)
    return RedirectResponse(f"/lots/{lot_id}/documents", status_code=303)
