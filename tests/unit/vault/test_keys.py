"""X25519 keys: key ids, the three public encodings, PEM private keys, refusals."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ggzy.core.errors import AppError
from ggzy.vault.keys import PrivateKey, PublicKey, load_private_key, load_public_key, write_private_key

KEY = PrivateKey.generate()


def test_key_id_is_sha256_prefix_of_raw_public_key() -> None:
    assert KEY.key_id == hashlib.sha256(KEY.public.raw).hexdigest()[:32]


def test_public_key_parses_from_pem_json_and_hex() -> None:
    pub = KEY.public
    for text in (pub.to_pem(), json.dumps(pub.to_json()).encode(), pub.raw.hex().encode(),
                 pub.raw.hex().upper().encode() + b"\n"):
        assert PublicKey.parse(text).raw == pub.raw


@pytest.mark.parametrize(
    "text",
    [
        b"zz" * 32,
        b"ab" * 31,
        b'{"type": "ggzy.vault.public_key", "alg": "X25519", "public_key": "00"}',
        b'{"type": "other"}',
        b"{broken",
        Ed25519PrivateKey.generate().public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        b"-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n",
        "公钥".encode(),
    ],
)
def test_bad_public_keys_are_refused(text: bytes) -> None:
    with pytest.raises(AppError) as info:
        PublicKey.parse(text)
    assert info.value.code == "KEY_INVALID"


def test_json_with_a_wrong_key_id_is_refused() -> None:
    doc = {**KEY.public.to_json(), "key_id": "0" * 32}
    with pytest.raises(AppError) as info:
        PublicKey.from_json(doc)
    assert info.value.code == "KEY_INVALID"


def test_private_key_file_is_0600_never_overwritten_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "k" / "lot.key"
    write_private_key(path, KEY)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_private_key(path).raw == KEY.raw
    with pytest.raises(FileExistsError):
        write_private_key(path, PrivateKey.generate())
    assert load_private_key(path).raw == KEY.raw
    (tmp_path / "pub").write_text(KEY.public.raw.hex())
    assert load_public_key(tmp_path / "pub").key_id == KEY.key_id


def test_bad_private_keys_are_refused(tmp_path: Path) -> None:
    ed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    for data in (b"nonsense", ed):
        with pytest.raises(AppError) as info:
            PrivateKey.parse(data)
        assert info.value.code == "KEY_INVALID"
    with pytest.raises(AppError) as info:
        load_private_key(tmp_path / "missing.key")
    assert info.value.code == "KEY_INVALID"
    with pytest.raises(AppError):
        PrivateKey.from_raw(b"short")
