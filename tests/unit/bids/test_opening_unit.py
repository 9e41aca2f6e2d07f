"""``ggzy unwrap`` and opening an envelope with the data key alone (no private key on the platform)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ggzy.bids.opening import open_with_data_key
from ggzy.cli import main
from ggzy.core.errors import InvalidInput
from ggzy.vault.container import BidForm, FileSource, read_container
from ggzy.vault.envelope import read_header, unwrap_key
from ggzy.vault.keys import PrivateKey, write_private_key
from ggzy.vault.seal import seal_bid

FORM = BidForm(Decimal("1234567.89"), 180, "合格", "王五", "620102198001011234")


def sealed(opening: PrivateKey, bidder: PrivateKey, payload: bytes) -> bytes:
    out = io.BytesIO()
    seal_bid(
        FORM,
        [FileSource(name="a.pdf", size=len(payload), open=lambda: io.BytesIO(payload))],
        out,
        opening_key=opening.public,
        bidder_key=bidder.public,
        lot_id="7",
        bidder_id="9",
        created_at=datetime(2026, 9, 30, tzinfo=UTC),
        chunk_size=512,
    )
    return out.getvalue()


def test_unwrap_prints_the_data_key_that_opens_the_bid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    opening, bidder = PrivateKey.generate(), PrivateKey.generate()
    blob = sealed(opening, bidder, b"x" * 5000)
    (tmp_path / "bid.ggzy").write_bytes(blob)
    write_private_key(tmp_path / "me.key", bidder)
    assert main(["unwrap", "--envelope", str(tmp_path / "bid.ggzy"), "--key", str(tmp_path / "me.key")]) == 0
    key_hex = capsys.readouterr().out.strip()
    assert len(key_hex) == 64
    form, files = read_container(open_with_data_key(io.BytesIO(blob), bytes.fromhex(key_hex)))
    assert form.price == Decimal("1234567.89") and files[0].size == 5000


def test_unwrap_with_a_key_that_is_not_a_recipient_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blob = sealed(PrivateKey.generate(), PrivateKey.generate(), b"y")
    (tmp_path / "bid.ggzy").write_bytes(blob)
    write_private_key(tmp_path / "other.key", PrivateKey.generate())
    assert main(["unwrap", "--envelope", str(tmp_path / "bid.ggzy"), "--key", str(tmp_path / "other.key")]) == 1
    assert "ENVELOPE_KEY_MISMATCH" in capsys.readouterr().err


def test_a_wrong_or_short_data_key_and_a_truncated_envelope_are_refused() -> None:
    blob = sealed(PrivateKey.generate(), PrivateKey.generate(), b"z" * 3000)
    for key in (b"\x00" * 32, b"\x01" * 16):
        with pytest.raises(InvalidInput) as exc:
            list(open_with_data_key(io.BytesIO(blob), key))
        assert exc.value.code == "BID_DECRYPT_FAILED"


def test_the_right_data_key_on_a_truncated_envelope_is_refused() -> None:
    bidder = PrivateKey.generate()
    blob = sealed(PrivateKey.generate(), bidder, b"z" * 3000)
    key = unwrap_key(read_header(io.BytesIO(blob)).header, bidder)
    with pytest.raises(InvalidInput) as exc:
        read_container(open_with_data_key(io.BytesIO(blob[:-600]), key))
    assert exc.value.code == "BID_DECRYPT_FAILED"
