"""Receiving one chunk of a resumable bid upload, shared by the API (bearer token) and the bidder's page
(session cookie + CSRF). Disk work runs in worker threads, never on the event loop: the body is gathered
into ~1 MiB blocks, each hashed and written in one thread hop (whole pages past the page cache: see
``chunk_writer``), and the chunk is fsynced once before its bytes are counted — an acknowledged offset, and
later the receipt, is durable.

The SHA-256 of the envelope is computed while the chunks arrive (a process-local running hash per upload,
valid only while it covers exactly the bytes on disk), so completion need not read the file again; when the
hash is missing (another process, a restart, a failed chunk) completion falls back to hashing the file.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from anyio import CapacityLimiter, to_thread
from anyio.lowlevel import RunVar
from fastapi import Request

from ggzy.bids import completion, service
from ggzy.bids.chunk_writer import ChunkWriter, open_direct
from ggzy.bids.models import BidUpload
from ggzy.bids.schemas import BidOut, UploadOut
from ggzy.bids.storage import BidStorage, ChunkRange, parse_content_range
from ggzy.core.clock import Clock
from ggzy.core.db import Database
from ggzy.core.errors import AppError, Conflict, InvalidInput
from ggzy.core.security import Principal
from ggzy.ledger.signing import SigningKey
from ggzy.vault.envelope import MAGIC, MAX_CHUNKS, TAG_LEN, VERSION, EnvelopeInfo, read_header, sniff
from ggzy.vault.errors import malformed, tampered

_ENVELOPE_START = MAGIC + bytes([VERSION])
_SNIFF_LEN = len(_ENVELOPE_START)
BLOCK = 1 << 20  # bytes gathered before one write in a worker thread
DISK_THREADS = 200  # see _disk_limiter

_hashes: dict[str, tuple[int, Any]] = {}  # upload id -> (bytes covered, running sha256)
_hashes_lock = threading.Lock()


_disk_limiters: RunVar[CapacityLimiter] = RunVar("ggzy_bid_disk_limiter")


def _disk_limiter() -> CapacityLimiter:
    """Threads for the chunks' writes and fsyncs, apart from the 40 of the default pool that database work
    uses. A disk serves direct writes faster the more it is given at once (on the bench's virtual disk: 320
    MB/s from 40 writers, 565 from 200), and a thread waiting on the disk holds neither the GIL nor a
    database connection; in the default pool these waits had kept database work queueing for threads."""
    try:
        return _disk_limiters.get()
    except LookupError:
        limiter = CapacityLimiter(DISK_THREADS)
        _disk_limiters.set(limiter)
        return limiter


def _running_hash(upload_id: str, start: int) -> Any:
    with _hashes_lock:
        entry = _hashes.pop(upload_id, None)
    if start == 0:
        return hashlib.sha256()
    return entry[1] if entry is not None and entry[0] == start else None


def _keep_hash(upload_id: str, end: int, digest: Any) -> None:
    if digest is not None:
        with _hashes_lock:
            _hashes[upload_id] = (end, digest)


def start(db: Database, *, actor: Principal, lot_id: int, declared_size: int, now: datetime) -> UploadOut:
    """Start an upload, shared by the API and the bidder's page: checked in a read session, so the write
    transaction is one insert. On SQLite the checks had held the database's write lock: 15 ms of every
    start among 200 concurrent bidders (issue 4 bench), all other writers waiting."""
    with db.session(write=False) as reader:
        entity_id = service.check_upload_start(reader, actor=actor, lot_id=lot_id, declared_size=declared_size, now=now)
    with db.transaction(flush_wal_at_commit=False) as session:  # see _count
        upload = service.open_upload(
            session, actor=actor, lot_id=lot_id, entity_id=entity_id, declared_size=declared_size, now=now
        )
        return UploadOut.of(upload)


def _check(db: Database, actor: Principal, upload_id: str, rng: ChunkRange, storage: BidStorage, clock: Clock) -> None:
    """Refuse a chunk before reading its body. The usual chunk needs no change, so it is checked in a read
    session: the write lock is wanted only after a crash left the file and the row disagreeing (reconcile).
    Two write transactions per chunk had kept SQLite's one write lock busy all through 200 concurrent uploads."""
    arguments: dict[str, Any] = {
        "actor": actor,
        "upload_id": upload_id,
        "start": rng.start,
        "length": rng.length,
        "total": rng.total,
        "storage": storage,
        "now": clock.now(),
    }
    reader = db.session(write=False)
    try:
        if service.check_chunk_unchanged(reader, **arguments):
            return
    finally:
        reader.close()
    with db.transaction() as session:
        service.check_chunk(session, **arguments)


