"""Concurrent sealed-bid uploads over loopback vs a plain file copy of the same bytes.

    .venv/bin/python tests/bench/bench_bid_upload.py                       # 200 bidders × 20 MiB (issue 4)
    .venv/bin/python tests/bench/bench_bid_upload.py --bidders 16 --mib 8  # quick run
    .venv/bin/python tests/bench/bench_bid_upload.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/ggzy_bench
    .venv/bin/python tests/bench/bench_bid_upload.py --workers 1            # as ggzy serve --workers 1

Starts a uvicorn server (a child process on 127.0.0.1, SQLite in a temporary data folder or --pg, frozen clock
before the bid deadline, as many worker processes as ``ggzy serve`` would start: one per core, at most 8),
seals one envelope per bidder in-process, then N bidders upload at once: create an upload,
PUT the chunks (streamed), complete (hash + receipt). Each bidder sends a bounded number of requests
(2 + chunks). The baseline copies the same envelope files with N threads (copy + fsync) into new
files, once before the server starts and ``--copies`` - 1 times after the uploads: the same copy varies up to
2× from run to run on a shared VM, so the ratio is taken against the median copy and its range is printed
too (see ``copy_baseline`` for why each copy writes new files). The floor sends the same files over loopback
to a bare receiver that hashes and durably writes them: what the wire, the hash and the disk cost here,
without HTTP, a framework or a database.
Server memory: its resident set sampled every 100 ms during the uploads (first, median, last, max) and its
peak (VmHWM). Prints figures, as ratios to the copy measured in the same run; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
PASSWORD = "Bench-password-2026"


def settings_for(data_dir: Path, database_url: str = ""):  # type: ignore[no-untyped-def]
    from ggzy.core.settings import Settings

    return Settings(
        data_dir=data_dir,
        database_url=database_url or f"sqlite:///{data_dir / 'ggzy.db'}",
        secret_key="b" * 48,
        tree_head_interval_seconds=0,
        scheduler_interval_seconds=0,
    )


def serve(data_dir: Path, port: int, database_url: str, workers: int) -> None:
    import uvicorn

    from ggzy.web.http_protocol import HTTP_PROTOCOL  # as `ggzy serve`; BENCH_HTTP=httptools for uvicorn's own

    if workers > 1:  # as `ggzy serve --workers N`, each worker building the app (here: with the frozen clock)
        os.environ["GGZY_BENCH_DATA_DIR"], os.environ["GGZY_BENCH_PG"] = str(data_dir), database_url
        uvicorn.run(
            "bench_bid_upload:bench_app",
            factory=True,
            workers=workers,
            app_dir=str(Path(__file__).parent),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            http=os.environ.get("BENCH_HTTP", HTTP_PROTOCOL),
        )
        return
    uvicorn.run(
        bench_app(data_dir, database_url),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        http=os.environ.get("BENCH_HTTP", HTTP_PROTOCOL),
    )


def bench_app(data_dir: Path | None = None, database_url: str | None = None):  # type: ignore[no-untyped-def]
    from ggzy.core.clock import FrozenClock
    from ggzy.web.app import create_app

    data_dir = data_dir or Path(os.environ["GGZY_BENCH_DATA_DIR"])
    database_url = os.environ.get("GGZY_BENCH_PG", "") if database_url is None else database_url
    return create_app(settings_for(data_dir, database_url), clock=FrozenClock(NOW))


def prepare(
    data_dir: Path, uploaders: int, mib: int, envelopes: Path, database_url: str
) -> tuple[int, list[Path], list[dict[str, str]]]:
    """Database with a published lot, its opening key, N bidder users with an API token each (issued as a
    login issues it: the 200 argon2 logins would take most of a run); one sealed envelope per bidder."""
    from tests.factories import tender_world
    from tests.integration.bids.support import key_ceremony, publish_tender

    from ggzy.bids import service as bids
    from ggzy.core.db import create_database
    from ggzy.core.migrate import upgrade
    from ggzy.core.security import hash_password
    from ggzy.entities.auth import issue_token
    from ggzy.entities.models import User, UserRole
    from ggzy.ledger.signing import SigningKey
    from ggzy.regions.service import load_regions
    from ggzy.vault.container import BidForm, FileSource
    from ggzy.vault.seal import seal_bid

    settings = settings_for(data_dir, database_url)
    url = settings.resolved_database_url
    if url.startswith("postgresql"):  # a scratch database: emptied first
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    db = create_database(url)
    # Tables of work in progress whose migration is not written yet: the bench must not depend on it.
    from ggzy.core.db import Base
    from ggzy.core.models_registry import import_all_models

    import_all_models()
    Base.metadata.create_all(db.write_engine, checkfirst=True)
    db.signer = SigningKey.generate()  # notices are signed by the platform key the session carries
    key, doc = key_ceremony()
    hashed = hash_password(PASSWORD)
    headers = []
    with db.transaction() as s:
        load_regions(s)
        world = tender_world(s, now=NOW, bidders=uploaders)
        publish_tender(s, world, now=NOW)
        bids.register_opening_key(s, actor=world.center, lot_id=world.lot_id, now=NOW, **doc)  # type: ignore[arg-type]
        for i, entity_id in enumerate(world.bidder_ids):
            user = User(
                username=f"bench{i}",
                display_name=f"bench{i}",
                password_hash=hashed,
                entity_id=entity_id,
                created_at=NOW,
                roles=[UserRole(role="bidder_staff", granted_at=NOW)],
            )
            s.add(user)
            s.flush()
            raw, _token = issue_token(s, user=user, name="bench", now=NOW, settings=settings)
            headers.append({"Authorization": f"Bearer {raw}"})
    db.dispose()
    files = []
    payload_size = mib << 20
    block = os.urandom(1 << 20)
    for i, entity_id in enumerate(world.bidder_ids):

        def opener() -> io.BytesIO:
            return io.BytesIO(block * mib)

        path = envelopes / f"bid{i}.ggzyseal"
        with open(path, "wb") as out:
            seal_bid(
                BidForm(Decimal("1000000.00"), 365, "合格", "李四", "620102198001011234"),
                [FileSource(name="投标文件.bin", size=payload_size, open=opener)],
                out,
                opening_key=key.public,
                bidder_key=None,
                lot_id=str(world.lot_id),
                bidder_id=str(entity_id),
                created_at=NOW,
            )
        files.append(path)
    return world.lot_id, files, headers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, database_url: str, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    """``serve`` in a child process on a free port, once it accepts connections: (the process, its port)."""
    port = free_port()
    command = [sys.executable, __file__, "--serve", str(data_dir), "--port", str(port), "--pg", database_url]
    server = subprocess.Popen([*command, "--workers", str(workers)])
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return server, port


def process_tree(pid: int) -> list[int]:
    """The server process and its descendants (the worker processes of ``--workers N``)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    tree, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        tree += frontier
    return tree


