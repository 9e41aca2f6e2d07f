"""Online opening of sealed bids (开标, 《电子招标投标办法》第二十九至三十二条).

At the deadline the lot enters stage ``opening``. Each bidder decrypts its own bid online by sending the data
key it unwrapped on its own machine; the center may open listed bids by escrow with the lot's opening key
rebuilt in memory from k custodians' shares (a recorded decision). A bid not decrypted is classified 撤销
(the bidder's fault) or 撤回 (any other cause), 第三十一条. The close records the opening in the kernel
(``record_opening``) or fails the lot with fewer than 3 bids (条例第四十四条); either step publishes the
signed notice that is the opening record.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.bids.models import Bid, BidOpening, LotOpeningKey, OpeningRecord
from ggzy.bids.storage import BidStorage
from ggzy.core.db import for_update
from ggzy.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from ggzy.core.security import Principal, Role
from ggzy.entities.models import Entity
from ggzy.ledger.service import record
from ggzy.notices.models import Notice
from ggzy.projects import service as projects
from ggzy.projects.models import Lot
from ggzy.vault.container import BidForm, FileInfo, read_container
from ggzy.vault.envelope import TAG_LEN, ParsedHeader, chunk_aad, chunk_nonce, open_stream, read_header
from ggzy.vault.errors import VaultError
from ggzy.vault.threshold import Share, combine_shares

OPENING_STAGE = "opening"
# Stages in which nobody may learn that a bid exists: the lot has not reached its opening.
NEVER_OPENED_STAGES = frozenset({"draft", "published", "terminated"})
LIVE = "submitted"
DECRYPTED = "decrypted"
REVOKED = "revoked"  # 撤销: not decrypted because of the bidder
WITHDRAWN_AT_OPENING = "withdrawn_at_opening"  # 撤回: not decrypted for any other cause
OPENING_STATUSES = (LIVE, DECRYPTED, REVOKED, WITHDRAWN_AT_OPENING)
STATUS_ZH = {LIVE: "待解密", DECRYPTED: "已解密", REVOKED: "撤销", WITHDRAWN_AT_OPENING: "撤回"}
ART31 = (
    "《电子招标投标办法》第三十一条：因投标人原因造成投标文件未解密的，视为撤销其投标文件；"
    "因投标人之外的原因造成投标文件未解密的，视为撤回其投标文件，投标人有权要求责任方赔偿因此遭受的直接损失。"
    "部分投标文件未解密的，其他投标文件的开标可以继续进行。"
)
TOO_FEW_REASON = "投标人少于3个，不得开标，应当依法重新招标。依据《招标投标法实施条例》第四十四条"
MIN_DECRYPTED = 3
# Statuses of decrypted bids as the kernel publishes them (a price above the maximum price is rejected).
PUBLISHED_ZH = {"valid": "已解密", "rejected": "已解密（超过最高投标限价，否决）"}


# ---- opening an envelope with a data key ------------------------------------------------------------------


def _read(src: BinaryIO, n: int) -> bytes:
    parts: list[bytes] = []
    left = n
    while left:
        piece = src.read(left)
        if not piece:
            break
        parts.append(piece)
        left -= len(piece)
    return b"".join(parts)


def decrypt_failed(detail: str) -> InvalidInput:
    return InvalidInput(f"投标文件解密失败：{detail}；可在开标时间内重试", code="BID_DECRYPT_FAILED", field="data_key")


def open_with_data_key(src: BinaryIO, data_key: bytes, *, parsed: ParsedHeader | None = None) -> Iterator[bytes]:
    """Yield the authenticated plaintext chunks, as ``open_stream`` does, from the data key itself (the bidder
    unwrapped it on its machine). Two records in memory at a time. A wrong key fails at the first chunk."""
    if len(data_key) != 32:
        raise decrypt_failed("数据密钥应为 32 字节（64 位十六进制）")
    parsed = parsed or read_header(src)
    header = parsed.header
    aead = AESGCM(data_key)
    record_len = header.chunk_size + TAG_LEN
    counter = 0
    current = _read(src, record_len)
    if len(current) < TAG_LEN:
        raise decrypt_failed("密封文件被截断")
    while True:
        following = _read(src, record_len)
        final = not following
        if len(current) < TAG_LEN:
            raise decrypt_failed(f"第 {counter} 个分块被截断")
        try:
            plain = aead.decrypt(
                chunk_nonce(header.nonce_prefix, counter), current, chunk_aad(parsed.header_hash, counter, final)
            )
        except InvalidTag as exc:
            raise decrypt_failed("数据密钥不正确" if counter == 0 else f"第 {counter} 个分块认证失败") from exc
        yield plain
        if final:
            return
        counter += 1
        current = following


# ---- checks -----------------------------------------------------------------------------------------------


def _lot(session: Session, lot_id: int, *, lock: bool = False) -> Lot:
    stmt = select(Lot).where(Lot.id == lot_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    lot = session.scalars(stmt).one_or_none()
    if lot is None:
        raise NotFound("标段不存在", code="LOT_NOT_FOUND", field="lot_id")
    return lot


def ensure_opening(lot: Lot) -> None:
    if lot.stage != OPENING_STAGE:
        raise Conflict(
            "标段不在开标阶段：投标截止前任何人不得解密投标文件，开标结束后不能再操作（《电子招标投标办法》第二十七条）",
            code="LOT_OUT_OF_STAGE",
            field="lot_id",
        )


def _center(actor: Principal, what: str) -> None:
    if not actor.has(Role.center_staff):
        raise Forbidden(f"仅交易中心工作人员可以{what}", code="ROLE_REQUIRED")


def _bid(session: Session, bid_id: str, *, lock: bool = False) -> Bid:
    stmt = select(Bid).where(Bid.id == bid_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    bid = session.scalars(stmt).one_or_none()
    if bid is None:
        raise NotFound("投标文件不存在", code="BID_NOT_FOUND", field="bid_id")
    return bid


def _extract(chunks: Iterator[bytes]) -> tuple[BidForm, list[FileInfo]]:
    return read_container(chunks, None, verify_file_hashes=True)


def _store_opening(
    session: Session, *, bid: Bid, method: str, form: BidForm, files: list[FileInfo], actor: Principal, now: datetime
) -> BidOpening:
    row = BidOpening(
        bid_id=bid.id,
        lot_id=bid.lot_id,
        method=method,
        price=form.price,
        form=form.to_json(),
        files=[{"name": f.name, "size": f.size, "sha256": f.sha256} for f in files],
        cause="",
        note="",
        actor_id=actor.user_id,
        at=now,
    )
    session.add(row)
    bid.status = DECRYPTED
    return row


# ---- decryption by the bidder -----------------------------------------------------------------------------


def _checked_own_bid(session: Session, *, actor: Principal, bid_id: str, lock: bool) -> Bid:
    bid = _bid(session, bid_id, lock=lock)
    if not actor.has(Role.bidder_staff) or actor.entity_id is None or bid.bidder_entity_id != actor.entity_id:
        raise NotFound("投标文件不存在", code="BID_NOT_FOUND", field="bid_id")
    ensure_opening(_lot(session, bid.lot_id))
    if bid.status != LIVE:
        raise Conflict(f"该投标文件当前状态为“{STATUS_ZH.get(bid.status, bid.status)}”，不能解密", code="BID_NOT_LIVE")
    return bid


def read_own_bid(
    session: Session, *, actor: Principal, bid_id: str, data_key: bytes, storage: BidStorage
) -> tuple[BidForm, list[FileInfo]]:
    """Check and decrypt without writing anything: run it in a read session so that no write lock is held
    while a large envelope streams, then pass the result to :func:`decrypt_bid`, which re-checks under lock."""
    bid = _checked_own_bid(session, actor=actor, bid_id=bid_id, lock=False)
    with storage.resolve(bid.path).open("rb") as src:
        try:
            parsed = read_header(src)
        except VaultError as exc:
            raise decrypt_failed(exc.message) from exc
        if parsed.header.lot_id != str(bid.lot_id) or parsed.header.bidder_id != str(bid.bidder_entity_id):
            raise decrypt_failed("密封文件不属于本标段或本投标人")
        try:
            return _extract(open_with_data_key(src, data_key, parsed=parsed))
        except VaultError as exc:
            raise decrypt_failed(exc.message) from exc


def decrypt_bid(
    session: Session,
    *,
    actor: Principal,
    bid_id: str,
    data_key: bytes,
    storage: BidStorage,
    now: datetime,
    opened: tuple[BidForm, list[FileInfo]] | None = None,
) -> Bid:
    """The bidder opens its own bid with the data key it unwrapped (第三十条). Another's bid is the same 404.
    ``opened``: the result of :func:`read_own_bid` with the same key, already computed outside the write."""
    form, files = opened or read_own_bid(session, actor=actor, bid_id=bid_id, data_key=data_key, storage=storage)
    bid = _checked_own_bid(session, actor=actor, bid_id=bid_id, lock=True)
    _store_opening(session, bid=bid, method="bidder", form=form, files=files, actor=actor, now=now)
    session.flush()
    record(
        session,
        kind="bid.decrypted",
        actor=f"user:{actor.user_id}",
        subject=f"receipt:{bid.id}",
        data={"receipt_id": bid.id, "lot_id": bid.lot_id, "method": "bidder"},
        private={"bidder_entity_id": bid.bidder_entity_id, "price": form.price},
        now=now,
    )
    return bid


# ---- escrow opening ---------------------------------------------------------------------------------------


def open_by_escrow(
    session: Session,
    *,
    actor: Principal,
    lot_id: int,
    bid_ids: list[str],
    reason: str,
    shares: list[dict[str, Any]],
    storage: BidStorage,
    now: datetime,
) -> list[Bid]:
    """A recorded decision to open listed bids with the opening key rebuilt from ≥ k custodians' shares.
    The private key exists only inside this call."""
    _center(actor, "决定以开标密钥代为解密")
    lot = _lot(session, lot_id, lock=True)
    ensure_opening(lot)
    reason = reason.strip()
    if len(reason) < 4:
        raise InvalidInput("请写明代为解密的原因（至少4个字）", code="ESCROW_REASON_REQUIRED", field="reason")
    if not bid_ids or len(set(bid_ids)) != len(bid_ids):
        raise InvalidInput("请列出要解密的投标文件（不得重复）", code="ESCROW_BIDS_INVALID", field="bid_ids")
    key_row = session.scalars(select(LotOpeningKey).where(LotOpeningKey.lot_id == lot_id)).one_or_none()
    if key_row is None:
        raise Conflict("该标段没有登记开标公钥", code="OPENING_KEY_MISSING", field="lot_id")
    bids = []
    for bid_id in bid_ids:
        bid = _bid(session, bid_id, lock=True)
        if bid.lot_id != lot_id:
            raise NotFound("投标文件不存在", code="BID_NOT_FOUND", field="bid_ids")
        if bid.status != LIVE:
            raise Conflict(f"投标文件 {bid_id} 不是待解密状态", code="BID_NOT_LIVE", field="bid_ids")
        bids.append(bid)
    parsed_shares = [Share.from_json(doc, position=i + 1) for i, doc in enumerate(shares)]
    key = combine_shares(parsed_shares, expected_digest=key_row.commitments_digest)
    if key.key_id != key_row.key_id:
        raise InvalidInput("恢复的开标密钥与登记的公钥不符", code="SHARE_INVALID", field="shares")
    prices: dict[str, Decimal] = {}
    for bid in bids:
        with storage.resolve(bid.path).open("rb") as src:
            form, files = _extract(open_stream(src, key))
        _store_opening(session, bid=bid, method="escrow", form=form, files=files, actor=actor, now=now)
        prices[bid.id] = form.price
    del key
    session.flush()
    record(
        session,
        kind="lot.opening_escrow",
        actor=f"user:{actor.user_id}",
        subject=f"lot:{lot_id}",
        data={
            "lot_id": lot_id,
            "reason": reason,
            "key_id": key_row.key_id,
            "share_indexes": sorted({s.index for s in parsed_shares}),
            "receipt_ids": [b.id for b in bids],
        },
        private={"prices": prices},
        now=now,
    )
    return bids


# ---- classification of bids not decrypted -----------------------------------------------------------------


def classify_failure(
    session: Session, *, actor: Principal, bid_id: str, cause: str, note: str, now: datetime
) -> Bid:
    """撤销 (cause ``bidder``) or 撤回 (cause ``other``) for a bid not decrypted, 第三十一条."""
    _center(actor, "认定未解密投标文件的处理")
    if cause not in ("bidder", "other"):
        raise InvalidInput("cause 只能是 bidder（投标人原因）或 other（其他原因）", code="INVALID_INPUT", field="cause")
    note = note.strip()
    if len(note) < 4:
        raise InvalidInput("请写明未解密的情况（至少4个字）", code="CLASSIFY_NOTE_REQUIRED", field="note")
    bid = _bid(session, bid_id, lock=True)
    lot = _lot(session, bid.lot_id)
    if lot.stage in NEVER_OPENED_STAGES:
        # Before the deadline a bid's existence is secret even from the centre: answer as for a missing id.
        raise NotFound("投标文件不存在", code="BID_NOT_FOUND", field="bid_id")
    ensure_opening(lot)
    if bid.status != LIVE:
        raise Conflict(f"该投标文件当前状态为“{STATUS_ZH.get(bid.status, bid.status)}”", code="BID_NOT_LIVE")
    bid.status = REVOKED if cause == "bidder" else WITHDRAWN_AT_OPENING
    bid.ended_at = now
    session.add(
        BidOpening(
            bid_id=bid.id,
            lot_id=bid.lot_id,
            method="classified",
            price=None,
            form={},
            files=[],
            cause=cause,
            note=note[:500],
            actor_id=actor.user_id,
            at=now,
        )
    )
    session.flush()
    record(
        session,
        kind="bid.opening_classified",
        actor=f"user:{actor.user_id}",
        subject=f"receipt:{bid.id}",
        data={"receipt_id": bid.id, "lot_id": bid.lot_id, "status": bid.status, "note": note, "citation": ART31},
        now=now,
    )
    return bid


# ---- close ------------------------------------------------------------------------------------------------


def _listed(form: dict[str, Any]) -> dict[str, Any]:
    pm = form.get("project_manager") or {}
    return {
        "duration_days": form.get("duration_days"),
        "quality_commitment": form.get("quality_commitment"),
        "project_manager": pm.get("name"),
    }


def lot_bids(session: Session, lot_id: int) -> list[Bid]:
    stmt = select(Bid).where(Bid.lot_id == lot_id, Bid.status.in_(OPENING_STATUSES))
    return list(session.scalars(stmt.order_by(Bid.submitted_at, Bid.id)))


def close_opening(session: Session, *, actor: Principal, lot_id: int, now: datetime) -> OpeningRecord:
    """End the opening. The signed opening record is the notice the lot's step publishes: ``opening`` through
    ``record_opening`` (≥ 3 decrypted), else ``failure`` through ``end_lot`` (条例第四十四条) — both carry
    every bid's status, the 撤销/撤回 entries with 第三十一条. ``OpeningRecord`` only points at it."""
    _center(actor, "结束开标")
    lot = _lot(session, lot_id, lock=True)
    ensure_opening(lot)
    bids = lot_bids(session, lot_id)
    pending = [b.id for b in bids if b.status == LIVE]
    if pending:
        raise Conflict(
            f"还有 {len(pending)} 份投标文件既未解密也未认定撤销/撤回",
            code="OPENING_BIDS_PENDING",
            field="bids",
            details=[{"receipt_id": p} for p in pending],
        )
    openings = {
        o.bid_id: o for o in session.scalars(select(BidOpening).where(BidOpening.bid_id.in_([b.id for b in bids])))
    }
    names = {
        e.id: e.name
        for e in session.scalars(select(Entity).where(Entity.id.in_({b.bidder_entity_id for b in bids})))
    }
    decrypted = [b for b in bids if b.status == DECRYPTED]
    not_decrypted = [
        {
            "receipt_id": b.id,
            "bidder_entity_id": b.bidder_entity_id,
            "bidder_name": names.get(b.bidder_entity_id, ""),
            "status": b.status,
            "status_label": STATUS_ZH[b.status],
            "note": openings[b.id].note,
            "citation": ART31,
        }
        for b in bids
        if b.status != DECRYPTED
    ]
    if len(decrypted) < MIN_DECRYPTED:
        opened = [
            {
                "receipt_id": b.id,
                "entity_id": b.bidder_entity_id,
                "bidder_name": names.get(b.bidder_entity_id, ""),
                "price": openings[b.id].price,
                "listed_items": _listed(openings[b.id].form),
                "status": DECRYPTED,
            }
            for b in decrypted
        ]
        projects.end_lot(
            session,
            actor=actor,
            lot_id=lot_id,
            action="fail",
            reason=TOO_FEW_REASON,
            now=now,
            fields={"bids": opened, "not_decrypted": not_decrypted},
        )
        outcome, kind = "failed", "failure"
    else:
        projects.record_opening(
            session,
            actor=actor,
            lot_id=lot_id,
            bids=[
                projects.OpenedBid(
                    entity_id=b.bidder_entity_id,
                    price=openings[b.id].price or Decimal(0),
                    listed_items=_listed(openings[b.id].form),
                )
                for b in decrypted
            ],
            now=now,
            not_decrypted=not_decrypted,
        )
        outcome, kind = "opened", "opening"
    notice = session.scalars(
        select(Notice).where(Notice.lot_id == lot_id, Notice.kind == kind).order_by(Notice.ledger_index.desc())
    ).first()
    if notice is None:  # the step publishes it in this transaction; its absence is a wiring bug
        raise RuntimeError(f"lot {lot_id}: step published no {kind} notice")
    row = OpeningRecord(lot_id=lot.id, notice_id=notice.id, outcome=outcome, closed_by=actor.user_id, closed_at=now)
    session.add(row)
    session.flush()
    return row


