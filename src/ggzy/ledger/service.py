"""Appending to the transparency ledger inside the caller's transaction."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from ggzy.core.db import for_update
from ggzy.ledger.merkle import canonical_json, leaf_hash
from ggzy.ledger.models import LedgerEvent, LedgerPrivate, LedgerState, LedgerTreeHead
from ggzy.ledger.signing import SigningKey, TreeHead


def jsonable(value: Any) -> Any:
    """Event data in a form canonical JSON can hash unambiguously: no floats, dates as ISO strings."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=canonical_json) if isinstance(value, set | frozenset) else items
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return format_instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, float):
        raise TypeError("floats are not allowed in ledger events; use Decimal or str")
    return value


def to_millisecond(instant: datetime) -> datetime:
    """An instant in UTC cut to whole milliseconds, the precision every signed document carries."""
    return instant.astimezone(UTC).replace(microsecond=(instant.microsecond // 1000) * 1000)


def format_instant(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_document(event: LedgerEvent) -> dict[str, Any]:
    """The public form of an event; its canonical JSON is exactly what the leaf hash covers."""
    return {
        "index": event.index,
        "kind": event.kind,
        "at": format_instant(event.at),
        "actor": event.actor,
        "subject": event.subject,
        "data": event.data,
        "private_digest": event.private_digest,
    }


def _lock_state(session: Session) -> LedgerState:
    # populate_existing: an append in this session moved the size with a bulk UPDATE the identity map missed.
    stmt = select(LedgerState).where(LedgerState.id == 1).execution_options(populate_existing=True)
    if for_update(session):
        stmt = stmt.with_for_update()
    state = session.scalars(stmt).one_or_none()
    if state is None:
        state = LedgerState(id=1, size=0, integrated_size=0)
        session.add(state)
        session.flush()
    return state


# Built once: statement construction costs more than executing these on SQLite.
_STATE = cast(Table, LedgerState.__table__)
_CLAIM = update(_STATE).where(_STATE.c.id == 1).values(size=_STATE.c.size + 1).returning(_STATE.c.size)
_INSERT_EVENT = insert(cast(Table, LedgerEvent.__table__))
_INSERT_PRIVATE = insert(cast(Table, LedgerPrivate.__table__))


def _claim_index(session: Session) -> int:
    """Take the next index with one statement that also locks the head row until commit.

    ``UPDATE … RETURNING`` both serialises appenders (row lock on PostgreSQL, the write lock on SQLite) and
    hands out the index, so an append costs one small update more than a plain insert.
    """
    if session.new or session.dirty or session.deleted:
        session.flush()  # the caller's own writes fail first, before an index is taken
    claimed = session.connection().execute(_CLAIM).scalar_one_or_none()
    if claimed is None:
        state = _lock_state(session)
        state.size += 1
        session.flush()
        return state.size - 1
    return int(claimed) - 1


def record(
    session: Session,
    *,
    kind: str,
    actor: str,
    subject: str,
    data: dict[str, Any],
    now: datetime,
    private: dict[str, Any] | None = None,
) -> LedgerEvent:
    """Append one event in the caller's transaction and return it with its index.

    ``actor`` is public (``user:12``, ``system``, ``anonymous``); put anything confidential in ``private``,
    which is stored apart and only committed to by a salted digest. Call this as the last write of a
    transaction: it locks the ledger head until commit, so writers queue in a fixed order.
    """
    public_data = jsonable(data)
    digest: str | None = None
    salt = ""
    private_data: dict[str, Any] | None = None
    if private is not None:
        private_data = jsonable(private)
        salt = secrets.token_hex(16)
        digest = hashlib.sha256(salt.encode() + canonical_json(private_data)).hexdigest()
    event = LedgerEvent(
        index=_claim_index(session),
        kind=kind,
        at=to_millisecond(now),
        actor=actor,
        subject=subject,
        data=public_data,
        private_digest=digest,
        leaf_hash=b"",
    )
    event.leaf_hash = leaf_hash(canonical_json(event_document(event)))
    # Core inserts: the event is write-once, so the unit of work's bookkeeping would be pure overhead.
    conn = session.connection()
    conn.execute(
        _INSERT_EVENT,
        {
            "index": event.index,
            "kind": event.kind,
            "at": event.at,
            "actor": event.actor,
            "subject": event.subject,
            "data": event.data,
            "private_digest": event.private_digest,
            "leaf_hash": event.leaf_hash,
        },
    )
    if private_data is not None:
        conn.execute(_INSERT_PRIVATE, {"index": event.index, "salt": salt, "payload": private_data})
    return event


def integrate(session: Session, *, batch: int = 50_000) -> int:
    """Store the perfect-subtree nodes of leaves appended since the last run; returns the new size.

    Appends only write their leaf, so that an append costs about a plain insert; the interior of the tree
    is built here, after commit, before a tree head is signed. Safe to call concurrently: the state row
    lock serialises integrators.
    """
    from ggzy.ledger.merkle import new_perfect_nodes
    from ggzy.ledger.models import LedgerNode

    state = _lock_state(session)
    done = state.integrated_size
    target = state.size
    cache: dict[tuple[int, int], bytes] = {}  # left siblings fetched from storage, few per batch

    def get(level: int, idx: int) -> bytes:
        key = (level, idx)
        if key not in cache:
            if level == 0:
                value = session.scalar(select(LedgerEvent.leaf_hash).where(LedgerEvent.index == idx))
            else:
                value = session.scalar(select(LedgerNode.hash).where(LedgerNode.level == level, LedgerNode.idx == idx))
            if value is None:
                raise LookupError(f"ledger node ({level}, {idx}) missing")
            cache[key] = value
        return cache[key]

    while done < target:
        upto = min(target, done + batch)
        leaves = list(
            session.scalars(
                select(LedgerEvent.leaf_hash)
                .where(LedgerEvent.index >= done, LedgerEvent.index < upto)
                .order_by(LedgerEvent.index)
            )
        )
        if len(leaves) != upto - done:
            raise RuntimeError(f"ledger has a gap between {done} and {upto}")
        nodes = new_perfect_nodes(done, leaves, get)
        if nodes:
            session.execute(insert(LedgerNode), [{"level": lv, "idx": i, "hash": h} for lv, i, h in nodes])
        done = upto
    state.integrated_size = done
    return done


def publish_tree_head(session: Session, *, key: SigningKey, now: datetime) -> TreeHead:
    """Integrate new leaves and sign a tree head for the current size (reusing the last if unchanged)."""
    from ggzy.ledger.merkle import root_at
    from ggzy.ledger.queries import DbNodeSource, latest_tree_head

    size = integrate(session)
    last = latest_tree_head(session)
    if last is not None and last.tree_size == size:
        return last
    root = root_at(DbNodeSource(session), size)
    head = key.sign_tree_head(size, root, int(now.timestamp() * 1000))
    session.add(
        LedgerTreeHead(
            tree_size=head.tree_size,
            root_hash=head.root_hash,
            timestamp_ms=head.timestamp_ms,
            signature=head.signature,
            key_id=head.key_id,
        )
    )
    return head
