"""Demo scoring schemes: every demo lot gets a valid comprehensive scheme, once."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.settings import Settings
from ggzy.entities.demo import seed_entities
from ggzy.evaluation.demo import seed_evaluation
from ggzy.evaluation.models import ScoringScheme
from ggzy.projects.demo import seed_projects
from ggzy.projects.models import Lot
from ggzy.regions.demo import seed_centers


def test_seed_evaluation_is_idempotent(clean_db: Database, settings: Settings, clock: FrozenClock) -> None:
    now = clock.now()
    with clean_db.transaction() as s:
        seed_centers(s, now=now)
        seed_entities(s, now=now, settings=settings)
        seed_projects(s, now=now, settings=settings)
    with clean_db.transaction() as s:
        notes = seed_evaluation(s, now=now, settings=settings)
    assert notes and "综合评分法" in notes[0]
    with clean_db.session(write=False) as s:
        lots = s.scalar(select(func.count()).select_from(Lot))
        schemes = s.scalars(select(ScoringScheme)).all()
        assert len(schemes) == lots
        for scheme in schemes:
            assert scheme.method == "comprehensive"
            assert scheme.price_weight + sum(c.max_score for c in scheme.criteria) == Decimal(100)
    with clean_db.transaction() as s:
        assert seed_evaluation(s, now=now, settings=settings) == []
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(ScoringScheme)) == lots
