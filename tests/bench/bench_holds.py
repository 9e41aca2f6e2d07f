"""Cost of a held lot's timer for the scheduler: re-checking held timers vs firing the same timers.

    .venv/bin/python tests/bench/bench_holds.py            # 200 lots
    .venv/bin/python tests/bench/bench_holds.py --lots 50

A held lot's timer stays pending and is re-checked on every scheduler run (条例22: activity paused until the
answer), so each run pays for it. Baseline: one run firing the same number of bid-deadline timers (the step,
the ledger event and the rescheduling), measured in the same run on a fresh SQLite database.
Prints figures and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.factories import principal, tender_world  # noqa: E402

from ggzy.complaints import service as complaints  # noqa: E402
from ggzy.core.clock import SHANGHAI  # noqa: E402
from ggzy.core.db import create_database  # noqa: E402
from ggzy.core.migrate import upgrade  # noqa: E402
from ggzy.core.models_registry import import_all_models  # noqa: E402
from ggzy.core.security import Role  # noqa: E402
from ggzy.ledger.signing import SigningKey  # noqa: E402
from ggzy.procedures.scheduler import run_due  # noqa: E402
from ggzy.projects import service as projects  # noqa: E402
from ggzy.regions.service import load_regions  # noqa: E402

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 10, 15, 9, 30, tzinfo=SHANGHAI)


def _setup(url: str, lots: int, *, held: bool) -> object:
    upgrade(url)
    db = create_database(url)
    db.signer = SigningKey.generate()
    with db.transaction() as s:
        load_regions(s)
    with db.transaction() as s:
        w = tender_world(s, now=NOW)
        bidder = principal(s, username="b0", role=Role.bidder_staff, entity_id=w.bidder_ids[0], now=NOW)
    lot_ids = [w.lot_id]
    with db.transaction() as s:
        for i in range(1, lots):
            lot = projects.add_lot(
                s,
                actor=w.owner,
                project_id=w.project_id,
                code=f"{i + 1:02d}",
                name=f"标段{i + 1}",
                procedure="open_tender",
                estimate=Decimal("10000000"),
                max_price=None,
                category="works",
                now=NOW,
            )
            lot_ids.append(lot.id)
    for lot_id in lot_ids:
        with db.transaction() as s:
            projects.publish_notice(
                s,
                actor=w.owner,
                lot_id=lot_id,
                documents_from=datetime(2026, 9, 25, 9, 30, tzinfo=SHANGHAI),
                documents_until=datetime(2026, 9, 30, 17, 0, tzinfo=SHANGHAI),
                bid_deadline=DEADLINE,
                bid_bond=None,
                now=NOW,
            )
            if held:
                complaints.file_objection(
                    s, actor=bidder, lot_id=lot_id, kind="documents", text="资格条件过高", now=NOW
                )
    return db


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lots", type=int, default=200)
    args = parser.parse_args()
    import_all_models()
    at = DEADLINE.astimezone(UTC) + timedelta(seconds=1)
    with tempfile.TemporaryDirectory() as tmp:
        fire_db = _setup(f"sqlite:///{Path(tmp) / 'fire.db'}", args.lots, held=False)
        t0 = time.perf_counter()
        fired = run_due(fire_db, now=at, limit=args.lots)  # type: ignore[arg-type]
        fire_s = time.perf_counter() - t0
        held_db = _setup(f"sqlite:///{Path(tmp) / 'held.db'}", args.lots, held=True)
        t0 = time.perf_counter()
        rechecked = run_due(held_db, now=at, limit=args.lots)  # type: ignore[arg-type]
        held_s = time.perf_counter() - t0
    print(f"lots: {args.lots}")
    print(
        f"baseline, firing the timers: {fire_s * 1000:.1f} ms ({fire_s / args.lots * 1000:.2f} ms/timer), "
        f"done={fired.done}"
    )
    print(
        f"held, re-checking the timers: {held_s * 1000:.1f} ms ({held_s / args.lots * 1000:.2f} ms/timer), "
        f"done={rechecked.done} kept={rechecked.skipped}"
    )
    print(f"ratio held re-check / firing: {held_s / fire_s:.2f}")


if __name__ == "__main__":
    main()
