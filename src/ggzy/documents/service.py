"""Use cases of tender documents: upload, download (recorded for logged-in bidders), the confidential
download list and its commitment at the bid deadline, change notices and clarifications.

Confidentiality (20号令 art.21, 法22): before the bid deadline only the owner and its agency may learn who
downloaded or how many did. So a download writes no ledger event (events are public, their number would
leak); at the deadline one event commits to the list: public count and SHA-256, the list itself private.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.clock import SHANGHAI
from ggzy.core.db import for_update
from ggzy.core.errors import Conflict, InvalidInput, NotFound, RuleRefused
from ggzy.core.events import emit, subscribe
from ggzy.core.security import Principal, Role
from ggzy.documents import notify as _notify  # noqa: F401  (registers the downloader notification handler)
from ggzy.documents.models import DocumentDownload, DownloadCommitment, TenderDocument
from ggzy.documents.storage import DocumentStorage, Received, check_content, extension_of
from ggzy.ledger import service as ledger
from ggzy.ledger.merkle import canonical_json
from ggzy.ledger.service import jsonable
from ggzy.notices import service as notices
from ggzy.notices.models import Notice
from ggzy.notices.service import NoticeDraft
from ggzy.procedures import scheduler
from ggzy.procedures.kernel import definition_for
from ggzy.projects.models import Lot
from ggzy.projects.service import is_manager
from ggzy.rules.periods import RuleViolation, check_days_before
from ggzy.rules.service import current_ruleset

UPLOAD_STAGES = frozenset({"draft", "published"})
CHANGE_KINDS = {"change": "变更", "clarification": "澄清"}
# 87号令 art.27 states the same 15-day rule for procurement tenders as 采购条例31 (the catalogue's row).
_PROCUREMENT_ALSO = "；另见《政府采购货物和服务招标投标管理办法》（财政部令第87号）第二十七条"


def _lot_not_found(lot_id: int) -> NotFound:
    # The one answer for a lot the caller may not see: the same as for a lot that does not exist.
    return NotFound(f"标段 {lot_id} 不存在", code="LOT_NOT_FOUND", field="lot_id")


def _get_lot(session: Session, lot_id: int, *, lock: bool = False) -> Lot:
    lot = session.get(Lot, lot_id, with_for_update=lock and for_update(session))
    if lot is None:
        raise _lot_not_found(lot_id)
    return lot


def visible_lot(session: Session, *, actor: Principal | None, lot_id: int) -> Lot:
    """A lot whose documents the caller may see: any published lot; a draft only for its managers."""
    lot = _get_lot(session, lot_id)
    if lot.stage == "draft" and not is_manager(actor, lot.project):
        raise _lot_not_found(lot_id)
    return lot


def _managed_lot(session: Session, *, actor: Principal, lot_id: int, lock: bool = False) -> Lot:
    lot = _get_lot(session, lot_id, lock=lock)
    if not is_manager(actor, lot.project):
        raise _lot_not_found(lot_id)  # another owner's lot: do not confirm it exists
    return lot


def _before_deadline(lot: Lot, now: datetime) -> bool:
    return lot.bid_deadline is None or now < lot.bid_deadline


# --- upload ---------------------------------------------------------------------------------------


def check_upload(session: Session, *, actor: Principal, lot_id: int, name: str, now: datetime) -> str:
    """Everything that can be refused before the bytes arrive; returns the file's extension."""
    lot = _managed_lot(session, actor=actor, lot_id=lot_id)
    if lot.stage not in UPLOAD_STAGES:
        raise Conflict("仅草稿或招标公告发布阶段可以上传招标文件", code="LOT_OUT_OF_STAGE", field="stage")
    if not _before_deadline(lot, now):
        raise Conflict("投标截止时间已过，不能再上传招标文件", code="DOCUMENT_AFTER_DEADLINE", field="stage")
    name = name.strip()
    if not name or len(name) > 200 or "/" in name or "\\" in name:
        raise InvalidInput("文件名无效（1-200个字符，不含路径）", code="DOCUMENT_NAME_INVALID", field="name")
    return extension_of(name)


