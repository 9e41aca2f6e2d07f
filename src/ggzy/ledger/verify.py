"""Offline verification of a downloaded ledger against a signed tree head (``ggzy verify``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ggzy.ledger.merkle import canonical_json, leaf_hash, root_from_leaves
from ggzy.ledger.signing import TreeHead, verify_tree_head


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    code: str
    message_zh: str
    checked: int
    index: int | None = None
    extra_events: int = 0


class _Failure(Exception):
    def __init__(self, code: str, message: str, index: int | None) -> None:
        super().__init__(message)
        self.code, self.message, self.index = code, message, index


def _leaves(events: Iterable[Mapping[str, Any]], size: int, counter: list[int]) -> Iterator[bytes]:
    expected = 0
    for event in events:
        index = event.get("index")
        if index != expected:
            raise _Failure(
                "LEDGER_INDEX_GAP",
                f"事件序号不连续：应为 {expected}，实为 {index}（事件被删除、插入或调换了顺序）",
                expected,
            )
        if expected >= size:
            counter[1] += 1  # the log grew after the head was signed: allowed, not covered
            expected += 1
            continue
        doc = {k: v for k, v in event.items() if k != "leaf_hash"}
        try:
            computed = leaf_hash(canonical_json(doc))
        except TypeError as exc:
            raise _Failure("LEDGER_MALFORMED_EVENT", f"事件 {index} 的内容无法规范化：{exc}", expected) from exc
        stored = event.get("leaf_hash")
        if stored is not None and stored != computed.hex():
            raise _Failure("LEDGER_LEAF_MISMATCH", f"事件 {index} 的内容与其叶子哈希不符：该事件已被修改", expected)
        counter[0] += 1
        expected += 1
        yield computed


def verify_log(events: Iterable[Mapping[str, Any]], head: TreeHead, public_key_pem: bytes) -> VerifyResult:
    """Stream ``events`` (index 0, 1, 2, …) and check them against ``head``; constant memory."""
    if not verify_tree_head(head, public_key_pem):
        return VerifyResult(False, "LEDGER_BAD_SIGNATURE", "签名树头的签名无效或不是该公钥签发的", 0)
    counter = [0, 0]
    try:
        size, root = root_from_leaves(_leaves(events, head.tree_size, counter))
    except _Failure as failure:
        return VerifyResult(False, failure.code, failure.message, counter[0], failure.index, counter[1])
    if counter[0] < head.tree_size:
        return VerifyResult(
            False,
            "LEDGER_TOO_SHORT",
            f"日志只有 {counter[0]} 个事件，少于签名树头的 {head.tree_size} 个（事件被删除）",
            counter[0],
            counter[0],
        )
    if root != head.root_hash:
        return VerifyResult(
            False,
            "LEDGER_ROOT_MISMATCH",
            "由日志计算的根哈希与签名树头不符：有事件被修改、删除或调换了顺序",
            counter[0],
        )
    grown = f"，其后另有 {counter[1]} 个新事件（尚未签名）" if counter[1] else ""
    return VerifyResult(
        True, "OK", f"{size} 个事件与签名树头一致（根哈希 {root.hex()[:16]}…）{grown}", counter[0], None, counter[1]
    )
