"""Ledger append cost vs a plain insert of the same row, side by side, on SQLite and PostgreSQL.

    .venv/bin/python tests/bench/bench_ledger_append.py [--n 2000] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/ggzy_bench]

Two shapes: one event per transaction (each commits, as a request would) and 100 events per transaction
(what the append itself costs when the commit is shared). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Column, Table, create_engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from ggzy.core.db import Base, Database, create_database
from ggzy.core.migrate import upgrade
from ggzy.ledger import service
from ggzy.ledger.merkle import canonical_json, leaf_hash
from ggzy.ledger.models import LedgerEvent

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)


def plain_table() -> Table:
    """A table with exactly the ledger_events columns, without the ledger's lock and ordering."""
    cols = [Column(c.name, c.type, primary_key=c.primary_key) for c in LedgerEvent.__table__.columns]
    return Table("bench_plain_events", Base.metadata, *cols, extend_existing=True)


def prepare(url: str) -> Database:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    db = create_database(url)
    plain_table().create(db.write_engine, checkfirst=True)
    return db


def run(db: Database, n: int, per_tx: int) -> tuple[float, float]:
    table = plain_table()
    data = {"lot": "LOT-0001", "price": "1234567.89", "bidder": "demo"}

    def plain(i: int) -> dict[str, object]:
        doc = {
            "index": i,
            "kind": "bench.event",
            "at": "2026-09-25T02:00:00.000Z",
            "actor": "user:1",
            "subject": f"lot:{i}",
            "data": data,
            "private_digest": None,
        }
        return {
            "index": i,
            "kind": "bench.event",
            "at": NOW,
            "actor": "user:1",
            "subject": f"lot:{i}",
            "data": data,
            "private_digest": None,
            "leaf_hash": leaf_hash(canonical_json(doc)),
        }

    stmt = insert(table)  # the fastest plain insert: statement built once, executed on the connection

    def time_plain(offset: int) -> float:
        t0 = time.perf_counter()
        for start in range(0, n, per_tx):
            with db.transaction() as s:
                conn = s.connection()
                for i in range(start, min(n, start + per_tx)):
                    conn.execute(stmt, plain(offset + i))
        return time.perf_counter() - t0

    def time_ledger() -> float:
        t0 = time.perf_counter()
        for start in range(0, n, per_tx):
            with db.transaction() as s:
                for i in range(start, min(n, start + per_tx)):
                    service.record(s, kind="bench.event", actor="user:1", subject=f"lot:{i}", data=data, now=NOW)
        return time.perf_counter() - t0

    with db.transaction() as s:  # each shape starts from an empty plain table
        s.execute(table.delete())
    plains, ledgers = [], []
    for rnd in range(3):  # interleave to share any drift of the machine between both sides
        plains.append(time_plain(rnd * n))
        ledgers.append(time_ledger())
    return statistics.median(plains), statistics.median(ledgers)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/ggzy_bench")
    args = ap.parse_args()
    targets = [("SQLite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}")]
    try:
        import psycopg

        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
        dbname = args.pg.rsplit("/", 1)[1]
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname=%s", (dbname,)).fetchone():
            admin.execute(f'CREATE DATABASE "{dbname}"')
        admin.close()
        targets.append(("PostgreSQL", args.pg))
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc}")
    print(f"{'database':<11} {'events/tx':>9} {'plain µs/row':>13} {'ledger µs/row':>14} {'ratio':>6}")
    for name, url in targets:
        db = prepare(url)
        for per_tx in (1, 100):
            plain, ledger = run(db, args.n, per_tx)
            print(
                f"{name:<11} {per_tx:>9} {plain / args.n * 1e6:>13.1f} {ledger / args.n * 1e6:>14.1f} "
                f"{ledger / plain:>6.2f}"
            )
        db.dispose()


if __name__ == "__main__":
    main()
