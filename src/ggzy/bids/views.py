"""Bids API: opening key registration, resumable streaming upload, completion with a signed receipt,
the bidder's own bids, withdrawal. Before the deadline a bid is visible to its bidder only (404 otherwise)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from ggzy.bids import queries, service, upload_io
from ggzy.bids.schemas import BidOut, OpeningKeyIn, OpeningKeyOut, UploadIn, UploadOut
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import Clock
from ggzy.core.db import Database
from ggzy.core.errors import NotFound, error_responses
from ggzy.core.security import Principal, Role, allow, authenticated, public
from ggzy.core.settings import Settings
from ggzy.ledger.signing import SigningKey
from ggzy.web.routing import api_router, client_ip, get_clock, get_db, get_session, get_settings

router = api_router(prefix="/api", tags=["投标文件递交"])
DB = Annotated[Session, Depends(get_session)]
DbDep = Annotated[Database, Depends(get_db)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Bidder = Annotated[Principal, Depends(allow(Role.bidder_staff))]
User_ = Annotated[Principal, Depends(authenticated)]


def _storage(settings: Settings) -> BidStorage:
    return BidStorage.under(settings.data_dir)


@router.post(
    "/lots/{lot_id}/opening-key",
    response_model=OpeningKeyOut,
    status_code=201,
    responses=error_responses(403, 404, 409, 422),
    summary="登记标段开标公钥（交易中心；私钥由保管人离线分片保管）",
)
def register_opening_key(
    lot_id: int,
    body: OpeningKeyIn,
    actor: Annotated[Principal, Depends(allow(Role.center_staff))],
    session: DB,
    clock: ClockDep,
) -> OpeningKeyOut:
    row = service.register_opening_key(
        session,
        actor=actor,
        lot_id=lot_id,
        public_key=body.public_key,
        k=body.k,
        n=body.n,
        custodians=body.custodians,
        commitments_digest=body.commitments_digest,
        now=clock.now(),
    )
    return OpeningKeyOut.of(row)


@router.get(
    "/lots/{lot_id}/opening-key",
    response_model=OpeningKeyOut,
    responses=error_responses(404),
    summary="标段开标公钥（公开，投标人据此加密）",
)
def get_opening_key(lot_id: int, _: Annotated[Principal | None, Depends(public)], session: DB) -> OpeningKeyOut:
    row = service.opening_key_of(session, lot_id)
    if row is None:
        raise NotFound("该标段尚未登记开标公钥", code="OPENING_KEY_NOT_FOUND", field="lot_id")
    return OpeningKeyOut.of(row)


@router.post(
    "/lots/{lot_id}/bids/uploads",
    response_model=UploadOut,
    status_code=201,
    responses=error_responses(403, 404, 409, 422),
    summary="开始上传密封投标文件（可续传）",
)
def start_upload(lot_id: int, body: UploadIn, actor: Bidder, db: DbDep, clock: ClockDep) -> UploadOut:
    return upload_io.start(db, actor=actor, lot_id=lot_id, declared_size=body.declared_size, now=clock.now())


@router.get(
    "/bid-uploads/{upload_id}",
    response_model=UploadOut,
    responses=error_responses(404),
    summary="查询上传进度（续传偏移量）",
)
def get_upload(upload_id: str, actor: Bidder, db: DbDep, clock: ClockDep, settings: SettingsDep) -> UploadOut:
    # A write transaction: after a crash the file may hold unacknowledged bytes, cut here.
    with db.transaction() as session:
        upload = service.own_upload(session, actor=actor, upload_id=upload_id, lock=True)
        service.reconcile_upload(session, upload=upload, storage=_storage(settings), now=clock.now())
        return UploadOut.of(upload)


@router.put(
    "/bid-uploads/{upload_id}",
    response_model=UploadOut,
    responses=error_responses(400, 404, 409, 422),
    summary="上传一个分块（请求头 Content-Range: bytes 起-止/总数；偏移量不符返回 409 及应续传的偏移量）",
)
async def put_chunk(
    upload_id: str, request: Request, actor: Bidder, db: DbDep, clock: ClockDep, settings: SettingsDep
) -> UploadOut:
    return await upload_io.receive_chunk(
        request, actor=actor, upload_id=upload_id, db=db, clock=clock, storage=_storage(settings)
    )


@router.post(
    "/bid-uploads/{upload_id}/complete",
    response_model=BidOut,
    status_code=201,
    responses=error_responses(404, 409, 422),
    summary="完成上传：校验密封格式并即时返回签名回执",
)
def complete_upload(
    upload_id: str, request: Request, actor: Bidder, db: DbDep, clock: ClockDep, settings: SettingsDep
) -> BidOut:
    signing_key: SigningKey = request.app.state.signing_key
    return upload_io.complete(
        db,
        actor=actor,
        upload_id=upload_id,
        storage=_storage(settings),
        signing_key=signing_key,
        ip=client_ip(request),
        now=clock.now(),
    )


@router.get("/bids", response_model=list[BidOut], summary="本单位的投标文件（仅投标人本人可见）")
def list_own_bids(
    actor: User_, session: DB, lot_id: Annotated[int | None, Query(ge=1, description="标段编号")] = None
) -> list[BidOut]:
    return queries.own_bids(session, actor=actor, lot_id=lot_id)


@router.get("/bids/{bid_id}", response_model=BidOut, responses=error_responses(404), summary="投标文件与回执")
def get_bid(bid_id: str, actor: User_, session: DB) -> BidOut:
    return BidOut.of(service.own_bid(session, actor=actor, bid_id=bid_id))


@router.post(
    "/bids/{bid_id}/withdraw",
    response_model=BidOut,
    responses=error_responses(404, 409, 422),
    summary="投标截止前撤回投标文件",
)
def withdraw_bid(bid_id: str, actor: User_, session: DB, clock: ClockDep) -> BidOut:
    return BidOut.of(service.withdraw_bid(session, actor=actor, bid_id=bid_id, now=clock.now()))


# The opening (开标) endpoints live in their own module; the app discovers only this router.
from ggzy.bids.opening_views import router as _opening_router  # noqa: E402

router.include_router(_opening_router)