@dataclass
class _Open:
    fh: BinaryIO
    size: int
    writer: ChunkWriter

    def close(self) -> None:
        self.writer.close()
        self.fh.close()


def _open(db: Database, actor: Principal, upload_id: str, rng: ChunkRange, storage: BidStorage, clock: Clock) -> _Open:
    """Check the chunk, then open and lock its file, in one thread hop: each is a few blocking calls, and
    opening a file in the shared partial folder can wait on other writers' directory locks."""
    _check(db, actor, upload_id, rng, storage, clock)
    fh = storage.open_locked_partial(upload_id)
    try:
        size = os.fstat(fh.fileno()).st_size
        return _Open(fh, size, ChunkWriter(fh.fileno(), open_direct(storage.partial_path(upload_id)), rng.start))
    except BaseException:
        fh.close()
        raise


def _flush(writer: ChunkWriter, rest: list[bytes], digest: Any) -> None:
    """The chunk's last block, then fsync: only then is its offset counted, so an acknowledged chunk survives
    a crash."""
    writer.write(rest, digest)
    writer.finish(digest)
    os.fsync(writer.fd)


def _count(db: Database, actor: Principal, upload_id: str, start: int, end: int, clock: Clock) -> UploadOut:
    # A count is progress the client re-derives (GET the offset, resend) should PostgreSQL crash before its WAL
    # reaches the disk; the receipt's commit (complete) waits for the disk as always.
    with db.transaction(flush_wal_at_commit=False) as session:
        progress = service.record_chunk(
            session, actor=actor, upload_id=upload_id, start=start, end=end, now=clock.now()
        )
        return UploadOut.of(progress)


async def receive_chunk(
    request: Request, *, actor: Principal, upload_id: str, db: Database, clock: Clock, storage: BidStorage
) -> UploadOut:
    rng = parse_content_range(request.headers.get("content-range"))
    if rng is None:
        raise InvalidInput(
            "缺少或无法解析 Content-Range（bytes 起-止/总数）", code="BID_UPLOAD_RANGE_INVALID", field="content_range"
        )
    # Short transactions only: the body streams with no database transaction (nor SQLite write lock) open.
    opened = await to_thread.run_sync(_open, db, actor, upload_id, rng, storage, clock)
    disk = _disk_limiter()
    try:
        fh, writer = opened.fh, opened.writer
        if opened.size != rng.start:
            raise Conflict(
                f"分块偏移量应为 {opened.size}",
                code="BID_UPLOAD_OFFSET_MISMATCH",
                field="content_range",
                details=[{"expected_offset": opened.size}],
            )
        digest = _running_hash(upload_id, rng.start)
        written = 0
        head = b""
        pending: list[bytes] = []
        pending_len = 0
        try:
            async for piece in request.stream():
                if not piece:
                    continue
                if written + pending_len + len(piece) > rng.length:
                    raise InvalidInput(
                        "分块长度超过 Content-Range", code="BID_UPLOAD_RANGE_INVALID", field="content_range"
                    )
                if rng.start == 0 and len(head) < _SNIFF_LEN:
                    # Refuse plaintext at the first bytes, before anything is kept (第二十六条).
                    head += piece[: _SNIFF_LEN - len(head)]
                    if len(head) == _SNIFF_LEN or not _ENVELOPE_START.startswith(head):
                        sniff(head)
                pending.append(piece)
                pending_len += len(piece)
                if pending_len >= BLOCK:
                    await to_thread.run_sync(writer.write, pending, digest, limiter=disk)
                    written += pending_len
                    pending, pending_len = [], 0
            if written + pending_len != rng.length:
                raise InvalidInput(
                    f"分块长度 {written + pending_len} 与 Content-Range 声明的 {rng.length} 不符",
                    code="BID_UPLOAD_RANGE_INVALID",
                    field="content_range",
                )
            await to_thread.run_sync(_flush, writer, pending, digest, limiter=disk)
            out = await to_thread.run_sync(_count, db, actor, upload_id, rng.start, rng.start + rng.length, clock)
        except BaseException:
            # an unacknowledged chunk leaves nothing behind
            await to_thread.run_sync(fh.truncate, rng.start, limiter=disk)
            raise
    finally:
        opened.close()
    _keep_hash(upload_id, rng.start + rng.length, digest)
    return out


