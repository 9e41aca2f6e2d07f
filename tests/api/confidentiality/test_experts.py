"""Experts' names (and employers) stay sealed until the evaluation result is fixed, on every GET route of
the app, for every role: the experts domain's own tests check its endpoints; this sweep adds every other
route (evaluation, projects, notices, disclosure, search …), found by discovery. After the reveal the names
are public, which shows the sweep able to fail."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.experts.committees import reveal_committee
from tests.api.confidentiality import world as w
from tests.api.experts.conftest import Drawn, drawn  # noqa: F401  (the fixture, registered here)
from tests.api.experts.factory import PASSWORD


def _blank(body: str, query: str) -> str:
    for part in sorted({query, *re.findall(r"\d+", query)}, key=len, reverse=True):
        body = body.replace(part, "<q>")
    return body


def _sweep(client: TestClient, app: Any, d: Drawn, headers: dict[str, str]) -> dict[str, str]:
    values = {
        "committee_id": d.committee_id,
        "lot_id": d.lot_id,
        "expert_id": d.on_expert_id,
        "member_id": d.on_committee_member_id,
    }
    out = {}
    for path, _ in w.gets(app):
        url = w.PARAM.sub(lambda m: str(values.get(m.group(1), 1)), path)
        out[url] = client.get(url, headers=headers).text
        if "search" in path:
            # A search echoes its query and its terms: searching a member's name must answer like searching
            # a name of the same shape that nobody has (digits shifted), once the echoes are blanked.
            name = d.member_names[0]
            nonsense = re.sub(r"\d", lambda m: str((int(m.group()) + 5) % 10), name)
            hit = _blank(client.get(url, params={"q": name}, headers=headers).text, name)
            miss = _blank(client.get(url, params={"q": nonsense}, headers=headers).text, nonsense)
            out[f"{url}?q=<name>"] = "" if hit == miss else f"differs from a nonsense search: {name}"
    return out


def test_expert_names_are_sealed_on_every_route_until_the_result_is_fixed(
    client: TestClient,
    app: Any,
    drawn: Drawn,  # noqa: F811
    clean_db: Database,
    clock: FrozenClock,
) -> None:
    viewers: dict[str, dict[str, str]] = {"anonymous": {}}
    for name, username in (
        ("bidder", "bidder1"),
        ("owner", "owner1"),
        ("supervisor", "super1"),
        ("expert_off", drawn.off_committee_username),
        ("expert_on", drawn.on_committee_username),
    ):
        viewers[name] = w.login_headers(client, username, PASSWORD)
    secrets = [*drawn.member_names, *drawn.member_employers]
    leaks = []
    for who, headers in viewers.items():
        # The drawn expert knows its own name; the other members' stay sealed to it too.
        hidden = secrets if who != "expert_on" else [*drawn.member_names[1:], *drawn.member_employers[1:]]
        for url, body in _sweep(client, app, drawn, headers).items():
            leaks += [f"{who} GET {url}: {s}" for s in hidden if s in body]
    assert not leaks, "\n".join(leaks[:40])
    with clean_db.transaction() as s:
        reveal_committee(s, committee_id=drawn.committee_id, now=clock.now())
    after = "\n".join(_sweep(client, app, drawn, {}).values())
    assert all(n in after for n in drawn.member_names)
