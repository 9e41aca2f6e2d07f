"""Submission receipts (确认回执, 《电子招标投标办法》第二十七条): lot, bidder, receipt id, ciphertext hash, time
and the lot's sealed bid box chain value after this bid (``ggzy.bids.box``), signed with the platform's Ed25519
key — the same :class:`ggzy.ledger.signing.SigningKey` that signs
tree heads. Receipts and tree heads sign different canonical documents (a ``type`` field only receipts carry),
so one can never be passed off as the other.

Version 2 replaced the public ledger index by the box chain value: an index into the public ledger,
written at submission, let anyone count the bids of a lot that was the only one open. The chain value binds
the platform to this bid and all before it in the lot, and is found in the lot's public commitment after the
deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ggzy.ledger.merkle import canonical_json
from ggzy.ledger.signing import SigningKey, key_id_of
from ggzy.vault.errors import receipt_invalid

RECEIPT_TYPE = "ggzy.vault.receipt"
RECEIPT_VERSION = 2
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Receipt:
    lot_id: str
    bidder_id: str
    receipt_id: str
    ciphertext_hash: str
    size: int
    received_at: str  # RFC 3339 UTC with milliseconds
    box_chain: str
    key_id: str = ""
    signature: bytes = b""

    def signed_document(self) -> dict[str, Any]:
        return {
            "bidder_id": self.bidder_id,
            "box_chain": self.box_chain,
            "ciphertext_hash": self.ciphertext_hash,
            "key_id": self.key_id,
            "lot_id": self.lot_id,
            "receipt_id": self.receipt_id,
            "received_at": self.received_at,
            "size": self.size,
            "type": RECEIPT_TYPE,
            "v": RECEIPT_VERSION,
        }

    def signed_bytes(self) -> bytes:
        return canonical_json(self.signed_document())

    def to_json(self) -> dict[str, Any]:
        return {**self.signed_document(), "signature": self.signature.hex()}

    @classmethod
    def from_json(cls, doc: Any) -> Receipt:
        if not isinstance(doc, dict) or doc.get("type") != RECEIPT_TYPE or doc.get("v") != RECEIPT_VERSION:
            raise receipt_invalid("不是 ggzy 投标回执")
        try:
            receipt = cls(
                lot_id=str(doc["lot_id"]),
                bidder_id=str(doc["bidder_id"]),
                receipt_id=str(doc["receipt_id"]),
                ciphertext_hash=str(doc["ciphertext_hash"]),
                size=int(doc["size"]),
                received_at=str(doc["received_at"]),
                box_chain=str(doc["box_chain"]),
                key_id=str(doc["key_id"]),
                signature=bytes.fromhex(str(doc["signature"])),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise receipt_invalid("字段缺失或类型错误") from exc
        return receipt


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("receipt time must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def issue_receipt(
    key: SigningKey,
    *,
    lot_id: str,
    bidder_id: str,
    receipt_id: str,
    ciphertext_hash: str,
    size: int,
    received_at: datetime,
    box_chain: str,
) -> Receipt:
    if not _HEX64.match(ciphertext_hash) or not _HEX64.match(box_chain):
        raise receipt_invalid("ciphertext_hash 与 box_chain 应为 64 位小写十六进制 SHA-256")
    if size < 0:
        raise receipt_invalid("size 不得为负")
    unsigned = Receipt(
        lot_id=lot_id,
        bidder_id=bidder_id,
        receipt_id=receipt_id,
        ciphertext_hash=ciphertext_hash,
        size=size,
        received_at=format_time(received_at),
        box_chain=box_chain,
        key_id=key.key_id,
    )
    signature = key.sign_typed_document(unsigned.signed_bytes())
    return replace(unsigned, signature=signature)


def verify_receipt(receipt: Receipt, public_key_pem: bytes) -> bool:
    """True only if the platform key (by PEM) made this exact receipt."""
    try:
        public = serialization.load_pem_public_key(public_key_pem)
    except ValueError:
        return False
    if not isinstance(public, Ed25519PublicKey) or key_id_of(public) != receipt.key_id:
        return False
    try:
        public.verify(receipt.signature, receipt.signed_bytes())
    except InvalidSignature:
        return False
    return True