def inspect_received(session: Any, *, actor: Principal, upload: BidUpload, storage: BidStorage) -> EnvelopeInfo:
    """``service.inspect_upload`` of the actor's ``upload`` without reading the file a second time when this
    process hashed every byte as it arrived: the header is parsed and the record layout checked from the size,
    as inspect_envelope does."""
    upload_id = upload.id
    with _hashes_lock:
        entry = _hashes.get(upload_id)
    if (
        entry is None
        or upload.status != "open"
        or entry[0] != upload.received
        or upload.received != upload.declared_size
    ):
        return service.inspect_upload(session, actor=actor, upload_id=upload_id, storage=storage)
    path = storage.partial_path(upload_id)
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size != entry[0]:
            return service.inspect_upload(session, actor=actor, upload_id=upload_id, storage=storage)
        sniff(fh.read(_SNIFF_LEN))
        fh.seek(0)
        parsed = read_header(fh)
    body = entry[0] - len(parsed.preamble)
    full, last = divmod(body, parsed.header.chunk_size + TAG_LEN)
    if body <= 0 or 0 < last < TAG_LEN:
        raise tampered("分块数据不完整（文件被截断）")
    chunks = full + (1 if last else 0)
    if chunks > MAX_CHUNKS:
        raise malformed("分块数量超出上限")
    info = EnvelopeInfo(parsed.header, entry[1].copy().hexdigest(), entry[0], chunks)
    return service.check_envelope_owner(info, upload)


def complete(
    db: Database,
    *,
    actor: Principal,
    upload_id: str,
    storage: BidStorage,
    signing_key: SigningKey,
    ip: str,
    now: datetime,
) -> BidOut:
    """Completion, shared by the API and the bidder's page: the envelope is inspected (hashed, if this
    process did not see every byte) and staged under its final name in a read session, so the write
    transaction that records the bid holds its locks for database work only. That transaction records the
    lot's completions waiting in this process together (:func:`_record_in_batch`)."""
    reader = db.session(write=False)
    try:
        upload = service.own_upload(reader, actor=actor, upload_id=upload_id)  # found once for both steps
        info = inspect_received(reader, actor=actor, upload=upload, storage=storage)
        staged = service.stage_upload(upload, storage=storage)
        lot_id = upload.lot_id
    finally:
        reader.close()
    waiting = _Waiting(completion.Completion(actor, staged, info, ip, now))
    _record_in_batch(db, lot_id, waiting, signing_key)
    if isinstance(waiting.outcome, BidOut):
        storage.discard_partial(upload_id)
        forget(upload_id)
        return waiting.outcome
    if waiting.discard_staged:  # refused, or failed before its commit: the upload keeps its file
        storage.discard_final(staged.relpath)
    # else the commit failed, maybe after the bid was stored: discard_stale_uploads decides later
    raise waiting.outcome if waiting.outcome is not None else RuntimeError("completion left without outcome")


# ---- batches of a lot's completions (group commit) ----------------------------------------------------------

