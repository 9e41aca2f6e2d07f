"""API shapes for opening keys, bid uploads, bids and their receipts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from ggzy.bids.models import Bid, BidUpload, LotOpeningKey

if TYPE_CHECKING:
    from ggzy.bids.service import UploadProgress


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OpeningKeyIn(_In):
    public_key: str = Field(min_length=64, max_length=64, description="开标公钥（X25519，64 位小写十六进制）")
    k: int = Field(ge=1, le=255, description="恢复私钥所需的分片数（门限）")
    n: int = Field(ge=1, le=255, description="分片总数")
    custodians: list[str] = Field(min_length=1, max_length=255, description="分片保管人名称，按分片序号排列")
    commitments_digest: str = Field(min_length=64, max_length=64, description="分片承诺摘要（64 位十六进制）")


class OpeningKeyOut(BaseModel):
    lot_id: int
    key_id: str
    public_key: str
    k: int
    n: int
    custodians: list[str]
    commitments_digest: str
    registered_at: datetime

    @classmethod
    def of(cls, row: LotOpeningKey) -> OpeningKeyOut:
        return cls(
            lot_id=row.lot_id,
            key_id=row.key_id,
            public_key=row.public_key,
            k=row.k,
            n=row.n,
            custodians=list(row.custodians),
            commitments_digest=row.commitments_digest,
            registered_at=row.registered_at,
        )


class UploadIn(_In):
    declared_size: int = Field(gt=0, description="密封投标文件的总字节数")


class UploadOut(BaseModel):
    id: str
    lot_id: int
    declared_size: int
    offset: int = Field(description="已可靠接收的字节数：下一个分块从这里开始")
    status: str

    @classmethod
    def of(cls, row: BidUpload | UploadProgress) -> UploadOut:
        return cls(
            id=row.id, lot_id=row.lot_id, declared_size=row.declared_size, offset=row.received, status=row.status
        )


class BidOut(BaseModel):
    id: str = Field(description="回执编号（截止后随标段投标箱承诺公开）")
    lot_id: int
    bidder_entity_id: int
    status: str = Field(description="submitted 有效 / replaced 已被替换 / withdrawn 已撤回")
    ciphertext_hash: str
    size: int
    submitted_at: datetime
    ended_at: datetime | None
    ledger_index: int | None = Field(
        description="标段投标箱承诺在公开账本中的序号；投标截止前为空（逐份登记会泄露投标数量）"
    )
    receipt: dict[str, Any] = Field(description="平台签名的确认回执（《电子招标投标办法》第二十七条）")

    @classmethod
    def of(cls, row: Bid) -> BidOut:
        return cls(
            id=row.id,
            lot_id=row.lot_id,
            bidder_entity_id=row.bidder_entity_id,
            status=row.status,
            ciphertext_hash=row.ciphertext_hash,
            size=row.size,
            submitted_at=row.submitted_at,
            ended_at=row.ended_at,
            ledger_index=row.ledger_index if row.ledger_index >= 0 else None,
            receipt=dict(row.receipt),
        )
