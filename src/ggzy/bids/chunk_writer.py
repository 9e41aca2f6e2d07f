"""Writing an upload chunk's bytes to its partial file, past the page cache where the filesystem allows.

A sealed bid is written once during the last minutes and read back only at the opening, so caching it gains
nothing, and copying every byte into the page cache was the upload's largest single cost: on the reference
machine about 2 CPU-s per GB, against 0.2 for direct writes (``tests/bench/bench_bid_upload.py``). Direct I/O
wants the file offset, the length and the memory address aligned, and the body arrives in pieces of any
size at any offset, so each block is copied into an aligned buffer from a small pool, whole aligned pages
go out with ``O_DIRECT``, and the rest (a head before the first page boundary, a tail after the last) goes
through the ordinary descriptor. Where the filesystem refuses ``O_DIRECT`` (tmpfs, some network mounts)
every byte takes the ordinary path. Durability is unchanged: the caller fsyncs the file before counting
the chunk.
"""

from __future__ import annotations

import errno
import mmap
import os
import threading
from typing import Any

ALIGN = 4096  # a multiple of every logical block size Linux direct I/O asks for in practice
BUFFER = 1 << 20
_IOV_MAX = 1024
_POOL_MAX = 64  # buffers kept for reuse; a fresh mapping's first touch costs page faults


class _BufferPool:
    def __init__(self) -> None:
        self._free: list[mmap.mmap] = []
        self._lock = threading.Lock()

    def take(self) -> mmap.mmap:
        with self._lock:
            if self._free:
                return self._free.pop()
        return mmap.mmap(-1, BUFFER)  # anonymous mappings are page-aligned

    def give(self, buf: mmap.mmap) -> None:
        with self._lock:
            if len(self._free) < _POOL_MAX:
                self._free.append(buf)
                return
        buf.close()


_pool = _BufferPool()
_refused: set[int] = set()  # st_dev of filesystems whose direct writes failed with EINVAL


def open_direct(path: os.PathLike[str] | str) -> int | None:
    """A second descriptor of an existing file for direct writes, or None where the filesystem has none."""
    if not hasattr(os, "O_DIRECT"):
        return None
    try:
        if os.stat(path).st_dev in _refused:
            return None
        return os.open(path, os.O_WRONLY | os.O_DIRECT)
    except OSError as exc:
        if exc.errno == errno.EINVAL:
            return None
        raise


def _pwrite_all(fd: int, data: memoryview, offset: int) -> None:
    while data:
        done = os.pwrite(fd, data, offset)
        data, offset = data[done:], offset + done


class ChunkWriter:
    """Bytes of one chunk, appended from ``offset`` on, in calls made one at a time from worker threads.
    Between calls it keeps only the unaligned remainder (< 4 KiB), never a pooled buffer."""

    def __init__(self, fd: int, direct_fd: int | None, offset: int) -> None:
        self.fd = fd
        self.direct_fd = direct_fd
        self.offset = offset  # file offset of the first byte not yet written
        self._carry = b""

    def write(self, pieces: list[bytes], digest: Any) -> None:
        """Append the pieces; ``digest`` (or None) is updated with every byte as it is written out, in file
        order, so that it covers exactly the bytes on disk once ``finish`` has run."""
        if self.direct_fd is None:
            self._write_buffered(pieces, digest)
            return
        buf = _pool.take()
        try:
            fill = len(self._carry)
            buf[:fill] = self._carry
            for piece in pieces:
                view = memoryview(piece)
                while view:
                    take = min(len(view), BUFFER - fill)
                    buf[fill : fill + take] = view[:take]
                    fill += take
                    view = view[take:]
                    if fill == BUFFER:
                        fill = self._drain(buf, fill, digest)
            fill = self._drain(buf, fill, digest)
            self._carry = buf[:fill]
        finally:
            _pool.give(buf)

    def finish(self, digest: Any) -> None:
        """Write the remainder the last call kept back."""
        if self._carry:
            if digest is not None:
                digest.update(self._carry)
            _pwrite_all(self.fd, memoryview(self._carry), self.offset)
            self.offset += len(self._carry)
            self._carry = b""

    def _drain(self, buf: mmap.mmap, fill: int, digest: Any) -> int:
        """Write the buffer's whole aligned pages; move what is left to its start; return how much is left.
        The bytes are hashed here, a megabyte at a time, rather than piece by piece as they came off the
        socket: each hash call gives the GIL back and takes it again, and the event loop, which needs the
        GIL for every socket read, waited on it for 40% of its time among 200 uploading threads."""
        view = memoryview(buf)
        try:
            skew = -self.offset % ALIGN
            if skew:  # the chunk began off a page boundary: reach it through the page cache
                head = min(skew, fill)
                if digest is not None:
                    digest.update(view[:head])
                _pwrite_all(self.fd, view[:head], self.offset)
                self.offset += head
                buf.move(0, head, fill - head)
                fill -= head
                if fill == 0:
                    return 0
            aligned = fill - fill % ALIGN
            if aligned:
                if digest is not None:
                    digest.update(view[:aligned])
                self._write_direct(view[:aligned])
                buf.move(0, aligned, fill - aligned)
            return fill - aligned
        finally:
            view.release()

    def _write_direct(self, data: memoryview) -> None:
        if self.direct_fd is not None:
            try:
                _pwrite_all(self.direct_fd, data, self.offset)
                self.offset += len(data)
                return
            except OSError as exc:
                if exc.errno != errno.EINVAL:
                    raise
                # The filesystem opened O_DIRECT but refuses these writes: it, and later chunks, go buffered.
                _refused.add(os.fstat(self.fd).st_dev)
                self.close()
        _pwrite_all(self.fd, data, self.offset)
        self.offset += len(data)

    def _write_buffered(self, pieces: list[bytes], digest: Any) -> None:
        """The pieces as they came off the socket, in vectored calls: joining them first would allocate (and
        fault in) a fresh megabyte per block only to copy it once more."""
        if self._carry:  # kept back by a direct write before the filesystem refused them: not yet hashed
            pieces = [self._carry, *pieces]
            self._carry = b""
        if digest is not None:
            for piece in pieces:
                digest.update(piece)
        while pieces:
            done = os.pwritev(self.fd, pieces[:_IOV_MAX], self.offset)
            self.offset += done
            while pieces and done >= len(pieces[0]):
                done -= len(pieces[0])
                pieces = pieces[1:]
            if done:  # a short write inside a piece: its rest goes first next time
                pieces = [pieces[0][done:], *pieces[1:]]

    def close(self) -> None:
        if self.direct_fd is not None:
            os.close(self.direct_fd)
            self.direct_fd = None
