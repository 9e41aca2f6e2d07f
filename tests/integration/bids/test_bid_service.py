"""Bid submission at service level: opening key rules, deadline to the millisecond, replacement, withdrawal,
the ledger's public part hiding bids, refused envelopes leaving nothing stored."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, timedelta

import pytest
from sqlalchemy import func, select
from tests.integration.bids.support import (
    DEADLINE,
    BidWorld,
    bid_world,
    complete,
    key_ceremony,
    seal,
    start,
    submit,
    uploaded,
    write,
)

from ggzy.bids import box, service
from ggzy.bids.models import Bid, BidBoxEntry, BidUpload, LotOpeningKey
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import AppError, Conflict, Forbidden, RuleRefused
from ggzy.ledger.models import LedgerEvent
from ggzy.ledger.signing import SigningKey
from ggzy.procedures.scheduler import run_due
from ggzy.projects.models import Lot
from ggzy.vault.keys import PrivateKey
from ggzy.vault.receipts import Receipt, verify_receipt
from ggzy.vault.seal import open_bid


def count(db: Database, model: type) -> int:
    with db.session(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_a_bid_is_stored_whole_and_receipted_with_its_box_chain(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    bid = submit(clean_db, world, 0, storage, signing_key, clock)
    receipt = Receipt.from_json(bid.receipt)
    assert verify_receipt(receipt, signing_key.public_key_pem())
    assert receipt.lot_id == str(world.tender.lot_id) and receipt.bidder_id == str(world.tender.bidder_ids[0])
    assert receipt.ciphertext_hash == bid.ciphertext_hash and receipt.size == bid.size
    assert receipt.received_at == "2026-09-25T02:00:00.000Z"
    assert receipt.receipt_id == bid.id and bid.ledger_index == -1  # public only once the deadline passed
    with clean_db.session(write=False) as s:
        # No public event per bid: the lot's sealed box holds the entry; the receipt carries its chain value.
        assert s.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.kind.like("bid.%"))) == 0
        entry = s.scalars(select(BidBoxEntry).where(BidBoxEntry.receipt_id == bid.id)).one()
        assert entry.kind == "received" and entry.chain == receipt.box_chain
        assert entry.ciphertext_hash == bid.ciphertext_hash and entry.lot_id == world.tender.lot_id
        stored = s.get(Bid, bid.id)
        assert stored is not None and stored.submitted_ip == "203.0.113.9"
    # The stored file is the envelope, and the custodians' key opens it.
    with open(storage.resolve(bid.path), "rb") as fh:
        opened = open_bid(fh, world.opening, expect_lot_id=str(world.tender.lot_id))
    assert str(opened.form.price) == "9876543.21"
    assert storage.partial_ids() == []


def test_plaintext_and_wrong_envelopes_are_refused_and_nothing_is_stored(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    lot_id, bidder_id = world.tender.lot_id, world.tender.bidder_ids[0]
    other_key = PrivateKey.generate()
    cases = {
        "ENVELOPE_NOT_ENCRYPTED": b"%PDF-1.7 plain bid " * 10,
        "ENVELOPE_KEY_MISMATCH": seal(other_key.public, lot_id=lot_id, bidder_id=bidder_id),
    }
    for code, blob in cases.items():
        with pytest.raises(AppError) as err:
            submit(clean_db, world, 0, storage, signing_key, clock, blob=blob)
        assert err.value.code == code
    # Sealed for the right key but another bidder or another lot.
    for blob in (
        seal(world.opening.public, lot_id=lot_id, bidder_id=world.tender.bidder_ids[1]),
        seal(world.opening.public, lot_id=lot_id + 1, bidder_id=bidder_id),
    ):
        with pytest.raises(AppError) as err:
            submit(clean_db, world, 0, storage, signing_key, clock, blob=blob)
        assert err.value.code == "ENVELOPE_KEY_MISMATCH"
    with pytest.raises(RuleRefused) as refused:
        submit(clean_db, world, 0, storage, signing_key, clock, blob=b"PK\x03\x04 zip bid " * 3)
    assert "第二十六条" in (refused.value.citation or "")
    assert count(clean_db, Bid) == 0
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(BidBoxEntry)) == 0
    # The envelope sealed for another key was staged under a final name before being refused: that name is gone.
    assert all(not names for names in storage.final_relpaths().values())


def test_a_staged_file_no_bid_records_is_removed_after_its_grace_and_recorded_ones_stay(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    kept = submit(clean_db, world, 0, storage, signing_key, clock)
    upload_id, data = uploaded(clean_db, world, 1, storage, clock)
    # A completion that staged its file and died before its transaction committed.
    with clean_db.session(write=False) as s:
        staged = service.stage_bid_file(s, actor=world.bidders[1], upload_id=upload_id, storage=storage)
    with clean_db.transaction() as s:
        assert service.discard_stale_uploads(s, storage=storage, now=clock.now()) == 0  # within its grace
    assert storage.resolve(staged.relpath).exists()
    with clean_db.transaction() as s:
        assert service.discard_stale_uploads(s, storage=storage, now=clock.now(), unrecorded_after=0) == 1
    assert not storage.resolve(staged.relpath).exists() and storage.resolve(kept.path).exists()
    # The upload itself is untouched: its bidder completes it.
    bid = complete(clean_db, world.bidders[1], upload_id, storage, signing_key, clock)
    assert bid.path != staged.relpath and storage.resolve(bid.path).read_bytes() == data
    assert storage.partial_ids() == []


def test_the_deadline_refuses_to_the_millisecond_and_unfinished_uploads_are_discarded(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    actor = world.bidders[0]
    upload_id, _ = uploaded(clean_db, world, 0, storage, clock)
    deadline = DEADLINE.astimezone(UTC)
    clock.set(deadline - timedelta(milliseconds=1))
    late_start = start(clean_db, world.bidders[1], world.tender.lot_id, 100, clock)  # still in time
    clock.set(deadline)
    with pytest.raises(RuleRefused) as err:
        complete(clean_db, actor, upload_id, storage, signing_key, clock)
    assert err.value.code == "BID_DEADLINE_PASSED" and "第二十七条" in (err.value.citation or "")
    with pytest.raises(RuleRefused):
        start(clean_db, world.bidders[2], world.tender.lot_id, 100, clock)
    assert count(clean_db, Bid) == 0
    with clean_db.transaction() as s:
        assert service.discard_stale_uploads(s, storage=storage, now=clock.now()) == 2
    with clean_db.session(write=False) as s:
        statuses = {u.id: u.status for u in s.scalars(select(BidUpload))}
    assert statuses == {upload_id: "discarded", late_start: "discarded"}
    assert storage.partial_ids() == []


def test_a_completion_waiting_for_the_lots_lock_sees_the_lot_as_the_lock_holder_left_it(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    """The completion checks the lot before it waits for the lot's lock and again under it. Here the lot
    ends (terminated) while the completion waits: the check under the lock must see the new stage, not the
    lot it had read before (PostgreSQL: read again through populate_existing; SQLite: the completion's
    transaction waits for the write lock before reading anything)."""
    actor = world.bidders[0]
    upload_id, _ = uploaded(clean_db, world, 0, storage, clock)
    locked, release = threading.Event(), threading.Event()

    def end_the_lot() -> None:
        with clean_db.transaction() as s:
            lot = s.get(Lot, world.tender.lot_id, with_for_update=True)
            assert lot is not None
            lot.stage = "terminated"
            s.flush()
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=end_the_lot)
    holder.start()
    assert locked.wait(10)
    threading.Timer(0.5, release.set).start()  # the completion reads the lot, then waits for its lock
    try:
        with pytest.raises(Conflict) as err:
            complete(clean_db, actor, upload_id, storage, signing_key, clock)
    finally:
        release.set()
        holder.join(10)
    assert err.value.code == "LOT_NOT_ACCEPTING_BIDS"
    assert count(clean_db, Bid) == 0 and count(clean_db, BidBoxEntry) == 0
    assert not any(storage.final_relpaths().values())  # the refused completion's staged name is gone
    with clean_db.session(write=False) as s:
        assert s.get(BidUpload, upload_id).status == "open"  # type: ignore[union-attr]


def test_concurrent_completions_chain_one_after_another_and_replace_each_bidders_live_bid(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    """Six completions of one lot at once, two per bidder, after bidder 0 has bid once. Each reads the box
    head and the bidder's live bid after taking the lot's lock, so every entry follows the one before it
    (seq 1..7, each chain computed from the previous), each receipt carries its entry's chain, and every
    bidder ends with one live bid, the others replaced, each replaced bid named by exactly one entry. On
    PostgreSQL, a completion that reads the head before taking the lock fails this test (checked)."""
    first = submit(clean_db, world, 0, storage, signing_key, clock)
    uploads = [(i, uploaded(clean_db, world, i, storage, clock)[0]) for i in (0, 1, 2) for _ in range(2)]
    gate = threading.Barrier(len(uploads))
    done: dict[str, Bid] = {}
    failures: list[BaseException] = []

    def finish(i: int, upload_id: str) -> None:
        try:
            gate.wait(10)
            done[upload_id] = complete(clean_db, world.bidders[i], upload_id, storage, signing_key, clock)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            failures.append(exc)

    threads = [threading.Thread(target=finish, args=pair) for pair in uploads]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not failures and len(done) == len(uploads)
    with clean_db.session(write=False) as s:
        entries = list(s.scalars(select(BidBoxEntry).order_by(BidBoxEntry.seq)))
        bids = {b.id: b for b in s.scalars(select(Bid))}
    assert [e.seq for e in entries] == list(range(1, 8))
    chain = box.GENESIS
    for entry in entries:
        chain = box.next_chain(chain, box.entry_document(entry))
        assert entry.chain == chain
    by_receipt = {e.receipt_id: e for e in entries}
    for bid in bids.values():
        assert Receipt.from_json(bid.receipt).box_chain == by_receipt[bid.id].chain
    live = sorted(b.bidder_entity_id for b in bids.values() if b.status == "submitted")
    assert live == sorted(world.tender.bidder_ids)
    replaced = sorted(b.id for b in bids.values() if b.status == "replaced")
    assert len(replaced) == 4 and first.id in replaced
    assert sorted(r for e in entries for r in e.replaces) == replaced


def test_a_new_bid_replaces_the_old_and_withdrawal_ends_it(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    first = submit(clean_db, world, 0, storage, signing_key, clock)
    clock.advance(timedelta(minutes=5))
    second = submit(clean_db, world, 0, storage, signing_key, clock)
    with clean_db.session(write=False) as s:
        assert s.get(Bid, first.id).status == "replaced"  # type: ignore[union-attr]
        assert s.get(Bid, second.id).status == "submitted"  # type: ignore[union-attr]
    # The replaced envelope is kept on disk.
    assert storage.resolve(first.path).exists() and storage.resolve(second.path).exists()
    with pytest.raises(Conflict), clean_db.transaction() as s:
        service.withdraw_bid(s, actor=world.bidders[0], bid_id=first.id, now=clock.now())
    with pytest.raises(AppError) as err, clean_db.transaction() as s:
        service.withdraw_bid(s, actor=world.bidders[1], bid_id=second.id, now=clock.now())
    assert err.value.code == "BID_NOT_FOUND"
    with clean_db.transaction() as s:
        assert service.withdraw_bid(s, actor=world.bidders[0], bid_id=second.id, now=clock.now()).status == "withdrawn"
    clock.set(DEADLINE.astimezone(UTC))
    third = None
    with pytest.raises(RuleRefused):
        third = submit(clean_db, world, 0, storage, signing_key, clock)
    assert third is None


def test_opening_key_registration_rules(
    clean_db: Database, clock: FrozenClock, storage: BidStorage, signing_key: SigningKey
) -> None:
    with clean_db.transaction() as s:
        world = bid_world(s, now=clock.now(), publish=False, register=False)
    key, doc = key_ceremony()
    lot_id = world.tender.lot_id
    with pytest.raises(Forbidden), clean_db.transaction() as s:
        service.register_opening_key(s, actor=world.tender.owner, lot_id=lot_id, now=clock.now(), **doc)  # type: ignore[arg-type]
    for bad in ({"public_key": "AB" * 32}, {"k": 4}, {"custodians": ["甲", "甲", "乙"]}, {"commitments_digest": "x"}):
        with pytest.raises(AppError) as err, clean_db.transaction() as s:
            service.register_opening_key(s, actor=world.tender.center, lot_id=lot_id, now=clock.now(), **{**doc, **bad})  # type: ignore[arg-type]
        assert err.value.status_code == 422
    assert count(clean_db, LotOpeningKey) == 0
    # In draft: allowed, and replaceable while no bid exists.
    with clean_db.transaction() as s:
        service.register_opening_key(s, actor=world.tender.center, lot_id=lot_id, now=clock.now(), **doc)  # type: ignore[arg-type]
    world.opening, doc2 = key_ceremony()
    with clean_db.transaction() as s:
        row = service.register_opening_key(s, actor=world.tender.center, lot_id=lot_id, now=clock.now(), **doc2)  # type: ignore[arg-type]
        assert row.public_key == doc2["public_key"]
    assert count(clean_db, LotOpeningKey) == 1
    # Bids need a published lot.
    with pytest.raises(Conflict), clean_db.transaction() as s:
        service.start_upload(s, actor=world.bidders[0], lot_id=lot_id, declared_size=100, now=clock.now())
    with clean_db.transaction() as s:
        lot = s.get(Lot, lot_id)
        assert lot is not None
        lot.stage, lot.bid_deadline = "published", DEADLINE
    submit(clean_db, world, 0, storage, signing_key, clock)
    with pytest.raises(Conflict) as locked, clean_db.transaction() as s:
        service.register_opening_key(s, actor=world.tender.center, lot_id=lot_id, now=clock.now(), **doc)  # type: ignore[arg-type]
    assert locked.value.code == "OPENING_KEY_LOCKED"
    with clean_db.session(write=False) as s:
        kinds = list(s.scalars(select(LedgerEvent.kind).where(LedgerEvent.kind == "lot.opening_key_registered")))
    assert len(kinds) == 2
    assert key is not None


def test_the_deadline_step_expires_open_uploads_and_the_job_removes_their_files(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    kept = submit(clean_db, world, 0, storage, signing_key, clock)
    data = seal(world.opening.public, lot_id=world.tender.lot_id, bidder_id=world.tender.bidder_ids[1])
    unfinished = start(clean_db, world.bidders[1], world.tender.lot_id, len(data), clock)
    write(clean_db, world.bidders[1], unfinished, data[:50], 0, storage, clock)
    clock.set(DEADLINE.astimezone(UTC))
    assert run_due(clean_db, now=clock.now()).done == 1  # the lot moves to opening; the outbox runs after commit
    with clean_db.session(write=False) as s:
        assert s.get(BidUpload, unfinished).status == "discarded"  # type: ignore[union-attr]
        assert s.get(Lot, world.tender.lot_id).stage == "opening"  # type: ignore[union-attr]
    assert storage.partial_ids() == [unfinished]
    with clean_db.transaction() as s:
        assert service.discard_stale_uploads(s, storage=storage, now=clock.now()) == 1
    assert storage.partial_ids() == [] and storage.resolve(kept.path).exists()


def test_an_objection_hold_pauses_new_bids_but_not_withdrawal_and_an_upload_resumes_after(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    from ggzy.procedures import holds

    lot_id = world.tender.lot_id
    live = submit(clean_db, world, 0, storage, signing_key, clock)
    under_way, _ = uploaded(clean_db, world, 1, storage, clock)
    with clean_db.transaction() as s:  # a documents objection (条例22) pauses the lot
        hold = holds.place(
            s, lot_id=lot_id, source="objection:1", rule="construction.objection_reply",
            citation="依据《招标投标法实施条例》第二十二条", now=clock.now(),
        )  # fmt: skip
        hold_id = hold.id
    bids_before = count(clean_db, Bid)
    # No new bid, no replacement, no completion of the upload under way: refused with the article.
    for attempt in (
        lambda: submit(clean_db, world, 2, storage, signing_key, clock),
        lambda: submit(clean_db, world, 0, storage, signing_key, clock),
        lambda: complete(clean_db, world.bidders[1], under_way, storage, signing_key, clock),
    ):
        with pytest.raises(Conflict) as err:
            attempt()
        assert err.value.code == "LOT_ON_HOLD" and "第二十二条" in (err.value.citation or "")
        assert "递交或替换投标文件" in err.value.message
    assert count(clean_db, Bid) == bids_before
    with clean_db.session(write=False) as s:
        assert s.get(Bid, live.id).status == "submitted"  # type: ignore[union-attr]
        assert s.get(BidUpload, under_way).status == "open"  # type: ignore[union-attr]
    # Once the objection is answered, the upload under way completes; withdrawing never waited.
    with clean_db.transaction() as s:
        holds.release(s, hold_id=hold_id, now=clock.now())
    assert complete(clean_db, world.bidders[1], under_way, storage, signing_key, clock).status == "submitted"
    with clean_db.transaction() as s:
        holds.place(s, lot_id=lot_id, source="objection:2", rule="r", citation="c", now=clock.now())
    with clean_db.transaction() as s:
        assert service.withdraw_bid(s, actor=world.bidders[0], bid_id=live.id, now=clock.now()).status == "withdrawn"


def test_a_start_is_refused_for_a_non_bidder_entity_whatever_the_lot_and_for_a_missing_lot(
    clean_db: Database, world: BidWorld, clock: FrozenClock
) -> None:
    """The start's checks read entity, lot, project and key in one statement: the refusals stay as they were,
    the entity's first (a non-bidder learns nothing about which lots exist)."""
    owner_entity = world.tender.owner.entity_id
    assert owner_entity is not None
    as_owner_entity = replace(world.bidders[0], entity_id=owner_entity)  # bidder staff role, owner's entity
    missing_lot = world.tender.lot_id + 1000
    for lot_id in (world.tender.lot_id, missing_lot):
        with pytest.raises(Forbidden) as refused:
            start(clean_db, as_owner_entity, lot_id, 10_000, clock)
        assert refused.value.code == "BIDDER_ENTITY_REQUIRED"
    with pytest.raises(AppError) as missing:
        start(clean_db, world.bidders[0], missing_lot, 10_000, clock)
    assert missing.value.status_code == 404 and missing.value.code == "LOT_NOT_FOUND"
    assert count(clean_db, BidUpload) == 0
