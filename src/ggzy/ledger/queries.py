"""Reads of the ledger: events, node hashes for proofs, published tree heads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ggzy.ledger.models import LedgerEvent, LedgerNode, LedgerState, LedgerTreeHead
from ggzy.ledger.service import event_document, format_instant
from ggzy.ledger.signing import TreeHead


class DbNodeSource:
    """Perfect-subtree hashes from the database: leaves from ledger_events, the rest from ledger_nodes.

    Each proof asks for all its hashes at once, answered with at most two indexed queries.
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def perfect_subtree_hashes(self, requests: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        out: dict[tuple[int, int], bytes] = {}
        leaves = [idx for level, idx in requests if level == 0]
        if leaves:
            rows = self.session.execute(
                select(LedgerEvent.index, LedgerEvent.leaf_hash).where(LedgerEvent.index.in_(leaves))
            )
            out.update({(0, i): h for i, h in rows})
        by_level: dict[int, list[int]] = {}
        for level, idx in requests:
            if level > 0:
                by_level.setdefault(level, []).append(idx)
        if by_level:
            cond = or_(*(and_(LedgerNode.level == lv, LedgerNode.idx.in_(ix)) for lv, ix in by_level.items()))
            rows2 = self.session.execute(select(LedgerNode.level, LedgerNode.idx, LedgerNode.hash).where(cond))
            out.update({(lv, i): h for lv, i, h in rows2})
        missing = [r for r in requests if r not in out]
        if missing:
            raise LookupError(f"ledger nodes missing (not integrated yet?): {missing[:5]}")
        return out


def state(session: Session) -> LedgerState:
    row = session.get(LedgerState, 1)
    if row is None:
        raise LookupError("ledger_state row missing: run migrations")
    return row


def latest_tree_head(session: Session) -> TreeHead | None:
    row = session.scalars(select(LedgerTreeHead).order_by(LedgerTreeHead.tree_size.desc()).limit(1)).first()
    return to_tree_head(row) if row else None


def tree_head_at(session: Session, tree_size: int) -> TreeHead | None:
    row = session.get(LedgerTreeHead, tree_size)
    return to_tree_head(row) if row else None


def to_tree_head(row: LedgerTreeHead) -> TreeHead:
    return TreeHead(
        tree_size=row.tree_size,
        root_hash=row.root_hash,
        timestamp_ms=row.timestamp_ms,
        signature=row.signature,
        key_id=row.key_id,
    )


def list_tree_heads(session: Session, *, limit: int, offset: int) -> list[TreeHead]:
    rows = session.scalars(select(LedgerTreeHead).order_by(LedgerTreeHead.tree_size.desc()).limit(limit).offset(offset))
    return [to_tree_head(r) for r in rows]


def public_event(event: LedgerEvent) -> dict[str, Any]:
    doc = event_document(event)
    doc["leaf_hash"] = event.leaf_hash.hex()
    return doc


def list_events(
    session: Session, *, start: int, limit: int, kind: str | None = None, subject: str | None = None
) -> list[dict[str, Any]]:
    stmt = select(LedgerEvent).where(LedgerEvent.index >= start)
    if kind:
        stmt = stmt.where(LedgerEvent.kind == kind)
    if subject:
        stmt = stmt.where(LedgerEvent.subject == subject)
    return [public_event(e) for e in session.scalars(stmt.order_by(LedgerEvent.index).limit(limit))]


def recent_events(session: Session, *, limit: int, before: int | None = None) -> list[dict[str, Any]]:
    stmt = select(LedgerEvent)
    if before is not None:
        stmt = stmt.where(LedgerEvent.index < before)
    return [public_event(e) for e in session.scalars(stmt.order_by(LedgerEvent.index.desc()).limit(limit))]


def get_event(session: Session, index: int) -> dict[str, Any] | None:
    event = session.get(LedgerEvent, index)
    return public_event(event) if event else None


def iter_events(session: Session, *, stop: int | None = None, batch: int = 5000) -> Iterator[dict[str, Any]]:
    """All public events in index order, fetched in keyset batches (constant memory).

    Plain rows, not ORM objects: ``ggzy verify`` streams millions of events and hydration would dominate.
    """
    table = LedgerEvent.__table__
    start = 0
    while True:
        stmt = select(table).where(table.c.index >= start)
        if stop is not None:
            stmt = stmt.where(table.c.index < stop)
        rows = session.execute(stmt.order_by(table.c.index).limit(batch)).mappings().all()
        if not rows:
            return
        for row in rows:
            yield {
                "index": row["index"],
                "kind": row["kind"],
                "at": format_instant(row["at"]),
                "actor": row["actor"],
                "subject": row["subject"],
                "data": row["data"],
                "private_digest": row["private_digest"],
                "leaf_hash": row["leaf_hash"].hex(),
            }
        start = rows[-1]["index"] + 1
