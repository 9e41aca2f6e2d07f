"""The last two members sign at the same moment: exactly one of them builds the summary, never neither."""

from __future__ import annotations

import threading
from decimal import Decimal

from sqlalchemy import func, select
from tests.api.evaluation.world import build

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.entities.auth import principal_for
from ggzy.entities.models import User
from ggzy.evaluation import service
from ggzy.evaluation.models import Evaluation
from ggzy.ledger.models import LedgerEvent


def test_concurrent_last_signatures_summarize_once(clean_db: Database, clock: FrozenClock) -> None:
    now = clock.now()
    with clean_db.transaction() as s:
        w = build(s, now=now)
        center = principal_for(s.get(User, w.users["center"]), via="session")  # type: ignore[arg-type]
        service.set_scheme(
            s, actor=center, lot_id=w.lot_id, method="lowest_price", price_weight=Decimal(0), criteria=[], now=now
        )
        ev_id = service.start_evaluation(s, actor=center, lot_id=w.lot_id, now=now).id
    verdicts = [service.VerdictIn(bidder_id=b, passed=True) for b in w.bidder_ids]
    for name in w.member_users:
        with clean_db.transaction() as s:
            actor = principal_for(s.get(User, w.users[name]), via="session")  # type: ignore[arg-type]
            service.submit_sheet(s, actor=actor, evaluation_id=ev_id, verdicts=verdicts, scores=[], now=now)
    for name in w.member_users[:3]:
        with clean_db.transaction() as s:
            actor = principal_for(s.get(User, w.users[name]), via="session")  # type: ignore[arg-type]
            service.sign_sheet(s, actor=actor, evaluation_id=ev_id, now=now)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sign(name: str) -> None:
        try:
            barrier.wait()
            with clean_db.transaction() as s:
                actor = principal_for(s.get(User, w.users[name]), via="session")  # type: ignore[arg-type]
                service.sign_sheet(s, actor=actor, evaluation_id=ev_id, now=now)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sign, args=(n,)) for n in w.member_users[3:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with clean_db.session(write=False) as s:
        ev = s.get(Evaluation, ev_id)
        assert ev is not None and ev.status == "summarized"
        summarized = select(func.count()).select_from(LedgerEvent).where(LedgerEvent.kind == "evaluation.summarized")
        assert s.scalar(summarized) == 1
