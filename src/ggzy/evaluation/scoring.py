"""Pure scoring functions: no database, no clock, Decimal only.

Rounding rule (documented once, used everywhere): every derived score (a price score, an average across
members, a final score) is quantized to 0.01 with ROUND_HALF_UP, the rounding the public understands
("四舍五入，保留两位小数"). Sums of scores a member entered are exact (entered scores have at most two
decimals), so a member's total is never rounded.

Laws applied here:
- 87号令第五十五条: price score = lowest valid bid price ÷ this bid price × price weight; the highest and
  lowest prices are never dropped (every valid bid counts when finding the lowest price).
- 87号令第五十六条: lowest evaluated price — rank by price from low to high; equal prices share a rank.
- 87号令第五十七条、第六十二条: comprehensive scoring — rank by score from high to low; equal scores by price
  from low to high; equal score and price share a rank.
- 条例第五十一条: a bid priced above the maximum price is rejected.
- 评标规定第四十五条: 1 to 3 ranked candidates.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
# A member's total for a bid is "abnormal" when it differs from the median of the other members' totals by
# more than this share of the maximum obtainable score (87号令第六十四条 "评分畸高、畸低").
DEFAULT_ABNORMAL_SHARE = Decimal("0.20")

K = TypeVar("K", bound=Hashable)


def q2(value: Decimal) -> Decimal:
    """The single rounding rule: 0.01, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def price_score(*, price: Decimal, lowest: Decimal, weight: Decimal) -> Decimal:
    """87号令55: lowest valid price ÷ this price × weight, rounded by ``q2``; the lowest price gets the full weight."""
    if price <= 0 or lowest <= 0:
        raise ValueError("prices must be positive")
    if lowest > price:
        raise ValueError("the lowest price cannot exceed this price")
    if price == lowest:
        return q2(weight)
    return q2(lowest / price * weight)


def price_scores(prices: Mapping[K, Decimal], *, weight: Decimal) -> dict[K, Decimal]:
    """Price scores of all valid bids. No price is dropped: the lowest is the minimum over every valid bid."""
    if not prices:
        return {}
    lowest = min(prices.values())
    return {key: price_score(price=p, lowest=lowest, weight=weight) for key, p in prices.items()}


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """An exact Decimal sum (never through float)."""
    total = Decimal(0)
    for v in values:
        total += v
    return total


def average(values: Sequence[Decimal]) -> Decimal:
    """Arithmetic mean across members, rounded by ``q2``."""
    if not values:
        raise ValueError("no values to average")
    return q2(exact_sum(values) / Decimal(len(values)))


def above_max_price(price: Decimal, max_price: Decimal | None) -> bool:
    """条例51(五): a bid above the maximum price must be rejected."""
    return max_price is not None and price > max_price


def majority_pass(verdicts: Sequence[bool]) -> bool:
    """A bid passes the qualification review when more than half of the members say it passes."""
    if not verdicts:
        return False
    return sum(1 for v in verdicts if v) * 2 > len(verdicts)


@dataclass(frozen=True)
class BidResult:
    bid_id: int
    score: Decimal
    price: Decimal


@dataclass(frozen=True)
class Ranked:
    bid_id: int
    rank: int
    score: Decimal
    price: Decimal


def _assign_ranks(ordered: list[BidResult], key: tuple[str, ...]) -> list[Ranked]:
    out: list[Ranked] = []
    prev: tuple[Decimal, ...] | None = None
    rank = 0
    for position, r in enumerate(ordered, start=1):
        sig = tuple(getattr(r, k) for k in key)
        if sig != prev:
            rank = position  # competition ranking: 1, 1, 3
            prev = sig
        out.append(Ranked(bid_id=r.bid_id, rank=rank, score=r.score, price=r.price))
    return out


def rank_comprehensive(results: Iterable[BidResult]) -> list[Ranked]:
    """87号令57/62: higher score first; equal score → lower price first; equal both → same rank.

    Bids sharing a rank are listed by bid id so the output never depends on the input order.
    """
    ordered = sorted(results, key=lambda r: (-r.score, r.price, r.bid_id))
    return _assign_ranks(ordered, ("score", "price"))


def rank_lowest_price(results: Iterable[BidResult]) -> list[Ranked]:
    """87号令56: lowest evaluated price first; equal prices share a rank."""
    ordered = sorted(results, key=lambda r: (r.price, r.bid_id))
    return _assign_ranks(ordered, ("price",))


def candidates(ranked: Sequence[Ranked], *, count: int = 3) -> list[Ranked]:
    """评标规定45: 1-3 ranked candidates, taken from the top of the ranking."""
    if not 1 <= count <= 3:
        raise ValueError("candidate count must be 1 to 3")
    return list(ranked[:count])


@dataclass(frozen=True)
class Abnormal:
    bid_id: int
    member_id: int
    total: Decimal
    median_of_others: Decimal
    deviation: Decimal


