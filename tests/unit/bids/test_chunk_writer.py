"""Chunk writes past the page cache: every byte lands where it belongs whatever the piece sizes and offsets,
whole pages go through the direct descriptor, and a filesystem that refuses direct I/O gets ordinary writes."""

from __future__ import annotations

import errno
import hashlib
import itertools
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from ggzy.bids import chunk_writer
from ggzy.bids.chunk_writer import ALIGN, BUFFER, ChunkWriter, open_direct


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "upload.part"
    path.touch()
    yield path
    chunk_writer._refused.clear()


def _direct_or_skip(path: Path) -> int:
    fd = open_direct(path)
    if fd is None:
        pytest.skip(f"{path.parent} 所在文件系统不支持 O_DIRECT")
    return fd


def _pieces(data: bytes, rnd: random.Random) -> list[bytes]:
    """Split as a socket would: sizes from 1 byte to past the buffer, never aligned on purpose."""
    out, at = [], 0
    while at < len(data):
        size = rnd.choice((1, 7, 4095, 4097, 65_536 + 3, 250_000, BUFFER + 11))
        out.append(data[at : at + size])
        at += size
    return out


def _write_chunks(
    path: Path, data: bytes, bounds: list[int], *, direct: bool, seed: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, list[int]]:
    """Write ``data`` as the chunks between ``bounds``, each in several calls as the server does; return
    the running hash and, per chunk, how many bytes went through the direct descriptor."""
    rnd = random.Random(seed)
    digest = hashlib.sha256()
    calls: list[tuple[int, int, int]] = []  # (descriptor, offset, length) of every write
    real = chunk_writer._pwrite_all

    def record(fd: int, view: memoryview, offset: int) -> None:
        calls.append((fd, offset, len(view)))
        real(fd, view, offset)

    monkeypatch.setattr(chunk_writer, "_pwrite_all", record)
    direct_bytes = []
    fd = os.open(path, os.O_RDWR)
    try:
        for start, end in itertools.pairwise(bounds):
            calls.clear()
            writer = ChunkWriter(fd, _direct_or_skip(path) if direct else None, start)
            direct_fd = writer.direct_fd
            pieces = _pieces(data[start:end], rnd)
            try:
                for i in range(0, len(pieces), 3):
                    writer.write(pieces[i : i + 3], digest)
                writer.finish(digest)
            finally:
                writer.close()
            assert writer.offset == end
            through_direct = [(offset, length) for to, offset, length in calls if to == direct_fd]
            assert all(offset % ALIGN == 0 and length % ALIGN == 0 for offset, length in through_direct)
            direct_bytes.append(sum(length for _, length in through_direct))
        os.fsync(fd)
    finally:
        os.close(fd)
    return digest.hexdigest(), direct_bytes


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "buffered"])
@pytest.mark.parametrize(
    "bounds",
    [
        [0, 8 << 20, 16 << 20, (20 << 20) + 517],  # the browser's 8 MiB chunks, an odd last one
        [0, 1, 4096, 1_000_003, 3_000_000, 3_000_001, 5_242_881],  # every kind of unaligned boundary
    ],
    ids=["aligned-chunks", "unaligned-chunks"],
)
def test_every_byte_lands_in_place_and_is_hashed_once(
    target: Path, bounds: list[int], direct: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = random.Random(4).randbytes(bounds[-1])
    hexdigest, direct_bytes = _write_chunks(
        target, data, bounds, direct=direct, seed=len(bounds), monkeypatch=monkeypatch
    )
    assert target.read_bytes() == data
    assert hexdigest == hashlib.sha256(data).hexdigest()
    if direct:
        for (start, end), through_direct in zip(itertools.pairwise(bounds), direct_bytes, strict=True):
            # Only the part before the first page boundary and after the last may take the page cache.
            whole_pages = max(0, (end // ALIGN) - (-(-start // ALIGN))) * ALIGN
            assert through_direct == whole_pages
    else:
        assert direct_bytes == [0] * (len(bounds) - 1)


def test_a_filesystem_refusing_direct_writes_gets_ordinary_ones(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fd = os.open(target, os.O_RDWR)
    direct_fd = _direct_or_skip(target)
    real = os.pwrite

    def refuse(to: int, data: bytes, offset: int) -> int:
        if to == direct_fd:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real(to, data, offset)

    monkeypatch.setattr(os, "pwrite", refuse)
    data = random.Random(9).randbytes(3 * BUFFER + 123)
    digest = hashlib.sha256()
    writer = ChunkWriter(fd, direct_fd, 0)
    # The first call keeps 100 unaligned bytes back; by the second the direct descriptor is gone, so they
    # go out (and are hashed) with the ordinary writes, before that call's own bytes.
    writer.write([data[: 2 * BUFFER + 100]], digest)
    writer.write([data[2 * BUFFER + 100 :]], digest)
    writer.finish(digest)
    writer.close()
    os.close(fd)
    assert target.read_bytes() == data
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    assert writer.direct_fd is None
    assert open_direct(target) is None  # the filesystem is remembered: later chunks do not try again


def test_other_write_errors_are_not_swallowed(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fd = os.open(target, os.O_RDWR)
    direct_fd = _direct_or_skip(target)

    def full(to: int, data: bytes, offset: int) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    writer = ChunkWriter(fd, direct_fd, 0)
    with pytest.raises(OSError) as err:
        writer.write([b"x" * (2 * BUFFER)], None)
    assert err.value.errno == errno.ENOSPC
    writer.close()
    os.close(fd)
