"""Which commits of a bid upload wait for PostgreSQL's WAL to reach the disk. The receipt's commit always
does: it is the bidder's proof. An upload's start and its chunk counts do not (``synchronous_commit = off``
for those transactions only): after a crash of PostgreSQL the client asks for the offset and resends, and
under 200 concurrent uploads those flushes had queued behind the bid files' writes (commit p50 23 ms, p90
200 ms; issue 4 bench)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event, text

from ggzy.core.db import Database
from tests.api.bids.conftest import register_key
from tests.api.bids.test_bids_api import upload

SET_ASYNC = "SET LOCAL synchronous_commit = off"


def _committed_transactions(db: Database) -> tuple[list[list[str]], Any]:
    """The statements of each committed write transaction, in order, from now on."""
    done: list[list[str]] = []
    current: dict[int, list[str]] = {}

    def on_execute(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        current.setdefault(id(conn), []).append(statement)

    def on_commit(conn: Any) -> None:
        done.append(current.pop(id(conn), []))

    def on_rollback(conn: Any) -> None:
        current.pop(id(conn), None)

    listeners = (("before_cursor_execute", on_execute), ("commit", on_commit), ("rollback", on_rollback))
    for name, fn in listeners:
        event.listen(db.write_engine, name, fn)

    def stop() -> None:
        for name, fn in listeners:
            event.remove(db.write_engine, name, fn)

    return done, stop


def test_the_receipt_waits_for_the_disk_and_the_upload_progress_does_not(
    client: TestClient, world: dict[str, Any], clean_db: Database
) -> None:
    register_key(client, world)
    done, stop = _committed_transactions(clean_db)
    try:
        r = upload(client, world, 0, chunk=4000)
    finally:
        stop()
    assert r.status_code == 201, r.text

    def writing(table: str, verb: str) -> list[list[str]]:
        return [t for t in done if any(s.lstrip().upper().startswith(verb) and table in s for s in t)]

    starts = writing("bid_uploads", "INSERT")
    counts = [t for t in writing("bid_uploads", "UPDATE") if not writing_bid(t)]
    receipts = [t for t in done if writing_bid(t)]
    assert len(starts) == 1 and len(counts) >= 2 and len(receipts) == 1
    if clean_db.is_sqlite:  # SQLite has no such setting; its WAL commits never wait for the disk
        assert not any(SET_ASYNC in s for t in done for s in t)
        return
    for transaction in starts + counts:
        assert transaction[0] == SET_ASYNC, transaction[:2]
    assert not any(SET_ASYNC in s for s in receipts[0]), "the receipt's commit must be durable"


def writing_bid(transaction: list[str]) -> bool:
    return any(s.lstrip().upper().startswith("INSERT INTO BIDS ") for s in transaction)


def test_the_setting_ends_with_its_transaction(clean_db: Database) -> None:
    if clean_db.is_sqlite:
        with clean_db.transaction(flush_wal_at_commit=False) as session:
            session.execute(text("SELECT 1"))  # accepted, and nothing to set
        return
    with clean_db.session(write=False) as reader:
        default = reader.execute(text("SHOW synchronous_commit")).scalar_one()
    assert default != "off"
    with clean_db.transaction(flush_wal_at_commit=False) as session:
        assert session.execute(text("SHOW synchronous_commit")).scalar_one() == "off"
        backend = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    # The next transactions on the same pooled connection are back to the server's setting.
    seen_same = False
    for _ in range(20):
        with clean_db.transaction() as session:
            assert session.execute(text("SHOW synchronous_commit")).scalar_one() == default
            seen_same = seen_same or session.execute(text("SELECT pg_backend_pid()")).scalar_one() == backend
    assert seen_same
