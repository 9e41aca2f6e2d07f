"""Seed, keyed ordering, filling and replay of the draw, as pure functions."""

from __future__ import annotations

import copy
import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.experts import draw
from ggzy.experts.classification import is_leaf_code, is_valid_code, parent_of, seed_nodes

SECRET = bytes(range(32))
ROOT = hashlib.sha256(b"root").digest()


def _pool(n: int, employers: int = 1000) -> list[draw.Candidate]:
    return [(i, f"E{i % employers}", ("A080101",) if i % 3 else ("A060101", "A080101")) for i in range(1, n + 1)]


def _record(candidates: list[draw.Candidate], *, same_employer_max: int = 1) -> dict:  # type: ignore[type-arg]
    reqs = [draw.Requirement("A0801", 4), draw.Requirement("A060101", 1)]
    seed = draw.derive_seed(secret=SECRET, tree_root=ROOT, tree_size=10, committee_id=7)
    result = draw.fill(seed, candidates, reqs, reserve_count=2, same_employer_max=same_employer_max)
    return draw.build_record(
        committee_id=7,
        lot_id=3,
        round_no=1,
        secret=SECRET,
        commitment=draw.commitment_of(SECRET),
        tree_size=10,
        tree_root=ROOT,
        rules={"same_employer_max": same_employer_max},
        requirements=reqs,
        reserve_count=2,
        candidates=candidates,
        exclusions={999: ("blacklisted",)},
        result=result,
        drawn_at="2026-10-01T00:00:00.000Z",
    )


def test_ordering_is_the_documented_hmac() -> None:
    seed = draw.derive_seed(secret=SECRET, tree_root=ROOT, tree_size=10, committee_id=7)
    expected = hashlib.sha256(
        b"ggzy-draw-v1" + SECRET + ROOT + (10).to_bytes(8, "big") + (7).to_bytes(8, "big")
    ).digest()
    assert seed == expected
    ids = [5, 1, 9, 3]
    keyed = {i: hmac.new(seed, i.to_bytes(8, "big"), hashlib.sha256).digest() for i in ids}
    assert draw.order(seed, ids) == sorted(ids, key=keyed.__getitem__)


@settings(max_examples=50)
@given(st.lists(st.integers(1, 10**9), unique=True, min_size=1, max_size=60), st.binary(min_size=32, max_size=32))
def test_order_is_a_permutation_independent_of_input_order(ids: list[int], seed: bytes) -> None:
    ordered = draw.order(seed, ids)
    assert sorted(ordered) == sorted(ids)
    assert draw.order(seed, list(reversed(ids))) == ordered


@settings(max_examples=30)
@given(st.integers(0, 2**31), st.integers(1, 5))
def test_fill_respects_counts_specialties_and_employer_share(committee_id: int, share: int) -> None:
    pool = _pool(120, employers=40)
    seed = draw.derive_seed(secret=SECRET, tree_root=ROOT, tree_size=1, committee_id=committee_id)
    reqs = [draw.Requirement("A0801", 4), draw.Requirement("A060101", 2)]
    result = draw.fill(seed, pool, reqs, reserve_count=3, same_employer_max=share)
    picked = result.members + result.reserves
    assert len(result.members) == 6 and len(result.reserves) == 3
    assert len({p.expert_id for p in picked}) == len(picked)
    by_id = {c[0]: c for c in pool}
    for p in result.members:
        assert any(s.startswith(p.specialty) for s in by_id[p.expert_id][2])
    employers = [by_id[p.expert_id][1] for p in picked]
    assert max(employers.count(e) for e in employers) <= share
    for skipped in result.skipped:
        assert skipped not in {p.expert_id for p in picked}


def test_fill_reports_the_shortfall() -> None:
    pool = _pool(10, employers=2)
    with pytest.raises(draw.Shortfall) as info:
        draw.fill(b"\x00" * 32, pool, [draw.Requirement("A0801", 3)], reserve_count=0, same_employer_max=1)
    assert info.value.requirement == "A0801" and info.value.found == 2 and info.value.employer_limited > 0


def test_replay_gets_the_same_committee() -> None:
    record = _record(_pool(300))
    replay = draw.replay(record)
    assert replay.ok, replay.problems
    assert replay.members == [m["expert_id"] for m in record["result"]["members"]]


@pytest.mark.parametrize(
    "tamper",
    [
        lambda r: r["candidates"].pop(0),
        lambda r: r["candidates"].append([100000, 0, ["A080101"]]),
        lambda r: r["employers"].reverse(),
        lambda r: r["exclusions"].clear(),
        lambda r: r["seed_inputs"].update(secret="00" * 32),
        lambda r: r["seed_inputs"].update(tree_root="11" * 32),
        lambda r: r["seed_inputs"].update(committee_id=8),
        lambda r: r["rules"].update(same_employer_max=3),
        lambda r: r["result"]["members"].reverse(),
        lambda r: r.update(reserve_count=1),
    ],
)
def test_any_change_to_the_record_fails_the_replay(tamper) -> None:  # type: ignore[no-untyped-def]
    record = _record(_pool(300))
    changed = copy.deepcopy(record)
    tamper(changed)
    replay = draw.replay(changed)
    assert not replay.ok and replay.problems


def test_a_rehashed_forgery_still_fails_without_the_secret() -> None:
    record = _record(_pool(300))
    forged = copy.deepcopy(record)
    first = forged["result"]["members"][0]["expert_id"]
    forged["candidates"] = [c for c in forged["candidates"] if c[0] != first]
    forged["candidate_set_hash"] = "0" * 64
    forged["record_hash"] = draw.record_hash(forged)
    assert not draw.replay(forged).ok


def test_classification_codes() -> None:
    assert is_leaf_code("A080101") and not is_leaf_code("A0801") and not is_leaf_code("D080101")
    assert is_valid_code("A08") and is_valid_code("A0801") and not is_valid_code("A8")
    assert parent_of("A080101") == "A0801" and parent_of("A08") is None
    codes = [c for c, _, _ in seed_nodes()]
    seen: set[str] = set()
    for code, _, parent in seed_nodes():
        assert parent is None or parent in seen, code
        seen.add(code)
    assert {"A01", "B08", "C13", "A080101"} <= set(codes)
