"""An independent reader written from docs/sealing.md alone (own HKDF, own parsing) opens what ggzy seals:
the specification and the implementation say the same thing."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import struct
from datetime import UTC, datetime
from decimal import Decimal

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ggzy.vault import threshold
from ggzy.vault.container import BidForm, FileSource
from ggzy.vault.keys import PrivateKey
from ggzy.vault.seal import seal_bid


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int = 32) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    okm, block = b"", b""
    for i in range(1, -(-length // 32) + 1):
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        okm += block
    return okm[:length]


def canonical(v: object) -> bytes:
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def spec_open(blob: bytes, priv: PrivateKey) -> tuple[dict[str, object], dict[str, bytes]]:
    assert blob[:8] == b"GGZYSEAL" and blob[8] == 1
    (length,) = struct.unpack(">I", blob[9:13])
    preamble = blob[: 13 + length]
    header = json.loads(preamble[13:])
    header_hash = hashlib.sha256(preamble).digest()
    my_pub = priv.public.raw
    key_id = hashlib.sha256(my_pub).hexdigest()[:32]
    (rec,) = [r for r in header["recipients"] if r["key_id"] == key_id]
    eph = bytes.fromhex(rec["ephemeral_public_key"])
    shared = priv.key.exchange(X25519PublicKey.from_public_bytes(eph))
    info = canonical(["ggzy-seal/v1/wrap", header["suite"], header["lot_id"], header["bidder_id"], key_id,
                      rec["role"]])
    kek = hkdf_sha256(shared, eph + my_pub, info)
    data_key = AESGCM(kek).decrypt(bytes(12), bytes.fromhex(rec["wrapped_key"]), None)
    body = blob[13 + length :]
    record = header["chunk_size"] + 16
    records = [body[i : i + record] for i in range(0, len(body), record)]
    plain = b""
    for i, ct in enumerate(records):
        final = i == len(records) - 1
        nonce = bytes.fromhex(header["nonce_prefix"]) + struct.pack(">I", i)
        plain += AESGCM(data_key).decrypt(nonce, ct, header_hash + struct.pack(">IB", i, int(final)))
    (form_len,) = struct.unpack(">I", plain[:4])
    form = json.loads(plain[4 : 4 + form_len])
    pos, files = 4 + form_len, {}
    while plain[pos] == 1:
        (entry_len,) = struct.unpack(">I", plain[pos + 1 : pos + 5])
        entry = json.loads(plain[pos + 5 : pos + 5 + entry_len])
        pos += 5 + entry_len
        data = plain[pos : pos + entry["size"]]
        assert plain[pos + entry["size"] : pos + entry["size"] + 32] == hashlib.sha256(data).digest()
        files[entry["name"]] = data
        pos += entry["size"] + 32
    assert plain[pos:] == b"\x00"
    return form, files


def test_independent_reader_opens_a_sealed_bid() -> None:
    opening, bidder = PrivateKey.generate(), PrivateKey.generate()
    form = BidForm(Decimal("100.5"), 30, "合格", "张三", "X")
    files = {"a.pdf": b"A" * 1000, "b.bin": bytes(range(256))}
    out = io.BytesIO()
    result = seal_bid(form, [FileSource(n, len(d), lambda d=d: io.BytesIO(d)) for n, d in files.items()], out,
                      opening_key=opening.public, bidder_key=bidder.public, lot_id="L", bidder_id="B",
                      created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), chunk_size=300)
    blob = out.getvalue()
    assert result.ciphertext_hash == hashlib.sha256(blob).hexdigest()
    for key in (opening, bidder):
        got_form, got_files = spec_open(blob, key)
        assert got_form == form.to_json() and got_files == files


def test_share_commitments_follow_the_spec() -> None:
    key = PrivateKey.generate()
    shares = threshold.split_key(key, 2, 3)
    for s in shares:
        expected = hashlib.sha256(b"ggzy-share/v1/commit\x00" + canonical([key.key_id, 2, 3, s.index, s.value.hex()]))
        assert s.commitments[s.index - 1] == expected.digest()
    assert shares[0].digest == hashlib.sha256(b"".join(shares[0].commitments)).hexdigest()
