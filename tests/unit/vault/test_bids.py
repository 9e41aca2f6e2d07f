"""Whole bids: form + files sealed and opened, bad forms and file names refused, lot/bidder binding."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.core.errors import AppError
from ggzy.vault.container import BidForm, FileSource, container_pieces, read_container
from ggzy.vault.envelope import canonical
from ggzy.vault.keys import PrivateKey
from ggzy.vault.seal import open_bid, seal_bid

NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
OPENING = PrivateKey.generate()
BIDDER = PrivateKey.generate()
FORM = BidForm(Decimal("12345678.90"), 365, "合格，争创飞天奖", "李四", "620102198001011234")


def mem_file(name: str, data: bytes) -> FileSource:
    return FileSource(name=name, size=len(data), open=lambda: io.BytesIO(data))


def seal(files: list[FileSource], chunk_size: int = 1024, form: BidForm = FORM) -> bytes:
    out = io.BytesIO()
    seal_bid(form, files, out, opening_key=OPENING.public, bidder_key=BIDDER.public, lot_id="L-9",
             bidder_id="B-7", created_at=NOW, chunk_size=chunk_size, metadata={"fingerprint": "ab" * 32})
    return out.getvalue()


class Collect:
    def __init__(self) -> None:
        self.files: dict[str, io.BytesIO] = {}

    def __call__(self, name: str, size: int) -> BinaryIO:
        self.files[name] = io.BytesIO()
        return self.files[name]


def test_bid_round_trip_gives_form_and_streams_files() -> None:
    files = {"商务标.pdf": b"%PDF" + bytes(5000), "技术标.docx": b"doc" * 999, "空.txt": b""}
    blob = seal([mem_file(n, d) for n, d in files.items()], chunk_size=333)
    sink = Collect()
    opened = open_bid(io.BytesIO(blob), OPENING, sink=sink, expect_lot_id="L-9", expect_bidder_id="B-7")
    assert opened.form == FORM
    assert opened.form.price == Decimal("12345678.90")
    assert [f.name for f in opened.files] == list(files)
    for info in opened.files:
        assert info.size == len(files[info.name])
        assert info.sha256 == hashlib.sha256(files[info.name]).hexdigest()
        assert sink.files[info.name].getvalue() == files[info.name]
    assert opened.header.metadata == {"fingerprint": "ab" * 32}
    # Bidder can open its own bid, too; without a sink only hashes are checked.
    assert open_bid(io.BytesIO(blob), BIDDER).files == opened.files


@settings(max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(0, 3000), max_size=4), chunk=st.integers(16, 2048))
def test_bid_round_trip_any_file_sizes(sizes: list[int], chunk: int) -> None:
    files = [mem_file(f"f{i}.bin", bytes([i]) * n) for i, n in enumerate(sizes)]
    opened = open_bid(io.BytesIO(seal(files, chunk)), OPENING)
    assert [f.size for f in opened.files] == sizes


def test_opening_for_the_wrong_lot_or_bidder_is_refused() -> None:
    blob = seal([mem_file("a.pdf", b"a")])
    for kwargs in ({"expect_lot_id": "L-10"}, {"expect_bidder_id": "B-8"}):
        with pytest.raises(AppError) as info:
            open_bid(io.BytesIO(blob), OPENING, **kwargs)  # type: ignore[arg-type]
        assert info.value.code == "ENVELOPE_KEY_MISMATCH"


def test_seal_from_real_files_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "图纸.dwg"
    path.write_bytes(b"D" * 70_000)
    blob = seal([FileSource.from_path(path)], chunk_size=4096)
    sink = Collect()
    assert open_bid(io.BytesIO(blob), OPENING, sink=sink).files[0].name == "图纸.dwg"
    assert sink.files["图纸.dwg"].getvalue() == b"D" * 70_000


def test_file_that_changes_size_while_sealing_is_refused() -> None:
    lying = FileSource(name="a.pdf", size=10, open=lambda: io.BytesIO(b"only5"))
    with pytest.raises(AppError) as info:
        seal([lying])
    assert info.value.code == "BID_FORM_INVALID"


@pytest.mark.parametrize("name", ["", "../etc/passwd", "a/b", "a\\b", ".", "..", "x\x00", "x\ny", "n" * 256])
def test_bad_file_names_are_refused(name: str) -> None:
    with pytest.raises(AppError) as info:
        seal([mem_file(name, b"x")])
    assert info.value.code == "BID_FORM_INVALID" and info.value.field == "files"


def test_duplicate_file_names_are_refused() -> None:
    with pytest.raises(AppError) as info:
        seal([mem_file("a", b"1"), mem_file("a", b"2")])
    assert info.value.code == "BID_FORM_INVALID"


def good_form() -> dict[str, Any]:
    return FORM.to_json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "12.345"}, "price"),
        ({"price": 12.5}, "price"),
        ({"price": "-1"}, "price"),
        ({"price": "01"}, "price"),
        ({"duration_days": 0}, "duration_days"),
        ({"duration_days": "180"}, "duration_days"),
        ({"quality_commitment": ""}, "quality_commitment"),
        ({"project_manager": {"name": "张三"}}, "project_manager"),
        ({"project_manager": {"name": "", "id_number": "1"}}, "project_manager.name"),
        ({"unexpected": "x"}, "form"),
    ],
)
def test_bad_forms_are_refused_with_the_field(change: dict[str, Any], field: str) -> None:
    doc = {**good_form(), **change}
    with pytest.raises(AppError) as info:
        BidForm.from_json(doc)
    assert info.value.code == "BID_FORM_INVALID" and info.value.field == field


def test_form_json_round_trip_and_extra() -> None:
    form = BidForm(Decimal("0.5"), 1, "合格", "王五", "X1", {"下浮率": "3.5%"})
    assert BidForm.from_json(form.to_json()) == form
    assert form.to_json()["price"] == "0.5"


def _container(form_doc: Any, tail: bytes) -> list[bytes]:
    form_bytes = canonical(form_doc)
    return [len(form_bytes).to_bytes(4, "big") + form_bytes + tail]


@pytest.mark.parametrize(
    "tail",
    [
        b"",  # no end mark
        b"\x00extra",  # trailing bytes
        b"\x07",  # unknown mark
        b"\x01" + (11).to_bytes(4, "big") + b'{"name":1}x',
    ],
)
def test_malformed_containers_are_refused(tail: bytes) -> None:
    with pytest.raises(AppError) as info:
        read_container(_container(FORM.to_json(), tail))
    assert info.value.code == "ENVELOPE_MALFORMED"


def test_file_hash_mismatch_inside_container_is_tampered() -> None:
    entry = b'{"name":"a","size":5}'
    tail = b"\x01" + len(entry).to_bytes(4, "big") + entry + b"abcde" + bytes(32) + b"\x00"
    with pytest.raises(AppError) as info:
        read_container(_container(FORM.to_json(), tail))
    assert info.value.code == "ENVELOPE_TAMPERED"
    # Bulk opening reports the recorded hash without recomputing it (AES-GCM already authenticated it).
    _, files = read_container(_container(FORM.to_json(), tail), verify_file_hashes=False)
    assert files[0].sha256 == "00" * 32


def test_container_pieces_are_bounded_by_piece_size() -> None:
    pieces = list(container_pieces(FORM, [mem_file("big", b"x" * 10_000)], piece=1000))
    assert max(len(p) for p in pieces) <= 1000
    form, files = read_container(pieces)
    assert form == FORM and files[0].size == 10_000
