"""Holds on a lot's procedure: while one is active, no step but failure or termination may be taken and the
lot's timers wait (条例22, 54: 作出答复前，应当暂停招标投标活动).

Kept here, beside the kernel, so that projects (which takes steps) and complaints (which places holds) both
depend on procedures and not on each other.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.errors import Conflict
from ggzy.procedures.models import LotHold

# Ending the procedure stays possible during a hold: a lot can always fail or be terminated, with reasons.
ALLOWED_WHILE_HELD = frozenset({"fail", "terminate"})


def active_hold(session: Session, lot_id: int) -> LotHold | None:
    """The oldest unreleased hold of the lot, if any."""
    stmt = select(LotHold).where(LotHold.lot_id == lot_id, LotHold.released_at.is_(None)).order_by(LotHold.id).limit(1)
    return session.scalars(stmt).first()


def is_on_hold(session: Session, lot_id: int) -> bool:
    return active_hold(session, lot_id) is not None


def check_not_held(session: Session, *, lot_id: int, action: str, doing: str = "办理此步骤（仅可流标或终止）") -> None:
    """Refuse ``action`` (``doing`` says what, in Chinese) with LOT_ON_HOLD and the article while the lot is
    paused."""
    if action in ALLOWED_WHILE_HELD:
        return
    hold = active_hold(session, lot_id)
    if hold is not None:
        raise Conflict(
            f"标段已因异议暂停招标投标活动，异议答复前不能{doing}。{hold.citation}",
            code="LOT_ON_HOLD",
            field="stage",
            rule=hold.rule,
            citation=hold.citation,
        )


def place(session: Session, *, lot_id: int, source: str, rule: str, citation: str, now: datetime) -> LotHold:
    hold = LotHold(lot_id=lot_id, source=source, rule=rule, citation=citation, placed_at=now)
    session.add(hold)
    session.flush()
    return hold


def release(session: Session, *, hold_id: int, now: datetime) -> LotHold | None:
    """Release one hold; returns it, or None when it was already released."""
    hold = session.get(LotHold, hold_id)
    if hold is None or hold.released_at is not None:
        return None
    hold.released_at = now
    session.flush()
    return hold
