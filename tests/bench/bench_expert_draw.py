"""Benchmark: the draw of a 7-member committee with every avoidance rule from a pool of 100,000 experts
with 3 years of history, against a plain indexed query of the same candidate set; and replay time.

Run: .venv/bin/python tests/bench/bench_expert_draw.py [--url postgresql+psycopg://...] [--experts 100000]
(default: a fresh SQLite file in a temporary folder). Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.api.experts.factory import company_uscc, make_user, make_world

from ggzy.core.db import Base, create_database
from ggzy.core.models_registry import import_all_models
from ggzy.core.security import Grant, Principal, Role
from ggzy.experts import committees, draw, draw_inputs
from ggzy.experts.classification import LOWER_LEVELS
from ggzy.experts.committees import RequirementIn
from ggzy.experts.models import (
    Committee,
    CommitteeMember,
    Expert,
    ExpertEmployment,
    ExpertInterest,
    ExpertSanction,
    ExpertSpecialty,
    ExpertUnavailability,
)
from ggzy.experts.service import ensure_classification
from ggzy.projects.models import Lot
from ggzy.regions.service import load_regions

NOW = datetime(2026, 9, 25, 2, 0, tzinfo=UTC)
GANSU = [
    "620102",
    "620103",
    "620104",
    "620105",
    "6202",
    "6203",
    "6204",
    "6205",
    "6206",
    "6207",
    "6208",
    "6209",
    "6210",
    "6211",
    "6212",
    "6229",
    "6230",
]


def synthetic_leaves(s, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Extend the tree (as a center would) to ``count`` leaves; the three requested specialties stay first."""
    from ggzy.experts.classification import TOP_LEVEL
    from ggzy.experts.models import SpecialtyNode

    have = set(s.scalars(select(SpecialtyNode.code)))
    out = ["A080101", "A060101", "C030101"]
    for top in TOP_LEVEL:
        for mid in range(51, 61):
            m = f"{top}{mid:02d}"
            if m not in have:
                s.add(SpecialtyNode(code=m, name=m, parent_code=top, created_at=NOW))
            for leaf in range(1, 11):
                code = f"{m}{leaf:02d}"
                s.add(SpecialtyNode(code=code, name=code, parent_code=m, created_at=NOW))
                out.append(code)
                if len(out) >= count:
                    s.flush()
                    return out
    s.flush()
    return out


