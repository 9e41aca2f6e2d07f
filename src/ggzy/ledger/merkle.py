"""RFC 6962 Merkle tree hashing, proofs and their verification (pure, no database).

Subtrees are named ``(level, index)``: the perfect subtree of ``2**level`` leaves starting at leaf
``index * 2**level`` (level 0 is a leaf hash). Proof generation asks a :class:`NodeSource` for all the
perfect-subtree hashes it needs in one batched call, so a database-backed source answers a proof with
one round of queries; hashes of non-perfect subtrees on the right edge are composed from perfect ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _reject_float(obj: Any) -> Any:
    raise TypeError(f"not canonical-JSON serialisable: {type(obj).__name__}")


def _check(obj: Any) -> None:
    # Iterative, with the common leaf types tested first: this runs for every event ``ggzy verify`` reads.
    stack = [obj]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            for key, value in item.items():
                if type(key) is not str:
                    raise TypeError("canonical JSON object keys must be strings")
                vkind = type(value)
                if vkind is str or vkind is int or value is None or vkind is bool:
                    continue
                stack.append(value)
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif isinstance(item, float):
            raise TypeError("floats are not allowed in canonical JSON; use int, str or Decimal-as-str")
        elif isinstance(item, dict):
            stack.append(dict(item))
        elif isinstance(item, list | tuple):
            stack.extend(item)


def canonical_json(obj: Any) -> bytes:
    """Deterministic JSON: sorted keys, no spaces, UTF-8, no floats (their text form is ambiguous)."""
    _check(obj)
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_reject_float).encode(
        "utf-8"
    )


def root_from_leaves(leaf_hashes: Iterable[bytes]) -> tuple[int, bytes]:
    """Streaming root: O(n) time, O(log n) memory. Returns (size, root)."""
    stack: list[tuple[int, bytes]] = []  # (level, hash) of perfect subtrees, strictly decreasing levels
    size = 0
    for h in leaf_hashes:
        size += 1
        level, node = 0, h
        while stack and stack[-1][0] == level:
            _, left = stack.pop()
            node = node_hash(left, node)
            level += 1
        stack.append((level, node))
    if not stack:
        return 0, EMPTY_ROOT
    _, root = stack.pop()
    while stack:
        _, left = stack.pop()
        root = node_hash(left, root)
    return size, root


class NodeSource(Protocol):
    def perfect_subtree_hashes(self, requests: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]: ...


def _largest_power_of_two_below(n: int) -> int:
    """k = the largest power of two strictly smaller than n (n >= 2), as in RFC 6962."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_pieces(start: int, end: int) -> list[tuple[int, int]]:
    """Decompose the leaf range [start, end) of an RFC 6962 subtree into maximal aligned perfect subtrees.

    Only called for ranges that are RFC 6962 subtrees (start aligned to a power of two at least as large
    as the range), so the pieces are the range's perfect left part and recursively its right remainder.
    """
    pieces: list[tuple[int, int]] = []
    while start < end:
        size = end - start
        level = size.bit_length() - 1  # largest power of two <= size
        pieces.append((level, start >> level))
        start += 1 << level
    return pieces


def _compose(pieces: list[tuple[int, int]], hashes: dict[tuple[int, int], bytes]) -> bytes:
    # Pieces are left to right with decreasing sizes; the RFC tree joins them right to left.
    root = hashes[pieces[-1]]
    for piece in reversed(pieces[:-1]):
        root = node_hash(hashes[piece], root)
    return root


def _subproof_ranges(m: int, start: int, end: int, whole: bool) -> list[tuple[int, int]]:
    """RFC 6962 §2.1.2 SUBPROOF(m, D[start:end], b) as a list of subtree ranges (in output order)."""
    n = end - start
    if m == n:
        return [] if whole else [(start, end)]
    k = _largest_power_of_two_below(n)
    if m <= k:
        return [*_subproof_ranges(m, start, start + k, whole), (start + k, end)]
    return [*_subproof_ranges(m - k, start + k, end, False), (start, start + k)]


def _path_ranges(index: int, start: int, end: int) -> list[tuple[int, int]]:
    """RFC 6962 §2.1.1 PATH(m, D[start:end]) as subtree ranges, leaf side first."""
    n = end - start
    if n == 1:
        return []
    k = _largest_power_of_two_below(n)
    if index - start < k:
        return [*_path_ranges(index, start, start + k), (start + k, end)]
    return [*_path_ranges(index, start + k, end), (start, start + k)]


def _hashes_for_ranges(source: NodeSource, ranges: list[tuple[int, int]]) -> list[bytes]:
    split = [_range_pieces(a, b) for a, b in ranges]
    wanted = sorted({p for pieces in split for p in pieces})
    got = source.perfect_subtree_hashes(wanted) if wanted else {}
    return [_compose(pieces, got) for pieces in split]


def inclusion_proof(source: NodeSource, index: int, tree_size: int) -> list[bytes]:
    if not 0 <= index < tree_size:
        raise ValueError(f"index {index} outside a tree of size {tree_size}")
    return _hashes_for_ranges(source, _path_ranges(index, 0, tree_size))


def consistency_proof(source: NodeSource, old_size: int, new_size: int) -> list[bytes]:
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from {old_size} to {new_size}")
    return _hashes_for_ranges(source, _subproof_ranges(old_size, 0, new_size, True))


def root_at(source: NodeSource, tree_size: int) -> bytes:
    if tree_size == 0:
        return EMPTY_ROOT
    return _hashes_for_ranges(source, [(0, tree_size)])[0]


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ---------------------------------------------------


def verify_inclusion(leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """False for any proof that does not prove ``leaf`` at ``index`` in the tree with ``root``."""
    if not 0 <= index < tree_size:
        return False
    fn, sn = index, tree_size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """False unless ``proof`` shows the tree of ``old_size`` is a prefix of the tree of ``new_size``."""
    if old_size < 0 or new_size < old_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof  # the empty tree is a prefix of everything
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node of the proof
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


class InMemoryNodeSource:
    """All perfect-subtree levels in memory (tests, benchmarks, offline verifiers)."""

    def __init__(self, leaf_hashes: list[bytes]) -> None:
        self.levels: list[list[bytes]] = [list(leaf_hashes)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])

    def perfect_subtree_hashes(self, requests: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        return {(lv, i): self.levels[lv][i] for lv, i in requests}


def new_perfect_nodes(
    existing_size: int, new_leaves: Sequence[bytes], get: Callable[[int, int], bytes]
) -> list[tuple[int, int, bytes]]:
    """Perfect-subtree nodes (level >= 1) completed by appending ``new_leaves`` after ``existing_size``.

    ``get(level, idx)`` returns an already stored node (level 0 = a leaf) that lies before the new leaves.
    """
    made: dict[tuple[int, int], bytes] = {}

    def lookup(level: int, idx: int) -> bytes:
        found = made.get((level, idx))
        if found is not None:
            return found
        if level == 0 and idx >= existing_size:
            return new_leaves[idx - existing_size]
        return get(level, idx)

    out: list[tuple[int, int, bytes]] = []
    for offset in range(len(new_leaves)):
        i = existing_size + offset  # leaf index just appended; size is now i + 1
        level, idx = 0, i
        while idx & 1:  # a right child completes its parent
            parent = node_hash(lookup(level, idx - 1), lookup(level, idx))
            level, idx = level + 1, idx >> 1
            made[(level, idx)] = parent
            out.append((level, idx, parent))
    return out