def add_document(
    session: Session,
    *,
    actor: Principal,
    lot_id: int,
    name: str,
    received: Received,
    storage: DocumentStorage,
    replaces_id: int | None,
    now: datetime,
) -> TenderDocument:
    """Store a received file as a document of the lot. In a draft lot it is on offer at once (the tender
    notice publishes it); after the notice it waits, pending, for the change notice that publishes it."""
    try:
        ext = check_upload(session, actor=actor, lot_id=lot_id, name=name, now=now)
        check_content(ext, received.head)
    except BaseException:
        received.partial.unlink(missing_ok=True)
        raise
    lot = _managed_lot(session, actor=actor, lot_id=lot_id, lock=True)
    version = 1
    replaced: TenderDocument | None = None
    if replaces_id is not None:
        replaced = session.get(TenderDocument, replaces_id)
        if replaced is None or replaced.lot_id != lot.id or replaced.status != "current":
            received.partial.unlink(missing_ok=True)
            raise InvalidInput(
                "被替换的文件不是本标段当前有效的招标文件", code="DOCUMENT_REPLACES_INVALID", field="replaces_id"
            )
        version = replaced.version + 1
    relpath = storage.store(received, lot_id=lot.id, ext=ext)
    draft = lot.stage == "draft"
    doc = TenderDocument(
        lot_id=lot.id,
        name=name.strip(),
        ext=ext,
        size=received.size,
        sha256=received.sha256,
        relpath=relpath,
        version=version,
        replaces_id=replaces_id,
        status="current" if draft else "pending",
        uploaded_by=actor.user_id,
        uploaded_at=now,
    )
    session.add(doc)
    if draft and replaced is not None:
        replaced.status = "superseded"  # nothing was published yet: the new version simply takes its place
    session.flush()
    data = {
        "lot_id": lot.id,
        "document_id": doc.id,
        "name": doc.name,
        "sha256": doc.sha256,
        "size": doc.size,
        "version": version,
        "replaces_id": replaces_id,
        "status": doc.status,
    }
    ledger.record(
        session,
        kind="lot.document_uploaded",
        actor=f"user:{actor.user_id}",
        subject=f"lot:{lot.id}",
        data=data,
        now=now,
    )
    emit(session, "documents.uploaded", {"lot_id": lot.id, "document_id": doc.id}, now=now)
    return doc


# --- download -------------------------------------------------------------------------------------


def documents_of(session: Session, *, actor: Principal | None, lot: Lot) -> list[TenderDocument]:
    """The lot's documents the caller may see: pending versions only for the managers."""
    stmt = select(TenderDocument).where(TenderDocument.lot_id == lot.id)
    if not is_manager(actor, lot.project):
        stmt = stmt.where(TenderDocument.status != "pending")
    return list(session.scalars(stmt.order_by(TenderDocument.id)))


def open_document(session: Session, *, actor: Principal | None, document_id: int, now: datetime) -> TenderDocument:
    """The document to send, or 404 for a draft lot's or a pending file (to anyone but the managers)."""
    doc = session.get(TenderDocument, document_id)
    not_found = NotFound(f"招标文件 {document_id} 不存在", code="DOCUMENT_NOT_FOUND", field="document_id")
    if doc is None:
        raise not_found
    lot = _get_lot(session, doc.lot_id)
    if is_manager(actor, lot.project):
        return doc
    if lot.stage == "draft" or doc.status == "pending":
        raise not_found
    if lot.documents_from is not None and now < lot.documents_from:
        raise Conflict("招标文件尚未开始发出", code="DOCUMENTS_NOT_YET_AVAILABLE", field="document_id")
    return doc


def record_download(
    session: Session, *, actor: Principal | None, document_id: int, ip: str, now: datetime
) -> DocumentDownload | None:
    """Record a logged-in bidder's download (entity, user, file, time, IP); nobody else is recorded.
    Deliberately no ledger event and no domain event: see the module docstring."""
    if actor is None or not actor.has(Role.bidder_staff) or actor.entity_id is None:
        return None
    doc = open_document(session, actor=actor, document_id=document_id, now=now)
    row = DocumentDownload(
        lot_id=doc.lot_id, document_id=doc.id, entity_id=actor.entity_id, user_id=actor.user_id, ip=ip[:64], at=now
    )
    session.add(row)
    session.flush()
    return row


def may_see_downloads(actor: Principal | None, lot: Lot, now: datetime) -> bool:
    """Owner and agency always; center staff and the trade's supervisors only once the deadline passed."""
    if actor is None:
        return False
    if is_manager(actor, lot.project):
        return True
    if _before_deadline(lot, now):
        return False
    if actor.has(Role.center_staff):
        return True
    return any(g.role == Role.supervisor and g.trade in (None, lot.project.trade) for g in actor.grants)


def downloads_of(session: Session, *, actor: Principal | None, lot_id: int, now: datetime) -> list[DocumentDownload]:
    """The download list, or the very refusal a nonexistent lot gets (404 LOT_NOT_FOUND)."""
    lot = session.get(Lot, lot_id)
    if lot is None or not may_see_downloads(actor, lot, now):
        raise _lot_not_found(lot_id)
    return list(
        session.scalars(select(DocumentDownload).where(DocumentDownload.lot_id == lot_id).order_by(DocumentDownload.id))
    )


