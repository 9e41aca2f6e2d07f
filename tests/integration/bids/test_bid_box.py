"""The sealed bid box: no public trace per bid, seals at a fixed rate that look the same whatever was bid, and
a public commitment at the deadline that anyone can check against the seals and every receipt."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from tests.integration.bids.support import DEADLINE, BidWorld, submit

from ggzy.bids import box, service
from ggzy.bids.models import Bid, BidBoxCommitment, BidBoxEntry
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.ledger.models import LedgerEvent
from ggzy.ledger.signing import SigningKey
from ggzy.procedures.scheduler import run_due
from ggzy.vault.receipts import Receipt

MINUTES = 5


def tick(db: Database, clock: FrozenClock) -> int | None:
    index = box.seal_due(db, now=clock.now(), minutes=MINUTES)
    clock.advance(timedelta(minutes=MINUTES))
    return index


def public(db: Database, index: int) -> LedgerEvent:
    with db.session(write=False) as s:
        return s.scalars(select(LedgerEvent).where(LedgerEvent.index == index)).one()


def commitment_and_seals(db: Database, lot_id: int) -> tuple[dict[str, Any], dict[int, dict[str, Any]]]:
    with db.session(write=False) as s:
        row = s.get(BidBoxCommitment, lot_id)
        assert row is not None
        data = s.scalars(select(LedgerEvent.data).where(LedgerEvent.index == row.ledger_index)).one()
        rows = s.execute(select(LedgerEvent.index, LedgerEvent.data).where(LedgerEvent.kind == "bids.boxes_sealed"))
        sealed = {index: event_data for index, event_data in rows}
    return data, sealed


def test_seals_come_at_a_fixed_rate_and_say_nothing_about_bids(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    lot = str(world.tender.lot_id)
    first = tick(clean_db, clock)
    assert first is not None
    assert (
        box.seal_due(clean_db, now=clock.now() - timedelta(minutes=MINUTES), minutes=MINUTES) is None
    )  # once per tick
    quiet = tick(clean_db, clock)  # nobody bid in between
    submit(clean_db, world, 0, storage, signing_key, clock)
    submit(clean_db, world, 1, storage, signing_key, clock)
    busy = tick(clean_db, clock)  # two bids in between
    events = [public(clean_db, i) for i in (first, quiet, busy)]  # type: ignore[arg-type]
    for event in events:
        assert event.kind == "bids.boxes_sealed" and event.actor == "system" and event.subject == "bids"
        assert set(event.data) == {"slot", "boxes"} and set(event.data["boxes"]) == {lot}
        assert len(event.data["boxes"][lot]) == 64
    # Salted: an unchanged box gives a new value each tick, so a change cannot be told from no change.
    assert len({e.data["boxes"][lot] for e in events}) == 3
    with clean_db.session(write=False) as s:
        # Between the ticks the bids added nothing public.
        kinds = list(s.scalars(select(LedgerEvent.kind).where(LedgerEvent.index > first).order_by(LedgerEvent.index)))
        assert kinds == ["bids.boxes_sealed", "bids.boxes_sealed"]


def test_the_deadline_opens_the_box_and_anyone_can_check_it(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    lot_id = world.tender.lot_id
    tick(clean_db, clock)
    replaced = submit(clean_db, world, 0, storage, signing_key, clock)
    tick(clean_db, clock)
    kept = submit(clean_db, world, 0, storage, signing_key, clock)  # replaces the first
    other = submit(clean_db, world, 1, storage, signing_key, clock)
    with clean_db.transaction() as s:
        service.withdraw_bid(s, actor=world.bidders[1], bid_id=other.id, now=clock.now())
    tick(clean_db, clock)
    third = submit(clean_db, world, 2, storage, signing_key, clock)

    # Nothing is public before the deadline; the deadline step commits the box through the outbox.
    with clean_db.transaction() as s:
        assert box.commit_box(s, lot_id=lot_id, now=DEADLINE - timedelta(milliseconds=1)) is None
    assert run_due(clean_db, now=DEADLINE).done == 1
    data, sealed = commitment_and_seals(clean_db, lot_id)
    assert box.verify_commitment(data, sealed) == []
    assert [(e["kind"], e["receipt_id"]) for e in data["entries"]] == [
        ("received", replaced.id),
        ("received", kept.id),
        ("received", other.id),
        ("withdrawn", other.id),
        ("received", third.id),
    ]
    assert data["entries"][1]["replaces"] == [replaced.id]
    assert [s["seq"] for s in data["seals"]] == [0, 1, 4]
    # Every bidder finds its receipt's chain value, and each bid now points at the public commitment.
    chains = {e["chain"] for e in data["entries"]}
    with clean_db.session(write=False) as s:
        bids = list(s.scalars(select(Bid)))
        commitment = s.get(BidBoxCommitment, lot_id)
        assert commitment is not None and commitment.entries == 5
    for bid in bids:
        assert Receipt.from_json(bid.receipt).box_chain in chains
        assert bid.ledger_index == commitment.ledger_index
    with clean_db.transaction() as s:  # idempotent
        again = box.commit_box(s, lot_id=lot_id, now=DEADLINE + timedelta(days=1))
        assert again is not None and again.ledger_index == commitment.ledger_index
    with clean_db.session(write=False) as s:
        assert (
            s.scalar(select(func.count()).select_from(LedgerEvent).where(LedgerEvent.kind == "lot.bids_committed")) == 1
        )


def test_a_changed_or_backdated_box_fails_the_check(
    clean_db: Database, world: BidWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    tick(clean_db, clock)
    submit(clean_db, world, 0, storage, signing_key, clock)
    tick(clean_db, clock)
    submit(clean_db, world, 1, storage, signing_key, clock)
    tick(clean_db, clock)
    assert run_due(clean_db, now=DEADLINE).done == 1
    data, sealed = commitment_and_seals(clean_db, world.tender.lot_id)
    assert box.verify_commitment(data, sealed) == []

    dropped = copy.deepcopy(data)  # a bid left out
    del dropped["entries"][0]
    assert box.verify_commitment(dropped, sealed)
    edited = copy.deepcopy(data)  # another ciphertext put in place of a receipted one
    edited["entries"][1]["ciphertext_hash"] = "00" * 32
    assert box.verify_commitment(edited, sealed)
    resalted = copy.deepcopy(data)  # a seal that does not match the public event
    resalted["seals"][1]["salt"] = "11" * 16
    assert box.verify_commitment(resalted, sealed)
    # A bid slipped in later, dated before a seal that did not contain it, even with the chain rebuilt.
    forged = copy.deepcopy(data)
    late = {**forged["entries"][1], "seq": 3, "receipt_id": "late", "at": forged["seals"][0]["slot"]}
    late["chain"] = box.next_chain(forged["entries"][1]["chain"], box.entry_document(late))
    forged["entries"].append(late)
    forged["head"] = late["chain"]
    problems = box.verify_commitment(forged, sealed)
    assert any("dated before it but was not sealed" in p for p in problems), problems


def test_a_lot_with_no_bids_is_sealed_and_committed_empty(
    clean_db: Database, world: BidWorld, clock: FrozenClock
) -> None:
    tick(clean_db, clock)
    assert run_due(clean_db, now=DEADLINE).done == 1
    data, sealed = commitment_and_seals(clean_db, world.tender.lot_id)
    assert data["entries"] == [] and data["head"] == box.GENESIS and box.verify_commitment(data, sealed) == []
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(BidBoxEntry)) == 0
    # After the deadline no lot accepts bids: no more seals.
    assert box.seal_due(clean_db, now=DEADLINE + timedelta(minutes=10), minutes=MINUTES) is None
