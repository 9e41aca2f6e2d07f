"""API shapes of the transparency ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from ggzy.ledger.signing import TreeHead


class TreeHeadOut(BaseModel):
    tree_size: int = Field(description="树的大小（事件数）")
    root_hash: str = Field(description="根哈希（十六进制，RFC 6962）")
    timestamp_ms: int = Field(description="签名时间（毫秒，UTC）")
    timestamp: datetime
    signature: str = Field(description="Ed25519 签名（十六进制），签名内容见 signed_bytes")
    key_id: str
    signed_bytes: str = Field(description="被签名的字节（UTF-8 文本），便于独立验证")

    @classmethod
    def of(cls, head: TreeHead) -> TreeHeadOut:
        return cls(
            tree_size=head.tree_size,
            root_hash=head.root_hash.hex(),
            timestamp_ms=head.timestamp_ms,
            timestamp=datetime.fromtimestamp(head.timestamp_ms / 1000, tz=UTC),
            signature=head.signature.hex(),
            key_id=head.key_id,
            signed_bytes=head.signed_bytes().decode("utf-8"),
        )


class PublicKeyOut(BaseModel):
    key_id: str
    algorithm: str = "Ed25519"
    public_key_pem: str


class EventOut(BaseModel):
    index: int
    kind: str
    at: str
    actor: str
    subject: str
    data: dict[str, Any]
    private_digest: str | None
    leaf_hash: str


class EventPage(BaseModel):
    items: list[EventOut]
    next_start: int | None = Field(description="下一页的起始序号；为空表示已到末尾")


class InclusionProofOut(BaseModel):
    index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    audit_path: list[str]


class ConsistencyProofOut(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]
