"""The sealed-bid envelope: binary format, header validation, streaming seal and open (see docs/sealing.md).

Layout: ``MAGIC (8) | version (1) | header length (u32 BE) | canonical JSON header | chunk records``.
Every chunk is AES-256-GCM under a fresh per-envelope data key, nonce ``nonce_prefix (8) | counter (u32 BE)``
and AAD ``SHA-256(preamble) | counter (u32 BE) | final flag (1)``: a cut, reordered, swapped or re-headed
stream fails authentication. The data key is wrapped to each recipient with ephemeral-static X25519 and
HKDF-SHA256 whose info binds suite, lot, bidder, recipient key id and role. Memory stays at about two chunks
in both directions whatever the bid's size.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, BinaryIO, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ggzy.vault.errors import key_mismatch, malformed, not_encrypted, tampered
from ggzy.vault.keys import PrivateKey, PublicKey, raw_public

MAGIC = b"GGZYSEAL"
VERSION = 1
PREAMBLE_LEN = len(MAGIC) + 1 + 4
SUITE_V1 = "x25519-hkdf-sha256-aes256gcm"
SUITES = frozenset({SUITE_V1})  # 国密 (SM2/SM3/SM4-GCM) will be a second suite name here
WRAP_LABEL = "ggzy-seal/v1/wrap"
TAG_LEN = 16
DEFAULT_CHUNK_SIZE = 1 << 20
MIN_CHUNK_SIZE = 1
MAX_CHUNK_SIZE = 1 << 24
MAX_HEADER_LEN = 1 << 16
MAX_CHUNKS = (1 << 32) - 1
MAX_RECIPIENTS = 8
ROLES = ("bidder", "opening")
Role = Literal["bidder", "opening"]

_HEX = re.compile(r"^[0-9a-f]*$")
_CREATED_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_ZERO_NONCE = bytes(12)


def canonical(obj: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8 (JS: JSON.stringify over key-sorted objects gives the same bytes)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Recipient:
    key_id: str
    role: Role
    ephemeral_public_key: bytes
    wrapped_key: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "ephemeral_public_key": self.ephemeral_public_key.hex(),
            "key_id": self.key_id,
            "role": self.role,
            "wrapped_key": self.wrapped_key.hex(),
        }


@dataclass(frozen=True)
class EnvelopeHeader:
    suite: str
    lot_id: str
    bidder_id: str
    created_at: str
    chunk_size: int
    nonce_prefix: bytes
    recipients: tuple[Recipient, ...]
    metadata: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "bidder_id": self.bidder_id,
            "chunk_size": self.chunk_size,
            "created_at": self.created_at,
            "lot_id": self.lot_id,
            "metadata": dict(self.metadata),
            "nonce_prefix": self.nonce_prefix.hex(),
            "recipients": [r.to_json() for r in self.recipients],
            "suite": self.suite,
        }

    def encode(self) -> bytes:
        return canonical(self.to_json())

    def recipient(self, key_id: str) -> Recipient | None:
        return next((r for r in self.recipients if r.key_id == key_id), None)


@dataclass(frozen=True)
class ParsedHeader:
    header: EnvelopeHeader
    preamble: bytes  # magic, version, length and header bytes, exactly as read
    header_hash: bytes


@dataclass(frozen=True)
class SealResult:
    header: EnvelopeHeader
    ciphertext_hash: str  # SHA-256 hex over every envelope byte: what a receipt signs
    size: int
    plaintext_size: int


# ---- first-bytes check (the upload endpoint's fast refusal) ---------------------------------------------


def looks_like_envelope(prefix: bytes) -> bool:
    return prefix[: len(MAGIC)] == MAGIC


def sniff(prefix: bytes) -> None:
    """Refuse at the first bytes: ENVELOPE_NOT_ENCRYPTED for anything that is not an envelope at all
    (a PDF, a ZIP, text), ENVELOPE_MALFORMED for an envelope of an unknown version. Needs ≥ 9 bytes."""
    if len(prefix) < len(MAGIC):
        if MAGIC.startswith(prefix):
            raise malformed("文件过短，不足以识别")
        raise not_encrypted()
    if not looks_like_envelope(prefix):
        raise not_encrypted()
    if len(prefix) > len(MAGIC) and prefix[len(MAGIC)] != VERSION:
        raise malformed(f"不支持的格式版本 {prefix[len(MAGIC)]}")


# ---- header --------------------------------------------------------------------------------------------


def _hex_field(doc: dict[str, Any], name: str, length: int) -> bytes:
    value = doc.get(name)
    if not isinstance(value, str) or len(value) != 2 * length or not _HEX.match(value):
        raise malformed(f"{name} 应为 {2 * length} 位小写十六进制", field=f"header.{name}")
    return bytes.fromhex(value)


def _text_field(doc: dict[str, Any], name: str, max_len: int = 128) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= max_len:
        raise malformed(f"{name} 应为 1–{max_len} 个字符的字符串", field=f"header.{name}")
    return value


def _expect_keys(doc: Any, required: set[str], where: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise malformed(f"{where} 应为 JSON 对象", field=where)
    if set(doc) != required:
        extra, missing = sorted(set(doc) - required), sorted(required - set(doc))
        raise malformed(f"{where} 字段不符（多余 {extra}，缺少 {missing}）", field=where)
    return doc


_HEADER_KEYS = {"bidder_id", "chunk_size", "created_at", "lot_id", "metadata", "nonce_prefix", "recipients", "suite"}
_RECIPIENT_KEYS = {"ephemeral_public_key", "key_id", "role", "wrapped_key"}


def parse_header_json(header_bytes: bytes) -> EnvelopeHeader:
    try:
        doc = json.loads(header_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise malformed("头部不是合法的 UTF-8 JSON", field="header") from exc
    doc = _expect_keys(doc, _HEADER_KEYS, "header")
    try:
        is_canonical = canonical(doc) == header_bytes
    except ValueError:  # a lone surrogate (\ud800) cannot be encoded as UTF-8
        is_canonical = False
    if not is_canonical:
        raise malformed("头部 JSON 不是规范形式（键排序、无空格、UTF-8）", field="header")
    suite = doc["suite"]
    if suite not in SUITES:
        raise malformed(f"不支持的算法套件 {suite!r}", field="header.suite")
    chunk_size = doc["chunk_size"]
    if type(chunk_size) is not int or not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise malformed(f"chunk_size 应为 {MIN_CHUNK_SIZE}–{MAX_CHUNK_SIZE} 的整数", field="header.chunk_size")
    created_at = doc["created_at"]
    if not isinstance(created_at, str) or not _CREATED_AT.match(created_at):
        raise malformed("created_at 应为 UTC 时间 YYYY-MM-DDTHH:MM:SSZ", field="header.created_at")
    metadata = doc["metadata"]
    if (
        not isinstance(metadata, dict)
        or len(metadata) > 16
        or not all(isinstance(k, str) and isinstance(v, str) and len(k) <= 64 and len(v) <= 256
                   for k, v in metadata.items())
    ):
        raise malformed("metadata 应为最多 16 项的字符串映射", field="header.metadata")
    raw_recipients = doc["recipients"]
    if not isinstance(raw_recipients, list) or not 0 < len(raw_recipients) <= MAX_RECIPIENTS:
        raise malformed(f"recipients 应为 1–{MAX_RECIPIENTS} 项", field="header.recipients")
    recipients = []
    for item in raw_recipients:
        item = _expect_keys(item, _RECIPIENT_KEYS, "header.recipients[]")
        role = item["role"]
        if role not in ROLES:
            raise malformed(f"未知的接收方角色 {role!r}", field="header.recipients[].role")
        key_id = _hex_field(item, "key_id", 16).hex()
        recipients.append(
            Recipient(
                key_id=key_id,
                role=role,
                ephemeral_public_key=_hex_field(item, "ephemeral_public_key", 32),
                wrapped_key=_hex_field(item, "wrapped_key", 32 + TAG_LEN),
            )
        )
    if len({r.key_id for r in recipients}) != len(recipients):
        raise malformed("同一密钥重复出现在接收方中", field="header.recipients")
    if not any(r.role == "opening" for r in recipients):
        raise malformed("缺少开标密钥（opening）接收方", field="header.recipients")
    return EnvelopeHeader(
        suite=suite,
        lot_id=_text_field(doc, "lot_id"),
        bidder_id=_text_field(doc, "bidder_id"),
        created_at=created_at,
        chunk_size=chunk_size,
        nonce_prefix=_hex_field(doc, "nonce_prefix", 8),
        recipients=tuple(recipients),
        metadata=dict(metadata),
    )


def _read_full(src: BinaryIO, n: int) -> bytes:
    """Read exactly n bytes unless EOF comes first (sockets and pipes may return short reads)."""
    data = src.read(n)
    if len(data) == n or not data:
        return bytes(data)
    parts = [data]
    got = len(data)
    while got < n:
        more = src.read(n - got)
        if not more:
            break
        parts.append(more)
        got += len(more)
    return b"".join(parts)


def read_header(src: BinaryIO) -> ParsedHeader:
    """Read and validate the preamble and header; leaves ``src`` at the first chunk record."""
    fixed = _read_full(src, PREAMBLE_LEN)
    sniff(fixed)
    if len(fixed) < PREAMBLE_LEN:
        raise malformed("文件在头部之前结束")
    (length,) = struct.unpack(">I", fixed[len(MAGIC) + 1 :])
    if not 0 < length <= MAX_HEADER_LEN:
        raise malformed(f"头部长度 {length} 超出范围")
    header_bytes = _read_full(src, length)
    if len(header_bytes) != length:
        raise malformed("文件在头部中间结束")
    header = parse_header_json(header_bytes)
    preamble = fixed + header_bytes
    return ParsedHeader(header=header, preamble=preamble, header_hash=hashlib.sha256(preamble).digest())


def encode_preamble(header: EnvelopeHeader) -> bytes:
    body = header.encode()
    if len(body) > MAX_HEADER_LEN:
        raise malformed("头部过长")
    return MAGIC + bytes([VERSION]) + struct.pack(">I", len(body)) + body


# ---- key wrapping --------------------------------------------------------------------------------------


def _kek(shared: bytes, eph_pub: bytes, recipient_pub: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=eph_pub + recipient_pub, info=info).derive(shared)


def wrap_info(suite: str, lot_id: str, bidder_id: str, key_id: str, role: str) -> bytes:
    return canonical([WRAP_LABEL, suite, lot_id, bidder_id, key_id, role])


def wrap_key(
    data_key: bytes, recipient: PublicKey, role: Role, *, suite: str, lot_id: str, bidder_id: str
) -> Recipient:
    eph = X25519PrivateKey.generate()
    eph_pub = raw_public(eph.public_key())
    info = wrap_info(suite, lot_id, bidder_id, recipient.key_id, role)
    kek = _kek(eph.exchange(recipient.key), eph_pub, recipient.raw, info)
    wrapped = AESGCM(kek).encrypt(_ZERO_NONCE, data_key, None)
    return Recipient(key_id=recipient.key_id, role=role, ephemeral_public_key=eph_pub, wrapped_key=wrapped)


def unwrap_key(header: EnvelopeHeader, private_key: PrivateKey) -> bytes:
    entry = header.recipient(private_key.key_id)
    if entry is None:
        ids = ", ".join(f"{r.role}:{r.key_id}" for r in header.recipients)
        raise key_mismatch(f"密钥 {private_key.key_id} 不是本文件的接收方（接收方：{ids}）")
    my_pub = private_key.public.raw
    try:
        shared = private_key.key.exchange(PublicKey.from_raw(entry.ephemeral_public_key).key)
    except ValueError as exc:  # low-order point: all-zero shared secret
        raise tampered("接收方临时公钥无效") from exc
    info = wrap_info(header.suite, header.lot_id, header.bidder_id, entry.key_id, entry.role)
    kek = _kek(shared, entry.ephemeral_public_key, my_pub, info)
    try:
        return AESGCM(kek).decrypt(_ZERO_NONCE, entry.wrapped_key, None)
    except InvalidTag as exc:
        raise tampered(f"接收方 {entry.key_id} 的数据密钥无法解开（头部被改动）") from exc


# ---- chunks --------------------------------------------------------------------------------------------


def chunk_nonce(prefix: bytes, counter: int) -> bytes:
    return prefix + struct.pack(">I", counter)


def chunk_aad(header_hash: bytes, counter: int, final: bool) -> bytes:
    return header_hash + struct.pack(">IB", counter, 1 if final else 0)


def _rechunk(pieces: Iterable[bytes], size: int) -> Iterator[tuple[bytes, bool]]:
    """(chunk, is_final): full chunks while more data follows; the last may be full; empty only if all is."""
    buf = bytearray()
    for piece in pieces:
        buf += piece
        if len(buf) > size:
            n_full = (len(buf) - 1) // size  # keep at least one byte back: it may be the final chunk
            view = memoryview(buf)
            for i in range(n_full):
                yield bytes(view[i * size : (i + 1) * size]), False
            view.release()
            del buf[: n_full * size]
    yield bytes(buf), True


def seal_stream(
    plaintext: Iterable[bytes],
    out: BinaryIO,
    *,
    recipients: Sequence[tuple[PublicKey, Role]],
    lot_id: str,
    bidder_id: str,
    created_at: datetime,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    metadata: dict[str, str] | None = None,
) -> SealResult:
    """Encrypt ``plaintext`` pieces (any sizes) into ``out``; returns the header and the ciphertext hash."""
    if created_at.tzinfo is None:
        raise ValueError("created_at must be timezone-aware")
    data_key = AESGCM.generate_key(bit_length=256)
    wrapped = tuple(
        wrap_key(data_key, key, role, suite=SUITE_V1, lot_id=lot_id, bidder_id=bidder_id) for key, role in recipients
    )
    header = EnvelopeHeader(
        suite=SUITE_V1,
        lot_id=lot_id,
        bidder_id=bidder_id,
        created_at=created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        chunk_size=chunk_size,
        nonce_prefix=os.urandom(8),
        recipients=wrapped,
        metadata=dict(metadata or {}),
    )
    preamble = encode_preamble(header)
    parse_header_json(preamble[PREAMBLE_LEN:])  # the writer refuses what a reader would refuse
    header_hash = hashlib.sha256(preamble).digest()
    digest = hashlib.sha256(preamble)
    out.write(preamble)
    size = len(preamble)
    plain_size = 0
    aead = AESGCM(data_key)
    for counter, (chunk, final) in enumerate(_rechunk(plaintext, chunk_size)):
        if counter >= MAX_CHUNKS:
            raise malformed("分块数量超出上限，请增大 chunk_size")
        record = aead.encrypt(chunk_nonce(header.nonce_prefix, counter), chunk, chunk_aad(header_hash, counter, final))
        out.write(record)
        digest.update(record)
        size += len(record)
        plain_size += len(chunk)
    return SealResult(header=header, ciphertext_hash=digest.hexdigest(), size=size, plaintext_size=plain_size)


def open_stream(
    src: BinaryIO, private_key: PrivateKey, *, parsed: ParsedHeader | None = None
) -> Iterator[bytes]:
    """Yield authenticated plaintext chunks. Each chunk is authentic when yielded, but the stream as a whole
    (no truncation) only once the iterator finishes without raising: treat output as provisional until then."""
    parsed = parsed or read_header(src)
    header = parsed.header
    aead = AESGCM(unwrap_key(header, private_key))
    record_len = header.chunk_size + TAG_LEN
    counter = 0
    current = _read_full(src, record_len)
    if not current:
        raise tampered("文件在第一个分块之前被截断")
    while True:
        following = _read_full(src, record_len)
        final = not following
        if len(current) < TAG_LEN:
            raise tampered(f"第 {counter} 个分块被截断")
        if final and len(current) == TAG_LEN and counter > 0:
            raise tampered("末尾出现空分块")
        try:
            plain = aead.decrypt(
                chunk_nonce(header.nonce_prefix, counter), current, chunk_aad(parsed.header_hash, counter, final)
            )
        except InvalidTag as exc:
            hint = "（文件可能被截断或拼接）" if final else ""
            raise tampered(f"第 {counter} 个分块认证失败{hint}") from exc
        yield plain
        if final:
            return
        counter += 1
        if counter >= MAX_CHUNKS:
            raise tampered("分块数量超出上限")
        current = following


def envelope_hash(src: BinaryIO, *, block: int = 1 << 20) -> str:
    """SHA-256 hex over all bytes of an envelope file (the ``ciphertext_hash`` of receipts)."""
    digest = hashlib.sha256()
    while data := src.read(block):
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class EnvelopeInfo:
    header: EnvelopeHeader
    ciphertext_hash: str
    size: int
    chunks: int


def inspect_envelope(src: BinaryIO, *, block: int = 1 << 20) -> EnvelopeInfo:
    """What the platform can check without any key, streaming: magic and version (else
    ENVELOPE_NOT_ENCRYPTED / ENVELOPE_MALFORMED), a valid canonical header, a record layout that a complete
    envelope can have; and the ``ciphertext_hash`` for the receipt. Tags can only be checked at the opening."""
    parsed = read_header(src)
    digest = hashlib.sha256(parsed.preamble)
    body = 0
    while data := src.read(block):
        digest.update(data)
        body += len(data)
    record = parsed.header.chunk_size + TAG_LEN
    full, last = divmod(body, record)
    if body == 0 or 0 < last < TAG_LEN:
        raise tampered("分块数据不完整（文件被截断）")
    chunks = full + (1 if last else 0)
    if chunks > MAX_CHUNKS:
        raise malformed("分块数量超出上限")
    return EnvelopeInfo(parsed.header, digest.hexdigest(), len(parsed.preamble) + body, chunks)
