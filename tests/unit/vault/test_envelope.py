"""Envelope format: round trips over chunk sizes and lengths, and every kind of tampering refused by code."""

from __future__ import annotations

import io
import json
import struct
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.core.errors import AppError
from ggzy.vault import envelope as env
from ggzy.vault.keys import PrivateKey

NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
OPENING = PrivateKey.generate()
BIDDER = PrivateKey.generate()


def seal(data: bytes, chunk_size: int = 64, *, pieces: int = 7, lot: str = "L-1", bidder: str = "B-1") -> bytes:
    out = io.BytesIO()
    parts = [data[i : i + pieces] for i in range(0, len(data), pieces)] or [b""]
    result = env.seal_stream(
        parts,
        out,
        recipients=[(OPENING.public, "opening"), (BIDDER.public, "bidder")],
        lot_id=lot,
        bidder_id=bidder,
        created_at=NOW,
        chunk_size=chunk_size,
        metadata={"tool": "test/1"},
    )
    blob = out.getvalue()
    assert result.size == len(blob)
    assert result.plaintext_size == len(data)
    assert result.ciphertext_hash == env.envelope_hash(io.BytesIO(blob))
    return blob


def open_(blob: bytes, key: PrivateKey = OPENING) -> bytes:
    return b"".join(env.open_stream(io.BytesIO(blob), key))


def refused(blob: bytes, key: PrivateKey = OPENING) -> str:
    with pytest.raises(AppError) as info:
        open_(blob, key)
    return info.value.code


