"""Closing an evaluation: corrections (87号令64), the report with 1-3 candidates, the members' signatures, the
fixed result, and voiding a replaced member's sheet."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ggzy.core.db import for_update
from ggzy.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from ggzy.core.events import emit
from ggzy.core.security import Principal, Role
from ggzy.entities.models import Entity
from ggzy.evaluation import scoring
from ggzy.evaluation.models import Correction, Criterion, Evaluation, Report, ReportSignature, Sheet
from ggzy.evaluation.service import (
    CORRECTION_CITATION,
    CORRECTION_REASONS,
    apply_transition,
    compute,
    current_sheet,
    get_evaluation,
    panel,
    report_for,
    require_member,
    summary_document,
)
from ggzy.ledger import service as ledger
from ggzy.ledger.service import jsonable
from ggzy.projects import service as projects
from ggzy.projects.models import LotBidder

# --- corrections, report, result -------------------------------------------------------------------


def correct_score(
    session: Session,
    *,
    actor: Principal,
    evaluation_id: int,
    bidder_id: int,
    criterion_id: int,
    new_score: Decimal,
    reason: str,
    note: str,
    now: datetime,
) -> Correction:
    """87号令64: a member corrects their own signed score, only for an allowed reason, before the report."""
    evaluation = get_evaluation(session, evaluation_id)
    member = require_member(session, actor, evaluation)
    if reason not in CORRECTION_REASONS:
        raise RuleRefused(
            "评分只能因分值汇总计算错误、分项评分超出评分标准范围、客观评审因素评分不一致或评分畸高畸低而修改",
            code="CORRECTION_REASON_INVALID",
            field="reason",
            rule="evaluation.correction_reasons",
            citation=CORRECTION_CITATION,
        )
    if not note.strip():
        raise InvalidInput("请填写修改说明", code="CORRECTION_NOTE_REQUIRED", field="note")
    apply_transition(evaluation, "correct_score")
    sheet = current_sheet(session, evaluation, member.member_id)
    cell = None
    if sheet is not None:
        cell = next((c for c in sheet.scores if c.bidder_id == bidder_id and c.criterion_id == criterion_id), None)
    if sheet is None or cell is None:
        raise NotFound("您的评分表中没有这一项评分", code="SCORE_NOT_FOUND", field="criterion_id")
    criterion = session.get(Criterion, criterion_id)
    assert criterion is not None
    if not scoring.in_range(new_score, criterion.max_score):
        raise InvalidInput(
            f"“{criterion.name}”的得分须在0至{criterion.max_score}分之间且最多两位小数（填写为{new_score}）",
            code="SCORE_OUT_OF_RANGE",
            field="new_score",
        )
    if new_score == cell.score:
        raise InvalidInput("修改后的分值与原分值相同", code="CORRECTION_UNCHANGED", field="new_score")
    correction = Correction(
        evaluation_id=evaluation.id,
        score_id=cell.id,
        reason=reason,
        note=note.strip(),
        old_score=cell.score,
        new_score=new_score,
        by_user=actor.user_id,
        at=now,
    )
    session.add(correction)
    cell.score = new_score
    session.flush()
    evaluation.summary = summary_document(compute(session, evaluation))
    session.flush()
    ledger.record(
        session,
        kind="evaluation.score_corrected",
        actor=f"user:{actor.user_id}",
        subject=f"evaluation:{evaluation.id}",
        data={"member_id": member.member_id, "reason": reason, "note": correction.note},
        private={"bidder_id": bidder_id, "criterion_id": criterion_id, "old": correction.old_score, "new": new_score},
        now=now,
    )
    return correction


def generate_report(
    session: Session, *, actor: Principal, evaluation_id: int, candidate_count: int, now: datetime
) -> Report:
    """The report with 1-3 ranked candidates (评标规定45); center staff generate it from the summary."""
    if not actor.has(Role.center_staff):
        raise Forbidden("仅交易中心工作人员可以生成评标报告", code="ROLE_REQUIRED")
    evaluation = get_evaluation(session, evaluation_id)
    if not 1 <= candidate_count <= 3:
        raise RuleRefused(
            "中标候选人应当限定在1至3人",
            code="REPORT_CANDIDATE_COUNT_INVALID",
            field="candidate_count",
            rule="evaluation.candidates",
            citation="依据《评标委员会和评标方法暂行规定》第四十五条",
        )
    apply_transition(evaluation, "generate_report")
    summary = compute(session, evaluation)
    if not summary.ranking:
        raise Conflict("没有合格的投标人，无法推荐中标候选人", code="REPORT_NO_CANDIDATES", field="candidate_count")
    doc = summary_document(summary)
    corrections = session.scalars(
        select(Correction).where(Correction.evaluation_id == evaluation.id).order_by(Correction.id)
    )
    members = panel(session, evaluation).members
    # Candidates are published by name (条例54), so the report carries the bidders' names.
    rows = session.execute(
        select(LotBidder.id, Entity.name)
        .join(Entity, Entity.id == LotBidder.entity_id)
        .where(LotBidder.lot_id == evaluation.lot_id)
    )
    names: dict[int, str] = {bidder_id: name for bidder_id, name in rows}
    content = jsonable(
        {
            **doc,
            "candidates": [
                {
                    "bidder_id": c.bid_id,
                    "name": names.get(c.bid_id, ""),
                    "rank": c.rank,
                    "score": c.score,
                    "price": c.price,
                }
                for c in scoring.candidates(summary.ranking, count=min(candidate_count, len(summary.ranking)))
            ],
            "corrections": [
                {"score_id": c.id, "reason": c.reason, "note": c.note, "old": c.old_score, "new": c.new_score}
                for c in corrections
            ],
            "members": [{"member_id": m.member_id, "name": m.display_name, "kind": m.kind} for m in members],
            "extended": evaluation.extended,
        }
    )
    report = Report(evaluation_id=evaluation.id, content=content, generated_by=actor.user_id, generated_at=now)
    session.add(report)
    session.flush()
    ledger.record(
        session,
        kind="evaluation.report_generated",
        actor=f"user:{actor.user_id}",
        subject=f"evaluation:{evaluation.id}",
        data={"report_id": report.id, "candidates": len(content["candidates"])},
        private=content,
        now=now,
    )
    return report


def sign_report(session: Session, *, actor: Principal, evaluation_id: int, now: datetime) -> Report:
    """A member signs the report; the last signature fixes the result and tells the other domains."""
    evaluation = get_evaluation(session, evaluation_id)
    member = require_member(session, actor, evaluation)
    apply_transition(evaluation, "sign_report")
    report = report_for(session, evaluation.id)
    assert report is not None
    already = session.scalar(
        select(ReportSignature.id).where(
            ReportSignature.report_id == report.id, ReportSignature.member_id == member.member_id
        )
    )
    if already is not None:
        raise Conflict("您已签署评标报告", code="REPORT_SIGNED", field="report")
    session.add(ReportSignature(report_id=report.id, member_id=member.member_id, user_id=actor.user_id, signed_at=now))
    session.flush()
    ledger.record(
        session,
        kind="evaluation.report_signed",
        actor=f"user:{actor.user_id}",
        subject=f"evaluation:{evaluation.id}",
        data={"report_id": report.id, "member_id": member.member_id},
        now=now,
    )
    signed = set(session.scalars(select(ReportSignature.member_id).where(ReportSignature.report_id == report.id)))
    if all(m.member_id in signed for m in panel(session, evaluation).members):
        apply_transition(evaluation, "fix_result")
        evaluation.fixed_at = now
        report.fixed_at = now
        projects.move_lot(
            session,
            lot_id=evaluation.lot_id,
            action="finish_evaluation",
            actor="system",
            now=now,
            candidates=[
                projects.Candidate(
                    int(c["bidder_id"]),
                    int(c["rank"]),
                    Decimal(str(c["score"])) if c.get("score") is not None else None,
                )
                for c in report.content["candidates"]
            ],
            committee=report.content["members"],
        )
        emit(
            session,
            "evaluation.result_fixed",
            {"lot_id": evaluation.lot_id, "committee_id": evaluation.committee_id, "report_id": report.id},
            now=now,
        )
        session.flush()
        ledger.record(
            session,
            kind="evaluation.result_fixed",
            actor="system",
            subject=f"evaluation:{evaluation.id}",
            data={"lot_id": evaluation.lot_id, "report_id": report.id, **report.content},
            now=now,
        )
    return report


def void_member_sheet(session: Session, *, committee_id: int, member_id: int, now: datetime) -> Sheet | None:
    """A replaced member's opinion is void (条例48, 87号令49): the sheet is kept, marked void; the replacement
    scores afresh. A summary or report built on it is withdrawn."""
    stmt = select(Evaluation).where(Evaluation.committee_id == committee_id, Evaluation.status != "fixed")
    if for_update(session):
        stmt = stmt.with_for_update()
    evaluation = session.scalars(stmt).one_or_none()
    if evaluation is None:
        return None
    sheet = current_sheet(session, evaluation, member_id)
    if sheet is None:
        return None
    before = apply_transition(evaluation, "void_sheet")
    sheet.status = "void"
    sheet.voided_at = now
    evaluation.summary = None
    report = report_for(session, evaluation.id)
    if report is not None:
        session.execute(delete(ReportSignature).where(ReportSignature.report_id == report.id))
        session.delete(report)
    session.flush()
    ledger.record(
        session,
        kind="evaluation.sheet_voided",
        actor="system",
        subject=f"evaluation:{evaluation.id}",
        data={"member_id": member_id, "from": before, "to": evaluation.status, "report_withdrawn": report is not None},
        now=now,
    )
    return sheet
