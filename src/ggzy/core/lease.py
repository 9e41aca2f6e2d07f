"""Which process of a multi-worker server runs the background loops (scheduler, bid-box seals, tree heads).

Those loops are correct when several copies run (each pass fires due rows under their own locks and records
what it did), so the lease is not what keeps them right; it keeps N workers from each opening a write
transaction every second for the same pass, which on SQLite all queue on its one write lock. An exclusive
``flock`` on a file in the data folder: taken by the first worker to try, given back by the kernel when that
process ends however it ends, then taken by the next worker at its next pass.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class ProcessLease:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def held(self) -> bool:
        """Whether this process holds the lease, taking it if it is free."""
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def background_lease(data_dir: Path) -> ProcessLease:
    return ProcessLease(data_dir / "background.lock")
