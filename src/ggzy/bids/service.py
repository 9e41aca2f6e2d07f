"""Sealed bid submission (《电子招标投标办法》第二十六、二十七条): opening key registration, resumable uploads,
completion with a signed receipt, replacement, withdrawal, and cleaning of stale uploads.

A bid's existence is confidential before the deadline: its ledger events carry only an opaque receipt id in
public; lot, bidder, hash and IP go to the event's private part.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from ggzy.bids import box
from ggzy.bids.models import Bid, BidUpload, LotOpeningKey
from ggzy.bids.storage import BidStorage
from ggzy.core.db import for_update
from ggzy.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from ggzy.core.events import subscribe
from ggzy.core.security import Principal, Role
from ggzy.credit.service import ensure_not_barred
from ggzy.entities.models import Entity
from ggzy.ledger.service import record
from ggzy.procedures import holds
from ggzy.projects.models import Lot, Project
from ggzy.vault.envelope import PREAMBLE_LEN, EnvelopeInfo, inspect_envelope, sniff
from ggzy.vault.errors import key_mismatch
from ggzy.vault.keys import key_id_of_raw

MAX_BID_SIZE = 8 << 30  # 8 GiB per envelope
# A staged bid file no bid records after this long was left by a completion that failed or crashed: no
# completion's transaction lasts near it (the database's lock waits give up after 30 s).
UNRECORDED_GRACE_SECONDS = 3600.0
DEADLINE_RULE = "bid.deadline"
DEADLINE_CITATION = (
    "《电子招标投标办法》第二十七条：投标人应当在投标截止时间前完成投标文件的传输递交……"
    "投标截止时间前未完成投标文件传输的，视为撤回投标文件。投标截止时间后送达的投标文件，电子招标投标交易平台应当拒收。"
)
KEY_STAGES = ("draft", "published")


def new_id() -> str:
    return secrets.token_hex(16)


# ---- lot checks -------------------------------------------------------------------------------------------


def _no_such_lot() -> NotFound:
    return NotFound("标段不存在", code="LOT_NOT_FOUND", field="lot_id")


def _lot(session: Session, lot_id: int, *, lock: bool = False) -> Lot:
    stmt = select(Lot).where(Lot.id == lot_id)
    if lock and for_update(session):
        # populate_existing: a lot this session read before the lock is read again, as the lock saw it
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    lot = session.scalars(stmt).one_or_none()
    if lot is None:
        raise _no_such_lot()
    return lot


def ensure_accepting(lot: Lot, *, now: datetime) -> None:
    """Bids only while the lot is published and strictly before its deadline (to the millisecond)."""
    ensure_accepting_at(stage=lot.stage, deadline=lot.bid_deadline, now=now)


def ensure_accepting_at(*, stage: str, deadline: datetime | None, now: datetime) -> None:
    if deadline is not None and now >= deadline:
        raise RuleRefused(
            "已过投标截止时间，平台拒收投标文件；截止前未完成传输的视为撤回。依据《电子招标投标办法》第二十七条。",
            code="BID_DEADLINE_PASSED",
            field="bid_deadline",
            rule=DEADLINE_RULE,
            citation=DEADLINE_CITATION,
        )
    if stage != "published" or deadline is None:
        raise Conflict("该标段当前不接受投标（招标公告未发布或已结束）", code="LOT_NOT_ACCEPTING_BIDS", field="lot_id")


def ensure_not_paused(session: Session, *, lot_id: int) -> None:
    """No new or replacing bid while an objection holds the lot (条例22: 暂停招标投标活动): the answer may change
    the documents the bid is made on. Withdrawing stays possible; an upload under way resumes after the release."""
    holds.check_not_held(session, lot_id=lot_id, action="submit_bid", doing="递交或替换投标文件（可以撤回）")


def _bidder_staff_entity(actor: Principal) -> int:
    if not actor.has(Role.bidder_staff) or actor.entity_id is None:
        raise Forbidden("仅限投标人人员递交投标文件", code="ROLE_REQUIRED")
    return actor.entity_id


def opening_key_of(session: Session, lot_id: int) -> LotOpeningKey | None:
    return session.scalars(select(LotOpeningKey).where(LotOpeningKey.lot_id == lot_id)).one_or_none()


# ---- opening key ------------------------------------------------------------------------------------------


def register_opening_key(
    session: Session,
    *,
    actor: Principal,
    lot_id: int,
    public_key: str,
    k: int,
    n: int,
    custodians: list[str],
    commitments_digest: str,
    now: datetime,
) -> LotOpeningKey:
    """Record the lot's opening PUBLIC key from the custodians' ceremony; the platform never sees the private key."""
    if not actor.has(Role.center_staff):
        raise Forbidden("仅限交易中心工作人员登记开标公钥", code="ROLE_REQUIRED")
    lot = _lot(session, lot_id, lock=True)
    if lot.stage not in KEY_STAGES:
        raise Conflict("标段已进入开标或后续阶段，不能再登记开标公钥", code="OPENING_KEY_LOCKED", field="lot_id")
    try:
        raw = bytes.fromhex(public_key)
    except ValueError:
        raw = b""
    if len(raw) != 32 or public_key != raw.hex():
        raise InvalidInput(
            "public_key 应为 64 位小写十六进制的 X25519 公钥", code="OPENING_KEY_INVALID", field="public_key"
        )
    if not 1 <= k <= n <= 255:
        raise InvalidInput("门限应满足 1 ≤ k ≤ n ≤ 255", code="OPENING_KEY_THRESHOLD_INVALID", field="k")
    names = [c.strip() for c in custodians]
    if len(names) != n or not all(0 < len(c) <= 100 for c in names) or len(set(names)) != n:
        raise InvalidInput(
            f"custodians 应为 {n} 个互不相同的保管人名称", code="OPENING_KEY_CUSTODIANS_INVALID", field="custodians"
        )
    if len(commitments_digest) != 64 or any(c not in "0123456789abcdef" for c in commitments_digest):
        raise InvalidInput(
            "commitments_digest 应为 64 位小写十六进制", code="OPENING_KEY_DIGEST_INVALID", field="commitments_digest"
        )
    if session.scalar(select(Bid.id).where(Bid.lot_id == lot_id).limit(1)) is not None:
        raise Conflict("该标段已有投标文件，不能更换开标公钥", code="OPENING_KEY_LOCKED", field="lot_id")
    row = opening_key_of(session, lot_id)
    replaced = row.key_id if row is not None else None
    if row is None:
        row = LotOpeningKey(lot_id=lot_id)
        session.add(row)
    row.key_id = key_id_of_raw(raw)
    row.public_key = public_key
    row.k, row.n, row.custodians = k, n, names
    row.commitments_digest = commitments_digest
    row.registered_by = actor.user_id
    row.registered_at = now
    session.flush()
    record(
        session,
        kind="lot.opening_key_registered",
        actor=f"user:{actor.user_id}",
        subject=f"lot:{lot_id}",
        data={
            "key_id": row.key_id,
            "public_key": public_key,
            "k": k,
            "n": n,
            "custodians": names,
            "commitments_digest": commitments_digest,
            "replaces_key_id": replaced,
        },
        now=now,
    )
    return row


# ---- uploads ----------------------------------------------------------------------------------------------


def start_upload(session: Session, *, actor: Principal, lot_id: int, declared_size: int, now: datetime) -> BidUpload:
    entity_id = check_upload_start(session, actor=actor, lot_id=lot_id, declared_size=declared_size, now=now)
    return open_upload(session, actor=actor, lot_id=lot_id, entity_id=entity_id, declared_size=declared_size, now=now)


def check_upload_start(session: Session, *, actor: Principal, lot_id: int, declared_size: int, now: datetime) -> int:
    """Refuse an upload before any byte; returns the bidder's entity. Reads only, so it may run before (and
    outside) the write transaction of :func:`open_upload`: what can change meanwhile (an objection's hold, a
    sanction, the deadline) is checked again, under the lot's lock, by :func:`ggzy.bids.completion.complete_uploads`."""
    entity_id = _bidder_staff_entity(actor)
    state = session.execute(_START_STATE, {"entity_id": entity_id, "lot_id": lot_id}).one_or_none()
    if state is None or state.entity_kind != "bidder":
        raise Forbidden("所属主体不是投标人，不能递交投标文件", code="BIDDER_ENTITY_REQUIRED", field="entity_id")
    if state.stage is None:
        raise _no_such_lot()
    ensure_accepting_at(stage=state.stage, deadline=state.bid_deadline, now=now)
    ensure_not_paused(session, lot_id=lot_id)
    # credit: a sanction in force bars the entity from bidding (法53/54, 采购法77); refused before any byte.
    ensure_not_barred(session, entity_id=entity_id, trade=state.trade, now=now)
    if state.key_id is None:
        raise Conflict("该标段尚未登记开标公钥，暂不能递交投标文件", code="OPENING_KEY_MISSING", field="lot_id")
    if not PREAMBLE_LEN < declared_size <= MAX_BID_SIZE:
        raise InvalidInput(
            f"declared_size 应在 {PREAMBLE_LEN + 1} 至 {MAX_BID_SIZE} 字节之间",
            code="BID_SIZE_INVALID",
            field="declared_size",
        )
    return entity_id