def build(url: str, n: int, leaves_wanted: int = 0) -> None:
    import_all_models()
    db = create_database(url)
    if url.startswith("postgresql"):
        with db.write_engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    Base.metadata.create_all(db.write_engine)
    rnd = random.Random(7)
    leaves = [c for c in LOWER_LEVELS if len(c) == 7]
    t0 = time.perf_counter()
    with db.transaction() as s:
        load_regions(s)
        s.execute(text("INSERT INTO ledger_state (id, size, integrated_size) VALUES (1, 0, 0)"))
    with db.transaction() as s:
        ensure_classification(s, now=NOW)
        world = make_world(s, NOW)
        if leaves_wanted:
            leaves = synthetic_leaves(s, leaves_wanted)
        experts = []
        for k in range(1, n + 1):
            experts.append(
                {
                    "id": k,
                    "user_id": None,
                    "name": f"专家{k}",
                    "id_number": f"B{k:017d}",
                    "birth_date": date(1950 + k % 40, 1 + k % 12, 1 + k % 28),
                    "phone": "",
                    "email": "",
                    "title": "高级工程师",
                    "title_level": "senior",
                    "years_of_practice": 8 + k % 30,
                    "region_code": GANSU[k % len(GANSU)],
                    "employer_name": f"单位{k % 5000}",
                    "employer_uscc": company_uscc(10000 + k % 5000),
                    "status": "approved",
                    "review_note": "",
                    "created_at": NOW,
                }
            )
        s.execute(insert(Expert), experts)
        specs, jobs = [], []
        for k in range(1, n + 1):
            for c in rnd.sample(leaves, 1 + k % 3):
                specs.append({"expert_id": k, "code": c, "rank": 1})
            jobs.append(
                {
                    "expert_id": k,
                    "employer_name": "旧单位",
                    "employer_uscc": company_uscc(20000 + k % 3000),
                    "start_date": date(2000, 1, 1),
                    "end_date": date(2012, 12, 31),
                }
            )
            jobs.append(
                {
                    "expert_id": k,
                    "employer_name": f"单位{k % 5000}",
                    "employer_uscc": company_uscc(10000 + k % 5000),
                    "start_date": date(2013, 1, 1),
                    "end_date": None,
                }
            )
        s.execute(insert(ExpertSpecialty), specs)
        s.execute(insert(ExpertEmployment), jobs)
        # Some experts worked for the lot's parties, declared interests, are sanctioned or unavailable.
        party = [world.owner_uscc, *world.bidder_usccs]
        s.execute(
            insert(ExpertEmployment),
            [
                {
                    "expert_id": k,
                    "employer_name": "投标人",
                    "employer_uscc": party[k % 3],
                    "start_date": date(1995, 1, 1),
                    "end_date": date(1999, 12, 31),
                }
                for k in range(7, n, 997)
            ],
        )
        s.execute(
            insert(ExpertInterest),
            [
                {"expert_id": k, "kind": "relative", "party_uscc": party[k % 3], "party_name": "x", "note": ""}
                for k in range(11, n, 1009)
            ],
        )
        s.execute(
            insert(ExpertSanction),
            [
                {
                    "expert_id": k,
                    "kind": "blacklist" if k % 2 else "suspension",
                    "reason": "违规",
                    "starts_at": NOW,
                    "ends_at": None if k % 2 else NOW + timedelta(days=300),
                    "created_at": NOW,
                }
                for k in range(13, n, 499)
            ],
        )
        s.execute(
            insert(ExpertUnavailability),
            [
                {
                    "expert_id": rnd.randint(1, n),
                    "start_date": date(2026, 9, 1) + timedelta(days=rnd.randint(0, 60)),
                    "end_date": date(2026, 9, 1) + timedelta(days=rnd.randint(60, 70)),
                    "reason": "",
                    "created_at": NOW,
                }
                for _ in range(n // 5)
            ],
        )
        # Three years of committees: ~14 a day, 7 members each.
        n_comm = 15_000
        lot = s.get(Lot, world.lot_id)
        history_lot = Lot(
            project_id=lot.project_id,
            code="H",
            name="历史",
            procedure="open_tender",
            estimate=lot.estimate,
            stage="awarded",
            created_at=NOW,
            updated_at=NOW,
        )
        s.add(history_lot)
        s.flush()
        comms = []
        for i in range(n_comm):
            start = NOW - timedelta(days=3 * 365) + timedelta(hours=(3 * 365 * 24 + 240) * i // n_comm)
            comms.append(
                {
                    "id": i + 1,
                    "lot_id": history_lot.id,
                    "status": "drawn",
                    "size": 7,
                    "owner_representatives": 0,
                    "owner_representative_user_ids": [],
                    "requirements": [],
                    "region_prefixes": ["62"],
                    "remote_sites": [],
                    "reserve_count": 2,
                    "evaluation_start": start,
                    "evaluation_end": start + timedelta(hours=4),
                    "venue": "x",
                    "secret": b"\0" * 32,
                    "commitment": "0",
                    "commitment_index": 0,
                    "round": 1,
                    "created_at": start,
                }
            )
        s.execute(insert(Committee), comms)
        members = []
        for i in range(n_comm):
            for j in range(7):
                members.append(
                    {
                        "committee_id": i + 1,
                        "expert_id": rnd.randint(1, n),
                        "kind": "expert",
                        "is_reserve": False,
                        "position": j + 1,
                        "status": "confirmed",
                        "created_at": NOW,
                    }
                )
        s.execute(insert(CommitteeMember), members)
        if url.startswith("postgresql"):
            for table in ("experts", "committees", "committee_members"):
                seq = f"pg_get_serial_sequence('{table}', 'id')"
                s.execute(text(f"SELECT setval({seq}, (SELECT max(id) FROM {table}))"))
        center_id = make_user(s, "bench_center", Role.center_staff, entity_id=None, now=NOW)
    if url.startswith("postgresql"):
        with db.write_engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with db.write_engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    print(f"classification: {len(leaves)} leaf specialties, 1-3 per expert, uniform")
    print(f"built pool of {n} experts, 3 years of history (15,000 committees) in {time.perf_counter() - t0:.1f}s")
    measure(db, world, center_id)
    db.dispose()


def measure(db, world, center_id: int) -> None:  # type: ignore[no-untyped-def]
    center = Principal(
        user_id=center_id, username="c", display_name="c", entity_id=None, grants=(Grant(Role.center_staff),)
    )
    start = NOW + timedelta(days=5)
    with db.transaction() as s:
        c = committees.request_committee(
            s,
            actor=center,
            lot_id=world.lot_id,
            size=7,
            owner_representative_user_ids=[],
            requirements=[RequirementIn("A080101", 4), RequirementIn("A060101", 2), RequirementIn("C030101", 1)],
            region_prefixes=["62"],
            evaluation_start=start,
            evaluation_end=start + timedelta(hours=4),
            venue="兰州",
            reserve_count=2,
            now=NOW,
        )
        cid = c.id
    draws, plain, replays = [], [], []
    record = None
    for _ in range(7):
        with db.session(write=True) as s:
            t = time.perf_counter()
            pool = draw_inputs.candidate_rows(s, requirements=["A080101", "A060101", "C030101"], region_prefixes=["62"])
            plain.append(time.perf_counter() - t)
            s.rollback()
        with db.session(write=True) as s:
            t = time.perf_counter()
            d = committees.draw_committee(s, actor=center, committee_id=cid, now=NOW)
            s.flush()
            draws.append(time.perf_counter() - t)
            record = d.record
            s.rollback()  # leave the committee undrawn so the next round measures the same work
    assert record is not None
    for _ in range(7):
        t = time.perf_counter()
        ok = draw.replay(record).ok
        replays.append(time.perf_counter() - t)
        assert ok
    med_draw, med_plain, med_replay = (statistics.median(x) * 1000 for x in (draws, plain, replays))
    print(f"database: {db.write_engine.dialect.name}")
    print(
        f"candidate set: {len(pool.employer)} experts matching the specialties/regions; "
        f"{len(record['exclusions'])} excluded with reasons; {len(record['candidates'])} eligible"
    )
    print(
        f"draw (7 members + 2 reserves, all avoidance rules, record + ledger events): median {med_draw:.1f} ms "
        f"(min {min(draws) * 1000:.1f}, max {max(draws) * 1000:.1f})"
    )
    print(f"plain indexed query of the candidate set: median {med_plain:.1f} ms")
    print(f"ratio draw / plain query: {med_draw / med_plain:.2f}")
    print(f"replay verification from the record: median {med_replay:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="")
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--leaves", type=int, default=0, help="extend the tree to this many leaf specialties")
    args = parser.parse_args()
    if args.url:
        build(args.url, args.experts, args.leaves)
        return
    with tempfile.TemporaryDirectory() as tmp:
        build(f"sqlite:///{tmp}/bench.db", args.experts, args.leaves)


if __name__ == "__main__":
    main()
