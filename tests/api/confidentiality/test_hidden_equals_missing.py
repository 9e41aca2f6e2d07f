"""A bid that exists but is not the caller's answers exactly like a bid that does not exist — status, error
code, message and body — on every route that takes a bid or upload id, whatever the method, at every stage
(published: before the deadline; opening: after it, before the close; opened: the record is out). Before
the close nobody but its bidder sees a bid's price. And the timing of the two answers, measured."""

from __future__ import annotations

import statistics
import time
from datetime import UTC
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.settings import Settings
from ggzy.procedures.scheduler import run_due
from ggzy.projects.models import Lot
from tests.api.confidentiality import world as w
from tests.integration.bids.opening_support import PRICES, data_key
from tests.integration.bids.support import DEADLINE

OWN = {"bidder_a": "A", "bidder_b": "B"}
# Plausible bodies, so a refusal comes from the id lookup and not from validating an empty body.
BODIES: dict[str, Any] = {
    "/api/bids/{bid_id}/decrypt": {"data_key": "ab" * 32},
    "/api/bids/{bid_id}/classify": {"cause": "other", "note": "投标人未在解密时间内解密"},
    "/bids/{bid_id}/withdraw": {},
}


def probed_routes(app: Any) -> list[tuple[str, str, APIRoute]]:
    out = []
    for path, route in w.all_routes(app):
        if set(w.PARAM.findall(path)) & w.PROBED and not path.startswith(w.SKIP_PREFIXES):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                out.append((method, path, route))
    return out


def call(client: TestClient, world: w.World, who: str, method: str, path: str, ident: str) -> tuple[int, str]:
    url = w.PARAM.sub(lambda m: ident if m.group(1) in w.PROBED else w.fill(m.group(0), world, {}), path)
    headers = dict(world.headers[who])
    kwargs: dict[str, Any] = {}
    if method == "PUT":
        kwargs["content"] = b"GGZYSEAL\x01"
        headers["Content-Range"] = "bytes 0-8/500"
    elif method != "GET":
        kwargs["json"] = BODIES.get(path, {})
    r = client.request(method, url, headers=headers, **kwargs)
    return r.status_code, w.normalise(r.text, {"ID": ident})


# After the deadline the lot's bids are no secret to the centre: classifying any undecrypted bid is its job.
ENTITLED_AFTER_DEADLINE = {("center", "/api/bids/{bid_id}/classify")}


def hidden_vs_missing(client: TestClient, app: Any, world: w.World, stage: str) -> list[str]:
    """For every principal and every bid not its own: the answer for the real id equals that for a random id."""
    mismatches: list[str] = []
    reached = 0
    for method, path, _ in probed_routes(app):
        for who in w.PRINCIPALS:
            if stage != "published" and (who, path) in ENTITLED_AFTER_DEADLINE:
                continue
            for owner, ident in [*world.bid.items(), *world.upload.items()]:
                if OWN.get(who) == owner:
                    continue
                real = call(client, world, who, method, path, ident)
                fake = call(client, world, who, method, path, w.random_id())
                reached += real[0] == 404
                if real != fake:
                    mismatches.append(f"[{stage}] {who} {method} {path} ({owner}'s): {real} != random id {fake}")
    assert reached, "no probe reached an id lookup: the comparison would be empty"
    return mismatches


def all_bodies(client: TestClient, app: Any, world: w.World, who: str) -> str:
    probes = {**{f"bid_{k}": v for k, v in world.bid.items()}, **{f"up_{k}": v for k, v in world.upload.items()}}
    return "\n".join(client.get(url, headers=world.headers[who]).text for _, url in w.requests_for(app, world, probes))


def _world(
    client: TestClient,
    app: Any,
    db: Database,
    clock: FrozenClock,
    settings: Settings,
    make_user: Any,
) -> w.World:
    world = w.build(db, clock, client, make_user)
    storage = BidStorage.under(settings.data_dir)
    for who in ("A", "B", "C"):  # three bids: fewer and the lot fails instead of opening
        w.bid(world, who, db, clock, storage, app.state.signing_key)
    return world


def test_before_the_deadline_a_hidden_bid_answers_like_a_missing_one(
    client: TestClient,
    app: Any,
    clean_db: Database,
    clock: FrozenClock,
    settings: Settings,
    make_user: Any,
) -> None:
    world = _world(client, app, clean_db, clock, settings, make_user)
    mismatches = hidden_vs_missing(client, app, world, "published")
    # Receipt ids in a body (the escrow decision lists them) are probed the same way.
    for who in w.PRINCIPALS:
        answers = []
        for ident in (world.bid["B"], w.random_id()):
            body = {"bid_ids": [ident], "reason": "决定代为解密", "shares": [world.shares[0].to_json()]}
            r = client.post(f"/api/lots/{world.lot_id}/escrow", json=body, headers=world.headers[who])
            answers.append((r.status_code, w.normalise(r.text, {"ID": ident})))
        if answers[0] != answers[1]:
            mismatches.append(f"[published] {who} POST /api/lots/{{lot_id}}/escrow: {answers[0]} != {answers[1]}")
    assert not mismatches, "\n".join(mismatches[:40])


