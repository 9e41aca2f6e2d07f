"""Opening API (开标): the hall state, decryption by bidders, escrow, classification, close, the record."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from ggzy.bids import opening
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import Clock
from ggzy.core.db import Database
from ggzy.core.errors import NotFound, error_responses
from ggzy.core.security import Principal, Role, allow, public
from ggzy.core.settings import Settings
from ggzy.web.routing import api_router, get_clock, get_db, get_session, get_settings

# No prefix: included into ``ggzy.bids.views.router``, which adds "/api".
router = api_router(tags=["开标"])
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
Center = Annotated[Principal, Depends(allow(Role.center_staff))]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DecryptIn(_In):
    data_key: str = Field(
        pattern=r"^[0-9a-fA-F]{64}$", description="投标人在本机用自己的私钥解开的数据密钥（64 位十六进制）"
    )


class EscrowIn(_In):
    bid_ids: list[str] = Field(min_length=1, max_length=500, description="要代为解密的投标文件回执编号")
    reason: str = Field(min_length=1, max_length=500, description="代为解密的决定及原因")
    shares: list[dict[str, Any]] = Field(min_length=1, max_length=255, description="保管人提交的开标密钥分片 JSON")


class ClassifyIn(_In):
    cause: Literal["bidder", "other"] = Field(description="bidder 投标人原因（撤销）/ other 其他原因（撤回）")
    note: str = Field(min_length=1, max_length=500, description="未解密的情况说明")


class BidStatusOut(BaseModel):
    receipt_id: str
    status: str
    status_label: str


class RecordOut(BaseModel):
    """The opening record: the published notice (kind ``opening`` or ``failure``) the close produced."""

    outcome: str = Field(description="opened 已开标 / failed 流标")
    notice_id: int
    document: dict[str, Any]
    document_text: str = Field(description="签名的规范 JSON 原文（即公告文档）")
    document_hash: str
    signature: str
    key_id: str


def _storage(settings: Settings) -> BidStorage:
    return BidStorage.under(settings.data_dir)


@router.get(
    "/lots/{lot_id}/opening",
    responses=error_responses(404),
    summary="开标大厅：各投标文件解密状态（结束前不公开他人报价），结束后为开标记录",
)
def hall(lot_id: int, actor: Annotated[Principal | None, Depends(public)], session: DB) -> dict[str, Any]:
    return opening.hall_state(session, actor=actor, lot_id=lot_id)


@router.post(
    "/bids/{bid_id}/decrypt",
    response_model=BidStatusOut,
    responses=error_responses(404, 409, 422),
    summary="投标人在线解密本单位的投标文件（提交数据密钥）",
)
def decrypt(
    bid_id: str,
    body: DecryptIn,
    actor: Annotated[Principal, Depends(allow(Role.bidder_staff))],
    session: DB,
    clock: ClockDep,
    settings: SettingsDep,
    db: Annotated[Database, Depends(get_db)],
) -> BidStatusOut:
    storage, key = _storage(settings), bytes.fromhex(body.data_key)
    # Stream and verify the whole envelope in a read session: no write lock is held meanwhile.
    reader = db.session(write=False)
    try:
        opened = opening.read_own_bid(reader, actor=actor, bid_id=bid_id, data_key=key, storage=storage)
    finally:
        reader.close()
    bid = opening.decrypt_bid(
        session, actor=actor, bid_id=bid_id, data_key=key, storage=storage, now=clock.now(), opened=opened
    )
    return BidStatusOut(receipt_id=bid.id, status=bid.status, status_label=opening.STATUS_ZH[bid.status])


@router.post(
    "/lots/{lot_id}/escrow",
    response_model=list[BidStatusOut],
    responses=error_responses(403, 404, 409, 422),
    summary="以保管人分片恢复开标密钥，代为解密所列投标文件（交易中心，记录决定）",
)
def escrow(
    lot_id: int, body: EscrowIn, actor: Center, session: DB, clock: ClockDep, settings: SettingsDep
) -> list[BidStatusOut]:
    bids = opening.open_by_escrow(
        session,
        actor=actor,
        lot_id=lot_id,
        bid_ids=body.bid_ids,
        reason=body.reason,
        shares=body.shares,
        storage=_storage(settings),
        now=clock.now(),
    )
    return [BidStatusOut(receipt_id=b.id, status=b.status, status_label=opening.STATUS_ZH[b.status]) for b in bids]


@router.post(
    "/bids/{bid_id}/classify",
    response_model=BidStatusOut,
    responses=error_responses(403, 404, 409, 422),
    summary="认定未解密投标文件：撤销或撤回（《电子招标投标办法》第三十一条）",
)
def classify(bid_id: str, body: ClassifyIn, actor: Center, session: DB, clock: ClockDep) -> BidStatusOut:
    bid = opening.classify_failure(
        session, actor=actor, bid_id=bid_id, cause=body.cause, note=body.note, now=clock.now()
    )
    return BidStatusOut(receipt_id=bid.id, status=bid.status, status_label=opening.STATUS_ZH[bid.status])


def record_out(session: Session, lot_id: int) -> RecordOut:
    rec = opening.opening_record(session, lot_id)
    notice = opening.record_notice(session, lot_id)
    if rec is None or notice is None:
        raise NotFound("该标段尚未公布开标记录", code="OPENING_RECORD_NOT_FOUND", field="lot_id")
    return RecordOut(
        outcome=rec.outcome,
        notice_id=notice.id,
        document=notice.fields(),
        document_text=notice.document,
        document_hash=notice.digest,
        signature=notice.signature,
        key_id=notice.key_id,
    )


@router.post(
    "/lots/{lot_id}/opening/close",
    response_model=RecordOut,
    responses=error_responses(403, 404, 409, 422),
    summary="结束开标：登记开标结果或流标，生成并公布签名的开标记录",
)
def close(lot_id: int, actor: Center, session: DB, clock: ClockDep) -> RecordOut:
    opening.close_opening(session, actor=actor, lot_id=lot_id, now=clock.now())
    return record_out(session, lot_id)


@router.get(
    "/lots/{lot_id}/opening-record",
    response_model=RecordOut,
    responses=error_responses(404),
    summary="开标记录（开标结束后公开；即平台签名的开标记录公告或流标公告）",
)
def get_record(lot_id: int, _: Annotated[Principal | None, Depends(public)], session: DB) -> RecordOut:
    return record_out(session, lot_id)
