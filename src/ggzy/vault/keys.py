"""X25519 key pairs for sealing: key ids, PEM (PKCS#8 / SPKI) and JSON encodings, loading from files.

A key id is the first 16 bytes (32 hex digits) of SHA-256 over the raw 32-byte public key: short enough to
print, long enough that two keys never share one by accident.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from ggzy.vault.errors import key_invalid

PUBLIC_KEY_TYPE = "ggzy.vault.public_key"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def key_id_of_raw(raw_public: bytes) -> str:
    return hashlib.sha256(raw_public).hexdigest()[:32]


def raw_public(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def raw_private(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


@dataclass(frozen=True)
class PublicKey:
    """A recipient's X25519 public key with its key id."""

    key: X25519PublicKey

    @property
    def raw(self) -> bytes:
        return raw_public(self.key)

    @property
    def key_id(self) -> str:
        return key_id_of_raw(self.raw)

    @classmethod
    def from_raw(cls, raw: bytes) -> PublicKey:
        if len(raw) != 32:
            raise key_invalid("X25519 公钥应为 32 字节")
        return cls(X25519PublicKey.from_public_bytes(raw))

    def to_pem(self) -> bytes:
        return self.key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def to_json(self) -> dict[str, Any]:
        return {"type": PUBLIC_KEY_TYPE, "alg": "X25519", "key_id": self.key_id, "public_key": self.raw.hex()}

    @classmethod
    def from_json(cls, doc: Any) -> PublicKey:
        if not isinstance(doc, dict) or doc.get("type") != PUBLIC_KEY_TYPE or doc.get("alg") != "X25519":
            raise key_invalid("不是 ggzy X25519 公钥文档")
        hex_key = doc.get("public_key")
        if not isinstance(hex_key, str) or not _HEX64.match(hex_key):
            raise key_invalid("public_key 应为 64 位小写十六进制")
        key = cls.from_raw(bytes.fromhex(hex_key))
        if doc.get("key_id") not in (None, key.key_id):
            raise key_invalid("key_id 与公钥不符")
        return key

    @classmethod
    def parse(cls, data: bytes) -> PublicKey:
        """Accepts SPKI PEM, the JSON document, or 64 hex digits (what a notice or a web page publishes)."""
        text = data.strip()
        if text.startswith(b"-----BEGIN"):
            try:
                key = serialization.load_pem_public_key(text)
            except ValueError as exc:
                raise key_invalid("PEM 无法解析") from exc
            if not isinstance(key, X25519PublicKey):
                raise key_invalid("PEM 不是 X25519 公钥")
            return cls(key)
        if text.startswith(b"{"):
            try:
                doc = json.loads(text)
            except ValueError as exc:
                raise key_invalid("JSON 无法解析") from exc
            return cls.from_json(doc)
        try:
            hex_text = text.decode("ascii").lower()
        except UnicodeDecodeError as exc:
            raise key_invalid("无法识别的公钥格式") from exc
        if not _HEX64.match(hex_text):
            raise key_invalid("无法识别的公钥格式（应为 PEM、JSON 或 64 位十六进制）")
        return cls.from_raw(bytes.fromhex(hex_text))


@dataclass(frozen=True)
class PrivateKey:
    """An X25519 private key (a bidder's own key, or a lot's opening key once rebuilt from shares)."""

    key: X25519PrivateKey

    @classmethod
    def generate(cls) -> PrivateKey:
        return cls(X25519PrivateKey.generate())

    @classmethod
    def from_raw(cls, raw: bytes) -> PrivateKey:
        if len(raw) != 32:
            raise key_invalid("X25519 私钥应为 32 字节")
        return cls(X25519PrivateKey.from_private_bytes(raw))

    @property
    def raw(self) -> bytes:
        return raw_private(self.key)

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.key.public_key())

    @property
    def key_id(self) -> str:
        return self.public.key_id

    def to_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @classmethod
    def parse(cls, data: bytes) -> PrivateKey:
        try:
            key = serialization.load_pem_private_key(data.strip(), password=None)
        except (ValueError, TypeError) as exc:
            raise key_invalid("私钥 PEM 无法解析（应为未加密的 PKCS#8）") from exc
        if not isinstance(key, X25519PrivateKey):
            raise key_invalid("私钥不是 X25519 密钥")
        return cls(key)


def write_private_key(path: Path, key: PrivateKey) -> None:
    """Write PKCS#8 PEM created with mode 0600 from the first byte; refuses to overwrite an existing key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.to_pem())


def load_private_key(path: Path) -> PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise key_invalid(f"无法读取私钥文件 {path}") from exc
    return PrivateKey.parse(data)


def load_public_key(path: Path) -> PublicKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise key_invalid(f"无法读取公钥文件 {path}") from exc
    return PublicKey.parse(data)