def opening_record(session: Session, lot_id: int) -> OpeningRecord | None:
    return session.get(OpeningRecord, lot_id)


def record_notice(session: Session, lot_id: int) -> Notice | None:
    """The published notice that is the lot's opening record (None before the close)."""
    rec = opening_record(session, lot_id)
    return session.get(Notice, rec.notice_id) if rec is not None else None


def record_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every bid of an opening notice for display: decrypted ones (price, listed items) then 撤销/撤回."""
    fields = doc.get("fields") or {}
    rows = []
    for b in fields.get("bids") or []:
        status = b.get("status", DECRYPTED)
        label = PUBLISHED_ZH.get(status, STATUS_ZH.get(status, status))
        rows.append({**b, "status_label": label})
    rows.extend(fields.get("not_decrypted") or [])
    return rows


# ---- the hall (reads) -------------------------------------------------------------------------------------


def hall_state(session: Session, *, actor: Principal | None, lot_id: int) -> dict[str, Any]:
    """What the viewer may see of the opening. Before the close: the lot's bidders see every bid's receipt id
    and status but only their own price; owner, center and supervisor see statuses; anyone else nothing
    (404). Before the deadline no bid is listed at all. After the close: the published record, for all."""
    lot = _lot(session, lot_id)
    rec = opening_record(session, lot_id)
    state: dict[str, Any] = {"lot_id": lot.id, "lot_name": lot.name, "stage": lot.stage, "closed": rec is not None}
    if rec is not None:
        notice = session.get(Notice, rec.notice_id)
        assert notice is not None  # FK
        state["outcome"] = rec.outcome
        state["notice_id"] = notice.id
        state["record"] = notice.fields()
        state["bids"] = record_rows(state["record"])
        return state
    bids = lot_bids(session, lot_id) if lot.stage == OPENING_STAGE else []
    entity = actor.entity_id if actor is not None else None
    is_bidder = (
        actor is not None
        and actor.has(Role.bidder_staff)
        and entity is not None
        and session.scalar(select(Bid.id).where(Bid.lot_id == lot_id, Bid.bidder_entity_id == entity).limit(1))
        is not None
    )
    is_owner = (
        actor is not None
        and actor.has(Role.owner_staff)
        and entity is not None
        and entity in (lot.project.owner_entity_id, lot.project.agency_entity_id)
    )
    staff = actor is not None and (actor.has(Role.center_staff) or actor.has(Role.supervisor))
    if not (is_bidder or is_owner or staff):
        raise NotFound("开标大厅仅对本标段投标人、招标人、交易中心和监督人员开放", code="OPENING_NOT_VISIBLE")
    openings = {
        o.bid_id: o for o in session.scalars(select(BidOpening).where(BidOpening.bid_id.in_([b.id for b in bids])))
    }
    rows = []
    for b in bids:
        own = is_bidder and b.bidder_entity_id == entity
        row: dict[str, Any] = {"receipt_id": b.id, "status": b.status, "status_label": STATUS_ZH[b.status], "own": own}
        o = openings.get(b.id)
        if own and o is not None and o.price is not None:
            row["price"] = format(o.price, "f")
        rows.append(row)
    state["bids"] = rows
    return state