def proc_status(pids: list[int], field: str) -> int:
    """A /proc status field (kB) summed over the server's processes."""
    total = 0
    for member in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
    return total


def cpu_seconds(pids: list[int]) -> tuple[float, float]:
    """User and system CPU time so far of the server's processes (from /proc/PID/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    user = system = 0.0
    for member in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            user, system = user + int(fields[11]) / tick, system + int(fields[12]) / tick
    return user, system


def postgres_cpu() -> dict[int, float]:
    """CPU seconds so far of each of this machine's PostgreSQL processes: with --pg the database server
    shares the cores with the web server and the bidders."""
    tick, found = os.sysconf("SC_CLK_TCK"), {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                head, tail = (entry / "stat").read_text().rsplit(")", 1)
                if head.split("(", 1)[1] in ("postgres", "postmaster"):
                    fields = tail.split()
                    found[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    return found


def upload_one(
    base: str, lot_id: int, i: int, path: Path, chunk: int, h: dict[str, str], results: list[str | None]
) -> None:
    import httpx

    try:
        with httpx.Client(base_url=base, timeout=300) as client:
            size = path.stat().st_size
            r = client.post(f"/api/lots/{lot_id}/bids/uploads", json={"declared_size": size}, headers=h)
            r.raise_for_status()
            upload_id = r.json()["id"]
            with open(path, "rb") as fh:
                for start in range(0, size, chunk):
                    length = min(chunk, size - start)

                    def body(n: int = length) -> Iterator[bytes]:
                        left = n
                        while left:
                            piece = fh.read(min(left, 256 << 10))
                            left -= len(piece)
                            yield piece

                    rng = f"bytes {start}-{start + length - 1}/{size}"
                    r = client.put(f"/api/bid-uploads/{upload_id}", content=body(), headers={**h, "Content-Range": rng})
                    r.raise_for_status()
            r = client.post(f"/api/bid-uploads/{upload_id}/complete", headers=h)
            r.raise_for_status()
            results[i] = r.json()["ciphertext_hash"]
    except Exception as exc:  # a bench reports failures, it does not stop on them
        results[i] = f"FAILED: {exc!r}"


def upload_one_sendfile(
    base: str, lot_id: int, i: int, path: Path, chunk: int, h: dict[str, str], results: list[str | None]
) -> None:
    """The same three steps over http.client, each chunk's body sent by the kernel from the file (sendfile):
    a bidder's machine is not this one, so the load generator should cost the shared cores as little as it can."""
    import http.client
    import json
    from urllib.parse import urlsplit

    def call(conn: http.client.HTTPConnection, method: str, url: str, body: bytes = b"") -> dict[str, object]:
        conn.request(method, url, body=body, headers={**h, "Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        if r.status >= 300:
            raise RuntimeError(f"{method} {url}: {r.status} {data[:200]!r}")
        return json.loads(data)  # type: ignore[no-any-return]

    try:
        where = urlsplit(base)
        conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=300)
        try:
            size = path.stat().st_size
            marks = [time.perf_counter()]
            upload_id = call(
                conn, "POST", f"/api/lots/{lot_id}/bids/uploads", json.dumps({"declared_size": size}).encode()
            )["id"]
            marks.append(time.perf_counter())
            with open(path, "rb") as fh:
                for start in range(0, size, chunk):
                    length = min(chunk, size - start)
                    conn.putrequest("PUT", f"/api/bid-uploads/{upload_id}")
                    for name, value in h.items():
                        conn.putheader(name, value)
                    conn.putheader("Content-Range", f"bytes {start}-{start + length - 1}/{size}")
                    conn.putheader("Content-Length", str(length))
                    conn.endheaders()
                    conn.sock.sendfile(fh, start, length)  # os.sendfile, waiting on the socket's timeout
                    r = conn.getresponse()
                    data = r.read()
                    if r.status >= 300:
                        raise RuntimeError(f"PUT chunk at {start}: {r.status} {data[:200]!r}")
                    marks.append(time.perf_counter())
            results[i] = str(call(conn, "POST", f"/api/bid-uploads/{upload_id}/complete")["ciphertext_hash"])
            marks.append(time.perf_counter())
            TIMELINES.append(marks)
        finally:
            conn.close()
    except Exception as exc:  # a bench reports failures, it does not stop on them
        results[i] = f"FAILED: {exc!r}"


TIMELINES: list[list[float]] = []  # per bidder: start, created, each chunk acknowledged, receipt


def phases(t0: float) -> str:
    """When the bidders' steps ended (seconds from the start, p50/max) and how long a chunk took (p50/p90)."""
    if not TIMELINES:
        return "phases: only measured with the sendfile client"

    def p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]

    created = [m[1] - t0 for m in TIMELINES]
    done = [m[-1] - t0 for m in TIMELINES]
    chunk = [b - a for m in TIMELINES for a, b in itertools.pairwise(m[1:-1])]
    complete = [m[-1] - m[-2] for m in TIMELINES]
    return (
        f"phases: uploads created by {p(created, 0.5):.2f}/{max(created):.2f} s; a chunk took {p(chunk, 0.5):.2f}/"
        f"{p(chunk, 0.9):.2f} s (p50/p90); completion took {p(complete, 0.5):.2f}/{max(complete):.2f} s; "
        f"receipts by {p(done, 0.5):.2f}/{max(done):.2f} s"
    )


