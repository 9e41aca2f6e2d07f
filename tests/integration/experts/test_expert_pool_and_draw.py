"""Service-level behaviour of the expert pool and the verifiable draw, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from tests.api.experts.factory import (
    bulk_experts,
    company_uscc,
    evaluation_times,
    id_number,
    make_user,
    make_world,
    principal,
)

from ggzy.core.errors import Conflict, InvalidInput, RuleRefused
from ggzy.core.events import OutboxMessage
from ggzy.core.security import Role
from ggzy.experts import committees, draw, rules_data, service
from ggzy.experts.committees import DrawShortfall, RequirementIn
from ggzy.experts.models import (
    Committee,
    CommitteeDraw,
    CommitteeMember,
    Expert,
    ExpertEmployment,
    ExpertInterest,
    ExpertUnavailability,
)
from ggzy.experts.queries import committee_for_lot, scoring_members
from ggzy.ledger.models import LedgerEvent


def _events(session, kind: str) -> list[LedgerEvent]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(LedgerEvent).where(LedgerEvent.kind == kind)))


def _register(session, clock, user_id: int, **over):  # type: ignore[no-untyped-def]
    args = dict(
        actor=principal(user_id, Role.expert),
        name="王评审",
        id_number=id_number(7),
        phone="13800000000",
        email="wang@example.cn",
        title="高级工程师",
        title_level="senior",
        years_of_practice=12,
        region_code="620102",
        specialties=["A080101", "A060101"],
        employments=[
            service.EmploymentIn("甘肃建工设计院", company_uscc(501), date(2005, 1, 1), date(2015, 12, 31)),
            service.EmploymentIn("兰州工程咨询公司", company_uscc(502), date(2016, 1, 1), None),
        ],
        now=clock.now(),
    )
    args.update(over)
    return service.register_expert(session, **args)


def test_register_review_and_bad_input_saves_nothing(session, clock) -> None:  # type: ignore[no-untyped-def]
    make_world(session, clock.now())
    uid = make_user(session, "exp1", Role.expert, entity_id=None, now=clock.now())
    session.commit()
    with pytest.raises(InvalidInput) as bad_code:
        _register(session, clock, uid, specialties=["A080199"])
    assert bad_code.value.code == "SPECIALTY_CODE_UNKNOWN"
    with pytest.raises(RuleRefused) as too_many:
        _register(session, clock, uid, specialties=["A080101", "A060101", "A050101", "B020101"])
    assert too_many.value.rule == "experts.max_specialties" and too_many.value.citation
    with pytest.raises(InvalidInput) as overlap:
        _register(
            session,
            clock,
            uid,
            employments=[
                service.EmploymentIn("甲单位", company_uscc(501), date(2005, 1, 1), date(2016, 6, 30)),
                service.EmploymentIn("乙单位", company_uscc(502), date(2016, 1, 1), None),
            ],
        )
    assert overlap.value.code == "EMPLOYMENT_OVERLAP" and "重叠" in overlap.value.message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Expert)) == 0
    assert session.scalar(select(func.count()).select_from(ExpertEmployment)) == 0
    assert not _events(session, "expert.registered")

    expert = _register(session, clock, uid)
    assert expert.status == "pending" and expert.employer_uscc == company_uscc(502)
    assert expert.birth_date == date(1975, 1, 1)
    center = make_user(session, "center_x", Role.center_staff, entity_id=None, now=clock.now())
    approved = service.review_expert(
        session, actor=principal(center, Role.center_staff), expert_id=expert.id, approve=True, note="", now=clock.now()
    )
    assert approved.status == "approved"
    event = _events(session, "expert.registered")[0]
    assert "王评审" not in str(event.data)  # the name is only in the private part


def test_review_refuses_an_ineligible_expert_with_its_citation(session, clock) -> None:  # type: ignore[no-untyped-def]
    uid = make_user(session, "exp2", Role.expert, entity_id=None, now=clock.now())
    service.ensure_classification(session, now=clock.now())
    expert = _register(session, clock, uid, years_of_practice=6)
    center = principal(make_user(session, "c2", Role.center_staff, entity_id=None, now=clock.now()), Role.center_staff)
    with pytest.raises(RuleRefused) as refused:
        service.review_expert(session, actor=center, expert_id=expert.id, approve=True, note="", now=clock.now())
    assert refused.value.rule == "experts.years_of_practice"
    assert "第三十七条" in (refused.value.citation or "")
    assert session.get(Expert, expert.id).status == "pending"  # type: ignore[union-attr]


def _request(session, world, clock, **over):  # type: ignore[no-untyped-def]
    start, end = evaluation_times(clock.now())
    args = dict(
        actor=world.owner,
        lot_id=world.lot_id,
        size=7,
        owner_representative_user_ids=[world.owner_user_id],
        requirements=[RequirementIn("A080101", 4), RequirementIn("A060101", 2)],
        region_prefixes=["62"],
        evaluation_start=start,
        evaluation_end=end,
        venue="省公共资源交易中心 3号评标室",
        reserve_count=2,
        now=clock.now(),
    )
    args.update(over)
    return committees.request_committee(session, **args)


def test_committee_sizes_the_law_forbids_are_refused(session, clock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, clock.now())
    session.commit()
    with pytest.raises(RuleRefused) as even:
        _request(session, world, clock, size=6, requirements=[RequirementIn("A080101", 5)])
    assert even.value.code == "COMMITTEE_SIZE_FORBIDDEN" and "第三十七条" in (even.value.citation or "")
    with pytest.raises(InvalidInput) as bad:
        _request(session, world, clock, requirements=[RequirementIn("A080199", 6)])
    assert bad.value.code == "SPECIALTY_CODE_UNKNOWN"
    with pytest.raises(InvalidInput):
        _request(session, world, clock, requirements=[RequirementIn("A080101", 5)])  # 5 + 1 ≠ 7
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Committee)) == 0


def test_large_procurement_needs_seven(session, clock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, clock.now(), trade="procurement", estimate="12000000")
    with pytest.raises(RuleRefused) as refused:
        _request(session, world, clock, size=5, requirements=[RequirementIn("B020101", 4)])
    assert refused.value.rule == "experts.procurement_committee_size_large"
    assert "第四十七条" in (refused.value.citation or "")


def test_draw_applies_every_avoidance_rule_and_replays(session, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, clock.now())
    ids = bulk_experts(session, 60, now=clock.now(), specialties=("A080101", "A060101"), employers=60)
    now = clock.now()
    c = _request(session, world, clock)
    start = c.evaluation_start
    banned = {
        "blacklisted": ids[0],
        "suspended": ids[1],
        "unavailable": ids[2],
        "booked": ids[3],
        "employed_by_party": ids[4],
        "declared_interest": ids[5],
        "frequency": ids[6],
    }
    center = world.center
    service.sanction_expert(
        session, actor=center, expert_id=banned["blacklisted"], kind="blacklist", reason="串通投标", days=None, now=now
    )
    service.sanction_expert(
        session, actor=center, expert_id=banned["suspended"], kind="suspension", reason="无故缺席", days=30, now=now
    )
    session.add(
        ExpertUnavailability(
            expert_id=banned["unavailable"],
            start_date=start.date() - timedelta(days=1),
            end_date=start.date() + timedelta(days=1),
            created_at=now,
        )
    )
    # Left a bidder 2 years before the evaluation date: still within 3 years.
    session.add(
        ExpertEmployment(
            expert_id=banned["employed_by_party"],
            employer_name="投标人",
            employer_uscc=world.bidder_usccs[1],
            start_date=date(2001, 1, 1),
            end_date=start.date() - timedelta(days=730),
        )
    )
    # The current job then starts after the bidder one ended.
    session.execute(
        update(ExpertEmployment)
        .where(ExpertEmployment.expert_id == banned["employed_by_party"], ExpertEmployment.employer_name != "投标人")
        .values(start_date=start.date() - timedelta(days=700))
    )
    session.add(
        ExpertInterest(
            expert_id=banned["declared_interest"],
            kind="relative",
            party_uscc=world.owner_uscc,
            party_name="测试招标人",
            note="配偶任职",
        )
    )
    # Another committee at the same time books one expert; earlier ones this year use another's quota.
    other = Committee(
        lot_id=world.lot_id,
        status="drawn",
        size=5,
        requirements=[],
        region_prefixes=["62"],
        evaluation_start=start,
        evaluation_end=start + timedelta(hours=4),
        venue="x",
        secret=b"\0" * 32,
        commitment="0",
        commitment_index=0,
        created_at=now,
    )
    past = Committee(
        lot_id=world.lot_id,
        status="drawn",
        size=5,
        requirements=[],
        region_prefixes=["62"],
        evaluation_start=start - timedelta(days=2),
        evaluation_end=start - timedelta(days=2, hours=-4),
        venue="x",
        secret=b"\0" * 32,
        commitment="0",
        commitment_index=0,
        created_at=now,
    )
    session.add_all([other, past])
    session.flush()
    session.add(
        CommitteeMember(
            committee_id=other.id, expert_id=banned["booked"], kind="expert", status="confirmed", created_at=now
        )
    )
    session.add(
        CommitteeMember(
            committee_id=past.id, expert_id=banned["frequency"], kind="expert", status="confirmed", created_at=now
        )
    )
    session.flush()
    monkeypatch.setitem(
        rules_data.EXPERT_RULES,
        "experts.yearly_max_assignments",
        replace(rules_data.rule("experts.yearly_max_assignments"), value=Decimal(1)),
    )
    d = committees.draw_committee(session, actor=center, committee_id=c.id, now=now)
    session.commit()
    excluded = {e["expert_id"]: e["reasons"] for e in d.record["exclusions"]}
    for reason, expert_id in banned.items():
        assert reason in excluded[expert_id], reason
    members = [m for m in c.members if m.kind == "expert"]
    picked = {m.expert_id for m in members}
    assert not picked & set(banned.values())
    assert sum(1 for m in members if not m.is_reserve) == 6 and sum(1 for m in members if m.is_reserve) == 2
    assert any(m.kind == "owner_representative" for m in c.members)
    replay = draw.replay(d.record)
    assert replay.ok, replay.problems
    assert replay.members == [m.expert_id for m in sorted(members, key=lambda m: m.position) if not m.is_reserve]
    # The secret was committed before the draw and is revealed in the record.
    requested = _events(session, "committee.requested")[0]
    assert requested.data["secret_commitment"] == d.record["seed_inputs"]["commitment"]
    assert requested.index < d.ledger_index
    drawn = _events(session, "committee.drawn")[0]
    assert drawn.data["record_hash"] == d.record_hash and "secret" not in str(drawn.data).replace(
        "secret_commitment", ""
    )
    assert _events(session, "committee.exclusions_recorded")[0].data["excluded_by_reason"]["blacklisted"] == 1
    assert (
        session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.event == "experts.notify"))
        == 6
    )


def test_second_draw_needs_a_recorded_reason(session, clock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, clock.now())
    bulk_experts(session, 40, now=clock.now(), specialties=("A080101", "A060101"), employers=40)
    c = _request(session, world, clock)
    first = committees.draw_committee(session, actor=world.center, committee_id=c.id, now=clock.now())
    session.commit()
    with pytest.raises(Conflict) as again:
        committees.draw_committee(session, actor=world.center, committee_id=c.id, now=clock.now())
    assert again.value.code == "COMMITTEE_ALREADY_DRAWN"
    with pytest.raises(InvalidInput) as no_reason:
        committees.request_redraw(session, actor=world.center, committee_id=c.id, reason="  ", now=clock.now())
    assert no_reason.value.code == "REDRAW_REASON_REQUIRED"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(CommitteeDraw)) == 1
    committees.request_redraw(session, actor=world.center, committee_id=c.id, reason="评标时间变更", now=clock.now())
    second = committees.draw_committee(session, actor=world.center, committee_id=c.id, now=clock.now())
    session.commit()
    assert second.round == 2 and first.superseded_reason == "评标时间变更"
    assert second.record["seed_inputs"]["commitment"] != first.record["seed_inputs"]["commitment"]
    active = [m for m in c.members if m.status in ("notified", "standby")]
    assert {m.draw_id for m in active} == {second.id}


def test_a_draw_that_cannot_fill_says_which_constraint_emptied_it(session, clock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, clock.now())
    ids = bulk_experts(session, 12, now=clock.now(), specialties=("A080101", "A060101"), employers=12)
    c = _request(session, world, clock)
    for i in ids[:6]:
        service.sanction_expert(
            session, actor=world.center, expert_id=i, kind="blacklist", reason="违规", days=None, now=clock.now()
        )
    session.commit()
    with pytest.raises(DrawShortfall) as short:
        committees.draw_committee(session, actor=world.center, committee_id=c.id, now=clock.now())
    assert "黑名单" in short.value.message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(CommitteeDraw)) == 0
    assert session.get(Committee, c.id).status == "requested"  # type: ignore[union-attr]


def test_decline_calls_a_reserve_and_reveal_opens_the_names(session, clock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, clock.now())
    users = {k: make_user(session, f"e{k}", Role.expert, entity_id=None, now=clock.now()) for k in range(1, 41)}
    bulk_experts(session, 40, now=clock.now(), specialties=("A080101", "A060101"), employers=40, user_ids=users)
    c = _request(session, world, clock)
    committees.draw_committee(session, actor=world.center, committee_id=c.id, now=clock.now())
    session.commit()
    drawn = sorted((m for m in c.members if m.kind == "expert" and not m.is_reserve), key=lambda m: m.position)
    expert_user = {e.id: e.user_id for e in session.scalars(select(Expert))}
    first, rest = drawn[0], drawn[1:]
    committees.respond(
        session,
        actor=principal(expert_user[first.expert_id], Role.expert),
        member_id=first.id,
        accept=False,
        note="出差",
        now=clock.now(),
    )
    assert first.status == "declined" and first.replaced_by_member_id is not None
    reserve = session.get(CommitteeMember, first.replaced_by_member_id)
    assert reserve is not None and reserve.status == "notified" and not reserve.is_reserve
    for m in [*rest, reserve]:
        committees.respond(
            session,
            actor=principal(expert_user[m.expert_id], Role.expert),
            member_id=m.id,
            accept=True,
            note="",
            now=clock.now(),
        )
    session.commit()
    assert _events(session, "committee.reserve_called") and _events(session, "committee.member_declined")
    scoring = scoring_members(session, c.id)
    assert len(scoring) == 7 and {s.kind for s in scoring} == {"expert", "owner_representative"}
    assert first.id not in {s.member_id for s in scoring}
    assert committee_for_lot(session, world.lot_id).id == c.id  # type: ignore[union-attr]
    # Ratings wait for the result; the reveal publishes names in the ledger.
    with pytest.raises(Conflict):
        service.rate_expert(
            session,
            actor=world.owner,
            committee_id=c.id,
            expert_id=rest[0].expert_id,
            score=5,
            comment="",
            now=clock.now(),
        )
    committees.reveal_committee(session, committee_id=c.id, now=clock.now())
    service.rate_expert(
        session,
        actor=world.owner,
        committee_id=c.id,
        expert_id=rest[0].expert_id,
        score=4,
        comment="认真",
        now=clock.now(),
    )
    service.rate_expert(
        session,
        actor=world.center,
        committee_id=c.id,
        expert_id=rest[0].expert_id,
        score=5,
        comment="",
        now=clock.now(),
    )
    with pytest.raises(Conflict):
        service.rate_expert(
            session,
            actor=world.owner,
            committee_id=c.id,
            expert_id=rest[0].expert_id,
            score=3,
            comment="",
            now=clock.now(),
        )
    session.commit()
    revealed = _events(session, "committee.revealed")[0]
    assert len(revealed.data["experts"]) == 6


def test_no_show_after_confirmation_emits_member_replaced(session, clock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, clock.now())
    users = {k: make_user(session, f"n{k}", Role.expert, entity_id=None, now=clock.now()) for k in range(1, 31)}
    bulk_experts(session, 30, now=clock.now(), specialties=("A080101", "A060101"), employers=30, user_ids=users)
    c = _request(session, world, clock)
    committees.draw_committee(session, actor=world.center, committee_id=c.id, now=clock.now())
    m = next(m for m in c.members if m.kind == "expert" and not m.is_reserve)
    owner_user = session.get(Expert, m.expert_id).user_id  # type: ignore[union-attr]
    committees.respond(
        session, actor=principal(owner_user, Role.expert), member_id=m.id, accept=True, note="", now=clock.now()
    )
    reserve = committees.replace_member(
        session, actor=world.center, member_id=m.id, status="no_show", reason="未到场", now=clock.now()
    )
    session.commit()
    assert reserve is not None and m.status == "no_show"
    msg = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "committee.member_replaced")).all()
    # Nobody else subscribes in this test run unless the evaluation domain is loaded; the event is recorded then.
    assert all(x.payload["replacement_member_id"] == reserve.id for x in msg)
    assert _events(session, "committee.member_no_show")


def test_sanction_ends_with_its_period(session, clock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, clock.now())
    ids = bulk_experts(session, 1, now=clock.now())
    service.sanction_expert(
        session, actor=world.center, expert_id=ids[0], kind="suspension", reason="迟到", days=10, now=clock.now()
    )
    assert service.active_sanction(session, ids[0], at=clock.now() + timedelta(days=9)) is not None
    assert service.active_sanction(session, ids[0], at=clock.now() + timedelta(days=10)) is None
    with pytest.raises(InvalidInput):
        service.sanction_expert(
            session, actor=world.center, expert_id=ids[0], kind="suspension", reason="迟到", days=None, now=clock.now()
        )


def test_procurement_draw_excludes_experts_over_the_age_limit(session, clock) -> None:  # type: ignore[no-untyped-def]
    world = make_world(session, clock.now(), trade="procurement", estimate="3000000")
    ids = bulk_experts(session, 30, now=clock.now(), specialties=("B020101",), employers=30)
    session.execute(update(Expert).where(Expert.id == ids[0]).values(birth_date=date(1955, 1, 1)))
    c = _request(
        session, world, clock, size=5, owner_representative_user_ids=[], requirements=[RequirementIn("B020101", 5)]
    )
    d = committees.draw_committee(session, actor=world.center, committee_id=c.id, now=clock.now())
    excluded = {e["expert_id"]: e["reasons"] for e in d.record["exclusions"]}
    assert excluded[ids[0]] == ["age_limit"]
    assert ids[0] not in {m.expert_id for m in c.members}