def test_after_the_deadline_others_bids_stay_hidden_and_prices_stay_sealed(
    client: TestClient,
    app: Any,
    clean_db: Database,
    clock: FrozenClock,
    settings: Settings,
    make_user: Any,
) -> None:
    world = _world(client, app, clean_db, clock, settings, make_user)
    clock.set(DEADLINE.astimezone(UTC))
    assert run_due(clean_db, now=clock.now()).done == 1
    with clean_db.session(write=False) as s:
        assert s.get(Lot, world.lot_id).stage == "opening"  # type: ignore[union-attr]
    # A and B decrypt their own bids; C's stays sealed. Before the close a price is its bidder's alone.
    for who, user in (("A", "bidder_a"), ("B", "bidder_b")):
        key = data_key(world.blobs[who], world.bidder_keys[who]).hex()
        r = client.post(f"/api/bids/{world.bid[who]}/decrypt", json={"data_key": key}, headers=world.headers[user])
        assert r.status_code == 200, r.text
    price = {k: format(PRICES[w.BIDDER_KEYS.index(k)], "f") for k in ("A", "B", "C")}
    for who in w.PRINCIPALS:
        seen = all_bodies(client, app, world, who)
        for owner, p in price.items():
            if OWN.get(who) != owner:
                assert p not in seen, f"{who} sees {owner}'s price before the close"
    assert price["A"] in all_bodies(client, app, world, "bidder_a")  # the check can fail
    mismatches = hidden_vs_missing(client, app, world, "opening")

    escrow = {
        "bid_ids": [world.bid["C"]],
        "reason": "投标人未在解密时间内解密，决定代为解密",
        "shares": [world.shares[0].to_json(), world.shares[1].to_json()],
    }
    r = client.post(f"/api/lots/{world.lot_id}/escrow", json=escrow, headers=world.headers["center"])
    assert r.status_code == 200, r.text
    r = client.post(f"/api/lots/{world.lot_id}/opening/close", headers=world.headers["center"])
    assert r.status_code == 200, r.text
    mismatches += hidden_vs_missing(client, app, world, "opened")
    assert not mismatches, "\n".join(mismatches[:40])


def test_timing_of_hidden_and_missing_receipts(
    client: TestClient,
    app: Any,
    clean_db: Database,
    clock: FrozenClock,
    settings: Settings,
    make_user: Any,
) -> None:
    """Median latency of GET /api/bids/{id} by bidder A for B's real receipt and for random ids, interleaved.

    Both go through the same query and the same NotFound; only the comparison of the owner differs, so
    the expected ratio is ~1. In-process timings jitter (GC, thread pool), so the assertion is a generous
    bound that a real difference (an extra query, a file read, a signature check — several times the cost
    of the whole request) would still break; the figures are printed for the report."""
    world = w.build(clean_db, clock, client, make_user)
    storage = BidStorage.under(settings.data_dir)
    for who in ("A", "B"):
        w.bid(world, who, clean_db, clock, storage, app.state.signing_key)
    h = world.headers["bidder_a"]
    hidden: list[float] = []
    missing: list[float] = []
    own: list[float] = []
    for _ in range(20):  # warm-up
        client.get(f"/api/bids/{world.bid['B']}", headers=h)
        client.get(f"/api/bids/{w.random_id()}", headers=h)
    for _ in range(150):
        for sink, ident in ((hidden, world.bid["B"]), (missing, w.random_id()), (own, world.bid["A"])):
            t = time.perf_counter()
            r = client.get(f"/api/bids/{ident}", headers=h)
            sink.append(time.perf_counter() - t)
            assert r.status_code == (200 if sink is own else 404)
    med = {name: statistics.median(xs) for name, xs in (("hidden", hidden), ("missing", missing), ("own", own))}
    ratio = med["hidden"] / med["missing"]
    print(
        f"\nGET /api/bids/{{id}} by bidder A, median of 150: hidden (B's) {med['hidden'] * 1e3:.2f} ms, "
        f"missing {med['missing'] * 1e3:.2f} ms, own {med['own'] * 1e3:.2f} ms; hidden/missing = {ratio:.2f}"
    )
    assert 1 / 3 < ratio < 3
