from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ggzy.core.clock import FrozenClock, format_local, local_today


def test_frozen_clock_moves_only_when_told() -> None:
    clock = FrozenClock(datetime(2026, 9, 30, 16, 30, tzinfo=UTC))
    assert clock.now() == clock.now()
    # 16:30 UTC is 00:30 on 1 October in Beijing: deadlines are counted in local days.
    assert local_today(clock).isoformat() == "2026-10-01"
    clock.advance(timedelta(days=1))
    assert clock.now() == datetime(2026, 10, 1, 16, 30, tzinfo=UTC)
    assert format_local(clock.now()) == "2026-10-02 00:30:00"


def test_frozen_clock_needs_aware_time() -> None:
    with pytest.raises(ValueError):
        FrozenClock(datetime(2026, 1, 1))