BATCH_MAX = 100  # completions recorded in one transaction


@dataclass(eq=False)
class _Waiting:
    """A completion waiting for its lot's batch; ``wake`` is set once it has an outcome or leads."""

    request: completion.Completion
    wake: threading.Event = field(default_factory=threading.Event)
    leads: bool = False
    outcome: BidOut | BaseException | None = None
    discard_staged: bool = True  # on failure: whether the transaction surely stored nothing

    def fail(self, exc: BaseException, *, committing: bool) -> None:
        self.outcome, self.discard_staged = exc, not committing


@dataclass(eq=False)
class _LotQueue:
    waiting: list[_Waiting] = field(default_factory=list)
    led: bool = False


_queues: dict[tuple[int, int], _LotQueue] = {}
_queues_lock = threading.Lock()


def _record_in_batch(db: Database, lot_id: int, waiting: _Waiting, signing_key: SigningKey) -> None:
    """Give ``waiting`` its outcome, recorded in one transaction with the lot's other completions waiting
    in this process. The first to arrive leads: it takes the waiting completions (one per bidder, in
    arrival order) and records them; meanwhile others queue. It then hands the lead to the first still
    waiting and returns. So under load a transaction, its lot lock and its commit serve a whole batch
    (issue 4 bench: 200 completions arriving within a second or two), and alone a completion is its own
    batch, without waiting. Completions of the same lot in other processes still take the lot's lock."""
    key = (id(db), lot_id)
    with _queues_lock:
        queue = _queues.setdefault(key, _LotQueue())
        queue.waiting.append(waiting)
        if not queue.led:
            queue.led = waiting.leads = True
    if not waiting.leads:
        waiting.wake.wait()
        if not waiting.leads:  # recorded by a leader
            return
    batch: list[_Waiting] = []
    try:
        with _queues_lock:
            batch = _take(queue)
        _record(db, batch, signing_key)
    finally:
        for other in batch:
            if other.outcome is None:  # interrupted (BaseException): nobody may wait forever
                other.fail(RuntimeError("completion interrupted"), committing=True)
            if other is not waiting:
                other.wake.set()
        with _queues_lock:
            if queue.waiting:
                queue.waiting[0].leads = True
                queue.waiting[0].wake.set()
            else:
                queue.led = False
                del _queues[key]


def _take(queue: _LotQueue) -> list[_Waiting]:
    """The next batch: the first waiting (the leader) and those after it, one per bidder entity (a
    bidder's second completion replaces the first, so it goes in a later batch), at most BATCH_MAX."""
    batch: list[_Waiting] = []
    entities: set[int | None] = set()
    for waiting in queue.waiting:
        entity_id = waiting.request.actor.entity_id  # the upload's bidder: own_upload checked it
        if entity_id not in entities and len(batch) < BATCH_MAX:
            batch.append(waiting)
            entities.add(entity_id)
    taken = set(map(id, batch))
    queue.waiting = [w for w in queue.waiting if id(w) not in taken]
    return batch


def _record(db: Database, batch: list[_Waiting], signing_key: SigningKey) -> None:
    """One transaction for the batch. A failure other than a refusal (a deadlock, a constraint) before the
    commit stored nothing: each completion is then recorded on its own, so that one's failure stays its own."""
    committing = False
    try:
        with db.transaction() as session:
            results = completion.complete_uploads(
                session, completions=[w.request for w in batch], signing_key=signing_key
            )
            outcomes = [r if isinstance(r, AppError) else BidOut.of(r) for r in results]
            committing = True
    except Exception as exc:
        if committing or len(batch) == 1 or isinstance(exc, AppError):
            for w in batch:
                w.fail(exc, committing=committing)
            return
        for w in batch:
            _record(db, [w], signing_key)
        return
    for w, outcome in zip(batch, outcomes, strict=True):
        w.outcome = outcome


def forget(upload_id: str) -> None:
    with _hashes_lock:
        _hashes.pop(upload_id, None)
