"""Portal figures with many notices: search and list latency (p50/p95) on SQLite and PostgreSQL, and the public
list page's HTTP throughput as a ratio against a bare FastAPI endpoint measured in the same run.

    .venv/bin/python tests/bench/bench_portal.py [--n 1000000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/ggzy_bench]
        [--keep /tmp/bench.db] [--reuse]

``--keep PATH`` builds the SQLite database at PATH (instead of a temporary file) and keeps it; ``--reuse`` skips
the build when a target already holds exactly ``--n`` notices (the kept SQLite file, the PostgreSQL database),
only bringing it to the newest migration and re-running ANALYZE, so a second run measures in seconds.

Notices are bulk-inserted (``ggzy.disclosure.demo_data.bulk_notices``: core inserts, unsigned, no ledger events);
the full-text index is kept by migration 0012's trigger (SQLite) / GIN index (PostgreSQL). Asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from ggzy.core.db import Database, create_database
from ggzy.core.migrate import upgrade
from ggzy.disclosure import demo_data, queries, search
from ggzy.disclosure.filters import NoticeFilter, apply_filters
from ggzy.regions.service import load_regions

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
QUERIES = [
    "兰州",
    "道路",
    "医院",
    "工程",
    "采购",
    "兰州 医院",
    "天水市 道路改造工程",
    "城乡供水管网改造工程",
    "中标结果公告",
    "敦煌",
    "金矿 探矿权",
    "甘肃陇原建设集团有限公司",
]
FILTERS = [
    NoticeFilter(),
    NoticeFilter(trade="construction"),
    NoticeFilter(region_code="6201"),
    NoticeFilter(region_code="620102", kind="result"),
    NoticeFilter(trade="procurement", date_from=date(2026, 1, 1), date_to=date(2026, 6, 30)),
]


def notice_count(url: str) -> int:
    """Notices already in the target, or -1 when it has no notices table yet."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM notices")).scalar_one())
    except DBAPIError:  # no schema yet
        return -1
    finally:
        engine.dispose()


def analyze(url: str) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE notices"))
        engine.dispose()
    else:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        engine.dispose()


def prepare(url: str, n: int, *, reuse: bool = False) -> Database:
    if reuse and notice_count(url) == n:
        upgrade(url)
        analyze(url)
        print(f"  reusing {n:,} notices already in the database")
        return create_database(url)
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    db = create_database(url)
    with db.transaction() as s:
        load_regions(s)
    t = time.perf_counter()
    done = 0
    while done < n:
        chunk = min(100_000, n - done)
        with db.transaction() as s:
            demo_data.bulk_notices(s, count=chunk, now=NOW, seed=done)
        done += chunk
    analyze(url)
    print(f"  inserted {n:,} notices in {time.perf_counter() - t:.0f} s")
    return db


def timed(fn: Callable[[], Any], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(samples: list[float]) -> str:
    s = sorted(samples)
    return f"p50 {statistics.median(s):6.1f} ms  p95 {s[int(len(s) * 0.95) - 1]:6.1f} ms  (n={len(s)})"


def measure(db: Database) -> None:
    search_samples: list[float] = []
    list_first: list[float] = []
    list_deep: list[float] = []
    with db.session(write=False) as s:
        for q in QUERIES:
            for f in FILTERS:

                def restrict(stmt: Any, f: NoticeFilter = f) -> Any:
                    return apply_filters(stmt, f)

                facets = search.facet_terms(f)
                run = lambda q=q, f=f, r=restrict, w=facets: search.search(  # noqa: E731
                    s, q=q, restrict=None if f.is_empty() else r, facets=w
                )
                run()  # warm
                search_samples += timed(run, 3)
        for f in FILTERS:
            list_first += timed(lambda f=f: queries.list_notices(s, f, size=20), 10)
            page = queries.list_notices(s, f, size=20)
            for _ in range(30):  # follow the cursor 30 pages deep, timing each page
                if not page.next_cursor:
                    break
                t = time.perf_counter()
                page = queries.list_notices(s, f, size=20, cursor=page.next_cursor)
                list_deep.append((time.perf_counter() - t) * 1000)
    print(f"  search (12 queries x 5 filters): {pct(search_samples)}")
    print(f"  list first page:                 {pct(list_first)}")
    print(f"  list keyset pages 2-31:          {pct(list_deep)}")


def http_ratio(db: Database, settings_dir: Path) -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from ggzy.core.settings import Settings
    from ggzy.web.app import create_app

    bare = FastAPI()

    @bare.get("/ping")
    def ping() -> dict[str, str]:
        return {"ok": "1"}

    settings = Settings(
        data_dir=settings_dir,
        database_url=str(db.write_engine.url),
        secret_key="x" * 48,
        tree_head_interval_seconds=0,
        scheduler_interval_seconds=0,
    )
    app = create_app(settings, db=db)
    rounds = 300
    with TestClient(bare) as c1, TestClient(app) as c2:
        c1.get("/ping")
        c2.get("/notices")
        t = time.perf_counter()
        for _ in range(rounds):
            c1.get("/ping")
        bare_rps = rounds / (time.perf_counter() - t)
        t = time.perf_counter()
        for _ in range(rounds):
            r = c2.get("/notices", params={"trade": "construction"}, headers={"accept": "text/html"})
        page_rps = rounds / (time.perf_counter() - t)
        assert r.status_code == 200, r.status_code
    print(
        f"  HTTP (in-process ASGI client, 1 worker): bare endpoint {bare_rps:.0f} req/s, "
        f"/notices list page {page_rps:.0f} req/s, ratio {page_rps / bare_rps:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--pg", default="")
    parser.add_argument("--keep", default="", help="SQLite database file to build (or reuse) and keep")
    parser.add_argument("--reuse", action="store_true", help="skip the build when a target holds --n notices")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_file = Path(args.keep).resolve() if args.keep else Path(tmp) / "bench.db"
        if not args.reuse:
            for leftover in (sqlite_file, Path(f"{sqlite_file}-wal"), Path(f"{sqlite_file}-shm")):
                leftover.unlink(missing_ok=True)
        targets = [("SQLite", f"sqlite:///{sqlite_file}")] + ([("PostgreSQL", args.pg)] if args.pg else [])
        for name, url in targets:
            print(f"{name}:")
            db = prepare(url, args.n, reuse=args.reuse)
            measure(db)
            if name == "SQLite":
                http_ratio(db, Path(tmp) / "data")
            db.dispose()


if __name__ == "__main__":
    main()
