"""Recording completed uploads as bids (《电子招标投标办法》第二十七条: the receipt at once), one or a batch of
one lot's at a time.

A lot's completions are serial: each appends to the lot's box, a hash chain, under the lot's row lock. With
200 bidders finishing together (issue 4 bench) they queued on that lock one transaction each, and on
PostgreSQL each paid its own WAL flush and its own lock hand-off while the disk sat idle. A batch pays these
once: its uploads are locked in one statement, the lot once, the bidders' live bids and sanctions read in one
statement each, and the writes go out as multi-row statements; every completion still gets its own box
entry, chain value and signed receipt, exactly as if they had come one after another in the batch's order.

Each completion is checked before anything is written, in the order a lone one always was: upload (its own,
open, complete), lot accepting, no objection's hold, no sanction, then under the lot's lock the lot again and
the opening key. A refused completion is left out, with its refusal, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.bids import box
from ggzy.bids.models import Bid, BidUpload
from ggzy.bids.service import StagedFile, ensure_accepting_at, ensure_not_paused, lot_state, owned_upload
from ggzy.core.db import for_update
from ggzy.core.errors import AppError, Conflict
from ggzy.core.security import Principal
from ggzy.credit.service import barred_among, barred_refusal, local_day
from ggzy.ledger.signing import SigningKey
from ggzy.vault.envelope import EnvelopeInfo
from ggzy.vault.errors import key_mismatch
from ggzy.vault.receipts import issue_receipt


@dataclass(frozen=True)
class Completion:
    """One bidder's request to complete an upload: its inspected envelope, already staged under the bid's
    final name, and the request's time and address."""

    actor: Principal
    staged: StagedFile
    info: EnvelopeInfo
    ip: str
    now: datetime


def complete_upload(
    session: Session,
    *,
    actor: Principal,
    staged: StagedFile,
    info: EnvelopeInfo,
    signing_key: SigningKey,
    ip: str,
    now: datetime,
) -> Bid:
    """Record one inspected, staged envelope as the bidder's live bid, or raise its refusal."""
    (result,) = complete_uploads(
        session, completions=[Completion(actor, staged, info, ip, now)], signing_key=signing_key
    )
    if isinstance(result, AppError):
        raise result
    return result


def complete_uploads(
    session: Session, *, completions: Sequence[Completion], signing_key: SigningKey
) -> list[Bid | AppError]:
    """Record a batch of one lot's completions, each the bid or the refusal at its index. At most one
    completion per bidder entity (a bidder's second one replaces the first: batch it after). Touches no
    file: once committed, the caller removes each recorded upload's partial name and each refused one's
    staged name.

    Statements, whatever the batch's size (PostgreSQL): the uploads (locked, in id order, before the lot, as
    every path locking both does), the lot, the hold, the sanctions; under the lot's lock, the lot again,
    the live bids, the box head; then the updates, the entries and the bids as multi-row writes."""
    entities = [c.actor.entity_id for c in completions]
    if len(set(entities)) != len(entities):
        raise ValueError("a batch holds at most one completion per bidder entity")
    results: dict[int, Bid | AppError] = {}
    stmt = select(BidUpload).where(BidUpload.id.in_(sorted({c.staged.upload_id for c in completions})))
    if for_update(session):
        stmt = stmt.order_by(BidUpload.id).with_for_update()
    found = {u.id: u for u in session.scalars(stmt)}
    uploads: dict[int, BidUpload] = {}
    for i, c in enumerate(completions):
        try:
            upload = owned_upload(found.get(c.staged.upload_id), c.actor)
            if upload.status != "open" or upload.received != upload.declared_size:
                raise Conflict("该上传已结束或尚未传完", code="BID_UPLOAD_CLOSED", field="upload_id")
        except AppError as refused:
            results[i] = refused
        else:
            uploads[i] = upload
    lot_ids = {u.lot_id for u in uploads.values()}
    if len(lot_ids) > 1:
        raise ValueError("a batch completes uploads of one lot")
    if uploads:
        (lot_id,) = lot_ids
        _check_before_lock(session, lot_id=lot_id, completions=completions, uploads=uploads, results=results)
    if uploads:
        key_id = _check_under_lock(session, lot_id=lot_id, completions=completions, uploads=uploads, results=results)
    if uploads:
        _record(
            session,
            lot_id=lot_id,
            key_id=key_id,
            completions=completions,
            uploads=uploads,
            results=results,
            key=signing_key,
        )
    return [results[i] for i in range(len(completions))]


def _refuse(uploads: dict[int, BidUpload], results: dict[int, Bid | AppError], i: int, refused: AppError) -> None:
    """Leave completion ``i`` out of the batch with its refusal."""
    results[i] = refused
    del uploads[i]


