"""Proofs and verification on a large ledger stored in the database.

    .venv/bin/python tests/bench/bench_ledger_proofs.py [--size 1000000] [--db sqlite|postgresql]

Builds a log of --size events (bulk-inserted rows with real leaf hashes), integrates the tree nodes, signs
a head, then times 1,000 inclusion and 1,000 consistency proofs (generation from the database plus
verification) and a full ``verify_log`` streamed from the database, as ``ggzy verify`` does.
Baseline in the same run: one indexed primary-key lookup of an event. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from ggzy.core.db import create_database
from ggzy.core.migrate import upgrade
from ggzy.ledger import merkle, queries, service
from ggzy.ledger.models import LedgerEvent, LedgerState
from ggzy.ledger.signing import SigningKey
from ggzy.ledger.verify import verify_log

AT = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)


def build(url: str, size: int) -> None:
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    db = create_database(url)
    batch = 20_000
    t0 = time.perf_counter()
    for start in range(0, size, batch):
        rows = []
        for i in range(start, min(size, start + batch)):
            ev = LedgerEvent(
                index=i,
                kind="bench.event",
                at=AT,
                actor="system",
                subject=f"lot:{i % 5000}",
                data={"i": i, "price": f"{i % 99991}.00"},
                private_digest=None,
                leaf_hash=b"",
            )
            doc = service.event_document(ev)
            rows.append(
                {
                    "index": i,
                    "kind": ev.kind,
                    "at": AT,
                    "actor": ev.actor,
                    "subject": ev.subject,
                    "data": ev.data,
                    "private_digest": None,
                    "leaf_hash": merkle.leaf_hash(merkle.canonical_json(doc)),
                }
            )
        with db.transaction() as s:
            s.execute(LedgerEvent.__table__.insert(), rows)
    with db.transaction() as s:
        st = s.get(LedgerState, 1)
        assert st is not None
        st.size = size
    print(f"built {size:,} events in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    with db.transaction() as s:
        service.integrate(s)
    print(f"integrated tree nodes in {time.perf_counter() - t0:.1f} s")
    db.dispose()


def pct(values: list[float], p: float) -> float:
    return sorted(values)[int(len(values) * p) - 1] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1_000_000)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/ggzy_bench")
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    url = args.pg if args.db == "postgresql" else f"sqlite:///{Path(tempfile.mkdtemp()) / 'ledger.db'}"
    if args.db == "postgresql":
        import psycopg

        admin = psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)
        name = args.pg.rsplit("/", 1)[1]
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname=%s", (name,)).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')
        admin.close()
    build(url, args.size)
    db = create_database(url)
    key = SigningKey.generate()
    size = args.size
    rng = random.Random(7)
    with db.transaction() as s:
        old = key.sign_tree_head(size // 2, merkle.root_at(queries.DbNodeSource(s), size // 2), 1)
        head = service.publish_tree_head(s, key=key, now=AT)
    with db.session(write=False) as s:
        lookup, incl, cons = [], [], []
        for _ in range(args.n):
            i = rng.randrange(size)
            t0 = time.perf_counter()
            s.execute(select(LedgerEvent.leaf_hash).where(LedgerEvent.index == i)).scalar_one()
            lookup.append(time.perf_counter() - t0)
        source = queries.DbNodeSource(s)
        for _ in range(args.n):
            i = rng.randrange(size)
            t0 = time.perf_counter()
            path = merkle.inclusion_proof(source, i, size)
            leaf = source.perfect_subtree_hashes([(0, i)])[(0, i)]
            ok = merkle.verify_inclusion(leaf, i, size, path, head.root_hash)
            incl.append(time.perf_counter() - t0)
            assert ok
        for _ in range(args.n):
            m = rng.randrange(1, size)
            t0 = time.perf_counter()
            proof = merkle.consistency_proof(source, m, size)
            cons.append(time.perf_counter() - t0)
            assert proof or m == size
        proof = merkle.consistency_proof(source, old.tree_size, size)
        assert merkle.verify_consistency(old.tree_size, size, old.root_hash, head.root_hash, proof)
        t0 = time.perf_counter()
        result = verify_log(queries.iter_events(s), head, key.public_key_pem())
        verify_s = time.perf_counter() - t0
    print(f"\n{args.db}, {size:,} events, {args.n} samples each")
    print(f"{'operation':<40} {'p50 ms':>8} {'p95 ms':>8} {'× lookup p50':>13}")
    base = statistics.median(lookup) * 1000
    for name, vals in [
        ("primary-key lookup (baseline)", lookup),
        ("inclusion proof (from DB + verify)", incl),
        ("consistency proof (from DB)", cons),
    ]:
        print(f"{name:<40} {pct(vals, 0.5):>8.3f} {pct(vals, 0.95):>8.3f} {pct(vals, 0.5) / base:>13.1f}")
    print(f"verify_log of the whole log from the database: {verify_s:.1f} s ({result.code}, {result.checked:,} events)")
    db.dispose()


if __name__ == "__main__":
    main()
