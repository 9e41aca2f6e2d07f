"""Cost of the evaluation summary (pure scoring) for large lots. Prints figures; asserts nothing.

.venv/bin/python tests/bench/bench_evaluation_summary.py [--bids 100] [--members 9] [--criteria 10] [--runs 20]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from ggzy.evaluation import scoring


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bids", type=int, default=100)
    parser.add_argument("--members", type=int, default=9)
    parser.add_argument("--criteria", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(2026)
    max_each = Decimal(70) / args.criteria
    bids = [
        scoring.BidInput(
            bid_id=i,
            price=Decimal(rng.randint(900_000, 1_200_000)),
            verdicts={m: rng.random() > 0.05 for m in range(args.members)},
            scores={
                m: {
                    c: (max_each * Decimal(rng.randint(0, 100)) / 100).quantize(scoring.CENT)
                    for c in range(args.criteria)
                }
                for m in range(args.members)
            },
        )
        for i in range(args.bids)
    ]
    criteria = {c: max_each for c in range(args.criteria)}
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        scoring.summarize(bids, method="comprehensive", price_weight=Decimal(30), criteria_max=criteria, max_price=None)
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"summary of {args.bids} bids × {args.members} members × {args.criteria} criteria: "
        f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
