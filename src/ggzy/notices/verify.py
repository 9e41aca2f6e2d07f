"""Check a published notice end to end, as an outsider: its bytes, the platform's signature, the ledger event
that published it, and that event's inclusion in a signed tree head.

Pure functions over what the public API returns, so the same code runs in ``ggzy notice-verify`` and in tests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ggzy.ledger.merkle import canonical_json, leaf_hash, verify_inclusion
from ggzy.ledger.signing import TreeHead, verify_tree_head


@dataclass(frozen=True)
class NoticeCheck:
    ok: bool
    code: str
    message_zh: str


def _fail(code: str, message: str) -> NoticeCheck:
    return NoticeCheck(False, code, message)


def check_notice(
    *,
    document: bytes,
    signature_hex: str,
    event: dict[str, Any],
    head: TreeHead,
    audit_path: list[str],
    public_key_pem: bytes,
) -> NoticeCheck:
    """``event`` is the ledger event as /api/ledger/events/{index} returns it (with leaf_hash)."""
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        return _fail("NOTICE_KEY_INVALID", "平台公钥不是 Ed25519 公钥")
    try:
        key.verify(bytes.fromhex(signature_hex), document)
    except (InvalidSignature, ValueError):
        return _fail("NOTICE_SIGNATURE_INVALID", "公告签名无效：公告内容与平台签名不符")
    digest = hashlib.sha256(document).hexdigest()
    published = (event.get("data") or {}).get("notice") or {}
    if published.get("digest") != digest:
        return _fail("NOTICE_NOT_IN_EVENT", "账本事件记录的公告摘要与公告内容不符：公告在发布后被改动")
    doc = {k: v for k, v in event.items() if k != "leaf_hash"}
    leaf = leaf_hash(canonical_json(doc))
    if not verify_tree_head(head, public_key_pem):
        return _fail("LEDGER_HEAD_SIGNATURE_INVALID", "签名树头的签名无效")
    index = int(event["index"])
    if index >= head.tree_size or not verify_inclusion(
        leaf, index, head.tree_size, [bytes.fromhex(h) for h in audit_path], head.root_hash
    ):
        return _fail("LEDGER_INCLUSION_INVALID", f"账本事件 {index} 不在签名树头（大小 {head.tree_size}）之中")
    return NoticeCheck(
        True,
        "OK",
        f"公告签名有效，摘要 {digest[:16]}… 记录在账本事件 {index}，该事件包含在大小为 {head.tree_size} 的签名树头中",
    )
