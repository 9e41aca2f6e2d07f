"""Bench: `ggzy export ocds` streams in constant memory.

Builds a database with 100,000 published notices (whole lifecycles: tender, clarification, change, opening,
candidates, result, contract, performance, 1,000 a day), then exports the first 10,000 (baseline) and all
100,000 releases, each in a fresh process, and prints time, tracemalloc peak and peak RSS of both, and the
ratios. Constant memory means the 100k/10k memory ratio stays near 1 while the time ratio is near 10.

    .venv/bin/python tests/bench/bench_ocds_export.py            # SQLite in a temp folder
    GGZY_BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/h_ocds .venv/bin/python \
        tests/bench/bench_ocds_export.py                         # PostgreSQL (the database is emptied)
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, text

TOTAL = 100_000
BASELINE = 10_000
PER_DAY = 1_000
START = datetime(2025, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
KINDS = ["tender", "clarification", "change", "opening", "candidates", "result", "contract", "performance"]


def _fields(kind: str, i: int, bidders: list[int]) -> dict[str, Any]:
    price = Decimal(9_000_000 + i % 997)
    if kind == "tender":
        return {"estimate": Decimal(10_000_000), "documents_from": START, "bid_deadline": START + timedelta(days=20)}
    if kind == "clarification":
        return {"question": "工期？", "answer": "180日历天"}
    if kind == "change":
        return {"reason": "图纸修改", "bid_deadline": START + timedelta(days=25)}
    if kind == "opening":
        return {
            "bids": [
                {"entity_id": b, "bidder_name": f"投标人{b}", "price": price + k, "status": "valid"}
                for k, b in enumerate(bidders)
            ]
        }
    if kind == "candidates":
        return {
            "candidates": [
                {"rank": k + 1, "entity_id": b, "name": f"投标人{b}", "price": price + k} for k, b in enumerate(bidders)
            ]
        }
    if kind == "result":
        return {"winner_entity_id": bidders[0], "winner_name": f"投标人{bidders[0]}", "price": price, "rank": 1}
    if kind == "contract":
        return {"supplier_name": f"投标人{bidders[0]}", "amount": price, "signed_on": "2025-03-01", "late": None}
    return {"completed_on": "2025-09-01", "quality": "合格", "final_amount": str(price), "change_percent": "0.00"}


def build(url: str) -> None:
    from ggzy.core.db import create_database
    from ggzy.core.migrate import upgrade
    from ggzy.entities.models import Entity
    from ggzy.ledger.merkle import canonical_json
    from ggzy.notices.models import Notice
    from ggzy.notices.service import NoticeDraft, build_document
    from ggzy.projects.models import Lot, Project
    from ggzy.regions.service import load_regions

    if url.startswith("postgresql"):
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    db = create_database(url)
    with db.transaction() as s:
        load_regions(s)
        entities = [
            Entity(uscc=f"91620100MA7{n:06d}X"[:18], name=f"投标人{n}" if n else "招标人", kind="bidder",
                   region_code="6201", legal_representative="张三", created_at=START)
            for n in range(4)
        ]  # fmt: skip
        s.add_all(entities)
        s.flush()
        ids = [e.id for e in entities]
    projects = TOTAL // len(KINDS)
    with db.transaction() as s:
        s.execute(insert(Project), [
            {"code": f"B{p:06d}", "name": f"基准项目{p}", "trade": "construction", "owner_entity_id": ids[0],
             "region_code": "6201", "created_at": START} for p in range(projects)
        ])  # fmt: skip
        s.execute(insert(Lot), [
            {"project_id": p + 1, "code": "01", "name": "施工", "procedure": "open_tender",
             "estimate": Decimal(10_000_000), "created_at": START, "updated_at": START} for p in range(projects)
        ])  # fmt: skip
    rows = []
    for i in range(TOTAL):
        # One lifecycle after another, so the 10k baseline has the same mix of kinds as the 100k run.
        p, k = i // len(KINDS), i % len(KINDS)
        kind = KINDS[k]
        at = START + timedelta(days=i // PER_DAY, seconds=i % PER_DAY)
        project = SimpleNamespace(id=p + 1, code=f"B{p:06d}", name=f"基准项目{p}", trade="construction",
                                  region_code="6201", owner_entity_id=ids[0], agency_entity_id=None,
                                  fund_source="财政资金")  # fmt: skip
        lot = SimpleNamespace(id=p + 1, code="01", name="施工", procedure="open_tender", category="works",
                              estimate=Decimal(10_000_000))  # fmt: skip
        draft = NoticeDraft(title=f"基准项目{p}{kind}", fields=_fields(kind, i, ids[1:]), text="正文" * 50)
        built = build_document(kind=kind, draft=draft, project=project, lot=lot, published_at=at)  # type: ignore[arg-type]
        doc = canonical_json(built)
        rows.append({
            "ledger_index": i, "kind": kind, "project_id": p + 1, "lot_id": p + 1, "related_id": None,
            "trade": "construction", "region_code": "6201", "title": draft.title, "amount": None,
            "published_at": at, "document": doc.decode(), "digest": hashlib.sha256(doc).hexdigest(),
            "signature": "0" * 128, "key_id": "bench", "search_text": "",
        })  # fmt: skip
        if len(rows) == 5000:
            with db.transaction() as s:
                s.execute(insert(Notice), rows)
            rows = []
    db.dispose()


def child(url: str, out: str, date_to: str) -> None:
    """One export in this process: prints {seconds, tracemalloc_peak, maxrss, count}."""
    from ggzy.core.db import create_database
    from ggzy.disclosure.cli import export_ocds

    db = create_database(url)
    tracemalloc.start()
    started = time.perf_counter()
    count = export_ocds(
        db, out=Path(out), kind="releases", date_from=None, date_to=date_to, base_url="http://127.0.0.1:8000",
        ocid_prefix="ocds-xxxxxx-ggzy", publisher="bench",
    )  # fmt: skip
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    db.dispose()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"count": count, "seconds": seconds, "peak": peak, "maxrss_kb": maxrss_kb,
                      "bytes": Path(out).stat().st_size}))  # fmt: skip


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(*sys.argv[2:5])
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-ocds-"))
    url = os.environ.get("GGZY_BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.db'}"
    started = time.perf_counter()
    build(url)
    print(f"built {TOTAL} notices in {time.perf_counter() - started:.1f}s ({url.split(':')[0]})")
    last_day = START.date() + timedelta(days=BASELINE // PER_DAY - 1)
    end_day = START.date() + timedelta(days=TOTAL // PER_DAY - 1)
    results = {}
    for label, to in (("10k", last_day), ("100k", end_day)):
        out = subprocess.run(
            [sys.executable, __file__, "--child", url, str(tmp / f"{label}.json"), to.isoformat()],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        results[label] = json.loads(out.stdout.strip().splitlines()[-1])
        r = results[label]
        print(f"{label:>5}: {r['count']:>7} releases  {r['seconds']:7.2f}s  {r['count'] / r['seconds']:8.0f}/s  "
              f"tracemalloc peak {r['peak'] / 2**20:6.2f} MiB  maxrss {r['maxrss_kb'] / 1024:7.1f} MiB  "
              f"file {r['bytes'] / 2**20:7.1f} MiB")  # fmt: skip
    a, b = results["10k"], results["100k"]
    assert a["count"] == BASELINE and b["count"] == TOTAL, (a["count"], b["count"])
    print(f"ratios 100k/10k: releases {b['count'] / a['count']:.1f}x  time {b['seconds'] / a['seconds']:.2f}x  "
          f"tracemalloc peak {b['peak'] / a['peak']:.2f}x  maxrss {b['maxrss_kb'] / a['maxrss_kb']:.2f}x  "
          f"file {b['bytes'] / a['bytes']:.1f}x")  # fmt: skip
    # The file must be one valid JSON package with every release.
    with (tmp / "100k.json").open(encoding="utf-8") as fp:
        assert len(json.load(fp)["releases"]) == TOTAL


if __name__ == "__main__":
    main()