def open_upload(
    session: Session, *, actor: Principal, lot_id: int, entity_id: int, declared_size: int, now: datetime
) -> BidUpload:
    """The upload row, for a start :func:`check_upload_start` admitted."""
    upload = BidUpload(
        id=new_id(),
        lot_id=lot_id,
        bidder_entity_id=entity_id,
        user_id=actor.user_id,
        declared_size=declared_size,
        received=0,
        status="open",
        created_at=now,
        updated_at=now,
    )
    session.add(upload)
    session.flush()
    return upload


def own_upload(session: Session, *, actor: Principal, upload_id: str, lock: bool = False) -> BidUpload:
    """The actor's entity's upload; any other (or unknown) id is the same 404."""
    stmt = select(BidUpload).where(BidUpload.id == upload_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    return owned_upload(session.scalars(stmt).one_or_none(), actor)


class _UploadOwned(Protocol):
    @property
    def bidder_entity_id(self) -> int: ...


_Found = TypeVar("_Found", bound=_UploadOwned)


def owned_upload(found: _Found | None, actor: Principal) -> _Found:
    """An upload (row or object) of the actor's entity; another entity's, or none, is the same 404."""
    if found is None or actor.entity_id is None or found.bidder_entity_id != actor.entity_id:
        raise NotFound("上传不存在", code="BID_UPLOAD_NOT_FOUND", field="upload_id")
    return found


def _ensure_writable(status: str) -> None:
    if status != "open":
        raise Conflict("该上传已结束，不能继续写入", code="BID_UPLOAD_CLOSED", field="upload_id")


def file_agrees(received: int, size: int | None) -> bool:
    """Whether the partial file (``size``, None when absent) holds the ``received`` bytes the row counts:
    then :func:`reconcile_upload` changes nothing. No file before the first chunk agrees too (the chunk
    creates it)."""
    return size == received or (size is None and received == 0)


def reconcile_upload(session: Session, *, upload: BidUpload, storage: BidStorage, now: datetime) -> int:
    """Make the row and the file agree after a crash: bytes beyond the acknowledged offset were never
    confirmed to the client and are cut (unless a chunk is being written right now); a file shorter than the
    row (lost) moves the offset back."""
    if upload.status != "open":
        return upload.received
    size = storage.partial_size(upload.id)
    if file_agrees(upload.received, size):
        return upload.received
    if size is None:
        upload.status = "discarded"
        upload.updated_at = now
        return upload.received
    if size > upload.received:
        storage.truncate_partial(upload.id, upload.received)
    elif size < upload.received:
        upload.received = size
        upload.updated_at = now
    return upload.received


@dataclass(frozen=True)
class UploadProgress:
    """An upload's counters as a chunk leaves them, read or written without loading an ORM object."""

    id: str
    lot_id: int
    declared_size: int
    received: int
    status: str


_uploads = cast(Table, BidUpload.__table__)
_lots = cast(Table, Lot.__table__)
# Built once: a chunk request runs these, 600 times in the last minute of a 200-bidder lot (issue 4 bench).
_CHUNK_STATE = (
    select(
        _uploads.c.bidder_entity_id,
        _uploads.c.lot_id,
        _uploads.c.declared_size,
        _uploads.c.received,
        _uploads.c.status,
        _lots.c.stage,
        _lots.c.bid_deadline,
    )
    .join(_lots, _lots.c.id == _uploads.c.lot_id)
    .where(_uploads.c.id == bindparam("upload_id"))
)
_COUNT_CHUNK = (
    update(_uploads)
    .where(
        _uploads.c.id == bindparam("upload_id"),
        _uploads.c.bidder_entity_id == bindparam("entity_id"),
        _uploads.c.status == "open",
        _uploads.c.received == bindparam("start"),
    )
    .values(received=bindparam("end"), updated_at=bindparam("now"))
    .returning(_uploads.c.lot_id, _uploads.c.declared_size)
)
_entities = cast(Table, Entity.__table__)
_projects = cast(Table, Project.__table__)
_keys = cast(Table, LotOpeningKey.__table__)
# A lot as bidding sees it: stage, deadline, trade (for sanctions) and opening key, in one statement where the
# ORM took four (the entity, the lot, its project, its key): 2.8 of the 4.4 ms of CPU a start's checks took, one
# bidder at a time; a completion read three of them twice (tests/bench/bench_bid_requests.py).
_LOT_STATE_COLUMNS = (_lots.c.stage, _lots.c.bid_deadline, _projects.c.trade, _keys.c.key_id)
_LOT_STATE = (
    select(*_LOT_STATE_COLUMNS)
    .join(_projects, _projects.c.id == _lots.c.project_id)
    .outerjoin(_keys, _keys.c.lot_id == _lots.c.id)
    .where(_lots.c.id == bindparam("lot_id"))
)
# The same for an upload's start, from the actor's entity: a missing lot leaves its columns empty, so that a
# non-bidder is refused as such whatever lot it names, as before.
_START_STATE = (
    select(_entities.c.kind.label("entity_kind"), *_LOT_STATE_COLUMNS)
    .select_from(_entities)
    .outerjoin(_lots, _lots.c.id == bindparam("lot_id"))
    .outerjoin(_projects, _projects.c.id == _lots.c.project_id)
    .outerjoin(_keys, _keys.c.lot_id == _lots.c.id)
    .where(_entities.c.id == bindparam("entity_id"))
)


def lot_state(session: Session, lot_id: int, *, lock: bool = False) -> Any:
    """The lot's row of :data:`_LOT_STATE`, under the lot's row lock when ``lock`` (PostgreSQL; SQLite's
    transaction already holds the database's write lock)."""
    stmt = _LOT_STATE.with_for_update(of=_lots) if lock and for_update(session) else _LOT_STATE
    row = session.execute(stmt, {"lot_id": lot_id}).one_or_none()
    if row is None:
        raise _no_such_lot()
    return row


def check_chunk_unchanged(
    session: Session,
    *,
    actor: Principal,
    upload_id: str,
    start: int,
    length: int,
    storage: BidStorage,
    now: datetime,
    total: int | None = None,
) -> bool:
    """:func:`check_chunk` for the usual chunk, in one query and without writing: True when the chunk is
    accepted, False when the file and the row disagree after a crash and :func:`check_chunk` must reconcile
    them in a write transaction. Refuses exactly what check_chunk refuses."""
    row = owned_upload(session.execute(_CHUNK_STATE, {"upload_id": upload_id}).one_or_none(), actor)
    _ensure_writable(row.status)
    ensure_accepting_at(stage=row.stage, deadline=row.bid_deadline, now=now)
    if not file_agrees(row.received, storage.partial_size(upload_id)):
        return False
    _check_range(received=row.received, declared_size=row.declared_size, start=start, length=length, total=total)
    return True


def check_chunk(
    session: Session,
    *,
    actor: Principal,
    upload_id: str,
    start: int,
    length: int,
    storage: BidStorage,
    now: datetime,
    total: int | None = None,
) -> BidUpload:
    """Refuse a chunk before reading it: wrong offset (409 with the expected one), too long, too late; after
    a crash, first make the file and the row agree (a write: run it in a write transaction)."""
    upload = own_upload(session, actor=actor, upload_id=upload_id, lock=True)
    _ensure_writable(upload.status)
    ensure_accepting(_lot(session, upload.lot_id), now=now)
    expected = reconcile_upload(session, upload=upload, storage=storage, now=now)
    if upload.status != "open":
        raise Conflict("上传文件已不存在，请重新开始上传", code="BID_UPLOAD_GONE", field="upload_id")
    _check_range(received=expected, declared_size=upload.declared_size, start=start, length=length, total=total)
    return upload


def _check_range(*, received: int, declared_size: int, start: int, length: int, total: int | None) -> None:
    if start != received:
        raise Conflict(
            f"分块偏移量应为 {received}，收到 {start}；请从 {received} 续传",
            code="BID_UPLOAD_OFFSET_MISMATCH",
            field="content_range",
            details=[{"expected_offset": received}],
        )
    if total is not None and total != declared_size:
        raise InvalidInput(
            f"Content-Range 的总大小 {total} 与声明的 {declared_size} 字节不符",
            code="BID_UPLOAD_RANGE_INVALID",
            field="content_range",
        )
    if length <= 0 or start + length > declared_size:
        raise InvalidInput(
            f"分块超出声明的文件大小 {declared_size} 字节", code="BID_UPLOAD_TOO_LONG", field="content_range"
        )


def record_chunk(
    session: Session, *, actor: Principal, upload_id: str, start: int, end: int, now: datetime
) -> UploadProgress:
    """Count fsynced bytes; only the writer that held the file lock from ``start`` gets here. One
    compare-and-set statement: on PostgreSQL one round trip instead of a locking read and an update."""
    row = session.execute(
        _COUNT_CHUNK, {"upload_id": upload_id, "entity_id": actor.entity_id, "start": start, "end": end, "now": now}
    ).one_or_none()
    if row is None:
        own_upload(session, actor=actor, upload_id=upload_id)  # someone else's, or no such upload: 404
        raise Conflict(
            "上传状态已变化，请查询当前偏移量后续传", code="BID_UPLOAD_OFFSET_MISMATCH", field="content_range"
        )
    loaded = session.identity_map.get(session.identity_key(BidUpload, upload_id))
    if loaded is not None:  # the statement bypassed the ORM: a row this session holds must be read again
        session.expire(loaded, ["received", "updated_at"])
    return UploadProgress(upload_id, row.lot_id, row.declared_size, end, "open")


# ---- completion -------------------------------------------------------------------------------------------


def inspect_upload(session: Session, *, actor: Principal, upload_id: str, storage: BidStorage) -> EnvelopeInfo:
    """Check the whole envelope without any key (no write, no lock: run it before the write transaction)."""
    upload = own_upload(session, actor=actor, upload_id=upload_id)
    if upload.status != "open":
        raise Conflict("该上传已结束", code="BID_UPLOAD_CLOSED", field="upload_id")
    if upload.received != upload.declared_size:
        raise Conflict(
            f"文件尚未传完：已收到 {upload.received} / {upload.declared_size} 字节",
            code="BID_UPLOAD_INCOMPLETE",
            field="upload_id",
            details=[{"expected_offset": upload.received}],
        )
    with open(storage.partial_path(upload.id), "rb") as fh:
        sniff(fh.read(PREAMBLE_LEN))
        fh.seek(0)
        info = inspect_envelope(fh)
    return check_envelope_owner(info, upload)


def check_envelope_owner(info: EnvelopeInfo, upload: BidUpload) -> EnvelopeInfo:
    """The inspected envelope is as large as declared and sealed for this upload's lot and bidder."""
    if info.size != upload.declared_size:
        raise Conflict("文件大小与声明不符", code="BID_UPLOAD_INCOMPLETE", field="upload_id")
    if info.header.lot_id != str(upload.lot_id):
        raise key_mismatch(f"文件属于标段 {info.header.lot_id}，不是 {upload.lot_id}")
    if info.header.bidder_id != str(upload.bidder_entity_id):
        raise key_mismatch(f"文件属于投标人 {info.header.bidder_id}，不是 {upload.bidder_entity_id}")
    return info


@dataclass(frozen=True)
class StagedFile:
    """A complete envelope under its bid's final name, ready for the transaction that records the bid."""

    upload_id: str
    bid_id: str
    relpath: str


def stage_bid_file(session: Session, *, actor: Principal, upload_id: str, storage: BidStorage) -> StagedFile:
    """Give a complete upload's file the final name of the bid it is about to become (a second, durable
    name: see :meth:`BidStorage.link_final`). Run it before the write transaction: its directory fsync is
    a disk wait, and inside the transaction it was spent holding the lot's lock (on SQLite, the database's
    write lock): 23 ms of the 33 each completion held it among 200 concurrent uploads (issue 4 bench).
    Should the bid not be recorded, the name is removed again, or by :func:`discard_stale_uploads`."""
    return stage_upload(own_upload(session, actor=actor, upload_id=upload_id), storage=storage)


def stage_upload(upload: BidUpload, *, storage: BidStorage) -> StagedFile:
    """:func:`stage_bid_file` for an upload the caller has already found to be the actor's."""
    if upload.status != "open" or upload.received != upload.declared_size:
        raise Conflict("该上传已结束或尚未传完", code="BID_UPLOAD_CLOSED", field="upload_id")
    bid_id = new_id()
    relpath = storage.final_relpath(upload.lot_id, bid_id)
    storage.link_final(upload.id, relpath)
    return StagedFile(upload.id, bid_id, relpath)


def own_bid(session: Session, *, actor: Principal, bid_id: str, lock: bool = False) -> Bid:
    stmt = select(Bid).where(Bid.id == bid_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    bid = session.scalars(stmt).one_or_none()
    if bid is None or actor.entity_id is None or bid.bidder_entity_id != actor.entity_id:
        raise NotFound("投标文件不存在", code="BID_NOT_FOUND", field="bid_id")
    return bid


def withdraw_bid(session: Session, *, actor: Principal, bid_id: str, now: datetime) -> Bid:
    if not actor.has(Role.bidder_staff):  # the same 404 as for anyone else's bid: existence stays hidden
        raise NotFound("投标文件不存在", code="BID_NOT_FOUND", field="bid_id")
    bid = own_bid(session, actor=actor, bid_id=bid_id, lock=True)
    lot = _lot(session, bid.lot_id, lock=True)
    ensure_accepting(lot, now=now)
    if bid.status != "submitted":
        raise Conflict("该投标文件已被替换或撤回", code="BID_NOT_LIVE", field="bid_id")
    bid.status = "withdrawn"
    bid.ended_at = now
    session.flush()
    box.append_entry(
        session, lot_id=lot.id, kind="withdrawn", receipt_id=bid.id, ciphertext_hash=bid.ciphertext_hash, at=now
    )
    return bid


# ---- cleaning ---------------------------------------------------------------------------------------------


@subscribe("lot.reach_deadline", "bids.expire_open_uploads")
def expire_open_uploads(session: Session, payload: dict[str, Any]) -> None:
    """At the deadline every unfinished upload of the lot counts as withdrawn (第二十七条); its file goes with
    the next :func:`discard_stale_uploads` (handlers know no data folder)."""
    lot = session.get(Lot, int(payload["lot_id"]))
    if lot is None:
        return
    for upload in session.scalars(select(BidUpload).where(BidUpload.lot_id == lot.id, BidUpload.status == "open")):
        upload.status = "discarded"
        upload.updated_at = lot.updated_at


def discard_stale_uploads(
    session: Session, *, storage: BidStorage, now: datetime, unrecorded_after: float = UNRECORDED_GRACE_SECONDS
) -> int:
    """Uploads not completed by the deadline count as withdrawn (第二十七条): discard them and their files,
    along with partial files no upload owns, any upload whose file was lost, and staged bid files no bid
    records ``unrecorded_after`` seconds after they were staged. Returns how many."""
    discarded = 0
    rows = list(session.scalars(select(BidUpload).where(BidUpload.status == "open")))
    lots = {lot.id: lot for lot in session.scalars(select(Lot).where(Lot.id.in_({u.lot_id for u in rows})))}
    for upload in rows:
        lot = lots[upload.lot_id]
        late = lot.stage != "published" or lot.bid_deadline is None or now >= lot.bid_deadline
        lost = upload.received > 0 and storage.partial_size(upload.id) is None
        if late or lost:
            upload.status = "discarded"
            upload.updated_at = now
            storage.discard_partial(upload.id)
            discarded += 1
    # A partial file is only created for a committed upload row, so one whose row is no longer open is debris.
    files = storage.partial_ids()
    live = set(session.scalars(select(BidUpload.id).where(BidUpload.id.in_(files), BidUpload.status == "open")))
    for orphan in files:
        if orphan not in live and storage.discard_partial(orphan):
            discarded += 1
    for lot_id, relpaths in storage.final_relpaths().items():
        recorded = set(session.scalars(select(Bid.path).where(Bid.lot_id == lot_id)))
        for relpath in relpaths:
            if relpath not in recorded and storage.discard_unrecorded(relpath, older_than=unrecorded_after):
                discarded += 1
    session.flush()
    return discarded
