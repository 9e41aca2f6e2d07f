"""The verifiable draw: seed derivation, keyed ordering, filling, and replay from the record alone.

seed = SHA-256("ggzy-draw-v1" ‖ secret ‖ tree root ‖ tree size ‖ committee id). The secret is committed
(its SHA-256 in the ledger) when the committee is requested and revealed in the draw record; the tree
root is the latest signed tree head at draw time, unknown when the secret was chosen. Candidates are
ordered by HMAC-SHA256(seed, expert id as 8 bytes big-endian); nobody can steer the order without
knowing both inputs in advance.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ggzy.experts.classification import matches

RECORD_VERSION = 1
EMPTY_TREE_ROOT = hashlib.sha256(b"").digest()  # RFC 6962 root of the empty log


def commitment_of(secret: bytes) -> str:
    return hashlib.sha256(secret).hexdigest()


def derive_seed(*, secret: bytes, tree_root: bytes, tree_size: int, committee_id: int) -> bytes:
    if len(secret) != 32 or len(tree_root) != 32:
        raise ValueError("secret and tree root must be 32 bytes")
    return hashlib.sha256(
        b"ggzy-draw-v1" + secret + tree_root + tree_size.to_bytes(8, "big") + committee_id.to_bytes(8, "big")
    ).digest()


def sort_key(seed: bytes, expert_id: int) -> bytes:
    return hmac.digest(seed, expert_id.to_bytes(8, "big"), "sha256")


def order(seed: bytes, expert_ids: Iterable[int]) -> list[int]:
    """Candidates in draw order; ties are impossible short of an HMAC collision."""
    keys = {i: hmac.digest(seed, i.to_bytes(8, "big"), "sha256") for i in set(expert_ids)}
    return sorted(keys, key=keys.__getitem__)


# (expert id, employer USCC, specialties): plain tuples, since a draw builds tens of thousands of them.
Candidate = tuple[int, str, tuple[str, ...]]


@dataclass(frozen=True)
class Requirement:
    specialty: str
    count: int


@dataclass(frozen=True)
class Pick:
    expert_id: int
    specialty: str
    position: int


@dataclass
class FillResult:
    members: list[Pick]
    reserves: list[Pick]
    # Passed over because their employer already had its share of the committee.
    skipped: dict[int, str] = field(default_factory=dict)


class Shortfall(Exception):
    def __init__(self, requirement: str, needed: int, found: int, employer_limited: int, *, reserve: bool) -> None:
        super().__init__(f"{requirement}: needed {needed}, found {found}")
        self.requirement = requirement
        self.needed = needed
        self.found = found
        self.employer_limited = employer_limited
        self.reserve = reserve


def fill(
    seed: bytes,
    candidates: Sequence[Candidate],
    requirements: Sequence[Requirement],
    *,
    reserve_count: int,
    same_employer_max: int,
) -> FillResult:
    """Take members per requirement in draw order, then reserves round-robin over the requirements.

    A candidate whose employer already has ``same_employer_max`` people in the committee (members and
    reserves) is passed over and recorded. Raises Shortfall naming the requirement that cannot be met.
    """
    by_id = {c[0]: c for c in candidates}
    ordered = [by_id[i] for i in order(seed, by_id)]
    taken: set[int] = set()
    employers: Counter[str] = Counter()
    skipped: dict[int, str] = {}
    position = 0

    def take(requirement: str) -> Pick | None:
        nonlocal position
        for cand in ordered:
            if cand[0] in taken or not any(matches(requirement, s) for s in cand[2]):
                continue
            if cand[1] and employers[cand[1]] >= same_employer_max:
                skipped.setdefault(cand[0], "same_employer_share")
                continue
            taken.add(cand[0])
            if cand[1]:
                employers[cand[1]] += 1
            position += 1
            return Pick(cand[0], requirement, position)
        return None

    members: list[Pick] = []
    for req in requirements:
        for n in range(req.count):
            pick = take(req.specialty)
            if pick is None:
                limited = sum(1 for i in skipped if any(matches(req.specialty, s) for s in by_id[i][2]))
                raise Shortfall(req.specialty, req.count, n, limited, reserve=False)
            members.append(pick)
    reserves: list[Pick] = []
    for k in range(reserve_count):
        req = requirements[k % len(requirements)]
        pick = take(req.specialty)
        if pick is None:
            # Any requested specialty will do for a reserve before giving up.
            for other in requirements:
                pick = take(other.specialty)
                if pick is not None:
                    break
        if pick is None:
            raise Shortfall(req.specialty, reserve_count, k, 0, reserve=True)
        reserves.append(pick)
    return FillResult(members=members, reserves=reserves, skipped=skipped)


def _canon(obj: Any) -> bytes:
    # The record holds only ints, strings and lists built here, so plain sorted-key JSON is canonical;
    # canonical_json's float check is skipped for speed on large candidate lists.
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def candidate_docs(candidates: Sequence[Candidate]) -> tuple[list[str], list[list[Any]]]:
    """Distinct employers once, then [expert id, employer index, [specialties]] per candidate (compact)."""
    employers = sorted({c[1] for c in candidates})
    index = {e: i for i, e in enumerate(employers)}
    return employers, [[c[0], index[c[1]], list(c[2])] for c in sorted(candidates)]


def exclusion_docs(exclusions: Mapping[int, Sequence[str]]) -> list[dict[str, Any]]:
    return [{"expert_id": i, "reasons": list(r)} for i, r in sorted(exclusions.items())]


def candidate_set_hash(candidates: Sequence[Candidate], exclusions: Mapping[int, Sequence[str]]) -> str:
    employers, docs = candidate_docs(candidates)
    return docs_hash(employers, docs, exclusion_docs(exclusions))


def docs_hash(employers: list[str], candidates: list[list[Any]], exclusions: list[dict[str, Any]]) -> str:
    doc = {"employers": employers, "candidates": candidates, "exclusions": exclusions}
    return hashlib.sha256(_canon(doc)).hexdigest()


def record_hash(record: dict[str, Any]) -> str:
    """Covers every field; the (large) candidate and exclusion lists through their own hash."""
    body = {k: v for k, v in record.items() if k not in ("record_hash", "employers", "candidates", "exclusions")}
    return hashlib.sha256(_canon(body)).hexdigest()


def result_doc(result: FillResult) -> dict[str, Any]:
    return {
        "members": [
            {"expert_id": p.expert_id, "specialty": p.specialty, "position": p.position} for p in result.members
        ],
        "reserves": [
            {"expert_id": p.expert_id, "specialty": p.specialty, "position": p.position} for p in result.reserves
        ],
        "passed_over": [{"expert_id": i, "reason": r} for i, r in sorted(result.skipped.items())],
    }


def build_record(
    *,
    committee_id: int,
    lot_id: int,
    round_no: int,
    secret: bytes,
    commitment: str,
    tree_size: int,
    tree_root: bytes,
    rules: dict[str, Any],
    requirements: Sequence[Requirement],
    reserve_count: int,
    candidates: Sequence[Candidate],
    exclusions: Mapping[int, Sequence[str]],
    result: FillResult,
    drawn_at: str,
) -> dict[str, Any]:
    seed = derive_seed(secret=secret, tree_root=tree_root, tree_size=tree_size, committee_id=committee_id)
    record: dict[str, Any] = {
        "version": RECORD_VERSION,
        "committee_id": committee_id,
        "lot_id": lot_id,
        "round": round_no,
        "drawn_at": drawn_at,
        "rules": rules,
        "requirements": [{"specialty": r.specialty, "count": r.count} for r in requirements],
        "reserve_count": reserve_count,
        "seed_inputs": {
            "secret": secret.hex(),
            "commitment": commitment,
            "tree_size": tree_size,
            "tree_root": tree_root.hex(),
            "committee_id": committee_id,
        },
        "seed": seed.hex(),
        "employers": [],
        "candidates": [],
        "exclusions": exclusion_docs(exclusions),
        "candidate_set_hash": "",
        "result": result_doc(result),
    }
    record["employers"], record["candidates"] = candidate_docs(candidates)
    record["candidate_set_hash"] = docs_hash(record["employers"], record["candidates"], record["exclusions"])
    record["record_hash"] = record_hash(record)
    return record


@dataclass
class Replay:
    ok: bool
    problems: list[str]
    members: list[int]
    reserves: list[int]


def replay(record: dict[str, Any]) -> Replay:
    """Re-run a draw from its record alone; any changed input makes it fail with the reason in Chinese."""
    problems: list[str] = []
    try:
        if record.get("version") != RECORD_VERSION:
            return Replay(False, [f"不支持的抽取记录版本 {record.get('version')}"], [], [])
        inputs = record["seed_inputs"]
        secret = bytes.fromhex(inputs["secret"])
        if commitment_of(secret) != inputs["commitment"]:
            problems.append("随机数与抽取前公布的承诺值不符")
        if inputs["committee_id"] != record["committee_id"]:
            problems.append("种子输入中的评标委员会编号与记录不符")
        seed = derive_seed(
            secret=secret,
            tree_root=bytes.fromhex(inputs["tree_root"]),
            tree_size=int(inputs["tree_size"]),
            committee_id=int(record["committee_id"]),
        )
        if seed.hex() != record["seed"]:
            problems.append("种子与种子输入不符")
        employers = [str(e) for e in record["employers"]]
        candidates: list[Candidate] = [(int(i), employers[emp], tuple(specs)) for i, emp, specs in record["candidates"]]
        exclusions = {int(e["expert_id"]): tuple(e["reasons"]) for e in record["exclusions"]}
        if docs_hash(record["employers"], record["candidates"], record["exclusions"]) != record["candidate_set_hash"]:
            problems.append("候选专家名单或回避记录与其摘要不符")
        if set(exclusions) & {c[0] for c in candidates}:
            problems.append("同一专家既是候选人又被回避")
        requirements = [Requirement(str(r["specialty"]), int(r["count"])) for r in record["requirements"]]
        result = fill(
            seed,
            candidates,
            requirements,
            reserve_count=int(record["reserve_count"]),
            same_employer_max=int(record["rules"]["same_employer_max"]),
        )
    except Shortfall:
        return Replay(False, [*problems, "按记录重放时候选专家不足"], [], [])
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        return Replay(False, [*problems, f"抽取记录格式错误：{exc}"], [], [])
    if result_doc(result) != record["result"]:
        problems.append("重放得到的评标委员会与记录的结果不同")
    if record_hash(record) != record.get("record_hash"):
        problems.append("抽取记录的摘要不符（记录被改动）")
    return Replay(
        not problems,
        problems,
        [p.expert_id for p in result.members],
        [p.expert_id for p in result.reserves],
    )
