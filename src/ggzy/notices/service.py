"""Publishing a notice: canonical document, digest, platform signature and ledger event, in the caller's
transaction, so the notice is in the portal, the search index, the feed and OCDS output at the same commit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from ggzy.core.events import emit
from ggzy.entities.models import Entity
from ggzy.ledger import service as ledger
from ggzy.ledger.merkle import canonical_json
from ggzy.ledger.service import jsonable
from ggzy.ledger.signing import session_signer
from ggzy.notices.models import Notice
from ggzy.notices.segment import segment
from ggzy.regions.models import Region

if TYPE_CHECKING:
    from ggzy.projects.models import Lot, Project

DOCUMENT_TYPE = "ggzy.notice"

# Kinds of notice, with their Chinese names. Steps of a procedure name theirs in ``Step.notice``.
KINDS: dict[str, str] = {
    "tender": "招标公告",
    "change": "变更公告",
    "clarification": "澄清与答疑",
    "opening": "开标记录",
    "candidates": "中标候选人公示",
    "result": "中标结果公告",
    "contract": "合同公告",
    "performance": "履约信息",
    "failure": "流标公告",
    "termination": "终止公告",
}

# Step.notice (the procedure tables' names) → notice kind.
STEP_NOTICE_KINDS: dict[str, str] = {
    "tender_notice": "tender",
    "opening_record": "opening",
    "candidate_publicity": "candidates",
    "award_notice": "result",
    "contract": "contract",
    "performance": "performance",
    "failure_notice": "failure",
    "termination_notice": "termination",
}


@dataclass(frozen=True)
class NoticeDraft:
    """What a caller knows of a notice; the service adds the project, lot, time and signature."""

    title: str
    fields: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    amount: Decimal | None = None
    related_id: int | None = None


def build_document(
    *, kind: str, draft: NoticeDraft, project: Project, lot: Lot | None, published_at: datetime
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "type": DOCUMENT_TYPE,
        "v": 1,
        "kind": kind,
        "kind_label": KINDS[kind],
        "title": draft.title,
        "published_at": ledger.format_instant(published_at),
        "project": {
            "id": project.id,
            "code": project.code,
            "name": project.name,
            "trade": project.trade,
            "region_code": project.region_code,
            "owner_entity_id": project.owner_entity_id,
            "agency_entity_id": project.agency_entity_id,
            "fund_source": project.fund_source,
        },
        "fields": jsonable(draft.fields),
        "text": draft.text,
    }
    if lot is not None:
        doc["lot"] = {
            "id": lot.id,
            "code": lot.code,
            "name": lot.name,
            "procedure": lot.procedure,
            "category": lot.category,
            "estimate": format(lot.estimate, "f"),
        }
    if draft.amount is not None:
        doc["amount"] = format(draft.amount, "f")
    if draft.related_id is not None:
        doc["related_notice_id"] = draft.related_id
    return doc


def search_source(session: Session, *, kind: str, draft: NoticeDraft, project: Project, lot: Lot | None) -> str:
    """What the full-text index sees: the notice's own words plus the names a reader searches by (kind,
    project and lot, owner and agency, the region and the prefecture above it)."""
    parts = [KINDS[kind], draft.title, project.name, lot.name if lot is not None else "", draft.text]
    for entity_id in (project.owner_entity_id, project.agency_entity_id):
        entity = session.get(Entity, entity_id) if entity_id is not None else None
        parts.append(entity.name if entity is not None else "")
    region = session.get(Region, project.region_code)
    while region is not None and region.level != "province":
        parts.append(region.name)
        region = session.get(Region, region.parent_code) if region.parent_code else None
    return " ".join(p for p in parts if p)


def publish(
    session: Session,
    *,
    kind: str,
    draft: NoticeDraft,
    project: Project,
    lot: Lot | None,
    actor: str,
    now: datetime,
    event_kind: str,
    event_data: dict[str, Any],
    private: dict[str, Any] | None = None,
) -> Notice:
    """Publish one notice with the ledger event of the change that publishes it (one event, not two).

    Call as the last write of the transaction, like ``ledger.record``: the ledger head stays locked until
    commit, which is what makes ``ledger_index`` a safe feed cursor.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    published_at = ledger.to_millisecond(now)
    doc = build_document(kind=kind, draft=draft, project=project, lot=lot, published_at=published_at)
    document = canonical_json(doc)
    digest = hashlib.sha256(document).hexdigest()
    signer = session_signer(session)
    signature = signer.sign_typed_document(document)
    event = ledger.record(
        session,
        kind=event_kind,
        actor=actor,
        subject=f"lot:{lot.id}" if lot is not None else f"project:{project.id}",
        data={**event_data, "notice": {"kind": kind, "digest": digest}},
        private=private,
        now=now,
    )
    notice = Notice(
        ledger_index=event.index,
        kind=kind,
        project_id=project.id,
        lot_id=lot.id if lot is not None else None,
        related_id=draft.related_id,
        trade=project.trade,
        region_code=project.region_code,
        title=draft.title[:300],
        amount=draft.amount,
        published_at=published_at,
        document=document.decode(),
        digest=digest,
        signature=signature.hex(),
        key_id=signer.key_id,
        search_text=segment(search_source(session, kind=kind, draft=draft, project=project, lot=lot)),
    )
    session.add(notice)
    session.flush()
    emit(
        session,
        "notice.published",
        {"notice_id": notice.id, "kind": kind, "project_id": project.id, "lot_id": notice.lot_id},
        now=now,
    )
    return notice
