"""Files of sealed bids under ``<data_dir>/bids``: partial uploads and stored envelopes.

Durability rule: bytes count as received only after ``fsync``; a complete upload gets its final name as a
hard link made durable (directory fsync) before the transaction recording its bid, so a recorded bid's file
survives a crash whole; the partial name goes once the bid is committed.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ggzy.core.errors import Conflict

_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+|\*)$")


@dataclass(frozen=True)
class ChunkRange:
    start: int
    end: int  # inclusive, as in HTTP Content-Range
    total: int | None

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def parse_content_range(value: str | None) -> ChunkRange | None:
    """``bytes start-end/total`` (total may be ``*``); None when absent or not of that form."""
    if not value:
        return None
    match = _RANGE.match(value.strip())
    if not match:
        return None
    start, end = int(match.group(1)), int(match.group(2))
    if end < start:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return ChunkRange(start, end, total)


class BidStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def under(cls, data_dir: Path) -> BidStorage:
        return cls(data_dir / "bids")

    @property
    def partial_dir(self) -> Path:
        return self.root / "partial"

    def partial_path(self, upload_id: str) -> Path:
        if not _UPLOAD_ID.match(upload_id):  # the id is part of a file name: never let it walk the tree
            raise ValueError("bad upload id")
        return self.partial_dir / f"{upload_id}.part"

    def final_relpath(self, lot_id: int, receipt_id: str) -> str:
        if not _UPLOAD_ID.match(receipt_id):
            raise ValueError("bad receipt id")
        return f"lots/{lot_id}/{receipt_id}.ggzyseal"

    def resolve(self, relpath: str) -> Path:
        return self.root / relpath

    def partial_size(self, upload_id: str) -> int | None:
        try:
            return self.partial_path(upload_id).stat().st_size
        except FileNotFoundError:
            return None

    def truncate_partial(self, upload_id: str, size: int) -> bool:
        """Cut unacknowledged bytes, unless a writer holds the file (its bytes are not ours to cut)."""
        with open(self.partial_path(upload_id), "r+b") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            fh.truncate(size)
            os.fsync(fh.fileno())
        return True

    @contextmanager
    def locked_partial(self, upload_id: str) -> Iterator[BinaryIO]:
        fh = self.open_locked_partial(upload_id)
        try:
            yield fh
        finally:
            fh.close()

    def open_locked_partial(self, upload_id: str) -> BinaryIO:
        """The partial file open for writing (created by the first chunk, so every partial file belongs to a
        committed upload row), exclusively locked until closed: one writer per upload, across processes."""
        path = self.partial_path(upload_id)
        self.partial_dir.mkdir(parents=True, exist_ok=True)
        fh = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+b")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            fh.close()
            raise Conflict(
                "该上传正有另一个分块在写入，请稍后按当前偏移量重试", code="BID_UPLOAD_BUSY", field="upload_id"
            ) from exc
        return fh

    def discard_partial(self, upload_id: str) -> bool:
        try:
            self.partial_path(upload_id).unlink()
        except FileNotFoundError:
            return False
        return True

    def link_final(self, upload_id: str, relpath: str) -> None:
        """Give the complete partial file its final name too, a hard link made durable by fsyncing its
        directory. The bytes need no fsync: each chunk was fsynced before it was counted."""
        dest = self.resolve(relpath)
        if not dest.parent.is_dir():
            dest.parent.mkdir(parents=True, exist_ok=True)
            _fsync_dir(dest.parent.parent)
        os.link(self.partial_path(upload_id), dest)
        _fsync_dir(dest.parent)

    def discard_final(self, relpath: str) -> None:
        """Remove a staged final name whose bid was refused (the partial name still holds the file)."""
        self.resolve(relpath).unlink(missing_ok=True)

    def final_relpaths(self) -> dict[int, list[str]]:
        """Every stored envelope's relative path, by lot."""
        found: dict[int, list[str]] = {}
        lots = self.root / "lots"
        if not lots.is_dir():
            return found
        for folder in lots.iterdir():
            if folder.is_dir() and folder.name.isdigit():
                found[int(folder.name)] = sorted(
                    f"lots/{folder.name}/{p.name}" for p in folder.glob("*.ggzyseal") if _UPLOAD_ID.match(p.stem)
                )
        return found

    def discard_unrecorded(self, relpath: str, *, older_than: float) -> bool:
        """Remove a stored envelope no bid records, once its final name is ``older_than`` seconds old
        (a hard link sets the file's ctime; the real clock, as the filesystem's)."""
        path = self.resolve(relpath)
        try:
            if time.time() - path.stat().st_ctime < older_than:
                return False
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def partial_ids(self) -> list[str]:
        if not self.partial_dir.is_dir():
            return []
        return sorted(p.stem for p in self.partial_dir.glob("*.part") if _UPLOAD_ID.match(p.stem))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
