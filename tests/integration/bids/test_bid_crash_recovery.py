"""A simulated crash: partial files are resumable (row and file agree after reconciling) or cleaned by
``discard_stale_uploads``; after a "restart" every receipted file exists with its hash."""

from __future__ import annotations

import io
from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.integration.bids.support import DEADLINE, bid_world, complete, seal, start, submit, write

from ggzy.bids import service
from ggzy.bids.models import Bid, BidUpload
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database, create_database
from ggzy.ledger.signing import SigningKey
from ggzy.vault.envelope import envelope_hash
from ggzy.vault.receipts import Receipt, verify_receipt


def test_crash_leaves_resumable_or_cleaned_uploads_and_whole_receipted_files(
    clean_db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    storage = BidStorage(tmp_path / "bids")
    key = SigningKey.load_or_create(tmp_path / "signing.key")
    with clean_db.transaction() as s:
        world = bid_world(s, now=clock.now())
    lot_id = world.tender.lot_id
    receipted = [submit(clean_db, world, 0, storage, key, clock) for _ in range(2)]  # the first is replaced

    # Bidder 1 is mid-upload when the server "crashes" while writing a chunk it never acknowledged.
    data = seal(world.opening.public, lot_id=lot_id, bidder_id=world.tender.bidder_ids[1], payload=b"x" * 5000)
    resumable = start(clean_db, world.bidders[1], lot_id, len(data), clock)
    acknowledged = len(data) // 3
    write(clean_db, world.bidders[1], resumable, data[:acknowledged], 0, storage, clock)
    with open(storage.partial_path(resumable), "ab") as fh:
        fh.write(data[acknowledged : acknowledged + 700])  # bytes on disk the row never counted
    # Bidder 2 started too and will never come back.
    abandoned = start(clean_db, world.bidders[2], lot_id, len(data), clock)
    write(clean_db, world.bidders[2], abandoned, data[:100], 0, storage, clock)
    # A file whose upload is no longer open is debris whatever its history.
    with clean_db.transaction() as s:
        gone = service.start_upload(s, actor=world.bidders[2], lot_id=lot_id, declared_size=50, now=clock.now())
        gone.status = "discarded"
        gone_id = gone.id
    storage.partial_path(gone_id).write_bytes(b"GGZYSEAL")

    # "Restart": a fresh engine on the same database, nothing kept in memory.
    clean_db.dispose()
    db = create_database(clean_db.url)
    try:
        with db.transaction() as s:
            upload = service.own_upload(s, actor=world.bidders[1], upload_id=resumable, lock=True)
            assert service.reconcile_upload(s, upload=upload, storage=storage, now=clock.now()) == acknowledged
        assert storage.partial_size(resumable) == acknowledged  # row and file agree: resume from there
        write(db, world.bidders[1], resumable, data[acknowledged:], acknowledged, storage, clock)
        resumed = complete(db, world.bidders[1], resumable, storage, key, clock)
        assert resumed.ciphertext_hash == envelope_hash(io.BytesIO(data))

        with db.transaction() as s:  # nothing is stale before the deadline except the debris file
            assert service.discard_stale_uploads(s, storage=storage, now=clock.now()) == 1
        assert sorted(storage.partial_ids()) == [abandoned]
        clock.set(DEADLINE.astimezone(UTC))
        with db.transaction() as s:
            assert service.discard_stale_uploads(s, storage=storage, now=clock.now()) == 1
        assert storage.partial_ids() == []

        with db.session(write=False) as s:
            bids = list(s.scalars(select(Bid)))
            assert s.get(BidUpload, abandoned).status == "discarded"  # type: ignore[union-attr]
        assert {b.id for b in bids} == {receipted[0].id, receipted[1].id, resumed.id}
        for bid in bids:
            with open(storage.resolve(bid.path), "rb") as fh:
                assert envelope_hash(fh) == bid.ciphertext_hash
            receipt = Receipt.from_json(bid.receipt)
            assert receipt.ciphertext_hash == bid.ciphertext_hash and verify_receipt(receipt, key.public_key_pem())
    finally:
        db.dispose()


def test_bids_clean_command_removes_debris(
    clean_db: Database,
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import argparse

    from ggzy.bids.cli import clean_command

    with clean_db.transaction() as s:
        world = bid_world(s, now=clock.now())
        upload = service.start_upload(
            s, actor=world.bidders[0], lot_id=world.tender.lot_id, declared_size=50, now=clock.now()
        )
        upload.status = "discarded"
        upload_id = upload.id
    storage = BidStorage.under(tmp_path)
    storage.partial_dir.mkdir(parents=True)
    storage.partial_path(upload_id).write_bytes(b"GGZYSEAL")
    monkeypatch.setenv("GGZY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GGZY_DATABASE_URL", clean_db.url)
    assert clean_command(argparse.Namespace()) == 0
    assert '"discarded": 1' in capsys.readouterr().out
    assert storage.partial_ids() == []