def _check_before_lock(
    session: Session,
    *,
    lot_id: int,
    completions: Sequence[Completion],
    uploads: dict[int, BidUpload],
    results: dict[int, Bid | AppError],
) -> None:
    """What the lot's lock does not guard, checked before taking it: neither an objection's hold nor a
    sanction takes the lot's lock, so checking them before it or after is the same race. The deadline is
    checked here first and again under the lock."""
    state = lot_state(session, lot_id)
    for i in list(uploads):
        try:
            ensure_accepting_at(stage=state.stage, deadline=state.bid_deadline, now=completions[i].now)
        except AppError as refused:
            _refuse(uploads, results, i, refused)
    if not uploads:
        return
    try:
        ensure_not_paused(session, lot_id=lot_id)
    except AppError as refused:
        for i in list(uploads):
            _refuse(uploads, results, i, refused)
        return
    # credit: a sanction that came into force during the upload also refuses the submission.
    for day in sorted({local_day(completions[i].now) for i in uploads}):
        on_day = [i for i in uploads if local_day(completions[i].now) == day]
        barred = barred_among(
            session, entity_ids=[uploads[i].bidder_entity_id for i in on_day], trade=state.trade, on=day
        )
        for i in on_day:
            sanction = barred.get(uploads[i].bidder_entity_id)
            if sanction is not None:
                _refuse(uploads, results, i, barred_refusal(session, sanction, trade=state.trade))


def _check_under_lock(
    session: Session,
    *,
    lot_id: int,
    completions: Sequence[Completion],
    uploads: dict[int, BidUpload],
    results: dict[int, Bid | AppError],
) -> str:
    """Take the lot's lock (its stage, deadline and key may have changed meanwhile) and check them again."""
    state = lot_state(session, lot_id, lock=True)
    for i in list(uploads):
        try:
            ensure_accepting_at(stage=state.stage, deadline=state.bid_deadline, now=completions[i].now)
            key_id: str | None = state.key_id
            recipient = completions[i].info.header.recipient(key_id) if key_id is not None else None
            if key_id is None or recipient is None or recipient.role != "opening":
                raise key_mismatch("投标文件未以本标段登记的开标公钥加密，开标时将无法解密")
        except AppError as refused:
            _refuse(uploads, results, i, refused)
    return state.key_id or ""  # empty only when every completion was refused: nothing is recorded


def _record(
    session: Session,
    *,
    lot_id: int,
    key_id: str,
    completions: Sequence[Completion],
    uploads: dict[int, BidUpload],
    results: dict[int, Bid | AppError],
    key: SigningKey,
) -> None:
    by_entity = {u.bidder_entity_id: i for i, u in uploads.items()}
    previous: dict[int, list[Bid]] = {i: [] for i in uploads}
    for old in session.scalars(
        select(Bid).where(Bid.lot_id == lot_id, Bid.bidder_entity_id.in_(list(by_entity)), Bid.status == "submitted")
    ):
        previous[by_entity[old.bidder_entity_id]].append(old)
    order = sorted(uploads, key=lambda i: completions[i].now)  # the box's entries in time order
    for i in order:
        uploads[i].status = "completed"
        uploads[i].updated_at = completions[i].now
        for old in previous[i]:
            old.status = "replaced"
            old.ended_at = completions[i].now
    session.flush()  # frees each bidder's one-live-bid slot before the new rows
    seq, chain = box.head(session, lot_id)
    entries, bids = [], []
    for i in order:
        c, upload = completions[i], uploads[i]
        seq += 1
        # No public ledger event per bid: its count would be the lot's bid count (see bids.box).
        entry = box.new_entry(
            lot_id=lot_id,
            seq=seq,
            previous=chain,
            kind="received",
            receipt_id=c.staged.bid_id,
            ciphertext_hash=c.info.ciphertext_hash,
            at=c.now,
            replaces=[old.id for old in previous[i]],
        )
        chain = entry.chain
        receipt = issue_receipt(
            key,
            lot_id=str(lot_id),
            bidder_id=str(upload.bidder_entity_id),
            receipt_id=c.staged.bid_id,
            ciphertext_hash=c.info.ciphertext_hash,
            size=c.info.size,
            received_at=entry.at,
            box_chain=entry.chain,
        )
        bid = Bid(
            id=c.staged.bid_id,
            lot_id=lot_id,
            bidder_entity_id=upload.bidder_entity_id,
            upload_id=upload.id,
            submitted_by=c.actor.user_id,
            status="submitted",
            ciphertext_hash=c.info.ciphertext_hash,
            size=c.info.size,
            path=c.staged.relpath,
            opening_key_id=key_id,
            fingerprint=c.info.header.metadata.get("fingerprint", "")[:256],
            tool=c.info.header.metadata.get("tool", "")[:256],
            submitted_at=c.now,
            submitted_ip=c.ip[:64],
            ledger_index=-1,  # the lot's public commitment, once the deadline passed (bids.box)
            receipt=receipt.to_json(),
        )
        entries.append(entry)
        bids.append(bid)
        results[i] = bid
    session.add_all(entries)
    session.add_all(bids)
    session.flush()
