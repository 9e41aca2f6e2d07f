"""k-of-n Shamir sharing of a lot's 32-byte X25519 opening private key among custodians.

Sharing is byte-wise over GF(2^8) (the AES field, x^8+x^4+x^3+x+1), share indices 1..n. Each share carries its
index, k, n, the opening key's id and the list of SHA-256 commitments to all n shares (fixed when the notice
is published; its digest can be printed in the notice). Combining checks every share against that list, so a
wrong or tampered share is named, and checks that the rebuilt key's public key has the announced key id.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ggzy.vault.envelope import canonical
from ggzy.vault.errors import share_invalid, shares_insufficient
from ggzy.vault.keys import PrivateKey, PublicKey

SHARE_TYPE = "ggzy.vault.share"
SHARE_VERSION = 1
COMMIT_LABEL = b"ggzy-share/v1/commit\x00"
_HEX = re.compile(r"^[0-9a-f]+$")

_EXP = [0] * 512
_LOG = [0] * 256
_x = 1
for _i in range(255):
    _EXP[_i] = _x
    _LOG[_x] = _i
    _x ^= (_x << 1) ^ (0x11B if _x & 0x80 else 0)  # multiply by the generator 3
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if b == 0:
        raise ZeroDivisionError
    if a == 0:
        return 0
    return _EXP[(_LOG[a] - _LOG[b]) % 255]


def _split_secret(secret: bytes, k: int, n: int) -> list[bytes]:
    """Shares y_1..y_n; byte j of share x is f_j(x) with f_j(0) = secret[j] and random degree k-1."""
    coeffs = [os.urandom(len(secret)) for _ in range(k - 1)]
    shares = []
    for x in range(1, n + 1):
        out = bytearray(len(secret))
        for j, s in enumerate(secret):
            acc = 0
            for c in reversed(coeffs):  # Horner
                acc = _mul(acc, x) ^ c[j]
            out[j] = _mul(acc, x) ^ s
        shares.append(bytes(out))
    return shares


def _combine_secret(points: Sequence[tuple[int, bytes]]) -> bytes:
    """Lagrange interpolation at 0 over the given (x, y) points."""
    xs = [x for x, _ in points]
    weights = []
    for i, xi in enumerate(xs):
        num, den = 1, 1
        for j, xj in enumerate(xs):
            if i != j:
                num = _mul(num, xj)
                den = _mul(den, xi ^ xj)
        weights.append(_div(num, den))
    length = len(points[0][1])
    out = bytearray(length)
    for w, (_, y) in zip(weights, points, strict=True):
        for j in range(length):
            out[j] ^= _mul(w, y[j])
    return bytes(out)


def commitment(key_id: str, k: int, n: int, index: int, value: bytes) -> bytes:
    return hashlib.sha256(COMMIT_LABEL + canonical([key_id, k, n, index, value.hex()])).digest()


def commitments_digest(commitments: Sequence[bytes]) -> str:
    return hashlib.sha256(b"".join(commitments)).hexdigest()


@dataclass(frozen=True)
class Share:
    key_id: str
    k: int
    n: int
    index: int
    value: bytes
    commitments: tuple[bytes, ...]
    custodian: str = ""

    @property
    def digest(self) -> str:
        return commitments_digest(self.commitments)

    def to_json(self) -> dict[str, Any]:
        return {
            "commitments": [c.hex() for c in self.commitments],
            "custodian": self.custodian,
            "index": self.index,
            "k": self.k,
            "key_id": self.key_id,
            "n": self.n,
            "type": SHARE_TYPE,
            "v": SHARE_VERSION,
            "value": self.value.hex(),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, doc: Any, *, position: int | None = None) -> Share:
        def bad(detail: str) -> Exception:
            return share_invalid(detail, index=position)

        if not isinstance(doc, dict) or doc.get("type") != SHARE_TYPE or doc.get("v") != SHARE_VERSION:
            raise bad("不是 ggzy 密钥分片文档")
        k, n, index = doc.get("k"), doc.get("n"), doc.get("index")
        if not all(type(v) is int for v in (k, n, index)):
            raise bad("k、n、index 应为整数")
        assert isinstance(k, int) and isinstance(n, int) and isinstance(index, int)
        if not 1 <= k <= n <= 255 or not 1 <= index <= n:
            raise bad(f"k={k}、n={n}、index={index} 不合法")
        key_id, value, commits = doc.get("key_id"), doc.get("value"), doc.get("commitments")
        if not isinstance(key_id, str) or len(key_id) != 32 or not _HEX.match(key_id):
            raise bad("key_id 无效")
        if not isinstance(value, str) or len(value) != 64 or not _HEX.match(value):
            raise bad("value 应为 64 位十六进制")
        if (
            not isinstance(commits, list)
            or len(commits) != n
            or not all(isinstance(c, str) and len(c) == 64 and _HEX.match(c) for c in commits)
        ):
            raise bad("commitments 应为 n 个 SHA-256 十六进制值")
        custodian = doc.get("custodian", "")
        if not isinstance(custodian, str):
            raise bad("custodian 应为字符串")
        return cls(
            key_id=key_id,
            k=k,
            n=n,
            index=index,
            value=bytes.fromhex(value),
            commitments=tuple(bytes.fromhex(c) for c in commits),
            custodian=custodian,
        )

    @classmethod
    def loads(cls, text: str | bytes, *, position: int | None = None) -> Share:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise share_invalid("JSON 无法解析", index=position) from exc
        return cls.from_json(doc, position=position)


def split_key(key: PrivateKey, k: int, n: int, custodians: Sequence[str] = ()) -> list[Share]:
    if not 2 <= k <= n <= 255:
        raise share_invalid(f"门限参数应满足 2 ≤ k ≤ n ≤ 255（现为 k={k}、n={n}）")
    if custodians and len(custodians) != n:
        raise share_invalid(f"保管人数量 {len(custodians)} 与 n={n} 不符")
    key_id = key.key_id
    values = _split_secret(key.raw, k, n)
    commits = tuple(commitment(key_id, k, n, i + 1, v) for i, v in enumerate(values))
    names = list(custodians) or [""] * n
    return [
        Share(key_id=key_id, k=k, n=n, index=i + 1, value=v, commitments=commits, custodian=names[i])
        for i, v in enumerate(values)
    ]


def combine_shares(shares: Sequence[Share], *, expected_digest: str | None = None) -> PrivateKey:
    """Rebuild the opening key from at least k valid shares. The commitment list is the one in
    ``expected_digest`` (as published) or else the one most shares carry; a share that disagrees is named."""
    if not shares:
        raise shares_insufficient(0, 1)
    counts = Counter(s.digest for s in shares).most_common()
    if expected_digest is not None:
        reference = expected_digest
    elif len(counts) > 1 and counts[0][1] == counts[1][1]:
        indices = "、".join(str(s.index) for s in shares)
        raise share_invalid(f"分片（序号 {indices}）的承诺列表互不一致，请提供公告中的承诺摘要以确定哪一份被篡改")
    else:
        reference = counts[0][0]
    by_digest = next((s for s in shares if s.digest == reference), None)
    if by_digest is None:
        raise share_invalid(f"没有任何分片与公布的承诺摘要 {reference} 一致")
    key_id, k, n, commits = by_digest.key_id, by_digest.k, by_digest.n, by_digest.commitments
    valid: dict[int, Share] = {}
    for share in shares:
        if share.key_id != key_id:
            raise share_invalid(f"属于另一开标密钥 {share.key_id}，应为 {key_id}", index=share.index)
        if (share.k, share.n) != (k, n) or share.digest != reference:
            raise share_invalid("承诺列表与其他分片不一致（分片被替换或篡改）", index=share.index)
        if commitment(key_id, k, n, share.index, share.value) != commits[share.index - 1]:
            raise share_invalid("分片内容与承诺不符（分片被篡改）", index=share.index)
        if share.index in valid and valid[share.index].value != share.value:
            raise share_invalid("同一序号出现两个不同的分片", index=share.index)
        valid[share.index] = share
    if len(valid) < k:
        raise shares_insufficient(len(valid), k)
    points = [(s.index, s.value) for s in list(valid.values())[:k]]
    key = PrivateKey.from_raw(_combine_secret(points))
    if key.key_id != key_id:
        raise share_invalid(f"恢复出的密钥 {key.key_id} 与开标密钥 {key_id} 不符")
    return key


def generate_opening_key(k: int, n: int, custodians: Sequence[str] = ()) -> tuple[PublicKey, list[Share]]:
    """A lot's opening key at notice publication: the public key to publish and the n shares to hand out.
    The private key is never returned, so nothing can store it by accident."""
    key = PrivateKey.generate()
    return key.public, split_key(key, k, n, custodians)
