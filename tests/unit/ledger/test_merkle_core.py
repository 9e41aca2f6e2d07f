"""RFC 6962 hashing, proofs and verification against the CT reference vectors and a naive MTH."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.ledger import merkle

LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def mth(leaves: list[bytes]) -> bytes:
    """The RFC's definition, literally (exponential-free but unoptimised)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def test_reference_roots() -> None:
    hashes = [merkle.leaf_hash(d) for d in LEAVES]
    for size in range(1, 9):
        assert merkle.root_from_leaves(hashes[:size])[1].hex() == ROOTS[size - 1]
        assert merkle.root_at(merkle.InMemoryNodeSource(hashes[:size]), size).hex() == ROOTS[size - 1]
    assert merkle.root_from_leaves([]) == (0, merkle.EMPTY_ROOT)
    assert merkle.EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_reference_inclusion_path_leaf0_of_8() -> None:
    hashes = [merkle.leaf_hash(d) for d in LEAVES]
    proof = merkle.inclusion_proof(merkle.InMemoryNodeSource(hashes), 0, 8)
    assert [p.hex() for p in proof] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]


def _tree(n: int) -> tuple[list[bytes], merkle.InMemoryNodeSource]:
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    return hashes, merkle.InMemoryNodeSource(hashes)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_inclusion_proofs_verify_and_reject_changes(n: int, data: st.DataObject) -> None:
    hashes, source = _tree(n)
    root = mth(hashes)
    assert merkle.root_at(source, n) == root
    index = data.draw(st.integers(min_value=0, max_value=n - 1))
    proof = merkle.inclusion_proof(source, index, n)
    assert merkle.verify_inclusion(hashes[index], index, n, proof, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), index, n, proof, root)
    assert not merkle.verify_inclusion(hashes[index], index, n, proof, merkle.leaf_hash(b"other root"))
    if n > 1:
        other = (index + 1) % n
        assert not merkle.verify_inclusion(hashes[index], other, n, proof, root)
    assert not merkle.verify_inclusion(hashes[index], n, n, proof, root)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=300), st.data())
def test_consistency_proofs_verify_and_reject_wrong_roots(n: int, data: st.DataObject) -> None:
    hashes, source = _tree(n)
    m = data.draw(st.integers(min_value=1, max_value=n))
    old_root, new_root = mth(hashes[:m]), mth(hashes)
    proof = merkle.consistency_proof(source, m, n)
    assert merkle.verify_consistency(m, n, old_root, new_root, proof)
    assert not merkle.verify_consistency(m, n, merkle.leaf_hash(b"x"), new_root, proof)
    if m < n:
        assert not merkle.verify_consistency(m, n, old_root, merkle.leaf_hash(b"x"), proof)
        assert not merkle.verify_consistency(m, n, old_root, new_root, [])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8))
def test_incremental_nodes_equal_full_computation(batches: list[int]) -> None:
    total = sum(batches)
    hashes, full = _tree(total)
    stored: dict[tuple[int, int], bytes] = {}
    size = 0
    for b in batches:
        new = hashes[size : size + b]

        def get(level: int, idx: int) -> bytes:
            return hashes[idx] if level == 0 else stored[(level, idx)]

        for level, idx, h in merkle.new_perfect_nodes(size, new, get):
            assert (level, idx) not in stored
            stored[(level, idx)] = h
        size += b
    expected = {(lv, i): h for lv in range(1, len(full.levels)) for i, h in enumerate(full.levels[lv])}
    assert stored == expected


def test_canonical_json_is_deterministic_and_refuses_floats() -> None:
    assert merkle.canonical_json({"b": 1, "a": "甘肃"}) == '{"a":"甘肃","b":1}'.encode()
    with pytest.raises(TypeError):
        merkle.canonical_json({"price": 1.5})
    with pytest.raises(ValueError):
        merkle.inclusion_proof(_tree(3)[1], 3, 3)