def abnormal_scores(
    totals: Mapping[int, Mapping[int, Decimal]],
    *,
    max_score: Decimal,
    share: Decimal = DEFAULT_ABNORMAL_SHARE,
) -> list[Abnormal]:
    """Flag (bid, member) totals far from the others.

    ``totals[bid_id][member_id]`` is the member's total for the bid. A total is abnormal when
    |total − median of the other members' totals| > share × max_score. Needs at least 3 members for a bid,
    so that "the others" are more than one opinion.
    """
    limit = share * max_score
    flags: list[Abnormal] = []
    for bid_id in sorted(totals):
        by_member = totals[bid_id]
        if len(by_member) < 3:
            continue
        for member_id in sorted(by_member):
            others = [v for m, v in by_member.items() if m != member_id]
            median = Decimal(statistics.median(others))
            deviation = abs(by_member[member_id] - median)
            if deviation > limit:
                flags.append(
                    Abnormal(
                        bid_id=bid_id,
                        member_id=member_id,
                        total=by_member[member_id],
                        median_of_others=median,
                        deviation=deviation,
                    )
                )
    return flags


@dataclass(frozen=True)
class BidInput:
    bid_id: int
    price: Decimal
    # member_id → passes the qualification review
    verdicts: Mapping[int, bool]
    # member_id → the member's criterion scores for this bid (criterion_id → score)
    scores: Mapping[int, Mapping[int, Decimal]]


@dataclass(frozen=True)
class BidSummary:
    bid_id: int
    price: Decimal
    qualified: bool
    reject_reason: str | None
    price_score: Decimal | None
    member_totals: dict[int, Decimal]
    score: Decimal | None


@dataclass(frozen=True)
class Summary:
    method: str
    bids: list[BidSummary]
    ranking: list[Ranked]
    abnormal: list[Abnormal]


def summarize(
    bids: Sequence[BidInput],
    *,
    method: str,
    price_weight: Decimal,
    criteria_max: Mapping[int, Decimal],
    max_price: Decimal | None,
    abnormal_share: Decimal = DEFAULT_ABNORMAL_SHARE,
) -> Summary:
    """From every member's sheet to the ranking.

    - qualification: majority pass/fail, and a price above the maximum price rejects (条例51);
    - comprehensive: member total = price score + the member's criterion scores; bid score = average of
      member totals (``q2``); ranked by 87号令57;
    - lowest_price: qualified bids ranked by price (87号令56);
    - qualification: qualified bids listed by price, low to high.
    """
    if method not in {"comprehensive", "lowest_price", "qualification"}:
        raise ValueError(f"unknown method {method}")
    qualified: dict[int, tuple[bool, str | None]] = {}
    for b in bids:
        if above_max_price(b.price, max_price):
            qualified[b.bid_id] = (False, "above_max_price")
        elif not majority_pass(list(b.verdicts.values())):
            qualified[b.bid_id] = (False, "failed_review")
        else:
            qualified[b.bid_id] = (True, None)
    valid_prices = {b.bid_id: b.price for b in bids if qualified[b.bid_id][0]}
    p_scores = price_scores(valid_prices, weight=price_weight) if method == "comprehensive" else {}

    summaries: list[BidSummary] = []
    member_totals_by_bid: dict[int, dict[int, Decimal]] = {}
    for b in sorted(bids, key=lambda x: x.bid_id):
        ok, reason = qualified[b.bid_id]
        totals: dict[int, Decimal] = {}
        score: Decimal | None = None
        if ok and method == "comprehensive":
            for member_id, crit in b.scores.items():
                totals[member_id] = p_scores[b.bid_id] + exact_sum(crit.values())
            score = average([totals[m] for m in sorted(totals)]) if totals else q2(p_scores[b.bid_id])
            member_totals_by_bid[b.bid_id] = totals
        summaries.append(
            BidSummary(
                bid_id=b.bid_id,
                price=b.price,
                qualified=ok,
                reject_reason=reason,
                price_score=p_scores.get(b.bid_id),
                member_totals=totals,
                score=score,
            )
        )
    results = [BidResult(bid_id=s.bid_id, score=s.score or Decimal(0), price=s.price) for s in summaries if s.qualified]
    if method == "comprehensive":
        ranking = rank_comprehensive(results)
        max_score = price_weight + exact_sum(criteria_max.values())
        flags = abnormal_scores(member_totals_by_bid, max_score=max_score, share=abnormal_share)
    else:
        ranking = rank_lowest_price(results)
        flags = []
    return Summary(method=method, bids=summaries, ranking=ranking, abnormal=flags)


# --- scheme rules ---------------------------------------------------------------------------------

# 87号令55: price weight floors for government procurement by category.
PRICE_WEIGHT_FLOORS: dict[str, Decimal] = {"goods": Decimal("30"), "services": Decimal("10")}
PRICE_WEIGHT_CITATION = "依据《政府采购货物和服务招标投标管理办法》（财政部令第87号）第五十五条"


def price_weight_floor(category: str | None) -> Decimal | None:
    return PRICE_WEIGHT_FLOORS.get(category or "")


def scheme_total(price_weight: Decimal, criteria_max: Iterable[Decimal]) -> Decimal:
    return price_weight + exact_sum(criteria_max)


def in_range(score: Decimal, max_score: Decimal) -> bool:
    """A criterion score is within 0..max and has at most two decimals."""
    return Decimal(0) <= score <= max_score and score == score.quantize(CENT)
