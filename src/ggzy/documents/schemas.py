"""API shapes of tender documents, downloads and changes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from ggzy.documents.models import DocumentDownload, DownloadCommitment, TenderDocument


class DocumentOut(BaseModel):
    id: int
    lot_id: int
    name: str = Field(description="文件名")
    ext: str
    size: int = Field(description="字节数")
    sha256: str = Field(description="文件的 SHA-256（十六进制）")
    version: int
    replaces_id: int | None
    status: str = Field(description="current 有效 / superseded 已被新版本替换 / pending 待变更公告发布（仅招标人可见）")
    notice_id: int | None = Field(description="发布该版本的变更公告（随招标公告发出的为空）")
    uploaded_at: datetime
    url: str = Field(description="下载地址（无需注册）")

    @classmethod
    def of(cls, doc: TenderDocument) -> DocumentOut:
        return cls(
            id=doc.id,
            lot_id=doc.lot_id,
            name=doc.name,
            ext=doc.ext,
            size=doc.size,
            sha256=doc.sha256,
            version=doc.version,
            replaces_id=doc.replaces_id,
            status=doc.status,
            notice_id=doc.notice_id,
            uploaded_at=doc.uploaded_at,
            url=f"/api/documents/{doc.id}/file",
        )


class DownloadOut(BaseModel):
    id: int
    document_id: int
    entity_id: int
    entity_name: str
    user_id: int
    ip: str
    at: datetime

    @classmethod
    def of(cls, row: DocumentDownload, entity_name: str) -> DownloadOut:
        return cls(
            id=row.id,
            document_id=row.document_id,
            entity_id=row.entity_id,
            entity_name=entity_name,
            user_id=row.user_id,
            ip=row.ip,
            at=row.at,
        )


class CommitmentOut(BaseModel):
    ledger_index: int
    count: int
    digest: str
    cutoff: datetime

    @classmethod
    def of(cls, row: DownloadCommitment) -> CommitmentOut:
        return cls(ledger_index=row.ledger_index, count=row.count, digest=row.digest, cutoff=row.cutoff)


class DownloadListOut(BaseModel):
    lot_id: int
    downloads: list[DownloadOut]
    commitment: CommitmentOut | None = Field(description="投标截止时写入账本的下载名单承诺（截止前为空）")


class ChangeIn(BaseModel):
    kind: Literal["change", "clarification"] = Field(description="change 变更 / clarification 澄清")
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=20000, description="澄清或修改的内容")
    affects_preparation: bool = Field(description="是否可能影响投标文件编制（影响的须距投标截止至少15日）")
    bid_deadline: AwareDatetime | None = Field(default=None, description="顺延后的投标截止时间（可空）")
    documents_until: AwareDatetime | None = Field(default=None, description="顺延后的文件发出截止时间（可空）")
    document_ids: list[int] = Field(default_factory=list, description="随本公告发布的新版本文件（待发布状态）")


class ChangeOut(BaseModel):
    notice_id: int
    kind: str
    lot_id: int
    bid_deadline: datetime | None
    documents: list[DocumentOut]
