"""Pure scoring functions: price scores, sums, ranking with the tie rules, abnormal scores, majority."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ggzy.evaluation import scoring
from ggzy.evaluation.scoring import BidInput, BidResult

D = Decimal


def test_price_score_formula_and_rounding() -> None:
    # 87号令55: 80 / 100 × 30 = 24.00; 80 / 90 × 30 = 26.666… → 26.67 (half up)
    assert scoring.price_score(price=D("100"), lowest=D("80"), weight=D("30")) == D("24.00")
    assert scoring.price_score(price=D("90"), lowest=D("80"), weight=D("30")) == D("26.67")
    assert scoring.price_score(price=D("80"), lowest=D("80"), weight=D("30")) == D("30.00")


def test_price_score_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        scoring.price_score(price=D("0"), lowest=D("0"), weight=D("30"))
    with pytest.raises(ValueError):
        scoring.price_score(price=D("50"), lowest=D("60"), weight=D("30"))


def test_highest_and_lowest_prices_are_not_dropped() -> None:
    prices = {1: D("50"), 2: D("100"), 3: D("120"), 4: D("500")}
    scores = scoring.price_scores(prices, weight=D("30"))
    # The extreme low bid (50) stays the reference, the extreme high bid (500) is scored, not removed.
    assert set(scores) == {1, 2, 3, 4}
    assert scores[1] == D("30.00")
    assert scores[4] == D("3.00")


def test_rank_comprehensive_ties() -> None:
    results = [
        BidResult(bid_id=1, score=D("90"), price=D("100")),
        BidResult(bid_id=2, score=D("90"), price=D("95")),  # same score, lower price → ahead
        BidResult(bid_id=3, score=D("95"), price=D("120")),
        BidResult(bid_id=4, score=D("90"), price=D("100")),  # same score and price as 1 → same rank
    ]
    ranked = scoring.rank_comprehensive(results)
    assert [(r.bid_id, r.rank) for r in ranked] == [(3, 1), (2, 2), (1, 3), (4, 3)]


def test_rank_lowest_price() -> None:
    results = [BidResult(bid_id=i, score=D(0), price=p) for i, p in [(1, D("9")), (2, D("7")), (3, D("7"))]]
    assert [(r.bid_id, r.rank) for r in scoring.rank_lowest_price(results)] == [(2, 1), (3, 1), (1, 3)]


def test_candidates_are_one_to_three() -> None:
    ranked = scoring.rank_lowest_price([BidResult(bid_id=i, score=D(0), price=D(i)) for i in range(1, 6)])
    assert [c.bid_id for c in scoring.candidates(ranked)] == [1, 2, 3]
    assert len(scoring.candidates(ranked, count=1)) == 1
    with pytest.raises(ValueError):
        scoring.candidates(ranked, count=4)


def test_majority_pass() -> None:
    assert scoring.majority_pass([True, True, False])
    assert not scoring.majority_pass([True, False])
    assert not scoring.majority_pass([])


def test_abnormal_scores_rule() -> None:
    totals = {7: {1: D("80"), 2: D("82"), 3: D("81"), 4: D("50")}}
    flags = scoring.abnormal_scores(totals, max_score=D("100"), share=D("0.2"))
    # member 4: |50 − median(80, 82, 81)=81| = 31 > 20 → abnormal; the others are within 20 of their medians.
    assert [(f.bid_id, f.member_id, f.deviation) for f in flags] == [(7, 4, D("31"))]
    # exactly at the limit is not abnormal
    assert scoring.abnormal_scores({1: {1: D("60"), 2: D("80"), 3: D("80")}}, max_score=D("100")) == []


def test_summarize_rejects_above_max_price_and_failed_review() -> None:
    crit = {1: D("70")}
    bids = [
        BidInput(
            bid_id=1, price=D("100"), verdicts={1: True, 2: True, 3: True}, scores={m: {1: D("60")} for m in (1, 2, 3)}
        ),
        BidInput(bid_id=2, price=D("80"), verdicts={1: True, 2: False, 3: False}, scores={}),
        BidInput(bid_id=3, price=D("200"), verdicts={1: True, 2: True, 3: True}, scores={}),
        BidInput(
            bid_id=4, price=D("120"), verdicts={1: True, 2: True, 3: False}, scores={m: {1: D("65")} for m in (1, 2, 3)}
        ),
    ]
    s = scoring.summarize(bids, method="comprehensive", price_weight=D("30"), criteria_max=crit, max_price=D("150"))
    by_id = {b.bid_id: b for b in s.bids}
    assert by_id[2].reject_reason == "failed_review"
    assert by_id[3].reject_reason == "above_max_price"
    # lowest valid price is 100 (bid 2 at 80 failed review, so it is not the reference)
    assert by_id[1].price_score == D("30.00")
    assert by_id[4].price_score == D("25.00")
    assert by_id[1].score == D("90.00")
    assert by_id[4].score == D("90.00")
    # equal scores → lower price first
    assert [(r.bid_id, r.rank) for r in s.ranking] == [(1, 1), (4, 2)]


# --- properties -----------------------------------------------------------------------------------

prices_st = st.decimals(
    min_value=D("1.00"), max_value=D("99999999.99"), places=2, allow_nan=False, allow_infinity=False
)
score_st = st.decimals(min_value=D("0"), max_value=D("35"), places=2, allow_nan=False, allow_infinity=False)


@st.composite
def bid_inputs(draw: st.DrawFn) -> list[BidInput]:
    n_bids = draw(st.integers(min_value=1, max_value=6))
    n_members = draw(st.integers(min_value=1, max_value=5))
    members = list(range(1, n_members + 1))
    bids = []
    for bid_id in range(1, n_bids + 1):
        bids.append(
            BidInput(
                bid_id=bid_id * 10,
                price=draw(prices_st),
                verdicts={m: draw(st.booleans()) for m in members},
                scores={m: {1: draw(score_st), 2: draw(score_st)} for m in members},
            )
        )
    return bids


def _shuffle_members(b: BidInput, rng: random.Random) -> BidInput:
    keys = list(b.scores)
    rng.shuffle(keys)
    vkeys = list(b.verdicts)
    rng.shuffle(vkeys)
    return BidInput(
        bid_id=b.bid_id,
        price=b.price,
        verdicts={k: b.verdicts[k] for k in vkeys},
        scores={k: b.scores[k] for k in keys},
    )


@settings(max_examples=150, deadline=None)
@given(bid_inputs(), st.randoms(use_true_random=False), st.sampled_from(["comprehensive", "lowest_price"]))
def test_ranking_invariant_under_bid_and_member_order(bids: list[BidInput], rng: random.Random, method: str) -> None:
    kwargs = {"method": method, "price_weight": D("30"), "criteria_max": {1: D("35"), 2: D("35")}, "max_price": None}
    base = scoring.summarize(bids, **kwargs)  # type: ignore[arg-type]
    shuffled = [_shuffle_members(b, rng) for b in bids]
    rng.shuffle(shuffled)
    other = scoring.summarize(shuffled, **kwargs)  # type: ignore[arg-type]
    assert other.ranking == base.ranking
    assert other.bids == base.bids
    assert other.abnormal == base.abnormal


@settings(max_examples=200, deadline=None)
@given(st.lists(score_st, min_size=1, max_size=40))
def test_sums_are_exact_in_decimal(values: list[Decimal]) -> None:
    total = scoring.exact_sum(values)
    # exact: in hundredths as integers, no float anywhere
    assert total * 100 == sum(int(v * 100) for v in values)
    assert isinstance(total, Decimal)
    assert total.as_tuple().exponent >= -2  # type: ignore[operator]


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.integers(1, 50), prices_st, min_size=1, max_size=10),
    st.sampled_from([D("10"), D("30"), D("60")]),
)
def test_lowest_valid_price_gets_full_weight_and_none_dropped(prices: dict[int, Decimal], weight: Decimal) -> None:
    scores = scoring.price_scores(prices, weight=weight)
    assert set(scores) == set(prices)  # never dropping the highest or lowest
    lowest = min(prices.values())
    for k, p in prices.items():
        assert D(0) <= scores[k] <= weight
        if p == lowest:
            assert scores[k] == weight
    # a higher price never scores more
    ordered = sorted(prices, key=lambda k: prices[k])
    for a, b in itertools.pairwise(ordered):
        assert scores[a] >= scores[b]


@settings(max_examples=150, deadline=None)
@given(bid_inputs())
def test_ranking_respects_tie_rules(bids: list[BidInput]) -> None:
    s = scoring.summarize(
        bids, method="comprehensive", price_weight=D("30"), criteria_max={1: D("35"), 2: D("35")}, max_price=None
    )
    for a, b in itertools.pairwise(s.ranking):
        assert a.score > b.score or (a.score == b.score and a.price <= b.price)
        assert a.rank <= b.rank
        if a.score == b.score and a.price == b.price:
            assert a.rank == b.rank


def test_qualification_method_lists_passing_bids_by_price() -> None:
    bids = [
        BidInput(bid_id=1, price=D("300"), verdicts={1: True, 2: True, 3: True}, scores={}),
        BidInput(bid_id=2, price=D("100"), verdicts={1: False, 2: False, 3: True}, scores={}),
        BidInput(bid_id=3, price=D("200"), verdicts={1: True, 2: True, 3: False}, scores={}),
    ]
    s = scoring.summarize(bids, method="qualification", price_weight=D("0"), criteria_max={}, max_price=None)
    assert [(r.bid_id, r.rank) for r in s.ranking] == [(3, 1), (1, 2)]
    assert [b.qualified for b in s.bids] == [True, False, True]
    assert all(b.price_score is None and b.score is None for b in s.bids)
    with pytest.raises(ValueError):
        scoring.summarize(bids, method="best_friend", price_weight=D("0"), criteria_max={}, max_price=None)
