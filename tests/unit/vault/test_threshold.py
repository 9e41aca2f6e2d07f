"""k-of-n opening-key shares: any k rebuild the key, k-1 do not, a wrong or tampered share is named."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.core.errors import AppError
from ggzy.vault import threshold as th
from ggzy.vault.keys import PrivateKey

KEY = PrivateKey.generate()


def code_of(fn: object) -> tuple[str, str]:
    with pytest.raises(AppError) as info:
        fn()  # type: ignore[operator]
    return info.value.code, info.value.message


@pytest.mark.parametrize(("k", "n"), [(2, 3), (3, 5), (2, 2), (4, 4)])
def test_any_k_shares_rebuild_the_key_and_k_minus_1_do_not(k: int, n: int) -> None:
    shares = th.split_key(KEY, k, n)
    for subset in itertools.combinations(shares, k):
        assert th.combine_shares(list(subset)).raw == KEY.raw
    for subset in itertools.combinations(shares, k - 1):
        code, _ = code_of(lambda s=subset: th.combine_shares(list(s)))
        assert code == "SHARES_INSUFFICIENT"


@settings(max_examples=20, deadline=None)
@given(k=st.integers(2, 6), extra=st.integers(0, 4), data=st.data())
def test_random_subsets_of_size_at_least_k(k: int, extra: int, data: st.DataObject) -> None:
    n = k + extra
    key = PrivateKey.generate()
    shares = th.split_key(key, k, n)
    subset = data.draw(st.lists(st.sampled_from(shares), min_size=k, max_size=n, unique_by=lambda s: s.index))
    assert th.combine_shares(subset).key_id == key.key_id


def test_tampered_share_is_detected_and_named() -> None:
    shares = th.split_key(KEY, 2, 3)
    bad = replace(shares[1], value=bytes([shares[1].value[0] ^ 1]) + shares[1].value[1:])
    code, message = code_of(lambda: th.combine_shares([shares[0], bad]))
    assert code == "SHARE_INVALID" and "第 2 份" in message


def test_share_with_recomputed_commitment_is_caught_by_the_published_digest() -> None:
    shares = th.split_key(KEY, 2, 3)
    digest = shares[0].digest
    forged_value = bytes(32)
    commits = list(shares[2].commitments)
    commits[2] = th.commitment(KEY.key_id, 2, 3, 3, forged_value)
    forged = replace(shares[2], value=forged_value, commitments=tuple(commits))
    code, message = code_of(lambda: th.combine_shares([shares[0], forged], expected_digest=digest))
    assert code == "SHARE_INVALID" and "第 3 份" in message
    # Without the published digest a 1–1 disagreement cannot be settled, and is refused rather than guessed.
    code, _ = code_of(lambda: th.combine_shares([shares[0], forged]))
    assert code == "SHARE_INVALID"
    # With a majority the odd one out is named.
    code, message = code_of(lambda: th.combine_shares([shares[0], shares[1], forged]))
    assert code == "SHARE_INVALID" and "第 3 份" in message


def test_share_of_another_key_is_named() -> None:
    mine = th.split_key(KEY, 2, 3)
    other = th.split_key(PrivateKey.generate(), 2, 3)
    code, message = code_of(lambda: th.combine_shares([mine[0], mine[1], other[2]]))
    assert code == "SHARE_INVALID" and "第 3 份" in message and "另一开标密钥" in message


def test_duplicate_share_does_not_count_twice() -> None:
    shares = th.split_key(KEY, 3, 5)
    code, message = code_of(lambda: th.combine_shares([shares[0], shares[0], shares[1]]))
    assert code == "SHARES_INSUFFICIENT" and "现有 2 份" in message


def test_share_json_round_trip_and_bad_documents() -> None:
    shares = th.split_key(KEY, 2, 3, ["交易中心", "监督部门", "公证处"])
    text = shares[0].dumps()
    assert th.Share.loads(text) == shares[0]
    assert json.loads(text)["custodian"] == "交易中心"
    doc = json.loads(text)
    for change in ({"type": "x"}, {"k": 5}, {"index": 0}, {"value": "zz"}, {"commitments": []}, {"key_id": 1}):
        code, message = code_of(lambda c=change: th.Share.from_json({**doc, **c}, position=4))
        assert code == "SHARE_INVALID" and "第 4 份" in message
    code, _ = code_of(lambda: th.Share.loads("not json"))
    assert code == "SHARE_INVALID"


@pytest.mark.parametrize(("k", "n"), [(1, 3), (4, 3), (2, 256)])
def test_bad_parameters_are_refused(k: int, n: int) -> None:
    code, _ = code_of(lambda: th.split_key(KEY, k, n))
    assert code == "SHARE_INVALID"


def test_gf256_field_arithmetic() -> None:
    for a in range(1, 256):
        assert th._mul(a, th._div(1, a)) == 1
    assert th._mul(0x57, 0x83) == 0xC1  # FIPS-197 §4.2 example


def test_generate_opening_key_gives_public_key_and_shares_only() -> None:
    public, shares = th.generate_opening_key(2, 3, ["交易中心", "监督部门", "公证处"])
    assert [s.custodian for s in shares] == ["交易中心", "监督部门", "公证处"]
    assert all(s.key_id == public.key_id for s in shares)
    assert th.combine_shares(shares[1:]).public.raw == public.raw