def run_together(threads: list[threading.Thread]) -> tuple[float, float]:
    """Start every thread, wait for all: (when the first was started, seconds until the last ended)."""
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return t0, time.perf_counter() - t0


def copy_baseline(files: list[Path], dest: Path, *, overwrite: bool = False) -> float:
    """Copy + fsync of every file into a new folder of ``dest``; earlier copies are kept until the run ends.
    With ``overwrite`` the last copy's files are deleted and written again instead: on the reference VM such
    a copy, writing blocks freed a moment before, ran at memory speed (1.2–1.5 s against 5.4–5.6 s for the
    same 4.2 GB into new files), so it is printed for information only. The uploads and the floor write new
    files, as the baseline does."""
    if overwrite:
        dest = max(dest.iterdir(), key=lambda d: int(d.name))
        for old in dest.iterdir():
            old.unlink()
        os.sync()  # the deletions committed, so that their blocks can be reused at once
    else:
        dest = dest / str(len(list(dest.iterdir())))
        dest.mkdir()

    def copy(src: Path) -> None:
        target = dest / src.name
        shutil.copyfile(src, target)
        with open(target, "rb") as fh:
            os.fsync(fh.fileno())

    return run_together([threading.Thread(target=copy, args=(f,)) for f in files])[1]


FLOOR_BLOCK = 1 << 20


