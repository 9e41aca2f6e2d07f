"""Completions of one lot waiting together in a process are recorded in one transaction (group commit), each
with its own box entry and receipt, as if they had come one after another; a refused one changes nothing
for the others, a bidder's second completion goes in a later batch, and a batch failing on something other
than a refusal is recorded one completion at a time, so that the failure stays with its own completion."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from tests.integration.bids.support import BidWorld, complete, uploaded

from ggzy.bids import box, completion, upload_io
from ggzy.bids.models import Bid, BidBoxEntry, BidUpload
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import AppError
from ggzy.credit.service import impose
from ggzy.ledger.signing import SigningKey
from ggzy.projects.models import Lot
from ggzy.vault.receipts import Receipt


@contextmanager
def lot_held(db: Database, lot_id: int) -> Iterator[None]:
    """Another transaction holds the lot's row lock (on SQLite, the database's write lock) until the block
    ends: a completion arriving meanwhile leads its batch and waits in the database; the next ones queue."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.transaction() as s:
            assert s.get(Lot, lot_id, with_for_update=True) is not None
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    try:
        yield
    finally:
        release.set()
        holder.join(10)


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def queued(db: Database, lot_id: int) -> int:
    """How many completions wait for the lot's next batch in this process (-1: none leads)."""
    with upload_io._queues_lock:
        queue = upload_io._queues.get((id(db), lot_id))
        return len(queue.waiting) if queue is not None else -1


@pytest.fixture
def box_commits(clean_db: Database) -> Iterator[list[int]]:
    """For each committed write transaction that appended to a box, how many entries it appended."""
    counts: list[int] = []
    factory = clean_db._write  # the sessions db.transaction() opens

    def flushed(session: Session, _context: Any, _instances: Any) -> None:
        appended = sum(isinstance(obj, BidBoxEntry) for obj in session.new)
        session.info["box_entries"] = session.info.get("box_entries", 0) + appended

    def committed(session: Session) -> None:
        if session.info.get("box_entries"):
            counts.append(session.info["box_entries"])
        session.info.pop("box_entries", None)

    def rolled_back(session: Session) -> None:
        session.info.pop("box_entries", None)

    hooks = [("before_flush", flushed), ("after_commit", committed), ("after_rollback", rolled_back)]
    for name, hook in hooks:
        event.listen(factory, name, hook)
    yield counts
    for name, hook in hooks:
        event.remove(factory, name, hook)


class Completing:
    """Completions run in threads, started one at a time in a known order."""

    def __init__(self, db: Database, storage: BidStorage, key: SigningKey, clock: FrozenClock) -> None:
        self.db, self.storage, self.key, self.clock = db, storage, key, clock
        self.outcomes: dict[str, Bid | BaseException] = {}
        self.threads: list[threading.Thread] = []

    def start(self, world: BidWorld, i: int, upload_id: str) -> None:
        def run() -> None:
            try:
                self.outcomes[upload_id] = complete(
                    self.db, world.bidders[i], upload_id, self.storage, self.key, self.clock
                )
            except BaseException as exc:  # asserted by the test
                self.outcomes[upload_id] = exc

        thread = threading.Thread(target=run)
        thread.start()
        self.threads.append(thread)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(30)
        assert not any(t.is_alive() for t in self.threads)


