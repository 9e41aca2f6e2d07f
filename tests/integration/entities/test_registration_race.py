"""Two people registering the same code at the same moment: exactly one entity, one clear refusal."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from ggzy.core.db import Database
from ggzy.core.errors import Conflict
from ggzy.entities import service, uscc
from ggzy.entities.models import Entity
from ggzy.entities.trades import EntityKind
from ggzy.ledger.models import LedgerEvent

CODE = uscc.make("91", "620100", "MA7RACE1")


def test_concurrent_registrations_of_one_code(clean_db: Database, clock) -> None:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def register(i: int) -> None:
        barrier.wait()
        try:
            with clean_db.transaction() as s:
                service.register_entity(
                    s,
                    uscc=CODE,
                    name=f"并发测试{i}",
                    kind=EntityKind.bidder,
                    region_code="6201",
                    legal_representative="张三",
                    contact_name="",
                    contact_phone="",
                    address="",
                    admin_username=f"racer{i}",
                    admin_display_name="甲",
                    admin_password="Racer-pass-2026",
                    now=clock.now(),
                )
            outcomes.append("ok")
        except Conflict as exc:
            outcomes.append(exc.code)

    threads = [threading.Thread(target=register, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ENTITY_USCC_DUPLICATE", "ok"]
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Entity)) == 1
        assert s.scalar(select(func.count()).select_from(LedgerEvent)) == 1