def commitment_of(session: Session, lot_id: int) -> DownloadCommitment | None:
    return session.scalars(select(DownloadCommitment).where(DownloadCommitment.lot_id == lot_id)).one_or_none()


def _record_of(row: DocumentDownload) -> dict[str, Any]:
    return {
        "id": row.id,
        "document_id": row.document_id,
        "entity_id": row.entity_id,
        "user_id": row.user_id,
        "ip": row.ip,
        "at": row.at,
    }


def download_digest(rows: list[DocumentDownload]) -> str:
    """SHA-256 over the canonical JSON of the records sorted by id: anyone given the list can check it."""
    records = jsonable([_record_of(r) for r in sorted(rows, key=lambda r: r.id)])
    return hashlib.sha256(canonical_json(records)).hexdigest()


def commit_downloads(session: Session, *, lot_id: int, now: datetime) -> DownloadCommitment | None:
    """Once the deadline passed: one ledger event committing to the downloads made before it. Idempotent."""
    lot = session.get(Lot, lot_id, with_for_update=for_update(session))
    if lot is None or lot.bid_deadline is None or now < lot.bid_deadline:
        return None
    existing = commitment_of(session, lot_id)
    if existing is not None:
        return existing
    rows = list(
        session.scalars(
            select(DocumentDownload)
            .where(DocumentDownload.lot_id == lot_id, DocumentDownload.at < lot.bid_deadline)
            .order_by(DocumentDownload.id)
        )
    )
    digest = download_digest(rows)
    data = {
        "lot_id": lot_id,
        "cutoff": lot.bid_deadline,
        "downloads": len(rows),
        "entities": len({r.entity_id for r in rows}),
        "digest": digest,
    }
    commitment = DownloadCommitment(
        lot_id=lot_id, ledger_index=-1, count=len(rows), digest=digest, cutoff=lot.bid_deadline
    )
    session.add(commitment)
    session.flush()
    event = ledger.record(
        session,
        kind="lot.downloads_committed",
        actor="system",
        subject=f"lot:{lot_id}",
        data=data,
        private={"downloads": [_record_of(r) for r in rows]},
        now=now,
    )
    commitment.ledger_index = event.index
    return commitment


@subscribe("lot.reach_deadline", "documents.commit_downloads")
def _on_deadline(session: Session, payload: dict[str, Any]) -> None:
    lot = session.get(Lot, int(payload["lot_id"]))
    if lot is not None and lot.bid_deadline is not None:
        # The list is fixed as of the deadline: date the commitment there, whenever the outbox delivers it.
        commit_downloads(session, lot_id=lot.id, now=lot.bid_deadline)


# --- change notices and clarifications ------------------------------------------------------------


@dataclass(frozen=True)
class ChangeResult:
    notice: Notice
    lot: Lot
    documents: list[TenderDocument]


def tender_notice_id(session: Session, lot_id: int) -> int | None:
    return session.scalar(
        select(Notice.id).where(Notice.lot_id == lot_id, Notice.kind == "tender").order_by(Notice.id.desc()).limit(1)
    )


def _refuse_late(lot: Lot, violation: RuleViolation) -> RuleRefused:
    citation = violation.citation + (_PROCUREMENT_ALSO if lot.project.trade == "procurement" else "")
    return RuleRefused(
        "影响投标文件编制的澄清或修改须在投标截止时间至少15日前发出；不足15日的，须同时顺延投标截止时间。"
        + violation.message_zh,
        code="DOCUMENT_CHANGE_TOO_LATE",
        field="bid_deadline",
        rule=violation.rule.key,
        citation=citation,
    )


