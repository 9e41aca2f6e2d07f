"""Server CPU per request of a sealed bid upload, one bidder at a time: start, one chunk, complete.

    .venv/bin/python tests/bench/bench_bid_requests.py                 # 200 bidders × 1 MiB, SQLite
    .venv/bin/python tests/bench/bench_bid_requests.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/ggzy_bench

Under 200 concurrent uploads the fixed cost of each request (HTTP, authentication, checks, database) is
about half of the server's CPU, and it is hidden in the concurrent run's noise. Here the same server as
``bench_bid_upload.py`` (one worker) gets each step for every bidder in turn, and the CPU its process used
is divided by the requests. The baseline, measured in the same run, is the cheapest authenticated API call
of the same app: reading the lot's opening key. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_bid_upload import cpu_seconds, prepare, process_tree, start_server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bidders", type=int, default=200)
    parser.add_argument("--mib", type=int, default=1, help="envelope MiB, sent as one chunk")
    parser.add_argument("--pg", default="", help="a scratch PostgreSQL database (emptied!) instead of SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ggzy-bench-requests-") as tmp:
        data_dir, envelopes = Path(tmp, "data"), Path(tmp, "envelopes")
        data_dir.mkdir()
        envelopes.mkdir()
        n = args.bidders
        lot_id, files, headers = prepare(data_dir, n + 1, args.mib, envelopes, args.pg)
        server, port = start_server(data_dir, args.pg, 1)
        try:
            pids = process_tree(server.pid)
            conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(n + 1)]
            ids: dict[int, str] = {}

            def call(i: int, method: str, url: str, body: bytes = b"", extra: dict[str, str] | None = None) -> object:
                conns[i].request(method, url, body=body, headers={**headers[i], **(extra or {})})
                response = conns[i].getresponse()
                data = response.read()
                if response.status >= 300:
                    raise SystemExit(f"{method} {url}: {response.status} {data[:300]!r}")
                return json.loads(data)

            def baseline(i: int) -> None:
                call(i, "GET", f"/api/lots/{lot_id}/opening-key")

            def start(i: int) -> None:
                size = files[i].stat().st_size
                body = json.dumps({"declared_size": size}).encode()
                created = call(
                    i, "POST", f"/api/lots/{lot_id}/bids/uploads", body, {"Content-Type": "application/json"}
                )
                ids[i] = str(created["id"])  # type: ignore[index]

            def chunk(i: int) -> None:
                body = files[i].read_bytes()
                extra = {
                    "Content-Range": f"bytes 0-{len(body) - 1}/{len(body)}",
                    "Content-Type": "application/octet-stream",
                }
                call(i, "PUT", f"/api/bid-uploads/{ids[i]}", body, extra)

            def complete(i: int) -> None:
                call(i, "POST", f"/api/bid-uploads/{ids[i]}/complete")

            steps: list[tuple[str, Callable[[int], None]]] = [
                ("baseline: GET opening key", baseline),
                ("start upload", start),
                (f"PUT one {args.mib} MiB chunk", chunk),
                ("complete (receipt)", complete),
            ]
            for _, step in steps:  # the last bidder warms every path up, unmeasured
                step(n)
            figures: dict[str, tuple[float, float]] = {}
            for name, step in steps:
                before, t0 = cpu_seconds(pids), time.perf_counter()
                for i in range(n):
                    step(i)
                after, wall = cpu_seconds(pids), time.perf_counter() - t0
                figures[name] = ((sum(after) - sum(before)) / n * 1000, wall / n * 1000)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
        base = figures["baseline: GET opening key"][0]
        print(f"{'SQLite' if not args.pg else 'PostgreSQL'}, {n} bidders one at a time, one server worker")
        for name, (cpu_ms, wall_ms) in figures.items():
            print(
                f"{name:28s} server CPU {cpu_ms:6.2f} ms/request = {cpu_ms / base:4.1f} × baseline; "
                f"latency {wall_ms:6.2f} ms"
            )


if __name__ == "__main__":
    main()
