"""Many bidders writing at once: no request may wait on a transaction that cannot end.

On SQLite a session that has written holds the database's write lock until it ends. The defect these
tests pin down: a synchronous view's transaction ended only after two more hops through the worker pool
(response validation, then the unit of work); when the pool was full of requests waiting for the write
lock, the holder could not get a thread to end its transaction, and everyone waited for the busy timeout
(200 concurrent bid uploads: 160 failed with "database is locked"). The pool is shrunk here so that a
handful of real concurrent callers reproduce it in milliseconds.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

import httpx
import pytest
from anyio import to_thread
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from ggzy.bids.models import BidUpload
from ggzy.core import db as core_db
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database, create_database
from ggzy.core.settings import Settings
from tests.api.bids.conftest import register_key
from tests.integration.bids.support import seal


async def _start_uploads_at_once(app: Any, world: dict[str, Any], per_bidder: int, threads: int) -> list[Any]:
    to_thread.current_default_thread_limiter().total_tokens = threads
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as ac:
        calls = [
            ac.post(
                f"/api/lots/{world['lot']}/bids/uploads", json={"declared_size": 4096}, headers=world["h"][f"bid{i}"]
            )
            for i in range(3)
            for _ in range(per_bidder)
        ]
        return list(await asyncio.gather(*calls))


def test_writers_outnumbering_the_worker_pool_all_succeed_at_once(
    client: TestClient, world: dict[str, Any], app: Any, clean_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    register_key(client, world)
    monkeypatch.setattr(core_db, "WRITE_WAIT_SECONDS", 3)  # the stall, if any, would show as a 503 after 3 s
    started = time.perf_counter()
    responses = asyncio.run(_start_uploads_at_once(app, world, per_bidder=4, threads=2))
    elapsed = time.perf_counter() - started
    assert [r.status_code for r in responses] == [201] * 12, [r.text for r in responses if r.status_code != 201]
    assert elapsed < 3
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(BidUpload)) == 12


def test_chunks_from_many_bidders_with_a_tiny_pool_all_land(
    client: TestClient, world: dict[str, Any], app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The streaming PUT (asynchronous, short transactions in worker threads) and completion (synchronous)
    interleaved across three bidders, two threads: every bid gets its receipt."""
    register_key(client, world)
    monkeypatch.setattr(core_db, "WRITE_WAIT_SECONDS", 3)
    envelopes = [
        seal(world["key"].public, lot_id=world["lot"], bidder_id=world["tender"].bidder_ids[i], payload=b"q" * 6000)
        for i in range(3)
    ]

    async def one(ac: httpx.AsyncClient, i: int) -> str:
        h = world["h"][f"bid{i}"]
        data = envelopes[i]
        r = await ac.post(f"/api/lots/{world['lot']}/bids/uploads", json={"declared_size": len(data)}, headers=h)
        upload_id = r.json()["id"]
        for start in range(0, len(data), 2000):
            piece = data[start : start + 2000]
            rng = f"bytes {start}-{start + len(piece) - 1}/{len(data)}"
            r = await ac.put(f"/api/bid-uploads/{upload_id}", content=piece, headers={**h, "Content-Range": rng})
            assert r.status_code == 200, r.text
        r = await ac.post(f"/api/bid-uploads/{upload_id}/complete", headers=h)
        assert r.status_code == 201, r.text
        return str(r.json()["receipt"]["box_chain"])

    async def all_bidders() -> list[str]:
        to_thread.current_default_thread_limiter().total_tokens = 2
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as ac:
            return list(await asyncio.gather(*(one(ac, i) for i in range(3))))

    indexes = asyncio.run(all_bidders())
    assert len(set(indexes)) == 3


def test_a_writer_that_cannot_get_the_lock_gets_a_clear_503_and_nothing_is_written(
    client: TestClient, world: dict[str, Any], clean_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not clean_db.is_sqlite:
        pytest.skip("SQLite's database-wide write lock; PostgreSQL locks rows")
    register_key(client, world)  # else the start is refused by its checks, which need no write lock
    monkeypatch.setattr(core_db, "WRITE_WAIT_SECONDS", 0.2)
    with clean_db.transaction() as holder:  # another writer of this process keeps the lock meanwhile
        holder.execute(select(1))
        r = client.post(
            f"/api/lots/{world['lot']}/bids/uploads", json={"declared_size": 4096}, headers=world["h"]["bid0"]
        )
    assert r.status_code == 503
    body = r.json()["error"]
    assert body["code"] == "DATABASE_BUSY"
    assert "未保存任何更改" in body["message"]
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(BidUpload)) == 0


def test_another_process_holding_the_lock_is_a_503_too(
    world: dict[str, Any], clean_db: Database, settings: Settings, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not clean_db.is_sqlite:
        pytest.skip("SQLite's database-wide write lock; PostgreSQL locks rows")
    from ggzy.web.app import create_app

    monkeypatch.setattr(core_db, "WRITE_WAIT_SECONDS", 0.2)  # read when the engine connects: a fresh one
    impatient = create_database(clean_db.url)
    impatient.signer = clean_db.signer
    other = sqlite3.connect(clean_db.url.removeprefix("sqlite:///"), isolation_level=None)
    try:
        with TestClient(create_app(settings, clock=clock, db=impatient)) as c:
            register_key(c, world)
            other.execute("BEGIN IMMEDIATE")  # a second process (CLI, scheduler) in the middle of a write
            r = c.post(
                f"/api/lots/{world['lot']}/bids/uploads", json={"declared_size": 4096}, headers=world["h"]["bid0"]
            )
            other.execute("ROLLBACK")
    finally:
        other.close()
        impatient.dispose()
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "DATABASE_BUSY"
