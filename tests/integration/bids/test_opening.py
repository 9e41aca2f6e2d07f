"""The online opening (开标): bidders decrypt their own bids with their data keys, the center opens by escrow
with k custodians' shares, bids not decrypted are classified 撤销/撤回 (第三十一条), and the close records the
opening in the kernel (or fails the lot with fewer than 3 bids, 条例第四十四条) and signs the record."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from sqlalchemy import func, select
from tests.integration.bids.opening_support import PRICES, OpeningWorld, data_key, form, opening_world

from ggzy.bids import opening
from ggzy.bids.models import Bid, BidOpening, OpeningRecord
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import AppError, Conflict, InvalidInput, NotFound
from ggzy.ledger.models import LedgerEvent
from ggzy.ledger.signing import SigningKey
from ggzy.notices.models import Notice
from ggzy.projects.models import Lot, LotBidder


@pytest.fixture
def ow(clean_db: Database, clock: FrozenClock, storage: BidStorage, signing_key: SigningKey) -> OpeningWorld:
    return opening_world(clean_db, clock, storage, signing_key)


def decrypt(
    db: Database, ow: OpeningWorld, i: int, storage: BidStorage, clock: FrozenClock, key: bytes | None = None
) -> str:
    with db.transaction() as s:
        return opening.decrypt_bid(
            s,
            actor=ow.bids.bidders[i],
            bid_id=ow.bid_ids[i],
            data_key=key if key is not None else data_key(ow.blobs[i], ow.bidder_keys[i]),
            storage=storage,
            now=clock.now(),
        ).status


def escrow(
    db: Database, ow: OpeningWorld, bid_ids: list[str], shares: list[int], storage: BidStorage, clock: FrozenClock
) -> None:
    with db.transaction() as s:
        opening.open_by_escrow(
            s,
            actor=ow.bids.tender.center,
            lot_id=ow.lot_id,
            bid_ids=bid_ids,
            reason="投标人3的解密密钥丢失，经监督人员在场决定代为解密",
            shares=[ow.shares[i].to_json() for i in shares],
            storage=storage,
            now=clock.now(),
        )


def close(db: Database, ow: OpeningWorld, signing_key: SigningKey, clock: FrozenClock) -> OpeningRecord:
    with db.transaction() as s:
        row = opening.close_opening(s, actor=ow.bids.tender.center, lot_id=ow.lot_id, now=clock.now())
        s.flush()
        s.expunge(row)
        return row


def count(db: Database, model: type) -> int:
    with db.session(write=False) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_full_opening_three_by_bidders_one_by_escrow_is_recorded_and_signed(
    clean_db: Database, ow: OpeningWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    clock.advance(timedelta(minutes=5))
    for i in range(3):
        assert decrypt(clean_db, ow, i, storage, clock) == "decrypted"
    escrow(clean_db, ow, [ow.bid_ids[3]], [0, 2], storage, clock)
    row = close(clean_db, ow, signing_key, clock)
    assert row.outcome == "opened"
    with clean_db.session(write=False) as s:
        lot = s.get(Lot, ow.lot_id)
        assert lot is not None and lot.stage == "opened"
        bidders = {b.entity_id: b for b in s.scalars(select(LotBidder).where(LotBidder.lot_id == ow.lot_id))}
        assert {e: b.price for e, b in bidders.items()} == dict(zip(ow.bids.tender.bidder_ids, PRICES, strict=True))
        assert bidders[ow.bids.tender.bidder_ids[2]].listed_items["project_manager"] == "项目经理2"
        assert s.get(BidOpening, ow.bid_ids[3]).method == "escrow"  # type: ignore[union-attr]
        escrow_event = s.scalars(select(LedgerEvent).where(LedgerEvent.kind == "lot.opening_escrow")).one()
        assert escrow_event.data["share_indexes"] == [1, 3]
        assert escrow_event.data["receipt_ids"] == [ow.bid_ids[3]]
        decrypted_events = list(s.scalars(select(LedgerEvent).where(LedgerEvent.kind == "bid.decrypted")))
        assert len(decrypted_events) == 3
        assert all(set(e.data) == {"receipt_id", "lot_id", "method"} for e in decrypted_events)  # no price yet
        assert "prices" not in escrow_event.data
        notice = s.get(Notice, row.notice_id)
        assert notice is not None and notice.kind == "opening" and notice.lot_id == ow.lot_id
        # Stored once: the notice is the record, and its step's ledger event carries its digest.
        step = s.scalars(select(LedgerEvent).where(LedgerEvent.index == notice.ledger_index)).one()
        assert step.kind == "lot.record_opening" and step.data["notice"]["digest"] == notice.digest
        assert (
            s.scalar(
                select(func.count()).select_from(LedgerEvent).where(LedgerEvent.kind == "lot.opening_record_published")
            )
            == 0
        )
        document = notice.document.encode()
        signature, signer_pem = notice.signature, clean_db.signer.public_key_pem()
    assert hashlib.sha256(document).hexdigest() == notice.digest
    public = load_pem_public_key(signer_pem)
    assert isinstance(public, Ed25519PublicKey)
    public.verify(bytes.fromhex(signature), document)  # raises if it does not verify
    doc = json.loads(document)
    assert doc["kind"] == "opening"
    by_name = {b["bidder_name"]: b for b in doc["fields"]["bids"]}
    assert [by_name[f"投标人{i}"]["price"] for i in range(4)] == [format(p, "f") for p in PRICES]
    assert by_name["投标人1"]["listed_items"]["duration_days"] == form(1).duration_days
    assert doc["fields"]["not_decrypted"] == []


def test_a_wrong_data_key_is_refused_and_the_bidder_may_retry(
    clean_db: Database, ow: OpeningWorld, storage: BidStorage, clock: FrozenClock
) -> None:
    wrong = data_key(ow.blobs[1], ow.bidder_keys[1])  # bidder 1's key does not open bidder 0's bid
    with pytest.raises(InvalidInput) as exc:
        decrypt(clean_db, ow, 0, storage, clock, key=wrong)
    assert exc.value.code == "BID_DECRYPT_FAILED"
    assert count(clean_db, BidOpening) == 0
    with clean_db.session(write=False) as s:
        assert s.get(Bid, ow.bid_ids[0]).status == "submitted"  # type: ignore[union-attr]
    assert decrypt(clean_db, ow, 0, storage, clock) == "decrypted"


def test_nobody_decrypts_before_the_deadline(
    clean_db: Database, clock: FrozenClock, storage: BidStorage, signing_key: SigningKey
) -> None:
    ow = opening_world(clean_db, clock, storage, signing_key, fire=False)
    with pytest.raises(Conflict) as exc:
        decrypt(clean_db, ow, 0, storage, clock)
    assert exc.value.code == "LOT_OUT_OF_STAGE"
    with pytest.raises(Conflict):
        escrow(clean_db, ow, [ow.bid_ids[0]], [0, 1], storage, clock)
    with pytest.raises(Conflict):
        close(clean_db, ow, signing_key, clock)
    assert count(clean_db, BidOpening) == 0 and count(clean_db, OpeningRecord) == 0


def test_a_bidder_cannot_decrypt_another_bidders_bid(
    clean_db: Database, ow: OpeningWorld, storage: BidStorage, clock: FrozenClock
) -> None:
    with clean_db.transaction() as s, pytest.raises(NotFound):
        opening.decrypt_bid(
            s,
            actor=ow.bids.bidders[1],
            bid_id=ow.bid_ids[0],
            data_key=data_key(ow.blobs[0], ow.bidder_keys[0]),
            storage=storage,
            now=clock.now(),
        )
    assert count(clean_db, BidOpening) == 0


def test_escrow_with_fewer_than_k_shares_is_refused_and_stores_nothing(
    clean_db: Database, ow: OpeningWorld, storage: BidStorage, clock: FrozenClock
) -> None:
    before = count(clean_db, LedgerEvent)
    with pytest.raises(AppError) as exc:
        escrow(clean_db, ow, [ow.bid_ids[0]], [1], storage, clock)
    assert exc.value.code == "SHARES_INSUFFICIENT"
    tampered = ow.shares[0].to_json()
    tampered["value"] = "00" * 32
    with clean_db.transaction() as s, pytest.raises(AppError) as exc:
        opening.open_by_escrow(
            s,
            actor=ow.bids.tender.center,
            lot_id=ow.lot_id,
            bid_ids=[ow.bid_ids[0]],
            reason="代为解密测试",
            shares=[tampered, ow.shares[1].to_json()],
            storage=storage,
            now=clock.now(),
        )
    assert exc.value.code in ("SHARE_INVALID", "SHARES_INSUFFICIENT")
    assert count(clean_db, BidOpening) == 0 and count(clean_db, LedgerEvent) == before
    with clean_db.session(write=False) as s:
        assert s.get(Bid, ow.bid_ids[0]).status == "submitted"  # type: ignore[union-attr]


def test_fewer_than_three_decrypted_fails_the_lot_with_the_citation(
    clean_db: Database, ow: OpeningWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    decrypt(clean_db, ow, 0, storage, clock)
    decrypt(clean_db, ow, 1, storage, clock)
    with pytest.raises(Conflict) as pending:
        close(clean_db, ow, signing_key, clock)
    assert pending.value.code == "OPENING_BIDS_PENDING"
    with clean_db.transaction() as s:
        opening.classify_failure(
            s,
            actor=ow.bids.tender.center,
            bid_id=ow.bid_ids[2],
            cause="bidder",
            note="投标人未在规定时间内解密",
            now=clock.now(),
        )
        opening.classify_failure(
            s,
            actor=ow.bids.tender.center,
            bid_id=ow.bid_ids[3],
            cause="other",
            note="平台网络故障导致未能解密",
            now=clock.now(),
        )
    row = close(clean_db, ow, signing_key, clock)
    assert row.outcome == "failed"
    with clean_db.session(write=False) as s:
        lot = s.get(Lot, ow.lot_id)
        assert lot is not None and lot.stage == "failed"
        assert "第四十四条" in (lot.stage_reason or "")
        assert s.scalar(select(func.count()).select_from(LotBidder)) == 0
        assert s.get(Bid, ow.bid_ids[2]).status == "revoked"  # type: ignore[union-attr]
        assert s.get(Bid, ow.bid_ids[3]).status == "withdrawn_at_opening"  # type: ignore[union-attr]
        notice = s.get(Notice, row.notice_id)
        assert notice is not None and notice.kind == "failure"
        doc = notice.fields()
    assert "第四十四条" in doc["fields"]["reason"]
    opened = {b["receipt_id"]: b["price"] for b in doc["fields"]["bids"]}
    assert opened == {r: format(p, "f") for r, p in zip(ow.bid_ids[:2], PRICES[:2], strict=True)}
    by_id = {b["receipt_id"]: b for b in doc["fields"]["not_decrypted"]}
    assert by_id[ow.bid_ids[2]]["status_label"] == "撤销" and "第三十一条" in by_id[ow.bid_ids[2]]["citation"]
    assert by_id[ow.bid_ids[3]]["status_label"] == "撤回"
    assert "price" not in by_id[ow.bid_ids[3]]
    with clean_db.session(write=False) as s:
        hall = opening.hall_state(s, actor=None, lot_id=ow.lot_id)
    labels = {b.get("receipt_id"): b["status_label"] for b in hall["bids"]}
    assert hall["outcome"] == "failed" and [labels[r] for r in ow.bid_ids] == ["已解密", "已解密", "撤销", "撤回"]


def test_classification_needs_the_center_and_a_live_bid(
    clean_db: Database, ow: OpeningWorld, storage: BidStorage, clock: FrozenClock
) -> None:
    decrypt(clean_db, ow, 0, storage, clock)
    with clean_db.transaction() as s, pytest.raises(AppError) as exc:
        opening.classify_failure(
            s, actor=ow.bids.bidders[1], bid_id=ow.bid_ids[1], cause="other", note="想要撤回投标", now=clock.now()
        )
    assert exc.value.code == "ROLE_REQUIRED"
    with clean_db.transaction() as s, pytest.raises(Conflict):
        opening.classify_failure(
            s,
            actor=ow.bids.tender.center,
            bid_id=ow.bid_ids[0],
            cause="bidder",
            note="已解密的不能认定",
            now=clock.now(),
        )


def test_hall_hides_others_prices_before_the_close(
    clean_db: Database, ow: OpeningWorld, storage: BidStorage, signing_key: SigningKey, clock: FrozenClock
) -> None:
    for i in range(4):
        decrypt(clean_db, ow, i, storage, clock)
    with clean_db.session(write=False) as s:
        mine = opening.hall_state(s, actor=ow.bids.bidders[0], lot_id=ow.lot_id)
        seen = {b["receipt_id"]: b for b in mine["bids"]}
        assert set(seen) == set(ow.bid_ids)
        assert [seen[r].get("price") for r in ow.bid_ids] == [format(PRICES[0], "f"), None, None, None]
        center = opening.hall_state(s, actor=ow.bids.tender.center, lot_id=ow.lot_id)
        assert all("price" not in b for b in center["bids"])
        owner = opening.hall_state(s, actor=ow.bids.tender.owner, lot_id=ow.lot_id)
        assert [b["status"] for b in owner["bids"]] == ["decrypted"] * 4
        with pytest.raises(NotFound):
            opening.hall_state(s, actor=ow.bids.tender.other_owner, lot_id=ow.lot_id)
        with pytest.raises(NotFound):
            opening.hall_state(s, actor=None, lot_id=ow.lot_id)
    close(clean_db, ow, signing_key, clock)
    with clean_db.session(write=False) as s:
        after = opening.hall_state(s, actor=None, lot_id=ow.lot_id)
        prices = {b["bidder_name"]: b["price"] for b in after["bids"]}
        assert after["closed"] and [prices[f"投标人{i}"] for i in range(4)] == [format(p, "f") for p in PRICES]
