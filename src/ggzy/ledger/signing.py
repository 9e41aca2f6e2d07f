"""Ed25519 signed tree heads (STH): the platform's signed statement of the log's size and root."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ggzy.ledger.merkle import canonical_json

SIGNED_FORMAT_VERSION = 1


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    signature: bytes
    key_id: str

    def signed_bytes(self) -> bytes:
        """What the signature covers: versioned canonical JSON, so any tool can rebuild it."""
        return signed_bytes(self.tree_size, self.root_hash, self.timestamp_ms)

    def to_json(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "timestamp_ms": self.timestamp_ms,
            "signature": self.signature.hex(),
            "key_id": self.key_id,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> TreeHead:
        return cls(
            tree_size=int(doc["tree_size"]),
            root_hash=bytes.fromhex(doc["root_hash"]),
            timestamp_ms=int(doc["timestamp_ms"]),
            signature=bytes.fromhex(doc["signature"]),
            key_id=str(doc["key_id"]),
        )


def signed_bytes(tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    return canonical_json({"v": SIGNED_FORMAT_VERSION, "size": tree_size, "root": root_hash.hex(), "ts": timestamp_ms})


def key_id_of(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


class SigningKey:
    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.key_id = key_id_of(private_key.public_key())

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        """The key in ``path`` (PKCS#8 PEM), created with mode 0600 on first use."""
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{path} is not an Ed25519 private key")
            return cls(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        new = Ed25519PrivateKey.generate()
        pem = new.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # Written whole under a private name (mode 0600 from the first byte), then linked to the real name,
        # which fails if it exists: of several worker processes starting at once, one key wins and the others
        # load it, never a half-written file.
        staging = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(staging, path)
            except FileExistsError:
                return cls.load_or_create(path)
        finally:
            staging.unlink()
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the name survives a crash: a lost key would split the platform's identity
        finally:
            os.close(directory)
        return cls(new)

    def public_key_pem(self) -> bytes:
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign_typed_document(self, document: bytes) -> bytes:
        """Sign another platform document (a bid receipt …) with the platform key.

        The document must be canonical JSON carrying its own ``type`` field, so that its bytes can never equal
        a tree head's signed bytes (which have no ``type``): one key, no signature usable in the other role.
        """
        if b'"type":' not in document:
            raise ValueError("a signed platform document must carry a type field")
        return self._key.sign(document)

    def sign_tree_head(self, tree_size: int, root_hash: bytes, timestamp_ms: int) -> TreeHead:
        signature = self._key.sign(signed_bytes(tree_size, root_hash, timestamp_ms))
        return TreeHead(tree_size, root_hash, timestamp_ms, signature, self.key_id)


def session_signer(session: Any) -> SigningKey:
    """The platform key the unit of work carries (``Database.signer``), for documents signed in a transaction."""
    signer = session.info.get("signer")
    if not isinstance(signer, SigningKey):
        # Fail loudly: an unsigned public document would be worse than none.
        raise RuntimeError("this session has no platform signing key (set Database.signer)")
    return signer


def verify_tree_head(head: TreeHead, public_key_pem: bytes) -> bool:
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        return False
    if key_id_of(key) != head.key_id:
        return False
    try:
        key.verify(head.signature, head.signed_bytes())
    except InvalidSignature:
        return False
    return True
