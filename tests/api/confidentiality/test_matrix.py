"""Role × stage × endpoint matrix, before the bid deadline: who has bid and how many bids there are is
learnt by nobody (a bidder learns only its own bid).

The check is differential, so it catches any way of telling — a list, a count, a name, a status, an error
code or message: every GET route of the app (discovered, parameters filled from the world) is called by
every principal in three states of the same lot — no bids (S0), A has bid (S1), A and B have bid (S2).
Routes that take a bid or upload id are called with A's and B's real ids where they exist and with random
ids of the same shape where they do not, and the id is replaced by its label in the body. A principal
who may not learn of a bid must get byte-identical answers (status, error code, message, body) in the
states that differ only by that bid: everyone but A and B in S0/S1/S2, A in S1/S2, B in S0/S1.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.settings import Settings
from tests.api.confidentiality import world as w


def test_before_the_deadline_nobody_learns_who_bid_or_how_many(
    client: TestClient,
    app: Any,
    clean_db: Database,
    clock: FrozenClock,
    settings: Settings,
    make_user: Any,
) -> None:
    world = w.build(clean_db, clock, client, make_user)
    storage = BidStorage.under(settings.data_dir)
    randoms = {label: w.random_id() for label in ("bid_a", "bid_b", "up_a", "up_b")}
    s0 = w.snapshot(client, app, world, dict(randoms))
    w.bid(world, "A", clean_db, clock, storage, app.state.signing_key)
    p1 = {**randoms, "bid_a": world.bid["A"], "up_a": world.upload["A"]}
    s1 = w.snapshot(client, app, world, p1)
    w.bid(world, "B", clean_db, clock, storage, app.state.signing_key)
    p2 = {**p1, "bid_b": world.bid["B"], "up_b": world.upload["B"]}
    s2 = w.snapshot(client, app, world, p2)

    routes = {key for (_, key) in s0}
    print(f"\nmatrix: {len(routes)} GET requests × {len(w.PRINCIPALS)} principals × 3 states = {3 * len(s0)} calls")
    by_status: dict[int, int] = {}
    for status, _ in s2.values():
        by_status[status] = by_status.get(status, 0) + 1
    print("answers by status (state S2):", dict(sorted(by_status.items())))
    broken = sorted({key for (_, key), (status, _) in s2.items() if status >= 500})
    if broken:  # compared like any answer, but a route that only fails proves little: listed for the reader
        print("routes answering 5xx (half-built?):", ", ".join(broken))
    leaks: list[str] = []
    for who in w.PRINCIPALS:
        if who == "bidder_a":
            leaks += w.differences(s1, s2, who)  # B's bid is invisible to A
        elif who == "bidder_b":
            leaks += w.differences(s0, s1, who)  # A's bid is invisible to B
        else:
            leaks += w.differences(s0, s1, who) + w.differences(s1, s2, who)
    assert not leaks, f"{len(leaks)} answers reveal a bid:\n" + "\n".join(leaks[:40])

    # Nothing in any answer names another's receipt or upload (also ids printed without the probe).
    for (who, key), (_, body) in s2.items():
        mine = {"bidder_a": "A", "bidder_b": "B"}.get(who)
        for other in ("A", "B"):
            if other != mine:
                assert world.bid[other] not in body and world.upload[other] not in body, (who, key)

    # The matrix can fail: a bidder does see its own bid appear, in the list and by id.
    assert w.differences(s0, s1, "bidder_a"), "the matrix would not notice a visible bid"
    assert s1[("bidder_a", "/api/bids/{bid_id}".replace("{bid_id}", "<bid_a>"))][0] == 200
    assert s1[("bidder_a", "/api/bids/{bid_id}".replace("{bid_id}", "<bid_b>"))][0] == 404


def test_route_discovery_sees_every_domain(app: Any) -> None:
    """New endpoints (documents, disclosure …) join the matrix by themselves: the discovery finds nested
    routers with their full prefix, so a route the app serves is never missed."""
    paths = {p for p, _ in w.gets(app)}
    for expected in (
        "/api/bids",
        "/api/bids/{bid_id}",
        "/api/lots/{lot_id}/opening",
        "/lots/{lot_id}",
        "/api/lots/{lot_id}/bidders",
        "/api/committees/{committee_id}",
        "/api/projects",
    ):
        assert expected in paths, expected
    served = set(app.openapi()["paths"])
    api = {p for p in paths if p.startswith("/api")}
    assert api <= served, api - served
