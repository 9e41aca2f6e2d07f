"""The background-loop lease: one holder at a time, given back when the holder ends however it ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from ggzy.core.lease import ProcessLease


def test_one_holder_at_a_time_and_release_hands_it_over(tmp_path: Path) -> None:
    first, second = ProcessLease(tmp_path / "background.lock"), ProcessLease(tmp_path / "background.lock")
    assert first.held()
    assert first.held()  # asking again keeps it
    assert not second.held()
    first.release()
    assert second.held()
    assert not first.held()
    second.release()


def test_a_killed_holder_gives_the_lease_back(tmp_path: Path) -> None:
    path = tmp_path / "background.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from ggzy.core.lease import ProcessLease; "
            "assert ProcessLease(Path(sys.argv[1])).held(); print('held', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        mine = ProcessLease(path)
        assert not mine.held()
        holder.send_signal(signal.SIGKILL)  # no clean-up code runs: the kernel drops the lock
        holder.wait(timeout=10)
        deadline = time.monotonic() + 5
        while not mine.held():
            assert time.monotonic() < deadline, "the lease was not given back"
            time.sleep(0.05)
        mine.release()
    finally:
        holder.kill()
        holder.wait()
