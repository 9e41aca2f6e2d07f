"""Evaluation workflow at service level: scheme, start, sheets, signatures, summary, corrections, report, result."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.api.evaluation.world import World, build

from ggzy.core.clock import FrozenClock
from ggzy.core.errors import AppError
from ggzy.core.security import Principal
from ggzy.entities.auth import principal_for
from ggzy.entities.models import User, UserRole
from ggzy.evaluation import closing, queries, service
from ggzy.evaluation.models import Correction, CriterionScore, Evaluation, ScoringScheme, Sheet
from ggzy.experts.models import CommitteeMember, Expert
from ggzy.ledger.models import LedgerEvent
from ggzy.projects.models import Lot

D = Decimal
CRITERIA = [
    service.CriterionIn(code="T1", name="技术方案", kind="subjective", max_score=D("40")),
    service.CriterionIn(code="T2", name="业绩", kind="objective", max_score=D("30")),
]


def who(session: Session, user_id: int) -> Principal:
    user = session.get(User, user_id)
    assert user is not None
    return principal_for(user, via="session")


def kinds(session: Session) -> list[str]:
    return list(session.scalars(select(LedgerEvent.kind).order_by(LedgerEvent.index)))


@pytest.fixture
def w(session: Session, clock: FrozenClock) -> World:
    world = build(session, now=clock.now())
    session.commit()
    return world


def started(session: Session, w: World, clock: FrozenClock, **scheme: Any) -> Evaluation:
    center = who(session, w.users["center"])
    service.set_scheme(
        session,
        actor=center,
        lot_id=w.lot_id,
        method=scheme.get("method", "comprehensive"),
        price_weight=scheme.get("price_weight", D("30")),
        criteria=scheme.get("criteria", CRITERIA),
        now=clock.now(),
    )
    return service.start_evaluation(session, actor=center, lot_id=w.lot_id, now=clock.now())


def criteria_ids(session: Session, evaluation: Evaluation) -> list[int]:
    scheme = session.get(ScoringScheme, evaluation.scheme_id)
    assert scheme is not None
    return [c.id for c in scheme.criteria]


def submit(
    session: Session, w: World, ev: Evaluation, clock: FrozenClock, member: int, marks: dict[int, tuple[str, str]]
) -> None:
    """marks[bidder_id] = (T1, T2) scores; every bidder passes."""
    crit = criteria_ids(session, ev)
    service.submit_sheet(
        session,
        actor=who(session, w.users[w.member_users[member]]),
        evaluation_id=ev.id,
        verdicts=[service.VerdictIn(bidder_id=b, passed=True) for b in w.bidder_ids],
        scores=[
            service.ScoreIn(bidder_id=b, criterion_id=crit[i], score=D(v))
            for b, pair in marks.items()
            for i, v in enumerate(pair)
        ],
        now=clock.now(),
    )


def everyone_scores(session: Session, w: World, ev: Evaluation, clock: FrozenClock, *, odd: str = "30") -> None:
    for m in range(len(w.member_users)):
        t1 = odd if m == 4 else "30"
        submit(session, w, ev, clock, m, {b: (t1, "20") for b in w.bidder_ids})
        service.sign_sheet(
            session, actor=who(session, w.users[w.member_users[m]]), evaluation_id=ev.id, now=clock.now()
        )


def test_full_flow_ranks_reports_and_fixes_the_result(
    session: Session, w: World, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    emitted: list[tuple[str, dict[str, Any]]] = []
    real_emit = closing.emit

    def spy(s: Session, event: str, payload: dict[str, Any], *, now: Any) -> None:
        emitted.append((event, payload))
        real_emit(s, event, payload, now=now)

    monkeypatch.setattr(closing, "emit", spy)
    ev = started(session, w, clock)
    lot = session.get(Lot, w.lot_id)
    assert lot is not None and lot.stage == "evaluating"
    everyone_scores(session, w, ev, clock)
    assert ev.status == "summarized"
    ranking = ev.summary["ranking"]  # type: ignore[index]
    # Same technical scores for all → the price score decides: 950000 is the lowest valid price (full 30).
    assert [r["bidder_id"] for r in ranking] == [w.bidder_ids[i] for i in (1, 0, 2, 3)]
    assert ranking[0]["score"] == "80.00"
    report = closing.generate_report(
        session, actor=who(session, w.users["center"]), evaluation_id=ev.id, candidate_count=3, now=clock.now()
    )
    assert [c["rank"] for c in report.content["candidates"]] == [1, 2, 3]
    for m in w.member_users:
        closing.sign_report(session, actor=who(session, w.users[m]), evaluation_id=ev.id, now=clock.now())
    assert ev.status == "fixed" and report.fixed_at is not None
    assert lot.stage == "evaluated"
    # The lot keeps the committee that signed, for the result notices.
    assert lot.committee == [{"name": m["name"], "kind": m["kind"]} for m in report.content["members"]]
    assert len(lot.committee) == 5 and all(m["name"] and m["kind"] == "expert" for m in lot.committee)
    session.commit()
    assert emitted == [
        ("evaluation.result_fixed", {"lot_id": w.lot_id, "committee_id": w.committee_id, "report_id": report.id})
    ]
    k = kinds(session)
    for kind in (
        "evaluation.scheme_set",
        "evaluation.started",
        "evaluation.sheet_submitted",
        "evaluation.sheet_signed",
        "evaluation.summarized",
        "evaluation.report_generated",
        "evaluation.report_signed",
        "evaluation.result_fixed",
    ):
        assert kind in k
    assert k.count("evaluation.sheet_signed") == 5


def test_score_out_of_range_is_refused_and_nothing_saved(session: Session, w: World, clock: FrozenClock) -> None:
    ev = started(session, w, clock)
    session.commit()
    before = len(kinds(session))
    with pytest.raises(AppError) as exc:
        submit(session, w, ev, clock, 0, {b: ("41", "20") for b in w.bidder_ids})
    assert exc.value.code == "SCORE_OUT_OF_RANGE" and "技术方案" in exc.value.message
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Sheet)) == 0
    assert session.scalar(select(func.count()).select_from(CriterionScore)) == 0
    assert len(kinds(session)) == before
    with pytest.raises(AppError) as exc:
        submit(session, w, ev, clock, 0, {b: ("-1", "20") for b in w.bidder_ids})
    assert exc.value.code == "SCORE_OUT_OF_RANGE"
    with pytest.raises(AppError) as exc:
        submit(session, w, ev, clock, 0, {b: ("10.555", "20") for b in w.bidder_ids})
    assert exc.value.code == "SCORE_OUT_OF_RANGE"


def test_fail_verdict_needs_reason_and_missing_scores_refused(session: Session, w: World, clock: FrozenClock) -> None:
    ev = started(session, w, clock)
    actor = who(session, w.users["expert1"])
    with pytest.raises(AppError) as exc:
        service.submit_sheet(
            session,
            actor=actor,
            evaluation_id=ev.id,
            verdicts=[service.VerdictIn(bidder_id=b, passed=False) for b in w.bidder_ids],
            scores=[],
            now=clock.now(),
        )
    assert exc.value.code == "SHEET_FAIL_REASON_REQUIRED"
    with pytest.raises(AppError) as exc:
        submit(session, w, ev, clock, 0, {w.bidder_ids[0]: ("30", "20")})
    assert exc.value.code == "SHEET_SCORE_MISSING"


def test_signed_sheet_is_immutable_and_others_invisible(session: Session, w: World, clock: FrozenClock) -> None:
    ev = started(session, w, clock)
    submit(session, w, ev, clock, 0, {b: ("30", "20") for b in w.bidder_ids})
    e1 = who(session, w.users["expert1"])
    service.sign_sheet(session, actor=e1, evaluation_id=ev.id, now=clock.now())
    with pytest.raises(AppError) as exc:
        submit(session, w, ev, clock, 0, {b: ("31", "20") for b in w.bidder_ids})
    assert exc.value.code == "SHEET_SIGNED"
    # expert 2 sees only their own (empty) sheet, never expert 1's scores nor a summary
    view2 = queries.evaluation_for(session, actor=who(session, w.users["expert2"]), evaluation_id=ev.id)
    assert view2.role == "member" and view2.my_sheet is None and view2.summary is None
    assert view2.progress.signed == 1 and view2.member_progress is None
    view1 = queries.evaluation_for(session, actor=e1, evaluation_id=ev.id)
    assert view1.my_sheet is not None and view1.my_sheet.status == "signed"
    center = queries.evaluation_for(session, actor=who(session, w.users["center"]), evaluation_id=ev.id)
    assert center.member_progress is not None and sum(m.signed for m in center.member_progress) == 1
    assert center.summary is None and center.my_sheet is None
    for role in ("owner", "supervisor", "bidder"):
        v = queries.evaluation_for(session, actor=who(session, w.users[role]), evaluation_id=ev.id)
        assert v.role in ("manager", "supervisor", "bidder")
        assert v.member_progress is None and v.summary is None and v.bidders is None and v.my_sheet is None
        assert v.progress.signed == 1
    for role in ("outsider", "other_expert"):
        with pytest.raises(AppError) as exc:
            queries.evaluation_for(session, actor=who(session, w.users[role]), evaluation_id=ev.id)
        assert exc.value.code == "EVALUATION_NOT_FOUND"


def test_non_member_cannot_score(session: Session, w: World, clock: FrozenClock) -> None:
    ev = started(session, w, clock)
    with pytest.raises(AppError) as exc:
        service.sign_sheet(session, actor=who(session, w.users["other_expert"]), evaluation_id=ev.id, now=clock.now())
    assert exc.value.code == "EVALUATION_NOT_FOUND"


def test_scheme_rules(session: Session, w: World, clock: FrozenClock) -> None:
    center = who(session, w.users["center"])
    with pytest.raises(AppError) as exc:
        service.set_scheme(
            session,
            actor=center,
            lot_id=w.lot_id,
            method="comprehensive",
            price_weight=D("20"),
            criteria=[service.CriterionIn(code="T", name="技术", kind="subjective", max_score=D("80"))],
            now=clock.now(),
        )
    assert exc.value.code == "SCHEME_PRICE_WEIGHT_TOO_LOW" and exc.value.citation and "第五十五条" in exc.value.citation
    with pytest.raises(AppError) as exc:
        service.set_scheme(
            session,
            actor=center,
            lot_id=w.lot_id,
            method="comprehensive",
            price_weight=D("30"),
            criteria=[service.CriterionIn(code="T", name="技术", kind="subjective", max_score=D("60"))],
            now=clock.now(),
        )
    assert exc.value.code == "SCHEME_TOTAL_INVALID"
    assert session.scalar(select(func.count()).select_from(ScoringScheme)) == 0
    with pytest.raises(AppError) as exc:
        service.set_scheme(
            session,
            actor=who(session, w.users["bidder"]),
            lot_id=w.lot_id,
            method="lowest_price",
            price_weight=D("0"),
            criteria=[],
            now=clock.now(),
        )
    assert exc.value.code == "LOT_NOT_FOUND"
    started(session, w, clock)
    with pytest.raises(AppError) as exc:
        service.set_scheme(
            session,
            actor=center,
            lot_id=w.lot_id,
            method="lowest_price",
            price_weight=D("0"),
            criteria=[],
            now=clock.now(),
        )
    assert exc.value.code == "SCHEME_FROZEN"


def test_start_needs_three_valid_bids(session: Session, clock: FrozenClock) -> None:
    w = build(session, now=clock.now(), statuses=("valid", "valid", "rejected", "rejected"))
    with pytest.raises(AppError) as exc:
        started(session, w, clock)
    assert exc.value.code == "EVALUATION_TOO_FEW_BIDS" and "第四十四条" in (exc.value.citation or "")


def test_start_needs_a_full_committee(session: Session, clock: FrozenClock) -> None:
    w = build(session, now=clock.now(), members=4)
    with pytest.raises(AppError) as exc:
        started(session, w, clock)
    assert exc.value.code == "EVALUATION_COMMITTEE_TOO_SMALL"


def test_abnormal_score_flagged_then_corrected_with_reason(session: Session, w: World, clock: FrozenClock) -> None:
    ev = started(session, w, clock)
    everyone_scores(session, w, ev, clock, odd="5")  # expert5: 25 points below the others (limit 20)
    flagged = ev.summary["abnormal"]  # type: ignore[index]
    assert {f["member_id"] for f in flagged} == {w.member_ids[4]}
    e5 = who(session, w.users["expert5"])
    crit = criteria_ids(session, ev)
    with pytest.raises(AppError) as exc:
        closing.correct_score(
            session,
            actor=e5,
            evaluation_id=ev.id,
            bidder_id=w.bidder_ids[0],
            criterion_id=crit[0],
            new_score=D("28"),
            reason="changed_my_mind",
            note="想改",
            now=clock.now(),
        )
    assert exc.value.code == "CORRECTION_REASON_INVALID" and "第六十四条" in (exc.value.citation or "")
    with pytest.raises(AppError) as exc:
        closing.correct_score(
            session,
            actor=e5,
            evaluation_id=ev.id,
            bidder_id=w.bidder_ids[0],
            criterion_id=crit[0],
            new_score=D("45"),
            reason="abnormal_score",
            note="畸低",
            now=clock.now(),
        )
    assert exc.value.code == "SCORE_OUT_OF_RANGE"
    for b in w.bidder_ids:
        closing.correct_score(
            session,
            actor=e5,
            evaluation_id=ev.id,
            bidder_id=b,
            criterion_id=crit[0],
            new_score=D("29"),
            reason="abnormal_score",
            note="经评标委员会认定评分畸低",
            now=clock.now(),
        )
    assert ev.summary["abnormal"] == []  # type: ignore[index]
    assert session.scalar(select(func.count()).select_from(Correction)) == 4
    assert kinds(session).count("evaluation.score_corrected") == 4
    closing.generate_report(
        session, actor=who(session, w.users["center"]), evaluation_id=ev.id, candidate_count=2, now=clock.now()
    )
    with pytest.raises(AppError) as exc:
        closing.correct_score(
            session,
            actor=e5,
            evaluation_id=ev.id,
            bidder_id=w.bidder_ids[0],
            criterion_id=crit[0],
            new_score=D("30"),
            reason="abnormal_score",
            note="再改",
            now=clock.now(),
        )
    assert exc.value.code == "EVALUATION_OUT_OF_STATE"


def test_report_candidate_count_is_one_to_three(session: Session, w: World, clock: FrozenClock) -> None:
    ev = started(session, w, clock)
    everyone_scores(session, w, ev, clock)
    with pytest.raises(AppError) as exc:
        closing.generate_report(
            session, actor=who(session, w.users["center"]), evaluation_id=ev.id, candidate_count=4, now=clock.now()
        )
    assert exc.value.code == "REPORT_CANDIDATE_COUNT_INVALID"
    assert ev.status == "summarized"


def test_time_short_extends_when_more_than_a_third(session: Session, w: World, clock: FrozenClock) -> None:
    ev = started(session, w, clock)
    service.declare_time_short(session, actor=who(session, w.users["expert1"]), evaluation_id=ev.id, now=clock.now())
    assert not ev.extended  # 1 of 5 is not more than a third
    service.declare_time_short(session, actor=who(session, w.users["expert2"]), evaluation_id=ev.id, now=clock.now())
    assert ev.extended  # 2 of 5 > 1/3
    assert "evaluation.extended" in kinds(session)
    with pytest.raises(AppError) as exc:
        service.declare_time_short(
            session, actor=who(session, w.users["expert2"]), evaluation_id=ev.id, now=clock.now()
        )
    assert exc.value.code == "TIME_SHORT_ALREADY"


def test_procurement_with_fewer_than_three_qualified_fails(session: Session, w: World, clock: FrozenClock) -> None:
    ev = started(session, w, clock)
    crit = criteria_ids(session, ev)
    for m in w.member_users:
        actor = who(session, w.users[m])
        service.submit_sheet(
            session,
            actor=actor,
            evaluation_id=ev.id,
            verdicts=[
                service.VerdictIn(bidder_id=b, passed=i < 2, reason="" if i < 2 else "资格证明文件缺失")
                for i, b in enumerate(w.bidder_ids)
            ],
            scores=[
                service.ScoreIn(bidder_id=b, criterion_id=c, score=D("10")) for b in w.bidder_ids[:2] for c in crit
            ],
            now=clock.now(),
        )
        service.sign_sheet(session, actor=actor, evaluation_id=ev.id, now=clock.now())
    assert ev.status == "failed" and "不足3家" in ev.failure_reason
    assert "evaluation.failed" in kinds(session)


def test_replaced_member_sheet_is_void_and_replacement_scores(session: Session, w: World, clock: FrozenClock) -> None:
    ev = started(session, w, clock)
    everyone_scores(session, w, ev, clock)
    assert ev.status == "summarized"
    # expert1 is replaced by a reserve (the experts domain changes the committee, then tells us)
    old = session.get(CommitteeMember, w.member_ids[0])
    assert old is not None
    old.status = "replaced"
    reserve_user = build_user(session, clock, "reserve1")
    expert = Expert(
        user_id=reserve_user,
        name="候补专家",
        id_number="620102198001010099",
        birth_date=date(1980, 1, 1),
        title="高级工程师",
        title_level="senior",
        years_of_practice=12,
        region_code="6201",
        status="approved",
        created_at=clock.now(),
    )
    session.add(expert)
    session.flush()
    session.add(
        CommitteeMember(
            committee_id=w.committee_id,
            expert_id=expert.id,
            kind="expert",
            status="confirmed",
            position=9,
            created_at=clock.now(),
        )
    )
    session.flush()
    sheet = closing.void_member_sheet(session, committee_id=w.committee_id, member_id=w.member_ids[0], now=clock.now())
    assert sheet is not None and sheet.status == "void"
    assert ev.status == "scoring" and ev.summary is None
    assert session.scalar(select(func.count()).select_from(Sheet)) == 5  # kept, marked void
    assert "evaluation.sheet_voided" in kinds(session)
    # the old member can no longer act; the replacement scores afresh and the summary is rebuilt
    with pytest.raises(AppError) as exc:
        service.sign_sheet(session, actor=who(session, w.users["expert1"]), evaluation_id=ev.id, now=clock.now())
    assert exc.value.code == "EVALUATION_NOT_FOUND"
    reserve = who(session, reserve_user)
    crit = criteria_ids(session, ev)
    service.submit_sheet(
        session,
        actor=reserve,
        evaluation_id=ev.id,
        verdicts=[service.VerdictIn(bidder_id=b, passed=True) for b in w.bidder_ids],
        scores=[service.ScoreIn(bidder_id=b, criterion_id=c, score=D("10")) for b in w.bidder_ids for c in crit],
        now=clock.now(),
    )
    service.sign_sheet(session, actor=reserve, evaluation_id=ev.id, now=clock.now())
    assert ev.status == "summarized"
    assert queries.assignments_for(session, actor=reserve)[0].sheet_status == "signed"


def build_user(session: Session, clock: FrozenClock, username: str) -> int:
    user = User(
        username=username,
        display_name=username,
        password_hash="x",
        created_at=clock.now(),
        roles=[UserRole(role="expert", granted_at=clock.now())],
    )
    session.add(user)
    session.flush()
    return user.id
