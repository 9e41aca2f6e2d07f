"""A lot's sealed bid box: how submissions and withdrawals are time-stamped in public without telling anyone,
before the deadline, how many there are (法22, 20号令 art.27-28: nobody may learn who has bid or how many).

- Each submission or withdrawal is an entry of the lot's own hash chain (``chain = SHA-256(previous chain ||
  canonical entry)``), kept private. The bidder's signed receipt carries the chain value after its entry, so
  the platform is bound to that entry and to everything before it.
- At fixed ticks (every ``bid_box_seal_minutes``, aligned to the clock) one public ledger event
  ``bids.boxes_sealed`` lists, for every lot accepting bids, ``SHA-256(salt || {lot_id, seq, head})`` with a
  fresh salt. The event appears whether or not anyone bid, and a salted value says nothing about whether the
  head moved. A bid cannot be slipped in later with an earlier time: the sealed heads would not match.
- Once the deadline passed, ``lot.bids_committed`` publishes the entries (receipt ids and ciphertext hashes,
  no bidder) and every seal's salt, so anyone can recompute the chain and each sealed commitment
  (:func:`verify_commitment`); a bidder finds its receipt's chain value among them.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from ggzy.bids.models import Bid, BidBoxCommitment, BidBoxEntry, BidBoxSeal
from ggzy.core.db import Database, for_update
from ggzy.core.events import subscribe
from ggzy.ledger.merkle import canonical_json
from ggzy.ledger.models import LedgerEvent
from ggzy.ledger.service import format_instant, record, to_millisecond
from ggzy.projects.models import Lot

GENESIS = "0" * 64
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_ENTRY_FIELDS = ("at", "ciphertext_hash", "kind", "receipt_id", "replaces", "seq")


def entry_document(entry: BidBoxEntry | Mapping[str, Any]) -> dict[str, Any]:
    """The canonical form an entry is chained by: from a row, or from a published entry (dates as strings)."""
    fields = entry if isinstance(entry, Mapping) else {n: getattr(entry, n) for n in _ENTRY_FIELDS}
    at = fields["at"]
    return {
        "at": at if isinstance(at, str) else format_instant(at),
        "ciphertext_hash": fields["ciphertext_hash"],
        "kind": fields["kind"],
        "receipt_id": fields["receipt_id"],
        "replaces": list(fields["replaces"] or []),
        "seq": int(fields["seq"]),
    }


def next_chain(previous: str, document: dict[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + canonical_json(document)).hexdigest()


def seal_commitment(*, salt: str, lot_id: int, seq: int, head: str) -> str:
    return hashlib.sha256(
        bytes.fromhex(salt) + canonical_json({"head": head, "lot_id": lot_id, "seq": seq})
    ).hexdigest()


def head(session: Session, lot_id: int) -> tuple[int, str]:
    """The lot's last entry's seq and chain value (0 and the genesis value for an empty box)."""
    last = session.scalars(
        select(BidBoxEntry).where(BidBoxEntry.lot_id == lot_id).order_by(BidBoxEntry.seq.desc()).limit(1)
    ).one_or_none()
    return (last.seq, last.chain) if last is not None else (0, GENESIS)


def new_entry(
    *,
    lot_id: int,
    seq: int,
    previous: str,
    kind: str,
    receipt_id: str,
    ciphertext_hash: str,
    at: datetime,
    replaces: list[str] | None = None,
) -> BidBoxEntry:
    """The entry following the chain value ``previous`` at ``seq`` (not yet added to a session)."""
    entry = BidBoxEntry(
        lot_id=lot_id,
        seq=seq,
        kind=kind,
        receipt_id=receipt_id,
        ciphertext_hash=ciphertext_hash,
        replaces=list(replaces or []),
        at=to_millisecond(at),
        chain="",
    )
    entry.chain = next_chain(previous, entry_document(entry))
    return entry


def append_entry(
    session: Session,
    *,
    lot_id: int,
    kind: str,
    receipt_id: str,
    ciphertext_hash: str,
    at: datetime,
    replaces: list[str] | None = None,
) -> BidBoxEntry:
    """Chain one submission or withdrawal into the lot's box. The caller holds the lot's row lock, so the
    lot's entries are appended one at a time."""
    seq, chain = head(session, lot_id)
    entry = new_entry(
        lot_id=lot_id,
        seq=seq + 1,
        previous=chain,
        kind=kind,
        receipt_id=receipt_id,
        ciphertext_hash=ciphertext_hash,
        at=at,
        replaces=replaces,
    )
    session.add(entry)
    session.flush()
    return entry


