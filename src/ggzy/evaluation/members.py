"""Who scores: the lot's committee and its scoring members, read from the experts domain (one-way import)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Member:
    member_id: int
    user_id: int
    display_name: str
    kind: str  # expert | owner_representative


@dataclass(frozen=True)
class Panel:
    committee_id: int
    status: str
    members: tuple[Member, ...]

    def by_user(self, user_id: int) -> Member | None:
        return next((m for m in self.members if m.user_id == user_id), None)


def panel_for_lot(session: Session, lot_id: int) -> Panel | None:
    from ggzy.experts.queries import committee_for_lot, scoring_members

    committee = committee_for_lot(session, lot_id)
    if committee is None:
        return None
    members = tuple(
        Member(member_id=m.member_id, user_id=m.user_id, display_name=m.display_name, kind=m.kind)
        for m in scoring_members(session, committee.id)
    )
    return Panel(committee_id=committee.id, status=str(committee.status), members=members)
