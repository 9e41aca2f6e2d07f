"""Reads of published notices. Everything here is public: a notice exists only once it is published."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.errors import NotFound
from ggzy.notices.models import Notice
from ggzy.notices.service import KINDS


def get_notice(session: Session, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"公告 {notice_id} 不存在", code="NOTICE_NOT_FOUND", field="notice_id")
    return notice


def lot_notices(session: Session, lot_id: int) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.lot_id == lot_id).order_by(Notice.ledger_index)))


def project_notices(session: Session, project_id: int) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.project_id == project_id).order_by(Notice.ledger_index)))


def notice_out(notice: Notice) -> dict[str, Any]:
    return {
        "id": notice.id,
        "kind": notice.kind,
        "kind_label": KINDS.get(notice.kind, notice.kind),
        "title": notice.title,
        "project_id": notice.project_id,
        "lot_id": notice.lot_id,
        "related_id": notice.related_id,
        "trade": notice.trade,
        "region_code": notice.region_code,
        "amount": format(notice.amount, "f") if notice.amount is not None else None,
        "published_at": notice.published_at.isoformat().replace("+00:00", "Z"),
        "ledger_index": notice.ledger_index,
        "digest": notice.digest,
        "signature": notice.signature,
        "key_id": notice.key_id,
        "document": notice.fields(),
    }
