from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from ggzy.core.security import Role
from ggzy.experts import committees
from ggzy.experts.committees import RequirementIn
from ggzy.experts.models import Committee, Expert
from tests.api.experts.factory import bulk_experts, evaluation_times, make_user, make_world


@dataclass
class Drawn:
    committee_id: int
    lot_id: int
    member_names: list[str]
    member_employers: list[str]
    on_committee_username: str
    on_committee_member_id: int
    off_committee_username: str
    on_expert_id: int
    off_expert_id: int
    world: Any


@pytest.fixture
def drawn(clean_db, clock) -> Drawn:  # type: ignore[no-untyped-def]
    """A lot with a 7-member committee already drawn from 40 experts (each with an account)."""
    with clean_db.transaction() as s:
        world = make_world(s, clock.now())
        make_user(s, "sup", Role.supervisor, entity_id=None, now=clock.now())
        users = {k: make_user(s, f"x{k}", Role.expert, entity_id=None, now=clock.now()) for k in range(1, 41)}
        bulk_experts(s, 40, now=clock.now(), specialties=("A080101", "A060101"), employers=40, user_ids=users)
        start, end = evaluation_times(clock.now())
        c = committees.request_committee(
            s,
            actor=world.owner,
            lot_id=world.lot_id,
            size=7,
            owner_representative_user_ids=[world.owner_user_id],
            requirements=[RequirementIn("A080101", 4), RequirementIn("A060101", 2)],
            region_prefixes=["62"],
            evaluation_start=start,
            evaluation_end=end,
            venue="兰州评标室",
            reserve_count=2,
            now=clock.now(),
        )
        committees.draw_committee(s, actor=world.center, committee_id=c.id, now=clock.now())
        committee_id = c.id
    with clean_db.transaction() as s:
        c = s.get(Committee, committee_id)
        members = [m for m in c.members if m.kind == "expert" and not m.is_reserve]
        experts = {e.id: e for e in s.scalars(select(Expert))}
        on = experts[members[0].expert_id]
        chosen = {m.expert_id for m in c.members if m.expert_id}
        off = next(e for e in experts.values() if e.id not in chosen)
        user_names = {uid: f"x{k}" for k, uid in users.items()}
        return Drawn(
            committee_id=committee_id,
            lot_id=world.lot_id,
            member_names=[experts[m.expert_id].name for m in members],
            member_employers=[experts[m.expert_id].employer_name for m in members],
            on_committee_username=user_names[on.user_id],
            on_committee_member_id=members[0].id,
            off_committee_username=user_names[off.user_id],
            on_expert_id=on.id,
            off_expert_id=off.id,
            world=world,
        )
