"""Tender documents through the service: refusals, the 15-day rule with the deadline moved and the timer
rescheduled, the download commitment at the deadline, downloaders notified."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.factories import principal, tender_world

from ggzy.core.clock import SHANGHAI, FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import Conflict, InvalidInput, NotFound, RuleRefused
from ggzy.core.security import Principal, Role
from ggzy.documents import service
from ggzy.documents.models import DocumentNotification, DownloadCommitment
from ggzy.documents.storage import DocumentStorage
from ggzy.entities.trades import Trade
from ggzy.ledger.models import LedgerEvent, LedgerPrivate
from ggzy.procedures.models import ScheduledTransition
from ggzy.procedures.scheduler import run_due
from ggzy.projects import service as projects
from ggzy.projects.models import Lot

PDF = b"%PDF-1.7\n" + b"x" * 100


def at(day: str, hm: str = "09:30") -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


def upload(
    db: Database,
    storage: DocumentStorage,
    actor: Principal,
    lot_id: int,
    name: str,
    data: bytes,
    clock: FrozenClock,
    *,
    replaces: int | None = None,
    limit: int = 10_000,
) -> int:
    incoming = storage.incoming(limit)
    incoming.write(data)
    received = incoming.finish()
    with db.transaction() as s:
        doc = service.add_document(
            s, actor=actor, lot_id=lot_id, name=name, received=received, storage=storage, replaces_id=replaces,
            now=clock.now(),
        )  # fmt: skip
        return doc.id


def publish(db: Database, owner: Principal, lot_id: int, clock: FrozenClock, trade: Trade) -> None:
    deadline = at("2026-10-15") if trade == Trade.construction else at("2026-10-20")
    until = at("2026-09-30", "17:00") if trade == Trade.construction else at("2026-10-12", "17:00")
    with db.transaction() as s:
        projects.publish_notice(
            s, actor=owner, lot_id=lot_id, documents_from=at("2026-09-25"), documents_until=until,
            bid_deadline=deadline, bid_bond=Decimal("1000"), now=clock.now(),
        )  # fmt: skip


@pytest.fixture
def storage(tmp_path: Path) -> DocumentStorage:
    return DocumentStorage.under(tmp_path)


def test_upload_refusals_and_hash(clean_db: Database, clock: FrozenClock, storage: DocumentStorage) -> None:
    with clean_db.transaction() as s:
        w = tender_world(s, now=clock.now())
    doc_id = upload(clean_db, storage, w.owner, w.lot_id, "招标文件.pdf", PDF, clock)
    with clean_db.session(write=False) as s:
        lot = s.get(Lot, w.lot_id)
        docs = service.documents_of(s, actor=w.owner, lot=lot)  # type: ignore[arg-type]
        assert [d.id for d in docs] == [doc_id] and docs[0].sha256 == hashlib.sha256(PDF).hexdigest()
        assert storage.resolve(docs[0].relpath).read_bytes() == PDF
    with pytest.raises(InvalidInput) as err:
        upload(clean_db, storage, w.owner, w.lot_id, "setup.exe", b"MZ" + b"0" * 20, clock)
    assert err.value.code == "DOCUMENT_TYPE_NOT_ALLOWED"
    with pytest.raises(InvalidInput) as err:
        upload(clean_db, storage, w.owner, w.lot_id, "fake.pdf", b"MZ" + b"0" * 20, clock)
    assert err.value.code == "DOCUMENT_CONTENT_MISMATCH"
    with pytest.raises(NotFound) as nf:  # another owner: the lot does not exist for them
        upload(clean_db, storage, w.other_owner, w.lot_id, "a.pdf", PDF, clock)
    assert nf.value.code == "LOT_NOT_FOUND"
    incoming = storage.incoming(50)
    with pytest.raises(Exception) as big:
        incoming.write(b"x" * 51)
    assert getattr(big.value, "code", None) == "DOCUMENT_TOO_LARGE" and not incoming.path.exists()
    assert list(storage.partial_dir.glob("*.part")) == []  # refused files leave nothing behind


def _world_published(db: Database, clock: FrozenClock, storage: DocumentStorage, trade: Trade = Trade.construction):  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        w = tender_world(s, now=clock.now(), trade=trade)
        bidders = [
            principal(s, username=f"b{i}", role=Role.bidder_staff, entity_id=w.bidder_ids[i], now=clock.now())
            for i in range(2)
        ]
    doc_id = upload(db, storage, w.owner, w.lot_id, "招标文件.pdf", PDF, clock)
    publish(db, w.owner, w.lot_id, clock, trade)
    return w, bidders, doc_id


def test_change_within_15_days_refused_unless_deadline_moves(
    clean_db: Database, clock: FrozenClock, storage: DocumentStorage
) -> None:
    w, bidders, doc_id = _world_published(clean_db, clock, storage)
    with clean_db.transaction() as s:
        service.record_download(s, actor=bidders[0], document_id=doc_id, ip="10.0.0.1", now=clock.now())
    clock.set(at("2026-10-05"))  # 10 days before the 10-15 deadline
    new_doc = upload(clean_db, storage, w.owner, w.lot_id, "招标文件-修订.pdf", PDF + b"v2", clock, replaces=doc_id)

    def change(**kw):  # type: ignore[no-untyped-def]
        with clean_db.transaction() as s:
            args = {
                "kind": "change", "title": "关于工程量清单的修改", "text": "修改第三章工程量清单。",
                "affects_preparation": True, "new_bid_deadline": None, "new_documents_until": None,
                "document_ids": [new_doc],
            }  # fmt: skip
            args.update(kw)
            return service.publish_change(s, actor=w.owner, lot_id=w.lot_id, now=clock.now(), **args)

    with pytest.raises(RuleRefused) as err:
        change()
    assert err.value.code == "DOCUMENT_CHANGE_TOO_LATE" and "第二十三条" in (err.value.citation or "")
    assert "第二十一条" in (err.value.citation or "")
    with pytest.raises(RuleRefused):  # moved, but only to 14 days from today
        change(new_bid_deadline=at("2026-10-19"))
    # A clarification that does not affect preparation needs no 15 days.
    clar = change(
        kind="clarification", title="澄清", text="答疑：工期以合同为准。", affects_preparation=False, document_ids=[]
    )
    assert clar.notice.kind == "clarification"
    result = change(new_bid_deadline=at("2026-10-20"))
    assert result.lot.bid_deadline == at("2026-10-20")
    with clean_db.session(write=False) as s:
        lot = s.get(Lot, w.lot_id)
        statuses = {d.id: d.status for d in service.documents_of(s, actor=None, lot=lot)}  # type: ignore[arg-type]
        assert statuses == {doc_id: "superseded", new_doc: "current"}
        notice = result.notice
        assert notice.related_id == service.tender_notice_id(s, w.lot_id)
        assert (
            s.scalar(
                select(func.count()).select_from(ScheduledTransition).where(ScheduledTransition.status == "pending")
            )
            == 1
        )
        # Every recorded downloader is notified once (one per channel), nobody else.
        notes = list(s.scalars(select(DocumentNotification)))
        assert {(n.user_id, n.notice_id) for n in notes} == {
            (bidders[0].user_id, clar.notice.id),
            (bidders[0].user_id, notice.id),
        }
        assert "2026-10-20" in next(n.body for n in notes if n.notice_id == notice.id)
    # The old deadline no longer opens the lot; the new one does.
    assert run_due(clean_db, now=at("2026-10-15", "09:31")).done == 0
    with clean_db.session(write=False) as s:
        assert s.get(Lot, w.lot_id).stage == "published"  # type: ignore[union-attr]
    assert run_due(clean_db, now=at("2026-10-20", "09:30")).done == 1
    with clean_db.session(write=False) as s:
        assert s.get(Lot, w.lot_id).stage == "opening"  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        change(new_bid_deadline=at("2026-11-20"))


def test_procurement_refusal_cites_87_order(clean_db: Database, clock: FrozenClock, storage: DocumentStorage) -> None:
    w, _, _ = _world_published(clean_db, clock, storage, trade=Trade.procurement)
    clock.set(at("2026-10-10"))
    with pytest.raises(RuleRefused) as err, clean_db.transaction() as s:
        service.publish_change(
            s, actor=w.owner, lot_id=w.lot_id, kind="change", title="变更", text="变更技术参数。",
            affects_preparation=True, new_bid_deadline=None, new_documents_until=None, document_ids=[],
            now=clock.now(),
        )  # fmt: skip
    assert "第87号" in (err.value.citation or "") and "第二十七条" in (err.value.citation or "")


def test_downloads_committed_at_deadline_without_earlier_ledger_trace(
    clean_db: Database, clock: FrozenClock, storage: DocumentStorage
) -> None:
    w, bidders, doc_id = _world_published(clean_db, clock, storage)
    with clean_db.session(write=False) as s:
        before = s.scalar(select(func.count()).select_from(LedgerEvent))
    for b in bidders:
        with clean_db.transaction() as s:
            service.record_download(s, actor=b, document_id=doc_id, ip="10.0.0.9", now=clock.now())
    with clean_db.transaction() as s:  # anonymous and owner downloads are not recorded
        assert service.record_download(s, actor=None, document_id=doc_id, ip="1.1.1.1", now=clock.now()) is None
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(LedgerEvent)) == before  # no public trace per download
        center = Principal(w.center.user_id, "center", "center", None, grants=w.center.grants)
        with pytest.raises(NotFound) as nf:
            service.downloads_of(s, actor=center, lot_id=w.lot_id, now=clock.now())
        assert nf.value.code == "LOT_NOT_FOUND"
        assert len(service.downloads_of(s, actor=w.owner, lot_id=w.lot_id, now=clock.now())) == 2
    assert run_due(clean_db, now=at("2026-10-15")).done == 1  # deadline → opening → commitment via the outbox
    with clean_db.session(write=False) as s:
        commitment = s.scalars(select(DownloadCommitment)).one()
        rows = service.downloads_of(s, actor=w.center, lot_id=w.lot_id, now=at("2026-10-15"))
        assert commitment.count == 2 and commitment.digest == service.download_digest(rows)
        event = s.scalars(select(LedgerEvent).where(LedgerEvent.index == commitment.ledger_index)).one()
        assert event.kind == "lot.downloads_committed" and event.data["downloads"] == 2
        private = s.get(LedgerPrivate, commitment.ledger_index)
        assert private is not None and len(private.payload["downloads"]) == 2
    with clean_db.transaction() as s:  # idempotent
        assert service.commit_downloads(s, lot_id=w.lot_id, now=at("2026-10-16")).id == commitment.id  # type: ignore[union-attr]
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(DownloadCommitment)) == 1


def test_draft_lot_documents_hidden_and_upload_after_deadline_refused(
    clean_db: Database, clock: FrozenClock, storage: DocumentStorage
) -> None:
    with clean_db.transaction() as s:
        w = tender_world(s, now=clock.now())
    doc_id = upload(clean_db, storage, w.owner, w.lot_id, "a.docx", b"PK\x03\x04" + b"0" * 30, clock)
    with clean_db.session(write=False) as s:
        with pytest.raises(NotFound):
            service.visible_lot(s, actor=None, lot_id=w.lot_id)
        with pytest.raises(NotFound):
            service.open_document(s, actor=None, document_id=doc_id, now=clock.now())
    publish(clean_db, w.owner, w.lot_id, clock, Trade.construction)
    # After the notice a new upload waits for its change notice: the public does not see it.
    pending = upload(clean_db, storage, w.owner, w.lot_id, "b.xlsx", b"PK\x03\x04" + b"1" * 30, clock)
    with clean_db.session(write=False) as s:
        with pytest.raises(NotFound):
            service.open_document(s, actor=None, document_id=pending, now=clock.now())
        assert service.open_document(s, actor=None, document_id=doc_id, now=clock.now()).id == doc_id
    clock.advance(timedelta(days=30))
    with pytest.raises(Conflict) as err:
        upload(clean_db, storage, w.owner, w.lot_id, "c.pdf", PDF, clock)
    assert err.value.code == "DOCUMENT_AFTER_DEADLINE"
