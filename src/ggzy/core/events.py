"""Domain events: recorded in the transaction that causes them, dispatched to handlers after commit.

Each event is also written to the ``outbox`` table in the same transaction, so a handler that fails (or
a process that dies before dispatch) leaves the event pending for ``ggzy outbox`` to retry; failures are
recorded with their error, never swallowed.
"""

from __future__ import annotations

import logging
import traceback
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ggzy.core.db import Base, JSONType, UTCDateTime

if TYPE_CHECKING:
    from ggzy.core.db import Database

log = logging.getLogger("ggzy.events")

Handler = Callable[[Session, dict[str, Any]], None]
_handlers: dict[str, list[tuple[str, Handler]]] = defaultdict(list)


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event: Mapped[str] = mapped_column(String(100), index=True)
    handler: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


def subscribe(event: str, name: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` for ``event`` under a stable ``name`` (stored in the outbox)."""

    def register(handler: Handler) -> Handler:
        _handlers[event].append((name, handler))
        return handler

    return register


def emit(session: Session, event: str, payload: dict[str, Any], *, now: datetime) -> None:
    """Record ``event`` for every subscribed handler in the caller's transaction."""
    for name, _ in _handlers.get(event, []):
        msg = OutboxMessage(event=event, handler=name, payload=payload, created_at=now)
        session.add(msg)
        session.info.setdefault("outbox_new", []).append(msg)


def _find(event: str, name: str) -> Handler | None:
    for handler_name, handler in _handlers.get(event, []):
        if handler_name == name:
            return handler
    return None


def deliver(db: Database, message_id: int) -> bool:
    """Run one outbox message's handler in its own transaction; record success or the failure."""
    with db.session(write=True) as session:
        msg = session.get(OutboxMessage, message_id)
        if msg is None or msg.status == "done":
            return True
        handler = _find(msg.event, msg.handler)
        msg.attempts += 1
        if handler is None:
            msg.status = "failed"
            msg.last_error = f"no handler {msg.handler} for {msg.event}"
            session.commit()
            log.error("outbox %s: %s", msg.id, msg.last_error)
            return False
        try:
            handler(session, dict(msg.payload))
            msg.status = "done"
            msg.done_at = datetime.now(UTC)
            session.commit()
            return True
        except Exception:
            session.rollback()
            error = traceback.format_exc(limit=5)
            msg = session.get(OutboxMessage, message_id)
            assert msg is not None
            msg.attempts += 1
            msg.status = "failed" if msg.attempts >= 5 else "pending"
            msg.last_error = error
            session.commit()
            log.error("outbox %s (%s → %s) failed:\n%s", message_id, msg.event, msg.handler, error)
            return False


def dispatch_after_commit(db: Database, session: Session) -> None:
    ids = [m.id for m in session.info.pop("outbox_new", [])]
    for message_id in ids:
        deliver(db, message_id)


def deliver_pending(db: Database, *, limit: int = 100) -> tuple[int, int]:
    """Retry pending messages; returns (delivered, failed)."""
    with db.session(write=False) as session:
        ids = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.status == "pending")
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        )
    ok = failed = 0
    for message_id in ids:
        if deliver(db, message_id):
            ok += 1
        else:
            failed += 1
    return ok, failed