def floor_receive(dest: Path, listener_fd: int, count: int) -> None:
    """The floor's receiver (a process of its own, as the server is): per connection one thread reads the
    declared bytes straight into an aligned buffer, hashes them (SHA-256), writes them past the page cache
    (O_DIRECT where the filesystem has it, the tail through the ordinary descriptor), fsyncs and answers the
    digest. What any server must do with a sealed bid, without HTTP, a framework or a database."""
    import hashlib
    import mmap

    from ggzy.bids.chunk_writer import open_direct

    listener = socket.socket(fileno=listener_fd)

    def receive(conn: socket.socket, i: int) -> None:
        with conn:
            size = int.from_bytes(conn.recv(8, socket.MSG_WAITALL), "big")
            path = dest / f"floor{i}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            direct = open_direct(path)
            buf = mmap.mmap(-1, FLOOR_BLOCK)
            view, digest, offset = memoryview(buf), hashlib.sha256(), 0
            try:
                while offset < size:
                    want, got = min(FLOOR_BLOCK, size - offset), 0
                    while got < want:
                        n = conn.recv_into(view[got:want])
                        if not n:
                            raise ConnectionError("sender closed early")
                        got += n
                    digest.update(view[:got])
                    aligned = got - got % 4096 if direct is not None else 0
                    for target, start, end in ((direct, 0, aligned), (fd, aligned, got)):
                        while start < end:
                            start += os.pwrite(target, view[start:end], offset + start)  # type: ignore[arg-type]
                    offset += got
                os.fsync(fd)
            finally:
                view.release()
                buf.close()
                os.close(fd)
                if direct is not None:
                    os.close(direct)
            conn.sendall(digest.hexdigest().encode())

    print("ready", flush=True)
    threads = []
    for i in range(count):
        conn, _ = listener.accept()
        threads.append(threading.Thread(target=receive, args=(conn, i)))
        threads[-1].start()
    for t in threads:
        t.join()
    listener.close()


