"""Domain events: written in the causing transaction, delivered after commit, failures kept and retried."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from ggzy.core import events
from ggzy.core.db import Database
from ggzy.core.events import OutboxMessage, deliver_pending, emit


@pytest.fixture
def handlers():  # type: ignore[no-untyped-def]
    seen: list[dict[str, Any]] = []
    failures = {"left": 0}

    def ok(session: Any, payload: dict[str, Any]) -> None:
        seen.append(payload)

    def flaky(session: Any, payload: dict[str, Any]) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("peer is down")
        seen.append({"flaky": payload})

    events.subscribe("test.happened", "test.ok")(ok)
    events.subscribe("test.happened", "test.flaky")(flaky)
    yield seen, failures
    events._handlers.pop("test.happened", None)


def test_events_follow_the_commit(clean_db: Database, clock, handlers) -> None:  # type: ignore[no-untyped-def]
    seen, _failures = handlers
    with pytest.raises(RuntimeError), clean_db.transaction() as s:
        emit(s, "test.happened", {"n": 1}, now=clock.now())
        raise RuntimeError("rolled back")
    assert seen == []
    with clean_db.transaction() as s:
        emit(s, "test.happened", {"n": 2}, now=clock.now())
    assert seen == [{"n": 2}, {"flaky": {"n": 2}}]


def test_failed_handler_is_recorded_and_retried(clean_db: Database, clock, handlers) -> None:  # type: ignore[no-untyped-def]
    seen, failures = handlers
    failures["left"] = 2
    with clean_db.transaction() as s:
        emit(s, "test.happened", {"n": 3}, now=clock.now())
    with clean_db.session(write=False) as s:
        flaky = s.scalars(select(OutboxMessage).where(OutboxMessage.handler == "test.flaky")).one()
        assert flaky.status == "pending" and flaky.attempts == 1 and "peer is down" in (flaky.last_error or "")
    assert deliver_pending(clean_db) == (0, 1)
    assert deliver_pending(clean_db) == (1, 0)
    assert {"flaky": {"n": 3}} in seen
    with clean_db.session(write=False) as s:
        assert {m.status for m in s.scalars(select(OutboxMessage))} == {"done"}


def test_a_handler_that_keeps_failing_ends_failed(clean_db: Database, clock, handlers) -> None:  # type: ignore[no-untyped-def]
    _seen, failures = handlers
    failures["left"] = 99
    with clean_db.transaction() as s:
        emit(s, "test.happened", {"n": 4}, now=clock.now())
    for _ in range(6):
        deliver_pending(clean_db)
    with clean_db.session(write=False) as s:
        flaky = s.scalars(select(OutboxMessage).where(OutboxMessage.handler == "test.flaky")).one()
    assert flaky.status == "failed" and flaky.attempts == 5
