"""Bid file storage: Content-Range parsing, one writer per upload, staged final names, no path tricks."""

from __future__ import annotations

from pathlib import Path

import pytest

from ggzy.bids.storage import BidStorage, ChunkRange, parse_content_range
from ggzy.core.errors import Conflict


def test_content_range() -> None:
    assert parse_content_range("bytes 0-99/1000") == ChunkRange(0, 99, 1000)
    assert parse_content_range("bytes 100-100/*") == ChunkRange(100, 100, None)
    assert parse_content_range("bytes 0-99/1000").length == 100  # type: ignore[union-attr]
    for bad in (None, "", "bytes 10-9/100", "bytes=0-9/10", "items 0-1/2", "bytes -1-5/9", "bytes 0-5"):
        assert parse_content_range(bad) is None, bad


def test_ids_cannot_walk_the_tree(tmp_path: Path) -> None:
    storage = BidStorage(tmp_path)
    for bad in ("../../etc/passwd", "A" * 32, "0" * 31):
        with pytest.raises(ValueError):
            storage.partial_path(bad)
        with pytest.raises(ValueError):
            storage.final_relpath(1, bad)


def test_one_writer_per_upload_and_busy_files_are_not_truncated(tmp_path: Path) -> None:
    storage = BidStorage(tmp_path)
    uid = "a" * 32
    with storage.locked_partial(uid) as fh:
        fh.write(b"GGZYSEAL\x01extra")
        fh.flush()
        with pytest.raises(Conflict) as err, storage.locked_partial(uid):
            pass
        assert err.value.code == "BID_UPLOAD_BUSY"
        assert storage.truncate_partial(uid, 9) is False
        assert storage.partial_size(uid) == 14
    assert storage.truncate_partial(uid, 9) is True
    assert storage.partial_size(uid) == 9


def _staged(storage: BidStorage, uid: str, lot_id: int, rid: str) -> str:
    """A complete partial file of 12 bytes, staged under the final name of bid ``rid``."""
    with storage.locked_partial(uid) as fh:
        fh.write(b"sealed bytes")
    rel = storage.final_relpath(lot_id, rid)
    storage.link_final(uid, rel)
    return rel


def test_a_staged_file_has_both_names_until_the_partial_one_goes(tmp_path: Path) -> None:
    storage = BidStorage(tmp_path)
    uid, rid = "b" * 32, "c" * 32
    rel = _staged(storage, uid, 7, rid)
    assert rel == f"lots/7/{rid}.ggzyseal"
    final = storage.resolve(rel)
    assert final.read_bytes() == b"sealed bytes" and final.samefile(storage.partial_path(uid))
    assert storage.final_relpaths() == {7: [rel]}
    with pytest.raises(FileExistsError):  # a name is never silently replaced
        storage.link_final(uid, rel)
    assert storage.discard_partial(uid) is True and storage.discard_partial(uid) is False
    assert storage.partial_ids() == [] and final.read_bytes() == b"sealed bytes"


def test_a_refused_bid_loses_only_its_final_name(tmp_path: Path) -> None:
    storage = BidStorage(tmp_path)
    uid = "d" * 32
    rel = _staged(storage, uid, 3, "e" * 32)
    storage.discard_final(rel)
    assert not storage.resolve(rel).exists() and storage.partial_size(uid) == 12


def test_unrecorded_files_are_discarded_only_after_their_grace(tmp_path: Path) -> None:
    storage = BidStorage(tmp_path)
    rel = _staged(storage, "f" * 32, 5, "0" * 32)
    assert storage.discard_unrecorded(rel, older_than=3600) is False and storage.resolve(rel).exists()
    assert storage.discard_unrecorded(rel, older_than=0) is True and not storage.resolve(rel).exists()
    assert storage.discard_unrecorded(rel, older_than=0) is False