def slot_of(now: datetime, minutes: int) -> datetime:
    """The start of the tick ``now`` falls in: ticks are aligned to the clock, so their rate is fixed."""
    step = timedelta(minutes=minutes)
    return _EPOCH + ((now - _EPOCH) // step) * step


def _sealed(session: Session, slot: datetime) -> bool:
    return bool(session.scalar(select(func.count()).select_from(BidBoxSeal).where(BidBoxSeal.slot == slot)))


def _accepting(now: datetime) -> Select[Lot]:
    return select(Lot).where(Lot.stage == "published", Lot.bid_deadline.is_not(None), Lot.bid_deadline > now)


def seal_boxes(session: Session, *, now: datetime, minutes: int) -> LedgerEvent | None:
    """One public event for this tick, committing to the head of every box accepting bids. Idempotent per
    tick; nothing when no lot accepts bids (which lots do is public already)."""
    slot = slot_of(now, minutes)
    if _sealed(session, slot):
        return None
    lots = list(session.scalars(_accepting(now).order_by(Lot.id)))
    if not lots:
        return None
    seals = []
    for lot in lots:
        seq, head_chain = head(session, lot.id)
        salt = secrets.token_hex(16)
        seals.append(
            BidBoxSeal(
                lot_id=lot.id,
                slot=slot,
                seq=seq,
                head=head_chain,
                salt=salt,
                commitment=seal_commitment(salt=salt, lot_id=lot.id, seq=seq, head=head_chain),
                ledger_index=-1,
            )
        )
    session.add_all(seals)
    session.flush()
    event = record(
        session,
        kind="bids.boxes_sealed",
        actor="system",
        subject="bids",
        data={"slot": slot, "boxes": {str(s.lot_id): s.commitment for s in seals}},
        now=now,
    )
    for seal in seals:
        seal.ledger_index = event.index
    return event


def seal_due(db: Database, *, now: datetime, minutes: int) -> int | None:
    """The scheduler's job for this tick, in its own transaction; the ledger index of the seal event, if any.
    The scheduler calls it every pass (each second): a read session first finds whether a seal is due, so the
    passes in between take no write lock (on SQLite, the platform's only one)."""
    with db.session(write=False) as reader:
        if _sealed(reader, slot_of(now, minutes)) or reader.scalar(_accepting(now).limit(1)) is None:
            return None
    with db.transaction() as session:
        event = seal_boxes(session, now=now, minutes=minutes)
        return event.index if event is not None else None


def commit_box(session: Session, *, lot_id: int, now: datetime) -> BidBoxCommitment | None:
    """Once the deadline passed: open the lot's box to the public in one ledger event. Idempotent."""
    lot = session.get(Lot, lot_id, with_for_update=for_update(session))
    if lot is None or lot.bid_deadline is None or now < lot.bid_deadline:
        return None
    existing = session.get(BidBoxCommitment, lot_id)
    if existing is not None:
        return existing
    entries = list(session.scalars(select(BidBoxEntry).where(BidBoxEntry.lot_id == lot_id).order_by(BidBoxEntry.seq)))
    seals = list(session.scalars(select(BidBoxSeal).where(BidBoxSeal.lot_id == lot_id).order_by(BidBoxSeal.slot)))
    head = entries[-1].chain if entries else GENESIS
    event = record(
        session,
        kind="lot.bids_committed",
        actor="system",
        subject=f"lot:{lot_id}",
        data={
            "lot_id": lot_id,
            "cutoff": lot.bid_deadline,
            "head": head,
            "entries": [{**entry_document(e), "chain": e.chain} for e in entries],
            "seals": [
                {"ledger_index": s.ledger_index, "slot": s.slot, "seq": s.seq, "head": s.head, "salt": s.salt}
                for s in seals
            ],
        },
        now=now,
    )
    commitment = BidBoxCommitment(
        lot_id=lot_id, ledger_index=event.index, entries=len(entries), head=head, cutoff=lot.bid_deadline
    )
    session.add(commitment)
    # Each bid of the lot now points at the public record of its box.
    session.execute(update(Bid).where(Bid.lot_id == lot_id).values(ledger_index=event.index))
    return commitment


@subscribe("lot.reach_deadline", "bids.commit_box")
def _on_deadline(session: Session, payload: dict[str, Any]) -> None:
    lot = session.get(Lot, int(payload["lot_id"]))
    if lot is not None and lot.bid_deadline is not None:
        commit_box(session, lot_id=lot.id, now=lot.bid_deadline)


def verify_commitment(data: Mapping[str, Any], sealed: Mapping[int, Mapping[str, Any]]) -> list[str]:
    """Check a ``lot.bids_committed`` event's data against the ``bids.boxes_sealed`` events it names
    (``sealed``: ledger index -> that event's data). Uses public data only; returns the problems found."""
    problems: list[str] = []
    lot_id = int(data["lot_id"])
    chain = GENESIS
    heads = {0: GENESIS}
    for expected_seq, entry in enumerate(data["entries"], start=1):
        if int(entry["seq"]) != expected_seq:
            problems.append(f"entry {expected_seq}: seq {entry['seq']}")
        chain = next_chain(chain, entry_document(entry))
        if chain != entry["chain"]:
            problems.append(f"entry {expected_seq}: chain does not follow")
        heads[expected_seq] = chain
    if chain != data["head"]:
        problems.append("head does not match the entries")
    for seal in data["seals"]:
        seq = int(seal["seq"])
        if heads.get(seq) != seal["head"]:
            problems.append(f"seal at {seal['slot']}: head is not the chain at entry {seq}")
        public = sealed.get(int(seal["ledger_index"]))
        value = (public or {}).get("boxes", {}).get(str(lot_id))
        if value != seal_commitment(salt=seal["salt"], lot_id=lot_id, seq=seq, head=seal["head"]):
            problems.append(f"seal at {seal['slot']}: does not match ledger event {seal['ledger_index']}")
        later = [e for e in data["entries"] if int(e["seq"]) > seq and str(e["at"]) < str(seal["slot"])]
        if later:
            problems.append(f"seal at {seal['slot']}: entry {later[0]['seq']} is dated before it but was not sealed")
    return problems