def floor_baseline(files: list[Path], dest: Path) -> tuple[float, list[str]]:
    """The same files sent by the kernel (sendfile), as the bidders' client sends them, to ``floor_receive``
    over loopback: what the wire, the hash and a durable direct write cost on this machine in this run. The
    upload cannot beat it; if it is under half the copy, no server reaches the copy target here."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=len(files))
    port = listener.getsockname()[1]
    command = [sys.executable, __file__, "--floor-receive", str(dest), "--listen-fd", str(listener.fileno())]
    receiver = subprocess.Popen(
        [*command, "--bidders", str(len(files))],
        pass_fds=(listener.fileno(),),
        stdout=subprocess.PIPE,
    )
    listener.close()
    digests: list[str] = [""] * len(files)

    def send(i: int, path: Path) -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=300) as sock, open(path, "rb") as fh:
            sock.sendall(path.stat().st_size.to_bytes(8, "big"))
            sock.sendfile(fh)
            digests[i] = sock.recv(64, socket.MSG_WAITALL).decode()

    try:
        assert receiver.stdout is not None and receiver.stdout.readline() == b"ready\n"
        _, elapsed = run_together([threading.Thread(target=send, args=(i, f)) for i, f in enumerate(files)])
    finally:
        receiver.wait(timeout=60)
    return elapsed, digests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bidders", "--uploaders", dest="uploaders", type=int, default=200)
    parser.add_argument("--mib", "--size", dest="mib", type=int, default=20, help="payload MiB per bid")
    parser.add_argument("--chunk-mib", type=int, default=8)
    parser.add_argument(
        "--client",
        choices=("sendfile", "httpx"),
        default="sendfile",
        help="bidders' HTTP client: http.client + sendfile (lean), or httpx streaming 256 KiB pieces",
    )
    parser.add_argument("--pg", default="", help="a scratch PostgreSQL database (emptied!) instead of SQLite")
    parser.add_argument(
        "--workers",
        type=int,
        help="server worker processes (ggzy serve --workers); default as ggzy serve: one per core, at most 8",
    )
    parser.add_argument("--copies", type=int, default=3, help="baseline copies: one before the uploads, the rest after")
    parser.add_argument("--floor-receive", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--listen-fd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.pg, args.workers)
        return
    if args.floor_receive:
        floor_receive(args.floor_receive, args.listen_fd, args.uploaders)
        return
    args.workers = args.workers or settings_for(Path(), args.pg).resolved_web_workers
    with tempfile.TemporaryDirectory(prefix="ggzy-bench-bids-") as tmp:
        data_dir, envelopes, copies, received = (Path(tmp, name) for name in ("data", "envelopes", "copies", "floor"))
        for d in (data_dir, envelopes, copies, received):
            d.mkdir()
        lot_id, files, headers = prepare(data_dir, args.uploaders + args.workers, args.mib, envelopes, args.pg)
        # The last bidders (one per worker) upload first, unmeasured: a server that has run for a while has
        # imported and compiled everything its handlers use; a cold one does that during the first uploads.
        warm_files, warm_headers = files[args.uploaders :], headers[args.uploaders :]
        files, headers = files[: args.uploaders], headers[: args.uploaders]
        total = sum(f.stat().st_size for f in files)
        # The envelopes were just written: until the kernel has written them back, the first copy's fsyncs
        # queue behind that write-back (4.7 s against 1.3 s for the same copy on clean files, this VM).
        os.sync()
        copy_times = [copy_baseline(files, copies)]
        server, port = start_server(data_dir, args.pg, args.workers)
        try:
            base = f"http://127.0.0.1:{port}"
            warm_results: list[str | None] = [None] * len(warm_files)
            warm = [
                threading.Thread(
                    target=upload_one_sendfile,
                    args=(base, lot_id, i, f, args.chunk_mib << 20, warm_headers[i], warm_results),
                )
                for i, f in enumerate(warm_files)
            ]
            run_together(warm)
            TIMELINES.clear()
            if any(r is None or r.startswith("FAILED") for r in warm_results):
                raise SystemExit(f"warm-up upload failed: {warm_results}")
            # Found once, the workers being up: walking /proc at every 100 ms sample would cost the shared cores.
            server_pids = process_tree(server.pid)
            for member in server_pids:
                with contextlib.suppress(OSError):
                    Path(f"/proc/{member}/clear_refs").write_text("5")  # reset the peak (VmHWM) to now
            idle_kb = proc_status(server_pids, "VmRSS")
            samples: list[int] = []
            sampling = threading.Event()

            def sample() -> None:
                while not sampling.wait(0.1):
                    with contextlib.suppress(OSError):
                        samples.append(proc_status(server_pids, "VmRSS"))

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            results: list[str | None] = [None] * len(files)
            threads = [
                threading.Thread(
                    target=upload_one if args.client == "httpx" else upload_one_sendfile,
                    args=(base, lot_id, i, f, args.chunk_mib << 20, headers[i], results),
                )
                for i, f in enumerate(files)
            ]
            server_cpu0, own0 = cpu_seconds(server_pids), resource.getrusage(resource.RUSAGE_SELF)
            database_cpu0 = postgres_cpu()
            t0, upload_s = run_together(threads)
            server_user, server_sys = (b - a for a, b in zip(server_cpu0, cpu_seconds(server_pids), strict=True))
            server_cpu = server_user + server_sys
            database_cpu = sum(t - database_cpu0.get(pid, 0.0) for pid, t in postgres_cpu().items())
            own1 = resource.getrusage(resource.RUSAGE_SELF)
            client_cpu = own1.ru_utime + own1.ru_stime - own0.ru_utime - own0.ru_stime
            sampling.set()
            sampler.join()
            peak_kb = proc_status(server_pids, "VmHWM")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
        floor_s, floor_digests = floor_baseline(files, received)
        copy_times += [copy_baseline(files, copies) for _ in range(args.copies - 1)]
        overwrite_s = copy_baseline(files, copies, overwrite=True)
        copy_s = sorted(copy_times)[len(copy_times) // 2]
        failed = [r for r in results if r is None or r.startswith("FAILED")]
        mb = total / 1e6
        print(
            f"uploaders {len(files)} × {files[0].stat().st_size / 1e6:.1f} MB = {mb:.1f} MB, "
            f"chunks of {args.chunk_mib} MiB, client {args.client}, server workers {args.workers}, "
            f"failed {len(failed)} {failed[:1]}"
        )
        print(f"upload (create + PUT chunks + complete with hash/receipt): {upload_s:.2f} s = {mb / upload_s:.1f} MB/s")
        print(
            f"plain copy + fsync, same files, {len(files)} threads:        {copy_s:.2f} s = {mb / copy_s:.1f} MB/s "
            f"(median of {len(copy_times)}: {', '.join(f'{t:.2f}' for t in copy_times)} s; the first before uploading)"
        )
        print(
            f"(the same copy overwriting the last copy's files, blocks freed a moment before: {overwrite_s:.2f} s = "
            f"{mb / overwrite_s:.1f} MB/s; not the baseline, see copy_baseline)"
        )
        floor_wrong = sum(d != r for d, r in zip(floor_digests, results, strict=True))
        print(
            f"floor (same bytes over loopback into a bare receiver: SHA-256, direct write, fsync; no HTTP, no "
            f"database): {floor_s:.2f} s = {mb / floor_s:.1f} MB/s = {copy_s / floor_s:.2f} × the copy's "
            f"throughput; the upload reaches {floor_s / upload_s:.2f} of it ({floor_wrong} digests differing "
            "from the receipts')"
        )
        print(
            f"throughput ratio upload/copy: {copy_s / upload_s:.2f} against the median copy "
            f"({min(copy_times) / upload_s:.2f}–{max(copy_times) / upload_s:.2f} against the fastest and slowest) "
            "(target ≥ 0.5)"
        )
        print(
            f"CPU during uploads: server {server_cpu:.1f} s (user {server_user:.1f}, system {server_sys:.1f}), "
            f"bidders' clients (this process) {client_cpu:.1f} s, "
            f"{f'PostgreSQL {database_cpu:.1f} s, ' if args.pg else ''}"
            f"of {upload_s * (os.cpu_count() or 1):.1f} core-seconds on {os.cpu_count()} cores; "
            f"server {server_cpu / (mb / 1000):.2f} CPU-s per GB"
        )
        print(phases(t0))
        ordered = sorted(samples) or [idle_kb]
        print(
            f"server RSS idle {idle_kb / 1024:.1f} MiB; during uploads ({len(samples)} samples) first "
            f"{(samples or [idle_kb])[0] / 1024:.1f}, median {ordered[len(ordered) // 2] / 1024:.1f}, last "
            f"{(samples or [idle_kb])[-1] / 1024:.1f}, max {ordered[-1] / 1024:.1f} MiB; peak (VmHWM) "
            f"{peak_kb / 1024:.1f} MiB = {(peak_kb - idle_kb) / 1024:.1f} MiB over idle for {mb:.0f} MB uploaded; "
            f"bench process ru_maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB"
        )


if __name__ == "__main__":
    main()