def split(blob: bytes) -> tuple[bytes, bytes]:
    (length,) = struct.unpack(">I", blob[9:13])
    return blob[: 13 + length], blob[13 + length :]


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=700), chunk_size=st.integers(min_value=1, max_value=300), pieces=st.integers(1, 50))
def test_round_trip_any_chunk_size_and_length(data: bytes, chunk_size: int, pieces: int) -> None:
    blob = seal(data, chunk_size, pieces=pieces)
    assert open_(blob) == data
    assert open_(blob, BIDDER) == data
    # Record count: ceil(len/chunk), and one empty record for empty plaintext.
    n_records = max(1, -(-len(data) // chunk_size))
    _, body = split(blob)
    assert len(body) == len(data) + n_records * env.TAG_LEN


def test_header_is_canonical_json_with_documented_fields() -> None:
    preamble, _ = split(seal(b"x"))
    assert preamble[:8] == b"GGZYSEAL" and preamble[8] == 1
    doc = json.loads(preamble[13:])
    assert set(doc) == {"bidder_id", "chunk_size", "created_at", "lot_id", "metadata", "nonce_prefix", "recipients",
                        "suite"}
    assert doc["created_at"] == "2026-11-24T02:30:00Z"
    assert doc["suite"] == "x25519-hkdf-sha256-aes256gcm"
    assert [r["role"] for r in doc["recipients"]] == ["opening", "bidder"]
    assert doc["recipients"][0]["key_id"] == OPENING.key_id


def test_fresh_data_key_and_nonce_prefix_per_envelope() -> None:
    a, b = seal(b"same bytes"), seal(b"same bytes")
    assert split(a)[1] != split(b)[1]
    assert json.loads(split(a)[0][13:])["nonce_prefix"] != json.loads(split(b)[0][13:])["nonce_prefix"]


def test_wrong_key_is_refused_as_key_mismatch() -> None:
    assert refused(seal(b"secret bid"), PrivateKey.generate()) == "ENVELOPE_KEY_MISMATCH"


def test_truncation_is_detected_at_every_record_boundary_and_inside() -> None:
    data = bytes(range(256)) * 2
    blob = seal(data, 100)
    preamble, body = split(blob)
    record = 100 + env.TAG_LEN
    for cut in [record * i for i in range(1, 6)] + [1, 15, 17, record + 5, len(body) - 1]:
        assert refused(preamble + body[:cut]) == "ENVELOPE_TAMPERED", cut
    assert refused(preamble) == "ENVELOPE_TAMPERED"  # header alone


def test_exact_multiple_of_chunk_size_cannot_be_cut_to_a_valid_prefix() -> None:
    blob = seal(b"a" * 300, 100)
    preamble, body = split(blob)
    assert refused(preamble + body[: 2 * 116]) == "ENVELOPE_TAMPERED"
    assert open_(blob) == b"a" * 300


def test_reordering_and_appending_records_is_detected() -> None:
    blob = seal(bytes(range(250)), 50)
    preamble, body = split(blob)
    recs = [body[i : i + 66] for i in range(0, len(body), 66)]
    swapped = recs[1] + recs[0] + b"".join(recs[2:])
    assert refused(preamble + swapped) == "ENVELOPE_TAMPERED"
    assert refused(blob + recs[-1]) == "ENVELOPE_TAMPERED"
    assert refused(preamble + b"".join(recs[:-1]) + recs[-2]) == "ENVELOPE_TAMPERED"


def test_chunk_swap_between_envelopes_of_same_keys_is_detected() -> None:
    a, b = seal(b"A" * 200, 50), seal(b"B" * 200, 50)
    pa, ba = split(a)
    _, bb = split(b)
    assert refused(pa + ba[:66] + bb[66:132] + ba[132:]) == "ENVELOPE_TAMPERED"


def _edit_header(blob: bytes, edit: object) -> bytes:
    preamble, body = split(blob)
    doc = json.loads(preamble[13:])
    edit(doc)  # type: ignore[operator]
    header = env.canonical(doc)
    return b"GGZYSEAL\x01" + struct.pack(">I", len(header)) + header + body


@pytest.mark.parametrize(
    ("edit", "code"),
    [
        (lambda d: d.update(lot_id="L-2"), "ENVELOPE_TAMPERED"),  # wrapped key bound to the lot
        (lambda d: d.update(bidder_id="B-2"), "ENVELOPE_TAMPERED"),
        (lambda d: d.update(created_at="2026-11-25T00:00:00Z"), "ENVELOPE_TAMPERED"),  # header hash in AAD
        (lambda d: d["metadata"].update(tool="forged"), "ENVELOPE_TAMPERED"),
        (lambda d: d.update(chunk_size=65), "ENVELOPE_TAMPERED"),
        (lambda d: d["recipients"].reverse(), "ENVELOPE_TAMPERED"),
        (lambda d: d["recipients"][0].update(role="bidder"), "ENVELOPE_MALFORMED"),  # no opening recipient left
        (lambda d: d["recipients"][0].update(wrapped_key="00" * 48), "ENVELOPE_TAMPERED"),
        (lambda d: d["recipients"][0].update(ephemeral_public_key="00" * 32), "ENVELOPE_TAMPERED"),  # low order
        (lambda d: d["recipients"][0].update(ephemeral_public_key="09" + "00" * 31), "ENVELOPE_TAMPERED"),
        (lambda d: d["recipients"][0].update(key_id="ab" * 16), "ENVELOPE_KEY_MISMATCH"),
        (lambda d: d.update(suite="sm2-sm3-sm4gcm"), "ENVELOPE_MALFORMED"),
        (lambda d: d.update(extra="x"), "ENVELOPE_MALFORMED"),
        (lambda d: d.pop("nonce_prefix"), "ENVELOPE_MALFORMED"),
        (lambda d: d.update(chunk_size=0), "ENVELOPE_MALFORMED"),
        (lambda d: d.update(created_at="yesterday"), "ENVELOPE_MALFORMED"),
        (lambda d: d["recipients"].append(dict(d["recipients"][0])), "ENVELOPE_MALFORMED"),
    ],
)
def test_header_edits_are_refused(edit: object, code: str) -> None:
    assert refused(_edit_header(seal(b"x" * 130), edit)) == code


def test_non_canonical_header_is_malformed() -> None:
    preamble, body = split(seal(b"x"))
    header = json.dumps(json.loads(preamble[13:]), indent=1).encode()
    assert refused(b"GGZYSEAL\x01" + struct.pack(">I", len(header)) + header + body) == "ENVELOPE_MALFORMED"


def test_flipping_any_ciphertext_byte_is_detected() -> None:
    blob = seal(bytes(100), 40)
    preamble, body = split(blob)
    for i in range(0, len(body), 7):
        flipped = bytearray(body)
        flipped[i] ^= 0x01
        assert refused(preamble + bytes(flipped)) == "ENVELOPE_TAMPERED", i


@pytest.mark.parametrize(
    ("prefix", "code"),
    [
        (b"%PDF-1.7\n", "ENVELOPE_NOT_ENCRYPTED"),
        (b"PK\x03\x04 zip", "ENVELOPE_NOT_ENCRYPTED"),
        ("投标文件".encode(), "ENVELOPE_NOT_ENCRYPTED"),
        (b"", "ENVELOPE_MALFORMED"),
        (b"GGZY", "ENVELOPE_MALFORMED"),
        (b"GGZYSEAL\x02", "ENVELOPE_MALFORMED"),
    ],
)
def test_sniff_refuses_plaintext_and_unknown_versions(prefix: bytes, code: str) -> None:
    with pytest.raises(AppError) as info:
        env.sniff(prefix)
    assert info.value.code == code
    if code == "ENVELOPE_NOT_ENCRYPTED":
        assert "第二十六条" in (info.value.citation or "") and "第二十六条" in info.value.message
        assert refused(prefix + b"x" * 100) == code


def test_sniff_accepts_an_envelope_prefix() -> None:
    blob = seal(b"ok")
    env.sniff(blob[:16])
    assert env.looks_like_envelope(blob[:8])


def test_header_length_out_of_range_is_malformed() -> None:
    assert refused(b"GGZYSEAL\x01" + struct.pack(">I", 1 << 20) + b"{}") == "ENVELOPE_MALFORMED"
    assert refused(b"GGZYSEAL\x01" + struct.pack(">I", 50) + b"{}") == "ENVELOPE_MALFORMED"


class Trickle(io.RawIOBase):
    """A source that returns at most 3 bytes per read, like a slow socket."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self._data.read(min(n, 3) if n >= 0 else 3)


def test_short_reads_are_handled() -> None:
    data = bytes(range(200))
    blob = seal(data, 33)
    assert b"".join(env.open_stream(Trickle(blob), OPENING)) == data  # type: ignore[arg-type]


def test_streaming_open_keeps_memory_bounded() -> None:
    """Opening yields chunk by chunk: the first plaintext arrives before the source is read to the end."""
    data = b"z" * 10_000
    blob = seal(data, 100)
    src = io.BytesIO(blob)
    it = env.open_stream(src, OPENING)
    first = next(it)
    assert first == b"z" * 100
    assert src.tell() == len(split(blob)[0]) + 2 * 116  # the chunk and one record of look-ahead


def test_inspect_without_a_key_gives_hash_and_refuses_impossible_layouts() -> None:
    blob = seal(bytes(1000), 100)
    info = env.inspect_envelope(io.BytesIO(blob), block=37)
    assert info.ciphertext_hash == env.envelope_hash(io.BytesIO(blob))
    assert info.size == len(blob) and info.chunks == 10 and info.header.lot_id == "L-1"
    preamble, body = split(blob)
    for bad in (preamble, preamble + body[:5], blob[: len(blob) - 116 + 3]):
        with pytest.raises(AppError) as caught:
            env.inspect_envelope(io.BytesIO(bad))
        assert caught.value.code == "ENVELOPE_TAMPERED"
    with pytest.raises(AppError) as caught:
        env.inspect_envelope(io.BytesIO(b"%PDF-1.4 plain bid"))
    assert caught.value.code == "ENVELOPE_NOT_ENCRYPTED"


def test_lone_surrogate_in_header_is_malformed_not_a_crash() -> None:
    preamble, body = split(seal(b"x"))
    header = preamble[13:].replace(b'"lot_id":"L-1"', b'"lot_id":"\\ud800"')
    assert header != preamble[13:]
    assert refused(b"GGZYSEAL\x01" + struct.pack(">I", len(header)) + header + body) == "ENVELOPE_MALFORMED"