def test_waiting_completions_are_recorded_in_one_transaction_each_with_its_entry_and_receipt(
    clean_db: Database,
    world: BidWorld,
    storage: BidStorage,
    signing_key: SigningKey,
    clock: FrozenClock,
    box_commits: list[int],
) -> None:
    lot_id, (b0, b1, b2) = world.tender.lot_id, world.tender.bidder_ids
    a, b, c, d, e = (uploaded(clean_db, world, i, storage, clock)[0] for i in (0, 1, 2, 1, 0))
    with clean_db.transaction() as s:  # bidder 2 is barred while its upload is under way
        impose(
            s,
            actor=world.tender.center,
            entity_id=b2,
            now=clock.now(),
            kind="construction",
            scope_trades=None,
            valid_from=date(2026, 9, 1),
            valid_until=date(2027, 8, 31),
            authority="甘肃省住房和城乡建设厅",
            document_no="甘建罚〔2026〕21号",
            rule_key="construction.sanction_collusion_serious",
            reason="与其他投标人串通投标，情节严重",
        )
    run = Completing(clean_db, storage, signing_key, clock)
    with lot_held(clean_db, lot_id):
        run.start(world, 0, a)  # leads a batch of itself and waits for the lot
        wait_until(lambda: queued(clean_db, lot_id) == 0)
        for n, (i, upload_id) in enumerate(((1, b), (2, c), (1, d), (0, e)), start=1):
            run.start(world, i, upload_id)
            wait_until(lambda n=n: queued(clean_db, lot_id) == n)  # type: ignore[misc]
    run.join()

    # Batches: [a], then [b, c, e] (d is bidder 1's second: it waits for the next), then [d]; c refused.
    assert box_commits == [1, 2, 1]
    refused = run.outcomes[c]
    assert isinstance(refused, AppError) and refused.code == "BIDDER_BARRED" and "21号" in refused.message
    bids = {u: run.outcomes[u] for u in (a, b, d, e)}
    assert all(isinstance(bid, Bid) for bid in bids.values())
    with clean_db.session(write=False) as s:
        entries = list(s.scalars(select(BidBoxEntry).order_by(BidBoxEntry.seq)))
        stored = {bid.id: bid for bid in s.scalars(select(Bid))}
        assert s.get(BidUpload, c).status == "open"  # type: ignore[union-attr]  # may complete once the bar ends
    order = [bids[u].id for u in (a, b, e, d)]  # type: ignore[union-attr]
    assert [entry.receipt_id for entry in entries] == order and [entry.seq for entry in entries] == [1, 2, 3, 4]
    assert [entry.replaces for entry in entries] == [[], [], [order[0]], [order[1]]]
    chain = box.GENESIS
    for entry in entries:
        chain = box.next_chain(chain, box.entry_document(entry))
        assert entry.chain == chain and Receipt.from_json(stored[entry.receipt_id].receipt).box_chain == chain
    assert {bid_id: (bid.bidder_entity_id, bid.status) for bid_id, bid in stored.items()} == {
        order[0]: (b0, "replaced"),
        order[1]: (b1, "replaced"),
        order[2]: (b0, "submitted"),
        order[3]: (b1, "submitted"),
    }
    staged = {path for paths in storage.final_relpaths().values() for path in paths}
    assert staged == {bid.path for bid in stored.values()}  # the refused completion's staged name is gone
    assert storage.partial_ids() == [c]
    assert queued(clean_db, lot_id) == -1  # nothing left behind in the process


def test_a_batch_failing_otherwise_than_by_a_refusal_is_recorded_one_completion_at_a_time(
    clean_db: Database,
    world: BidWorld,
    storage: BidStorage,
    signing_key: SigningKey,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    box_commits: list[int],
) -> None:
    """A fault injected after a batch's writes (standing for a constraint or a deadlock) rolls the batch
    back; each completion is then recorded alone, and only the faulty one fails."""
    lot_id = world.tender.lot_id
    a, b, c, d = (uploaded(clean_db, world, i, storage, clock)[0] for i in (0, 1, 2, 0))
    real = completion.complete_uploads

    def faulty(session: Any, *, completions: list[completion.Completion], signing_key: SigningKey) -> Any:
        results = real(session, completions=completions, signing_key=signing_key)
        if len(completions) > 1 or completions[0].staged.upload_id == c:
            raise RuntimeError("injected fault")
        return results

    monkeypatch.setattr(completion, "complete_uploads", faulty)
    run = Completing(clean_db, storage, signing_key, clock)
    with lot_held(clean_db, lot_id):
        run.start(world, 0, a)
        wait_until(lambda: queued(clean_db, lot_id) == 0)
        for n, (i, upload_id) in enumerate(((1, b), (2, c), (0, d)), start=1):
            run.start(world, i, upload_id)
            wait_until(lambda n=n: queued(clean_db, lot_id) == n)  # type: ignore[misc]
    run.join()

    assert box_commits == [1, 1, 1]  # a alone; the batch [b, c, d] failed, then b and d alone (c failed alone)
    failed = run.outcomes[c]
    assert isinstance(failed, RuntimeError) and str(failed) == "injected fault"
    assert all(isinstance(run.outcomes[u], Bid) for u in (a, b, d))
    with clean_db.session(write=False) as s:
        assert s.get(BidUpload, c).status == "open"  # type: ignore[union-attr]
        assert len(list(s.scalars(select(BidBoxEntry)))) == 3
        recorded = {bid.path for bid in s.scalars(select(Bid))}
    staged = {path for paths in storage.final_relpaths().values() for path in paths}
    assert staged == recorded  # the failed completion stored nothing and its staged name is gone
    assert queued(clean_db, lot_id) == -1
