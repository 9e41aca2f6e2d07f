"""Firing time-driven transitions from stored due times: idempotent, safe with several processes, and
independent of any request arriving on time. A failure is recorded on its row and logged, then retried.

Domains register one handler per subject kind (``lot`` …). A handler takes the step if it still applies and
returns ``"done"``, or returns ``"skipped"`` when the subject has moved on (a terminated lot, a deadline that
was moved and rescheduled).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ggzy.core.db import Database, for_update
from ggzy.procedures.models import ScheduledTransition

log = logging.getLogger("ggzy.scheduler")

Handler = Callable[[Session, int, str, datetime], str]
_handlers: dict[str, Handler] = {}
MAX_ATTEMPTS = 5


def on_due(subject_kind: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _handlers[subject_kind] = handler
        return handler

    return register


def schedule(session: Session, *, subject: str, action: str, due_at: datetime, now: datetime) -> ScheduledTransition:
    """Schedule ``action`` for ``subject`` at ``due_at``; earlier pending rows for the same step are replaced."""
    cancel(session, subject=subject, action=action)
    row = ScheduledTransition(subject=subject, action=action, due_at=due_at, status="pending", created_at=now)
    session.add(row)
    session.flush()
    return row


def cancel(session: Session, *, subject: str, action: str | None = None) -> None:
    stmt = update(ScheduledTransition).where(
        ScheduledTransition.subject == subject, ScheduledTransition.status == "pending"
    )
    if action is not None:
        stmt = stmt.where(ScheduledTransition.action == action)
    session.execute(stmt.values(status="skipped").execution_options(synchronize_session=False))


@dataclass(frozen=True)
class RunReport:
    done: int
    skipped: int
    failed: int


def _claim(session: Session, row_id: int) -> ScheduledTransition | None:
    stmt = select(ScheduledTransition).where(ScheduledTransition.id == row_id, ScheduledTransition.status == "pending")
    if for_update(session):
        # Another process firing the same row skips it rather than waiting for it.
        stmt = stmt.with_for_update(skip_locked=True)
    return session.scalars(stmt).one_or_none()


def run_due(db: Database, *, now: datetime, limit: int = 200) -> RunReport:
    """Fire every pending transition due at ``now``, oldest first, each in its own transaction."""
    with db.session(write=False) as session:
        ids = list(
            session.scalars(
                select(ScheduledTransition.id)
                .where(ScheduledTransition.status == "pending", ScheduledTransition.due_at <= now)
                .order_by(ScheduledTransition.due_at, ScheduledTransition.id)
                .limit(limit)
            )
        )
    done = skipped = failed = 0
    for row_id in ids:
        try:
            with db.transaction() as session:
                row = _claim(session, row_id)
                if row is None:
                    continue  # fired by someone else meanwhile
                kind, _, raw_id = row.subject.partition(":")
                handler = _handlers.get(kind)
                if handler is None:
                    raise LookupError(f"no scheduler handler for subject kind {kind!r}")
                outcome = handler(session, int(raw_id), row.action, now)
                row.status = outcome
                row.fired_at = now
                row.attempts += 1
            if outcome == "done":
                done += 1
            else:
                skipped += 1
        except Exception:
            failed += 1
            _record_failure(db, row_id, traceback.format_exc(limit=5))
    return RunReport(done, skipped, failed)


def _record_failure(db: Database, row_id: int, error: str) -> None:
    with db.transaction() as session:
        row = session.get(ScheduledTransition, row_id)
        if row is None:
            return
        row.attempts += 1
        row.last_error = error
        if row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
    log.error("scheduled transition %s failed (attempt %s):\n%s", row_id, row.attempts, error)
