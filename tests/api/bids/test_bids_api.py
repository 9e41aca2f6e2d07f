"""Bid submission over HTTP: opening key, resumable chunked upload, receipt at once, deadline, and a bid
visible to nobody but its bidder before the deadline (role × endpoint matrix)."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ggzy.bids.models import Bid, BidUpload
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.ledger.models import LedgerEvent
from ggzy.vault.receipts import Receipt, verify_receipt
from tests.api.bids.conftest import register_key
from tests.integration.bids.support import DEADLINE, seal


def put(client: TestClient, upload_id: str, data: bytes, start: int, total: int, headers: dict[str, str]) -> Any:
    rng = f"bytes {start}-{start + len(data) - 1}/{total}"
    return client.put(f"/api/bid-uploads/{upload_id}", content=data, headers={**headers, "Content-Range": rng})


def upload(client: TestClient, world: dict[str, Any], i: int, data: bytes | None = None, chunk: int = 1000) -> Any:
    h = world["h"][f"bid{i}"]
    if data is None:
        data = seal(world["key"].public, lot_id=world["lot"], bidder_id=world["tender"].bidder_ids[i])
    r = client.post(f"/api/lots/{world['lot']}/bids/uploads", json={"declared_size": len(data)}, headers=h)
    assert r.status_code == 201, r.text
    upload_id = r.json()["id"]
    for start in range(0, len(data), chunk):
        r = put(client, upload_id, data[start : start + chunk], start, len(data), h)
        assert r.status_code == 200, r.text
    return client.post(f"/api/bid-uploads/{upload_id}/complete", headers=h)


def test_opening_key_is_registered_by_center_staff_and_public(client: TestClient, world: dict[str, Any]) -> None:
    lot = world["lot"]
    assert client.get(f"/api/lots/{lot}/opening-key").status_code == 404
    assert (
        client.post(f"/api/lots/{lot}/opening-key", json=world["doc"], headers=world["h"]["owner_u"]).status_code == 403
    )
    bad = client.post(f"/api/lots/{lot}/opening-key", json={**world["doc"], "k": 4}, headers=world["h"]["center_u"])
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "k"
    # No key yet: a bidder cannot start.
    r = client.post(f"/api/lots/{lot}/bids/uploads", json={"declared_size": 100}, headers=world["h"]["bid0"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "OPENING_KEY_MISSING"
    register_key(client, world)
    got = client.get(f"/api/lots/{lot}/opening-key").json()  # anonymous
    assert got["public_key"] == world["key"].public.raw.hex() and got["key_id"] == world["key"].public.key_id
    assert got["k"] == 2 and got["n"] == 3 and got["commitments_digest"] == world["doc"]["commitments_digest"]


def test_chunked_upload_resumes_and_returns_a_signed_receipt(
    client: TestClient, world: dict[str, Any], app: Any, clean_db: Database, settings: Any
) -> None:
    register_key(client, world)
    h = world["h"]["bid0"]
    data = seal(world["key"].public, lot_id=world["lot"], bidder_id=world["tender"].bidder_ids[0], payload=b"y" * 6000)
    upload_id = client.post(
        f"/api/lots/{world['lot']}/bids/uploads", json={"declared_size": len(data)}, headers=h
    ).json()["id"]
    assert put(client, upload_id, data[:2000], 0, len(data), h).json()["offset"] == 2000
    # A retried or skipped chunk is told where to resume.
    for wrong in (0, 2500):
        r = put(client, upload_id, data[wrong : wrong + 100], wrong, len(data), h)
        assert r.status_code == 409 and r.json()["error"]["details"] == [{"expected_offset": 2000}]
    assert client.get(f"/api/bid-uploads/{upload_id}", headers=h).json()["offset"] == 2000
    # A chunk cut short (client gone) leaves nothing behind: the offset stays, the file is cut back.
    r = client.put(
        f"/api/bid-uploads/{upload_id}",
        content=data[2000:2500],
        headers={**h, "Content-Range": f"bytes 2000-2999/{len(data)}"},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "BID_UPLOAD_RANGE_INVALID"
    assert client.get(f"/api/bid-uploads/{upload_id}", headers=h).json()["offset"] == 2000
    assert (Path(settings.data_dir) / "bids" / "partial" / f"{upload_id}.part").stat().st_size == 2000
    early = client.post(f"/api/bid-uploads/{upload_id}/complete", headers=h)
    assert early.status_code == 409 and early.json()["error"]["code"] == "BID_UPLOAD_INCOMPLETE"
    r = client.put(f"/api/bid-uploads/{upload_id}", content=b"abc", headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "BID_UPLOAD_RANGE_INVALID"
    r = put(client, upload_id, data[2000:], 2000, len(data) + 1, h)  # another total than declared
    assert r.status_code == 422 and r.json()["error"]["code"] == "BID_UPLOAD_RANGE_INVALID"
    r = put(client, upload_id, data[2000:] + b"!", 2000, len(data), h)  # past the declared size
    assert r.status_code == 422 and r.json()["error"]["code"] == "BID_UPLOAD_TOO_LONG"
    # A crash mid-chunk leaves bytes on disk that the row never counted: the next chunk at the acknowledged
    # offset cuts them first (the check takes the write path only then).
    with open(Path(settings.data_dir) / "bids" / "partial" / f"{upload_id}.part", "ab") as fh:
        fh.write(b"unacknowledged" * 50)
    assert put(client, upload_id, data[2000:], 2000, len(data), h).json()["offset"] == len(data)
    r = client.post(f"/api/bid-uploads/{upload_id}/complete", headers=h)
    assert r.status_code == 201, r.text
    body = r.json()
    receipt = Receipt.from_json(body["receipt"])
    assert verify_receipt(receipt, app.state.signing_key.public_key_pem())
    assert receipt.size == len(data) and receipt.receipt_id == body["id"] and body["ledger_index"] is None
    assert receipt.bidder_id == str(world["tender"].bidder_ids[0])
    with clean_db.session(write=False) as s:
        bid = s.get(Bid, body["id"])
        assert bid is not None and bid.submitted_ip == "testclient" and bid.fingerprint == "ab" * 32
        assert bid.tool == "ggzy-seal/0.1.0"
        stored = Path(settings.data_dir) / "bids" / bid.path
    assert stored.read_bytes() == data
    again = client.post(f"/api/bid-uploads/{upload_id}/complete", headers=h)
    assert again.status_code == 409
    assert client.get("/api/bids", headers=h).json()[0]["id"] == body["id"]


def test_plaintext_is_refused_at_the_first_chunk(client: TestClient, world: dict[str, Any], settings: Any) -> None:
    register_key(client, world)
    h = world["h"]["bid0"]
    data = b"%PDF-1.7\n" + b"plain bid " * 300
    upload_id = client.post(
        f"/api/lots/{world['lot']}/bids/uploads", json={"declared_size": len(data)}, headers=h
    ).json()["id"]
    r = put(client, upload_id, data[:1000], 0, len(data), h)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "ENVELOPE_NOT_ENCRYPTED" and "第二十六条" in err["citation"]
    assert client.get(f"/api/bid-uploads/{upload_id}", headers=h).json()["offset"] == 0
    assert (Path(settings.data_dir) / "bids" / "partial" / f"{upload_id}.part").stat().st_size == 0
    wrong_lot = seal(world["key"].public, lot_id=999, bidder_id=world["tender"].bidder_ids[0])
    r = upload(client, world, 0, data=wrong_lot)
    assert r.status_code == 422 and r.json()["error"]["code"] == "ENVELOPE_KEY_MISMATCH"


def test_deadline_refuses_completion_and_new_uploads(
    client: TestClient, world: dict[str, Any], clock: FrozenClock, clean_db: Database
) -> None:
    register_key(client, world)
    h = world["h"]["bid1"]
    data = seal(world["key"].public, lot_id=world["lot"], bidder_id=world["tender"].bidder_ids[1])
    upload_id = client.post(
        f"/api/lots/{world['lot']}/bids/uploads", json={"declared_size": len(data)}, headers=h
    ).json()["id"]
    assert put(client, upload_id, data, 0, len(data), h).status_code == 200
    clock.set(DEADLINE.astimezone(UTC) - timedelta(milliseconds=1))
    assert upload(client, world, 0).status_code == 201  # one millisecond early is in time
    clock.set(DEADLINE.astimezone(UTC))
    r = client.post(f"/api/bid-uploads/{upload_id}/complete", headers=h)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "BID_DEADLINE_PASSED" and "第二十七条" in r.json()["error"]["citation"]
    r = client.post(f"/api/lots/{world['lot']}/bids/uploads", json={"declared_size": 100}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "BID_DEADLINE_PASSED"
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Bid)) == 1
        assert s.get(BidUpload, upload_id).status == "open"  # type: ignore[union-attr]


def test_replace_and_withdraw(client: TestClient, world: dict[str, Any]) -> None:
    register_key(client, world)
    h = world["h"]["bid0"]
    first = upload(client, world, 0).json()
    second = upload(client, world, 0).json()
    mine = {b["id"]: b["status"] for b in client.get("/api/bids", headers=h).json()}
    assert mine == {first["id"]: "replaced", second["id"]: "submitted"}
    r = client.post(f"/api/bids/{second['id']}/withdraw", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert client.post(f"/api/bids/{second['id']}/withdraw", headers=h).status_code == 409


def test_before_the_deadline_only_the_bidder_sees_its_bid(
    client: TestClient, world: dict[str, Any], clean_db: Database
) -> None:
    register_key(client, world)
    bid = upload(client, world, 0).json()
    h0 = world["h"]["bid0"]
    upload_id = client.post(f"/api/lots/{world['lot']}/bids/uploads", json={"declared_size": 500}, headers=h0).json()[
        "id"
    ]
    missing = "0" * 32
    assert client.get(f"/api/bids/{bid['id']}", headers=h0).status_code == 200
    assert client.get(f"/api/bid-uploads/{upload_id}", headers=h0).status_code == 200
    others = {
        "owner": world["h"]["owner_u"],
        "center": world["h"]["center_u"],
        "supervisor": world["h"]["sup_u"],
        "other_bidder": world["h"]["bid1"],
    }
    for role, h in others.items():
        assert client.get("/api/bids", headers=h).json() == [], role
        assert client.get(f"/api/bids?lot_id={world['lot']}", headers=h).json() == [], role
        for path, method in (("/api/bids/{}", "GET"), ("/api/bids/{}/withdraw", "POST")):
            real = client.request(method, path.format(bid["id"]), headers=h)
            fake = client.request(method, path.format(missing), headers=h)
            assert real.status_code == fake.status_code == 404, (role, path)
            assert real.json() == fake.json(), (role, path)
        real = client.get(f"/api/bid-uploads/{upload_id}", headers=h)
        fake = client.get(f"/api/bid-uploads/{missing}", headers=h)
        assert real.status_code == fake.status_code and real.json() == fake.json(), role
        assert real.status_code in (403, 404), role
        assert client.request(
            "PUT",
            f"/api/bid-uploads/{upload_id}",
            content=b"GGZYSEAL\x01",
            headers={**h, "Content-Range": "bytes 0-8/500"},
        ).status_code in (403, 404)
    for path in ("/api/bids", f"/api/bids/{bid['id']}"):
        assert client.get(path).status_code == 401
    with clean_db.session(write=False) as s:
        # Nothing per bid in the public ledger (its count would be the lot's bid count).
        assert not s.scalars(select(LedgerEvent).where(LedgerEvent.kind.like("bid.%"))).all()


def _page_login(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/login",
        data={"username": username, "password": "Test-password-2026", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_pages_show_own_bids_withdraw_and_the_public_key(client: TestClient, world: dict[str, Any]) -> None:
    register_key(client, world)
    bid = upload(client, world, 0).json()
    key_page = client.get(f"/lots/{world['lot']}/opening-key")
    assert key_page.status_code == 200 and world["key"].public.key_id in key_page.text
    assert client.get("/lots/999/opening-key").status_code == 404
    _page_login(client, "bid1")
    assert bid["id"] not in client.get("/bids").text
    client.cookies.clear()
    _page_login(client, "bid0")
    page = client.get("/bids")
    assert bid["id"] in page.text and "有效" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert client.post(f"/bids/{bid['id']}/withdraw", data={}, follow_redirects=False).status_code == 403
    r = client.post(f"/bids/{bid['id']}/withdraw", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert "已撤回" in client.get("/bids").text


def test_two_writers_of_the_same_chunk_one_wins(
    client: TestClient, world: dict[str, Any], app: Any, settings: Any
) -> None:
    import asyncio

    import httpx

    register_key(client, world)
    h = world["h"]["bid0"]
    data = seal(world["key"].public, lot_id=world["lot"], bidder_id=world["tender"].bidder_ids[0], payload=b"z" * 9000)
    upload_id = client.post(
        f"/api/lots/{world['lot']}/bids/uploads", json={"declared_size": len(data)}, headers=h
    ).json()["id"]
    chunk = data[:5000]
    headers = {**h, "Content-Range": f"bytes 0-4999/{len(data)}"}

    async def race() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as ac:
            return list(
                await asyncio.gather(
                    *(ac.put(f"/api/bid-uploads/{upload_id}", content=chunk, headers=headers) for _ in range(2))
                )
            )

    responses = asyncio.run(race())
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409).json()["error"]["code"]
    assert loser in ("BID_UPLOAD_BUSY", "BID_UPLOAD_OFFSET_MISMATCH")
    assert client.get(f"/api/bid-uploads/{upload_id}", headers=h).json()["offset"] == 5000
    assert (Path(settings.data_dir) / "bids" / "partial" / f"{upload_id}.part").read_bytes() == chunk
