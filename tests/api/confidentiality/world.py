"""The world of the confidentiality matrix: one published lot, bidders A and B who bid, bidder N who did not,
bidder C (a third bid, needed only to reach the opening), and every kind of viewer logged in for the API
(bearer token) and the pages (session cookie). Routes are discovered from the app, so new endpoints join
the matrix without editing it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from ggzy.bids import service as bids
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.security import Role
from ggzy.entities.models import Entity
from ggzy.ledger.signing import SigningKey
from ggzy.notices.models import Notice
from ggzy.projects.models import Project
from ggzy.vault.keys import PrivateKey
from ggzy.vault.threshold import Share, split_key
from tests.factories import entity as make_entity
from tests.factories import principal, tender_world
from tests.integration.bids.opening_support import seal_for
from tests.integration.bids.support import BidWorld, publish_tender, submit

# Distinctive names: a hit in any response body is a real disclosure, never an accident of UI text.
NAMES = {
    "A": "甲骏鸿图建设集团有限公司",
    "B": "乙澜泽远工程有限公司",
    "N": "丙未递交建筑有限公司",
    "C": "丁三号投标有限公司",
}
BIDDER_KEYS = ("A", "B", "N", "C")
# Viewer -> (username, role, entity key or None). "anonymous" has no login.
VIEWERS: dict[str, tuple[str, str, str | None]] = {
    "bidder_a": ("cf_a", "bidder_staff", "A"),
    "bidder_b": ("cf_b", "bidder_staff", "B"),
    "bidder_n": ("cf_n", "bidder_staff", "N"),
    "owner": ("cf_owner", "owner_staff", "owner"),
    "agency": ("cf_agency", "owner_staff", "agency"),
    "center": ("cf_center", "center_staff", None),
    "supervisor": ("cf_sup", "supervisor", None),
    "expert": ("cf_expert", "expert", None),
}
PRINCIPALS = ("anonymous", *VIEWERS)
PASSWORD = "Test-password-2026"
# Routes outside the matrix: framework documentation and the ledger, whose public event count is examined
# on its own (test_ledger.py) because it grows with every ledger write on the platform, bids included.
SKIP_PREFIXES = ("/openapi.json", "/docs", "/redoc", "/static", "/api/ledger", "/ledger")


@dataclass
class World:
    lot_id: int
    project_id: int
    entity: dict[str, int]  # A, B, N, C, owner, agency
    opening: PrivateKey
    shares: list[Share]
    bid_world: BidWorld
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    bid: dict[str, str] = field(default_factory=dict)  # A/B/C -> receipt id
    upload: dict[str, str] = field(default_factory=dict)  # A/B/C -> its completed upload id
    blobs: dict[str, bytes] = field(default_factory=dict)
    bidder_keys: dict[str, PrivateKey] = field(default_factory=dict)
    notice_id: int = 0


def login_headers(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Bearer token for the API, session cookie for the pages, and a valid CSRF pair for page forms."""
    r = client.post("/api/auth/token", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    csrf = csrf_pair(client)
    cookie = f"ggzy_session={_login_cookie(client, username, password)}; ggzy_csrf={csrf}"
    return {"Authorization": f"Bearer {r.json()['access_token']}", "Cookie": cookie, "X-CSRF-Token": csrf}


def csrf_pair(client: TestClient) -> str:
    """A token the app accepts as both the CSRF cookie and the header, so page forms are refused (or not)
    for what they do, not for CSRF."""
    secret = client.app.state.settings.resolved_secret_key  # type: ignore[attr-defined]
    return str(URLSafeSerializer(secret, salt="ggzy-csrf").dumps("matrix"))


def _login_cookie(client: TestClient, username: str, password: str) -> str:
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    value = client.cookies.get("ggzy_session")
    client.cookies.clear()
    assert value
    return str(value)


def build(db: Database, clock: FrozenClock, client: TestClient, make_user: Any) -> World:
    now = clock.now()
    with db.transaction() as s:
        tender = tender_world(s, now=now, bidders=4)
        ids = dict(zip(BIDDER_KEYS, tender.bidder_ids, strict=True))
        for key, entity_id in ids.items():
            row = s.get(Entity, entity_id)
            assert row is not None
            row.name = NAMES[key]
        agency = make_entity(s, n=7, kind="agency", name="戊代理咨询有限公司", now=now)
        project = s.get(Project, tender.project_id)
        assert project is not None
        project.agency_entity_id = agency.id
        staff = [
            principal(s, username=f"seal{i}", role=Role.bidder_staff, entity_id=e, now=now)
            for i, e in enumerate(tender.bidder_ids)
        ]
        publish_tender(s, tender, now=now)
        opening = PrivateKey.generate()
        custodians = ["交易中心", "行政监督", "公证处"]
        shares = split_key(opening, 2, 3, custodians)
        bids.register_opening_key(
            s,
            actor=tender.center,
            lot_id=tender.lot_id,
            public_key=opening.public.raw.hex(),
            k=2,
            n=3,
            custodians=custodians,
            commitments_digest=shares[0].digest,
            now=now,
        )
        notice_id = s.scalars(select(Notice.id).where(Notice.lot_id == tender.lot_id)).first() or 0
        owner_entity = tender.owner.entity_id
        assert owner_entity is not None
    entity = {**ids, "owner": owner_entity, "agency": agency.id}
    world = World(
        tender.lot_id,
        tender.project_id,
        entity,
        opening,
        shares,
        BidWorld(tender, opening, staff),
        notice_id=notice_id,
    )
    for name, (username, role, ent) in VIEWERS.items():
        make_user(username, role, entity_id=entity[ent] if ent else None)
        world.headers[name] = login_headers(client, username)
    csrf = csrf_pair(client)
    world.headers["anonymous"] = {"Cookie": f"ggzy_csrf={csrf}", "X-CSRF-Token": csrf}
    return world


def bid(world: World, who: str, db: Database, clock: FrozenClock, storage: BidStorage, key: SigningKey) -> str:
    """Bidder ``who`` seals and submits through the service layer (the upload API has its own tests)."""
    i = BIDDER_KEYS.index(who)
    world.bidder_keys[who] = PrivateKey.generate()
    world.blobs[who] = seal_for(world.bid_world, i, world.bidder_keys[who])
    row = submit(db, world.bid_world, i, storage, key, clock, blob=world.blobs[who])
    world.bid[who], world.upload[who] = row.id, row.upload_id
    return row.id


def random_id() -> str:
    return secrets.token_hex(16)  # the same shape as a receipt id


# ---- route discovery ----------------------------------------------------------------------------------------


def all_routes(app: Any) -> list[tuple[str, APIRoute]]:
    """Every (full path, route) of the app. Included routers keep their own prefix in their routes' paths;
    a router included into another (bids' opening router) gets the outer prefix from its include context."""
    out: list[tuple[str, APIRoute]] = []

    def walk(routes: list[Any], acc: str) -> None:
        for r in routes:
            if isinstance(r, APIRoute) and r.methods:
                out.append((acc + r.path, r))
            elif hasattr(r, "original_router"):
                walk(r.original_router.routes, acc + r.include_context.prefix)
            elif hasattr(r, "routes") and not hasattr(r, "app"):
                walk(r.routes, acc)

    walk(app.routes, "")
    return out


def gets(app: Any) -> list[tuple[str, APIRoute]]:
    return [(p, r) for p, r in all_routes(app) if "GET" in (r.methods or ()) and not p.startswith(SKIP_PREFIXES)]


PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")
# Parameters that name a bid or an upload: probed with the real id of someone's bid and a random id.
PROBED = {"bid_id", "upload_id", "receipt_id"}


def fill(path: str, world: World, probes: dict[str, str]) -> str:
    """The path with its parameters from the world; a parameter the world has no value for gets 1, so the
    route is still called (and answers the same whatever bids exist)."""

    def value(m: re.Match[str]) -> str:
        name = m.group(1)
        if name in probes:
            return probes[name]
        known: dict[str, object] = {
            "lot_id": world.lot_id,
            "project_id": world.project_id,
            "notice_id": world.notice_id,
            "code": "6201",
            "year": 2026,
            "tree_size": 1,
        }
        return str(known.get(name, 1))

    return PARAM.sub(value, path)


def query_variants(route: APIRoute, world: World) -> list[str]:
    """Query strings worth trying: filtering by the lot or project, and a search for a bidder's name."""
    names = {p.alias for p in route.dependant.query_params}
    out = [""]
    if "lot_id" in names:
        out.append(f"lot_id={world.lot_id}")
    if "project_id" in names:
        out.append(f"project_id={world.project_id}")
    if "search" in route.path and not names & {"q", "query", "keyword", "text", "search"}:
        names.add("q")  # search endpoints may read request.query_params without declaring them
    for q in ("q", "query", "keyword", "text", "search"):
        if q in names:
            out.append(f"{q}={NAMES['A']}")
            out.append(f"{q}=投标")
    return out


def requests_for(app: Any, world: World, probe_ids: dict[str, str]) -> Iterator[tuple[str, str]]:
    """(route template, concrete url) for every GET route; probed parameters take each id in ``probe_ids``
    (label -> id), so the same label maps to a real id in one state and a random one in another."""
    for path, route in gets(app):
        params = set(PARAM.findall(path))
        probed = params & PROBED
        labels: list[dict[str, str]] = [{}]
        if probed:
            labels = [{p: f"<{label}>" for p in probed} for label in probe_ids]
        for lab in labels:
            concrete = {p: probe_ids[v.strip("<>")] for p, v in lab.items()}
            url = fill(path, world, concrete)
            key = fill(path, world, lab)
            for q in query_variants(route, world):
                yield (f"{key}?{q}" if q else key), (f"{url}?{q}" if q else url)


_CSRF = re.compile(r'(csrf[-_]token"\s+(?:value|content)=")[^"]+(")')


def normalise(body: str, ids: dict[str, str]) -> str:
    body = _CSRF.sub(r"\1<csrf>\2", body)
    for label, value in ids.items():
        body = body.replace(value, f"<{label}>")
    return body


Snapshot = dict[tuple[str, str], tuple[int, str]]  # (principal, route key) -> (status, normalised body)


def snapshot(client: TestClient, app: Any, world: World, probes: dict[str, str]) -> Snapshot:
    """Every principal's answer to every discovered GET request, probe ids replaced by their labels."""
    out: Snapshot = {}
    for who in PRINCIPALS:
        for key, url in requests_for(app, world, probes):
            r = client.get(url, headers=world.headers[who])
            out[(who, key)] = (r.status_code, normalise(r.text, probes))
    return out


def differences(a: Snapshot, b: Snapshot, who: str) -> list[str]:
    out = []
    for (p, key), (status, body) in a.items():
        if p != who:
            continue
        other = b[(p, key)]
        if other != (status, body):
            out.append(f"{who} GET {key}: {status} -> {other[0]}\n  before: {body[:300]}\n  after:  {other[1][:300]}")
    return out