def publish_change(
    session: Session,
    *,
    actor: Principal,
    lot_id: int,
    kind: str,
    title: str,
    text: str,
    affects_preparation: bool,
    new_bid_deadline: datetime | None,
    new_documents_until: datetime | None,
    document_ids: list[int],
    now: datetime,
) -> ChangeResult:
    """Publish a change (变更) or clarification (澄清) of the tender documents as a signed notice.

    One that may affect bid preparation, published less than 15 days before the deadline, is refused
    (法23, 条例21; 87号令27) unless it moves the deadline far enough. New document versions attached here
    make the change affect preparation by definition. Every recorded downloader is notified (20号令 art.22).
    """
    if kind not in CHANGE_KINDS:
        raise InvalidInput("类型只能是变更（change）或澄清（clarification）", code="INVALID_INPUT", field="kind")
    title, text = title.strip(), text.strip()
    if not title or len(title) > 200:
        raise InvalidInput("请填写标题（1-200个字）", code="DOCUMENT_CHANGE_TITLE_REQUIRED", field="title")
    if len(text) < 4:
        raise InvalidInput("请写明澄清或修改的内容（至少4个字）", code="DOCUMENT_CHANGE_TEXT_REQUIRED", field="text")
    lot = _managed_lot(session, actor=actor, lot_id=lot_id, lock=True)
    if lot.stage != "published" or lot.bid_deadline is None:
        raise Conflict("仅招标公告发布后、投标截止前可以发布澄清或变更", code="LOT_OUT_OF_STAGE", field="stage")
    if now >= lot.bid_deadline:
        raise Conflict("投标截止时间已过，不能再澄清或修改招标文件", code="DOCUMENT_AFTER_DEADLINE", field="stage")
    attached: list[TenderDocument] = []
    for doc_id in dict.fromkeys(document_ids):
        doc = session.get(TenderDocument, doc_id)
        if doc is None or doc.lot_id != lot.id or doc.status != "pending":
            raise InvalidInput(
                f"文件 {doc_id} 不是本标段待发布的新版本招标文件", code="DOCUMENT_ATTACH_INVALID", field="document_ids"
            )
        attached.append(doc)
    affects = affects_preparation or bool(attached)
    old_deadline = lot.bid_deadline
    deadline = old_deadline
    if new_bid_deadline is not None:
        if new_bid_deadline <= old_deadline:
            raise InvalidInput(
                "新的投标截止时间须晚于原投标截止时间", code="DOCUMENT_DEADLINE_NOT_LATER", field="bid_deadline"
            )
        deadline = new_bid_deadline
    documents_until = new_documents_until or lot.documents_until
    if new_documents_until is not None and (
        new_documents_until >= deadline
        or (lot.documents_from is not None and new_documents_until <= lot.documents_from)
    ):
        raise InvalidInput(
            "招标文件发出截止时间须晚于发出开始时间、早于投标截止时间",
            code="NOTICE_DATES_INVALID",
            field="documents_until",
        )
    if affects:
        trade = "procurement" if lot.project.trade == "procurement" else "construction"
        try:
            check_days_before(
                current_ruleset(session),
                key=f"{trade}.clarification_before_bid_deadline",
                act_on=now.astimezone(SHANGHAI).date(),
                deadline=deadline.astimezone(SHANGHAI).date(),
                field="bid_deadline",
            )
        except RuleViolation as violation:
            raise _refuse_late(lot, violation) from violation
    moved = deadline != old_deadline
    lot.bid_deadline = deadline
    lot.documents_until = documents_until
    lot.updated_at = now
    if moved:
        # The deadline timer fires at the new time only (the old row is replaced: schedule() cancels it).
        definition = definition_for(lot.project.trade, lot.procedure)
        for timed in definition.timed_steps_from(lot.stage):
            due = getattr(lot, timed.timer or "", None)
            if due is not None:
                scheduler.schedule(session, subject=f"lot:{lot.id}", action=timed.action, due_at=due, now=now)
    for doc in attached:
        doc.status = "current"
        if doc.replaces_id is not None:
            replaced = session.get(TenderDocument, doc.replaces_id)
            if replaced is not None and replaced.status == "current":
                replaced.status = "superseded"
    files = [
        {
            "id": d.id,
            "name": d.name,
            "sha256": d.sha256,
            "size": d.size,
            "version": d.version,
            "replaces_id": d.replaces_id,
        }
        for d in attached
    ]
    fields: dict[str, Any] = {
        "change_kind": kind,
        "affects_preparation": affects,
        "reason": title,
        "documents": files,
    }
    if moved:
        fields["bid_deadline"] = deadline
        fields["previous_bid_deadline"] = old_deadline
    if new_documents_until is not None:
        fields["documents_until"] = documents_until
    session.flush()
    notice = notices.publish(
        session,
        kind=kind,
        draft=NoticeDraft(title=title, fields=fields, text=text, related_id=tender_notice_id(session, lot.id)),
        project=lot.project,
        lot=lot,
        actor=f"user:{actor.user_id}",
        now=now,
        event_kind="lot.document_change" if kind == "change" else "lot.document_clarification",
        event_data={"lot_id": lot.id, **fields},
    )
    for doc in attached:
        doc.notice_id = notice.id
    emit(session, "documents.change_published", {"lot_id": lot.id, "notice_id": notice.id}, now=now)
    return ChangeResult(notice, lot, attached)


def changes_of(session: Session, lot_id: int) -> list[Notice]:
    """The lot's published changes and clarifications, oldest first (public by construction)."""
    return list(
        session.scalars(
            select(Notice)
            .where(Notice.lot_id == lot_id, Notice.kind.in_(tuple(CHANGE_KINDS)))
            .order_by(Notice.ledger_index)
        )
    )
