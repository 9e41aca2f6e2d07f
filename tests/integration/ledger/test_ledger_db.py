"""The ledger in the database: gap-free appends in the caller's transaction, proofs, tamper detection."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.ledger import merkle, queries, service
from ggzy.ledger.models import LedgerEvent, LedgerPrivate
from ggzy.ledger.signing import SigningKey
from ggzy.ledger.verify import verify_log


@pytest.fixture
def key(tmp_path) -> SigningKey:  # type: ignore[no-untyped-def]
    return SigningKey.load_or_create(tmp_path / "k.pem")


def _append(db: Database, clock: FrozenClock, n: int, *, kind: str = "test.event") -> None:
    with db.transaction() as s:
        for i in range(n):
            service.record(s, kind=kind, actor="system", subject=f"thing:{i}", data={"n": i}, now=clock.now())


def test_append_is_part_of_the_callers_transaction(clean_db: Database, clock: FrozenClock) -> None:
    with pytest.raises(RuntimeError), clean_db.transaction() as s:
        service.record(s, kind="x", actor="system", subject="a", data={}, now=clock.now())
        raise RuntimeError("the business change failed")
    _append(clean_db, clock, 2)
    with clean_db.session(write=False) as s:
        indexes = list(s.scalars(select(LedgerEvent.index).order_by(LedgerEvent.index)))
        assert indexes == [0, 1]  # the rolled-back append left no gap
        assert queries.state(s).size == 2


def test_private_part_is_committed_to_but_not_published(clean_db: Database, clock: FrozenClock) -> None:
    with clean_db.transaction() as s:
        service.record(
            s,
            kind="user.logged_in",
            actor="user:1",
            subject="user:1",
            data={},
            private={"ip": "10.1.2.3"},
            now=clock.now(),
        )
    with clean_db.session(write=False) as s:
        doc = queries.get_event(s, 0)
        assert doc is not None
        assert "10.1.2.3" not in str(doc)
        assert doc["private_digest"] and len(doc["private_digest"]) == 64
        assert s.get(LedgerPrivate, 0).payload == {"ip": "10.1.2.3"}  # type: ignore[union-attr]


def test_floats_are_refused(clean_db: Database, clock: FrozenClock) -> None:
    with clean_db.transaction() as s, pytest.raises(TypeError):
        service.record(s, kind="x", actor="system", subject="a", data={"price": 1.5}, now=clock.now())


def test_tree_head_and_proofs_match_an_independent_computation(
    clean_db: Database, clock: FrozenClock, key: SigningKey
) -> None:
    _append(clean_db, clock, 37)
    with clean_db.transaction() as s:
        head37 = service.publish_tree_head(s, key=key, now=clock.now())
    _append(clean_db, clock, 30)
    clock.advance(timedelta(seconds=5))
    with clean_db.transaction() as s:
        head67 = service.publish_tree_head(s, key=key, now=clock.now())
    with clean_db.session(write=False) as s:
        leaves = list(s.scalars(select(LedgerEvent.leaf_hash).order_by(LedgerEvent.index)))
        assert merkle.root_from_leaves(leaves[:37]) == (37, head37.root_hash)
        assert merkle.root_from_leaves(leaves) == (67, head67.root_hash)
        source = queries.DbNodeSource(s)
        for index in (0, 17, 36, 66):
            path = merkle.inclusion_proof(source, index, 67)
            assert merkle.verify_inclusion(leaves[index], index, 67, path, head67.root_hash)
        proof = merkle.consistency_proof(source, 37, 67)
        assert merkle.verify_consistency(37, 67, head37.root_hash, head67.root_hash, proof)
        events = list(queries.iter_events(s))
    assert verify_log(iter(events), head67, key.public_key_pem()).ok


def test_altered_removed_or_reordered_events_are_caught(
    clean_db: Database, clock: FrozenClock, key: SigningKey
) -> None:
    _append(clean_db, clock, 12)
    with clean_db.transaction() as s:
        head = service.publish_tree_head(s, key=key, now=clock.now())
    # Someone with database access rewrites event 5's content.
    with clean_db.transaction() as s:
        s.execute(update(LedgerEvent).where(LedgerEvent.index == 5).values(data={"n": 500}))
    with clean_db.session(write=False) as s:
        result = verify_log(queries.iter_events(s), head, key.public_key_pem())
    assert not result.ok and result.index == 5 and result.code == "LEDGER_LEAF_MISMATCH"
    # ...and also recomputes the stored leaf hash to hide it: the root no longer matches the signed head.
    with clean_db.transaction() as s:
        ev = s.get(LedgerEvent, 5)
        assert ev is not None
        ev.leaf_hash = merkle.leaf_hash(merkle.canonical_json(service.event_document(ev)))
    with clean_db.session(write=False) as s:
        result = verify_log(queries.iter_events(s), head, key.public_key_pem())
    assert not result.ok and result.code == "LEDGER_ROOT_MISMATCH"
    # Removal of an event.
    with clean_db.session(write=False) as s:
        events = [e for e in queries.iter_events(s) if e["index"] != 7]
    assert verify_log(iter(events), head, key.public_key_pem()).code == "LEDGER_INDEX_GAP"


def test_concurrent_appenders_get_distinct_consecutive_indexes(clean_db: Database, clock: FrozenClock) -> None:
    errors: list[BaseException] = []

    def worker(w: int) -> None:
        try:
            for i in range(10):
                with clean_db.transaction() as s:
                    service.record(s, kind="race", actor="system", subject=f"w{w}:{i}", data={}, now=clock.now())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with clean_db.session(write=False) as s:
        indexes = list(s.scalars(select(LedgerEvent.index).order_by(LedgerEvent.index)))
        subjects = set(s.scalars(select(LedgerEvent.subject)))
    assert indexes == list(range(40))
    assert len(subjects) == 40


def test_ledger_tables_reject_nothing_silently(clean_db: Database) -> None:
    # The state row exists after migration (appenders lock it rather than create it).
    with clean_db.session(write=False) as s:
        assert s.execute(text("SELECT size FROM ledger_state WHERE id = 1")).scalar_one() == 0
