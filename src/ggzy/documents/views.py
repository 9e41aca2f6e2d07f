"""Tender documents API: list and download without sign-up, streamed upload by the owner or agency, the
confidential download list, change notices and clarifications."""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Query, Request
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.db import Database
from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, Role, allow, public
from ggzy.core.settings import Settings
from ggzy.documents import service
from ggzy.documents.schemas import ChangeIn, ChangeOut, CommitmentOut, DocumentOut, DownloadListOut, DownloadOut
from ggzy.documents.storage import DocumentStorage, Incoming
from ggzy.entities.models import Entity
from ggzy.web.routing import api_router, client_ip, get_clock, get_db, get_session, get_settings

router = api_router(prefix="/api", tags=["招标文件"])
DB = Annotated[Session, Depends(get_session)]
DbDep = Annotated[Database, Depends(get_db)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Anyone = Annotated[Principal | None, Depends(public)]
Owner = Annotated[Principal, Depends(allow(Role.owner_staff))]
BLOCK = 1 << 20  # bytes gathered before one write in a worker thread


def storage_for(settings: Settings) -> DocumentStorage:
    return DocumentStorage.under(settings.data_dir)


@router.get(
    "/lots/{lot_id}/documents",
    response_model=list[DocumentOut],
    responses=error_responses(404),
    summary="标段的招标文件（公开，无需注册；草稿标段不存在）",
)
def list_documents(lot_id: int, actor: Anyone, session: DB) -> list[DocumentOut]:
    lot = service.visible_lot(session, actor=actor, lot_id=lot_id)
    return [DocumentOut.of(d) for d in service.documents_of(session, actor=actor, lot=lot)]


async def stream_into(incoming: Incoming, request: Request) -> None:
    """Copy the request body to ``incoming`` in blocks, off the event loop; the size limit cuts it short."""
    buffer = bytearray()
    try:
        async for chunk in request.stream():
            buffer += chunk
            if len(buffer) >= BLOCK:
                data, buffer = bytes(buffer), bytearray()
                await to_thread.run_sync(incoming.write, data)
        if buffer:
            await to_thread.run_sync(incoming.write, bytes(buffer))
    except BaseException:
        incoming.discard()
        raise


def _precheck(db: Database, actor: Principal, lot_id: int, name: str, clock: Clock) -> None:
    # A read session: no write lock is held while the body streams in.
    session = db.session(write=False)
    try:
        service.check_upload(session, actor=actor, lot_id=lot_id, name=name, now=clock.now())
    finally:
        session.close()


def _store(
    db: Database, actor: Principal, lot_id: int, name: str, incoming: Incoming, storage: DocumentStorage,
    replaces_id: int | None, clock: Clock,
) -> DocumentOut:  # fmt: skip
    received = incoming.finish()
    with db.transaction() as session:
        doc = service.add_document(
            session,
            actor=actor,
            lot_id=lot_id,
            name=name,
            received=received,
            storage=storage,
            replaces_id=replaces_id,
            now=clock.now(),
        )
        return DocumentOut.of(doc)


@router.post(
    "/lots/{lot_id}/documents",
    response_model=DocumentOut,
    status_code=201,
    responses=error_responses(403, 404, 409, 413, 422),
    summary="上传招标文件（请求体为文件原始字节，流式写入；招标人或其代理机构；截止前）",
)
async def upload_document(
    lot_id: int,
    request: Request,
    actor: Owner,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
    name: Annotated[str, Query(min_length=1, max_length=200, description="文件名（含扩展名）")],
    replaces_id: Annotated[int | None, Query(description="替换的文件（新版本）")] = None,
) -> DocumentOut:
    await to_thread.run_sync(_precheck, db, actor, lot_id, name, clock)
    storage = storage_for(settings)
    incoming = await to_thread.run_sync(storage.incoming, settings.tender_document_max_bytes)
    await stream_into(incoming, request)
    return await to_thread.run_sync(_store, db, actor, lot_id, name, incoming, storage, replaces_id, clock)


@router.get(
    "/documents/{document_id}/file",
    response_class=FileResponse,
    responses=error_responses(404, 409),
    summary="下载招标文件（无需注册；登录的投标人下载会被保密记录）",
)
def download_document(
    document_id: int,
    request: Request,
    actor: Anyone,
    session: DB,
    db: DbDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> FileResponse:
    now = clock.now()
    doc = service.open_document(session, actor=actor, document_id=document_id, now=now)
    if actor is not None and actor.has(Role.bidder_staff):
        with db.transaction() as writer:
            service.record_download(writer, actor=actor, document_id=document_id, ip=client_ip(request), now=now)
    return FileResponse(
        storage_for(settings).resolve(doc.relpath),
        filename=doc.name,
        media_type="application/octet-stream",
        headers={"X-Content-SHA256": doc.sha256, "Cache-Control": "no-store"},
    )


def download_list(
    session: Session, db: Database, actor: Principal | None, lot_id: int, clock: Clock
) -> DownloadListOut:
    now = clock.now()
    rows = service.downloads_of(session, actor=actor, lot_id=lot_id, now=now)  # 404 unless allowed
    commitment = service.commitment_of(session, lot_id)
    lot_deadline = service.visible_lot(session, actor=actor, lot_id=lot_id).bid_deadline
    if commitment is None and lot_deadline is not None and now >= lot_deadline:
        with db.transaction() as writer:  # past the deadline and not yet committed (outbox late): do it now
            made = service.commit_downloads(writer, lot_id=lot_id, now=now)
            commitment = made
    commitment_out = CommitmentOut.of(commitment) if commitment is not None else None
    ids = {r.entity_id for r in rows}
    names = (
        dict(session.execute(select(Entity.id, Entity.name).where(Entity.id.in_(ids))).all()) if ids else {}
    )
    return DownloadListOut(
        lot_id=lot_id,
        downloads=[DownloadOut.of(r, names.get(r.entity_id, "")) for r in rows],
        commitment=commitment_out,
    )


@router.get(
    "/lots/{lot_id}/downloads",
    response_model=DownloadListOut,
    responses=error_responses(404),
    summary="招标文件下载记录（截止前仅招标人及其代理机构；截止后另有交易中心和行政监督人员；其他人为 404）",
)
def get_downloads(lot_id: int, actor: Anyone, session: DB, db: DbDep, clock: ClockDep) -> DownloadListOut:
    return download_list(session, db, actor, lot_id, clock)


@router.post(
    "/lots/{lot_id}/changes",
    response_model=ChangeOut,
    status_code=201,
    responses=error_responses(403, 404, 409, 422),
    summary="发布招标文件的澄清或变更公告（影响投标文件编制的须距截止至少15日，否则须顺延截止时间）",
)
def post_change(lot_id: int, body: ChangeIn, actor: Owner, session: DB, clock: ClockDep) -> ChangeOut:
    result = service.publish_change(
        session,
        actor=actor,
        lot_id=lot_id,
        kind=body.kind,
        title=body.title,
        text=body.text,
        affects_preparation=body.affects_preparation,
        new_bid_deadline=body.bid_deadline,
        new_documents_until=body.documents_until,
        document_ids=body.document_ids,
        now=clock.now(),
    )
    return ChangeOut(
        notice_id=result.notice.id,
        kind=result.notice.kind,
        lot_id=lot_id,
        bid_deadline=result.lot.bid_deadline,
        documents=[DocumentOut.of(d) for d in result.documents],
    )
