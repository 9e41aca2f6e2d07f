"""`ggzy serve --workers 2`: real worker processes share the database, the data folder and one signing key;
exactly one runs the background loops, and when it is killed another takes them over."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ggzy.core.db import Database


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _workers(pid: int) -> set[int]:
    """The server's worker processes (multiprocessing also starts a resource tracker, not a worker)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in command:
                found.add(int(entry.name))
    return found


def _lease_holder(lock: Path) -> int | None:
    """The pid holding the flock on ``lock``, from /proc/locks."""
    if not lock.exists():
        return None
    inode = lock.stat().st_ino
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "FLOCK" in fields and fields[5].split(":")[-1] == str(inode) and fields[4].isdigit():
            return int(fields[4])
    return None


def _wait(what: str, check, seconds: float = 30):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def server(
    tmp_path: Path, database_url: str, clean_db: Database
) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    if not Path("/proc/locks").exists():
        pytest.skip("需要 Linux 的 /proc/locks")
    port = _free_port()
    data_dir = tmp_path / "data"
    env = {
        **os.environ,
        "GGZY_DATA_DIR": str(data_dir),
        "GGZY_DATABASE_URL": database_url,
        "GGZY_SECRET_KEY": "w" * 48,
        "GGZY_SCHEDULER_INTERVAL_SECONDS": "0.2",
        "GGZY_TREE_HEAD_INTERVAL_SECONDS": "0.2",
    }
    ggzy = Path(sys.executable).with_name("ggzy")
    proc = subprocess.Popen(
        [str(ggzy), "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait("the server to answer", lambda: _answers(base))
        yield proc, base, data_dir
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _answers(base: str) -> bool:
    try:
        return httpx.get(f"{base}/api/ledger/public-key", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_two_workers_share_one_key_and_one_runs_the_background_loops(
    server: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    proc, base, data_dir = server
    workers = _wait("two worker processes", lambda: (lambda c: c if len(c) == 2 else None)(_workers(proc.pid)))
    keys = {httpx.get(f"{base}/api/ledger/public-key", timeout=5).text for _ in range(20)}
    assert len(keys) == 1  # every worker signs with the one key in the data folder
    assert [p.name for p in (data_dir / "keys").iterdir()] == ["ledger-ed25519.pem"]  # no staging file left

    lock = data_dir / "background.lock"
    holder = _wait("a worker to take the background lease", lambda: _lease_holder(lock))
    assert holder in workers

    os.kill(holder, signal.SIGKILL)  # the worker running the loops dies without any clean-up
    successor = _wait(
        "another worker to take the lease over",
        lambda: (lambda h: h if h not in (None, holder) else None)(_lease_holder(lock)),
    )
    assert successor in _workers(proc.pid)
    assert _answers(base)
