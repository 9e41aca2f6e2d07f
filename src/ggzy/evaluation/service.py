"""Evaluation use cases: scheme → start → sheets → signatures → summary → corrections → report → fixed result.

Each step is a named transition checked against ``TRANSITIONS``; each writes a ledger event as its last write.
Scores go into the ledger's private part (confidential until the result is fixed); the public part carries
only who did what and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.db import for_update
from ggzy.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from ggzy.core.events import subscribe
from ggzy.core.security import Principal, Role
from ggzy.evaluation import scoring
from ggzy.evaluation.members import Member, Panel, panel_for_lot
from ggzy.evaluation.models import (
    Criterion,
    CriterionScore,
    Evaluation,
    Report,
    ScoringScheme,
    Sheet,
    Verdict,
)
from ggzy.ledger import service as ledger
from ggzy.ledger.service import jsonable
from ggzy.projects import service as projects
from ggzy.projects.models import Lot, LotBidder
from ggzy.projects.queries import can_manage_lot

METHODS = ("lowest_price", "comprehensive", "qualification")
METHOD_LABELS_ZH = {"lowest_price": "经评审的最低投标价法", "comprehensive": "综合评分法", "qualification": "合格制"}
STATUS_LABELS_ZH = {
    "scoring": "评审中",
    "summarized": "已汇总",
    "reported": "评标报告待签署",
    "fixed": "评标结果已确定",
    "failed": "评标终止",
}
# 87号令64: the only reasons a score may be corrected.
CORRECTION_REASONS = {
    "summation_error": "分值汇总计算错误",
    "out_of_range": "分项评分超出评分标准规定的评分范围",
    "objective_inconsistent": "评标委员会成员对客观评审因素评分不一致",
    "abnormal_score": "经评标委员会认定评分畸高、畸低",
}
CORRECTION_CITATION = "依据《政府采购货物和服务招标投标管理办法》（财政部令第87号）第六十四条"
MIN_VALID_BIDS = 3
TENDER_PROCEDURES = ("open_tender", "invited_tender")


@dataclass(frozen=True)
class Transition:
    source: tuple[str, ...]
    target: str | None  # None: the status does not change


TRANSITIONS: dict[str, Transition] = {
    "submit_sheet": Transition(("scoring",), None),
    "sign_sheet": Transition(("scoring",), None),
    "declare_time_short": Transition(("scoring",), None),
    "summarize": Transition(("scoring",), "summarized"),
    "fail": Transition(("scoring",), "failed"),
    "correct_score": Transition(("summarized",), "summarized"),
    "generate_report": Transition(("summarized",), "reported"),
    "sign_report": Transition(("reported",), None),
    "fix_result": Transition(("reported",), "fixed"),
    "void_sheet": Transition(("scoring", "summarized", "reported"), "scoring"),
}


def apply_transition(evaluation: Evaluation, action: str) -> str:
    rule = TRANSITIONS[action]
    if evaluation.status not in rule.source:
        raise Conflict(
            f"评标当前状态为“{STATUS_LABELS_ZH.get(evaluation.status, evaluation.status)}”，不能执行此操作",
            code="EVALUATION_OUT_OF_STATE",
            field="status",
        )
    before = evaluation.status
    if rule.target is not None:
        evaluation.status = rule.target
    return before


# --- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionIn:
    code: str
    name: str
    kind: str
    max_score: Decimal


@dataclass(frozen=True)
class VerdictIn:
    bidder_id: int
    passed: bool
    reason: str = ""


@dataclass(frozen=True)
class ScoreIn:
    bidder_id: int
    criterion_id: int
    score: Decimal


# --- lookups --------------------------------------------------------------------------------------


def get_lot(session: Session, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"标段 {lot_id} 不存在", code="LOT_NOT_FOUND", field="lot_id")
    return lot


def get_evaluation(session: Session, evaluation_id: int) -> Evaluation:
    """The evaluation, row-locked on PostgreSQL: members signing at the same moment queue here, so exactly one
    of them sees that all have signed and builds the summary."""
    stmt = select(Evaluation).where(Evaluation.id == evaluation_id)
    if for_update(session):
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    evaluation = session.scalars(stmt).one_or_none()
    if evaluation is None:
        raise NotFound(f"评标 {evaluation_id} 不存在", code="EVALUATION_NOT_FOUND", field="evaluation_id")
    return evaluation


def scheme_for_lot(session: Session, lot_id: int) -> ScoringScheme | None:
    return session.scalars(select(ScoringScheme).where(ScoringScheme.lot_id == lot_id)).one_or_none()


def panel(session: Session, evaluation: Evaluation) -> Panel:
    found = panel_for_lot(session, evaluation.lot_id)
    if found is None or found.committee_id != evaluation.committee_id:
        raise Conflict("评标委员会已不存在", code="EVALUATION_COMMITTEE_MISSING", field="committee_id")
    return found


def require_member(session: Session, actor: Principal, evaluation: Evaluation) -> Member:
    """Only a current scoring member, with their own account, acts on the evaluation; others get 404."""
    member = panel(session, evaluation).by_user(actor.user_id) if actor.has(Role.expert, Role.owner_staff) else None
    if member is None:
        raise NotFound(f"评标 {evaluation.id} 不存在", code="EVALUATION_NOT_FOUND", field="evaluation_id")
    return member


def current_sheet(session: Session, evaluation: Evaluation, member_id: int) -> Sheet | None:
    return session.scalars(
        select(Sheet).where(Sheet.evaluation_id == evaluation.id, Sheet.member_id == member_id, Sheet.status != "void")
    ).one_or_none()


def report_for(session: Session, evaluation_id: int) -> Report | None:
    return session.scalars(select(Report).where(Report.evaluation_id == evaluation_id)).one_or_none()


def valid_bidders(session: Session, lot_id: int) -> list[LotBidder]:
    return list(
        session.scalars(
            select(LotBidder).where(LotBidder.lot_id == lot_id, LotBidder.status == "valid").order_by(LotBidder.id)
        )
    )


# --- scheme ---------------------------------------------------------------------------------------


def set_scheme(
    session: Session,
    *,
    actor: Principal,
    lot_id: int,
    method: str,
    price_weight: Decimal,
    criteria: Sequence[CriterionIn],
    now: datetime,
) -> ScoringScheme:
    """Set or replace the lot's scoring scheme (center staff, owner or agency); frozen once evaluation starts."""
    lot = get_lot(session, lot_id)
    if not can_manage_lot(actor, lot):
        raise NotFound(f"标段 {lot_id} 不存在", code="LOT_NOT_FOUND", field="lot_id")
    if method not in METHODS:
        raise InvalidInput("评标办法取值无效", code="SCHEME_METHOD_INVALID", field="method")
    existing = scheme_for_lot(session, lot_id)
    if existing is not None and existing.frozen_at is not None:
        raise Conflict("评标已开始，评标办法不得修改", code="SCHEME_FROZEN", field="method")
    _check_scheme(lot, method=method, price_weight=price_weight, criteria=criteria)
    if existing is None:
        existing = ScoringScheme(lot_id=lot_id, method=method, created_by=actor.user_id, updated_at=now)
        session.add(existing)
    existing.method = method
    existing.price_weight = price_weight if method == "comprehensive" else Decimal(0)
    existing.updated_at = now
    if existing.criteria:
        # Delete the old criteria first: the unit of work would insert the new ones (same codes) before it.
        existing.criteria.clear()
        session.flush()
    existing.criteria = [
        Criterion(code=c.code, name=c.name, kind=c.kind, max_score=c.max_score, position=i)
        for i, c in enumerate(criteria if method == "comprehensive" else [])
    ]
    session.flush()
    ledger.record(
        session,
        kind="evaluation.scheme_set",
        actor=f"user:{actor.user_id}",
        subject=f"lot:{lot_id}",
        data={
            "method": method,
            "price_weight": existing.price_weight,
            "criteria": [
                {"code": c.code, "name": c.name, "kind": c.kind, "max": c.max_score} for c in existing.criteria
            ],
        },
        now=now,
    )
    return existing


def _check_scheme(lot: Lot, *, method: str, price_weight: Decimal, criteria: Sequence[CriterionIn]) -> None:
    if method != "comprehensive":
        return
    if not criteria:
        raise InvalidInput("综合评分法至少需要一个评分因素", code="SCHEME_CRITERIA_MISSING", field="criteria")
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        raise InvalidInput("评分因素编号不得重复", code="SCHEME_CRITERION_DUPLICATE", field="criteria")
    for i, c in enumerate(criteria):
        if c.kind not in ("objective", "subjective"):
            raise InvalidInput(
                f"第{i + 1}个评分因素的类型无效", code="SCHEME_CRITERION_INVALID", field=f"criteria.{i}.kind"
            )
        if c.max_score <= 0 or c.max_score != scoring.q2(c.max_score):
            raise InvalidInput(
                f"第{i + 1}个评分因素的分值须为正数且最多两位小数",
                code="SCHEME_CRITERION_INVALID",
                field=f"criteria.{i}.max_score",
            )
    if price_weight < 0 or price_weight > 100:
        raise InvalidInput("价格分权重须在0至100之间", code="SCHEME_PRICE_WEIGHT_INVALID", field="price_weight")
    if lot.project.trade == "procurement":
        floor = scoring.price_weight_floor(lot.category)
        if floor is not None and price_weight < floor:
            kind = "货物" if lot.category == "goods" else "服务"
            raise RuleRefused(
                f"{kind}项目价格分值占总分值的比重不得低于{floor}%",
                code="SCHEME_PRICE_WEIGHT_TOO_LOW",
                field="price_weight",
                rule="evaluation.price_weight_floor",
                citation=scoring.PRICE_WEIGHT_CITATION,
            )
    total = scoring.scheme_total(price_weight, [c.max_score for c in criteria])
    if total != scoring.HUNDRED:
        raise InvalidInput(
            f"价格分与各评分因素分值之和须为100分（当前为{total}分）", code="SCHEME_TOTAL_INVALID", field="criteria"
        )


# --- start ----------------------------------------------------------------------------------------


def start_evaluation(session: Session, *, actor: Principal, lot_id: int, now: datetime) -> Evaluation:
    """Center staff open the evaluation room: needs a scheme, a committee and enough valid bids."""
    if not actor.has(Role.center_staff):
        raise Forbidden("仅交易中心工作人员可以启动评标", code="ROLE_REQUIRED")
    lot = get_lot(session, lot_id)
    if session.scalar(select(Evaluation.id).where(Evaluation.lot_id == lot_id)) is not None:
        raise Conflict("本标段的评标已经启动", code="EVALUATION_EXISTS", field="lot_id")
    scheme = scheme_for_lot(session, lot_id)
    if scheme is None:
        raise Conflict("本标段尚未设置评标办法", code="SCHEME_MISSING", field="scheme")
    found = panel_for_lot(session, lot_id)
    if found is None:
        raise Conflict("本标段尚未组建评标委员会", code="EVALUATION_COMMITTEE_MISSING", field="committee")
    minimum = 5 if lot.procedure in TENDER_PROCEDURES else 3
    if len(found.members) < minimum or len(found.members) % 2 == 0:
        raise RuleRefused(
            f"评标委员会成员须为{minimum}人以上单数（当前{len(found.members)}人）",
            code="EVALUATION_COMMITTEE_TOO_SMALL",
            field="committee",
            rule="evaluation.committee_size",
            citation="依据《招标投标法》第三十七条、《政府采购货物和服务招标投标管理办法》第四十七条",
        )
    valid = valid_bidders(session, lot_id)
    tender = lot.project.trade in ("procurement", "construction") and lot.procedure in TENDER_PROCEDURES
    if tender and len(valid) < MIN_VALID_BIDS:
        raise RuleRefused(
            f"有效投标不足{MIN_VALID_BIDS}家（当前{len(valid)}家），不得进行评标",
            code="EVALUATION_TOO_FEW_BIDS",
            field="bids",
            rule="evaluation.min_valid_bids",
            citation="依据《政府采购货物和服务招标投标管理办法》第四十四条、《招标投标法实施条例》第四十四条",
        )
    projects.move_lot(session, lot_id=lot_id, action="start_evaluation", actor=f"user:{actor.user_id}", now=now)
    scheme.frozen_at = now
    evaluation = Evaluation(
        lot_id=lot_id,
        committee_id=found.committee_id,
        scheme_id=scheme.id,
        status="scoring",
        started_by=actor.user_id,
        started_at=now,
    )
    session.add(evaluation)
    session.flush()
    ledger.record(
        session,
        kind="evaluation.started",
        actor=f"user:{actor.user_id}",
        subject=f"evaluation:{evaluation.id}",
        data={"lot_id": lot_id, "method": scheme.method, "bids": len(valid), "members": len(found.members)},
        now=now,
    )
    return evaluation


# --- sheets ---------------------------------------------------------------------------------------


def submit_sheet(
    session: Session,
    *,
    actor: Principal,
    evaluation_id: int,
    verdicts: Sequence[VerdictIn],
    scores: Sequence[ScoreIn],
    now: datetime,
) -> Sheet:
    """A member saves their whole sheet (replacing a draft). Everything is checked before anything is written."""
    evaluation = get_evaluation(session, evaluation_id)
    member = require_member(session, actor, evaluation)
    apply_transition(evaluation, "submit_sheet")
    sheet = current_sheet(session, evaluation, member.member_id)
    if sheet is not None and sheet.status == "signed":
        raise Conflict("评分表已签名，不得修改", code="SHEET_SIGNED", field="sheet")
    scheme = session.get(ScoringScheme, evaluation.scheme_id)
    assert scheme is not None
    bidders = {b.id for b in valid_bidders(session, evaluation.lot_id)}
    checked_verdicts = _check_verdicts(verdicts, bidders)
    checked_scores = _check_scores(scheme, scores, checked_verdicts) if scheme.method == "comprehensive" else {}
    if sheet is None:
        sheet = Sheet(evaluation_id=evaluation.id, member_id=member.member_id, user_id=actor.user_id, status="draft")
        session.add(sheet)
    sheet.verdicts = [Verdict(bidder_id=b, passed=p, reason=r) for b, (p, r) in sorted(checked_verdicts.items())]
    sheet.scores = [
        CriterionScore(bidder_id=b, criterion_id=c, score=s) for (b, c), s in sorted(checked_scores.items())
    ]
    sheet.submitted_at = now
    session.flush()
    ledger.record(
        session,
        kind="evaluation.sheet_submitted",
        actor=f"user:{actor.user_id}",
        subject=f"evaluation:{evaluation.id}",
        data={"member_id": member.member_id},
        private=_sheet_private(sheet),
        now=now,
    )
    return sheet


def _check_verdicts(verdicts: Sequence[VerdictIn], bidders: set[int]) -> dict[int, tuple[bool, str]]:
    out: dict[int, tuple[bool, str]] = {}
    for i, v in enumerate(verdicts):
        if v.bidder_id not in bidders:
            raise InvalidInput(
                f"第{i + 1}项审查结论的投标人不属于本标段", code="SHEET_BIDDER_INVALID", field=f"verdicts.{i}"
            )
        if v.bidder_id in out:
            raise InvalidInput("同一投标人只能有一个审查结论", code="SHEET_VERDICT_DUPLICATE", field=f"verdicts.{i}")
        reason = v.reason.strip()
        if not v.passed and not reason:
            raise InvalidInput(
                "认定投标不合格须填写理由", code="SHEET_FAIL_REASON_REQUIRED", field=f"verdicts.{i}.reason"
            )
        out[v.bidder_id] = (v.passed, reason)
    missing = bidders - set(out)
    if missing:
        raise InvalidInput(
            f"尚有{len(missing)}家投标人未作资格审查结论", code="SHEET_VERDICT_MISSING", field="verdicts"
        )
    return out


def _check_scores(
    scheme: ScoringScheme, scores: Sequence[ScoreIn], verdicts: dict[int, tuple[bool, str]]
) -> dict[tuple[int, int], Decimal]:
    criteria = {c.id: c for c in scheme.criteria}
    out: dict[tuple[int, int], Decimal] = {}
    for i, s in enumerate(scores):
        criterion = criteria.get(s.criterion_id)
        if criterion is None:
            raise InvalidInput(f"第{i + 1}项评分的评分因素不存在", code="SHEET_CRITERION_INVALID", field=f"scores.{i}")
        if s.bidder_id not in verdicts:
            raise InvalidInput(f"第{i + 1}项评分的投标人不属于本标段", code="SHEET_BIDDER_INVALID", field=f"scores.{i}")
        if not scoring.in_range(s.score, criterion.max_score):
            raise InvalidInput(
                f"“{criterion.name}”的得分须在0至{criterion.max_score}分之间且最多两位小数（填写为{s.score}）",
                code="SCORE_OUT_OF_RANGE",
                field=f"scores.{i}.score",
            )
        if (s.bidder_id, s.criterion_id) in out:
            raise InvalidInput(
                "同一投标人的同一评分因素只能评一次分", code="SHEET_SCORE_DUPLICATE", field=f"scores.{i}"
            )
        out[(s.bidder_id, s.criterion_id)] = s.score
    for bidder_id, (passed, _) in verdicts.items():
        if passed:
            for criterion_id, criterion in criteria.items():
                if (bidder_id, criterion_id) not in out:
                    raise InvalidInput(
                        f"尚有投标人的“{criterion.name}”未评分", code="SHEET_SCORE_MISSING", field="scores"
                    )
    return out


def _sheet_private(sheet: Sheet) -> dict[str, Any]:
    return {
        "verdicts": [{"bidder_id": v.bidder_id, "passed": v.passed, "reason": v.reason} for v in sheet.verdicts],
        "scores": [{"bidder_id": s.bidder_id, "criterion_id": s.criterion_id, "score": s.score} for s in sheet.scores],
    }


def sign_sheet(session: Session, *, actor: Principal, evaluation_id: int, now: datetime) -> Sheet:
    """The member signs their sheet; it is immutable afterwards. The last signature triggers the summary."""
    evaluation = get_evaluation(session, evaluation_id)
    member = require_member(session, actor, evaluation)
    apply_transition(evaluation, "sign_sheet")
    sheet = current_sheet(session, evaluation, member.member_id)
    if sheet is None or sheet.submitted_at is None:
        raise Conflict("请先提交评分表再签名", code="SHEET_NOT_SUBMITTED", field="sheet")
    if sheet.status == "signed":
        raise Conflict("评分表已签名", code="SHEET_SIGNED", field="sheet")
    sheet.status = "signed"
    sheet.signed_at = now
    session.flush()
    ledger.record(
        session,
        kind="evaluation.sheet_signed",
        actor=f"user:{actor.user_id}",
        subject=f"evaluation:{evaluation.id}",
        data={"member_id": member.member_id},
        private=_sheet_private(sheet),
        now=now,
    )
    if _all_signed(session, evaluation):
        _summarize(session, evaluation, now=now)
    return sheet


def _all_signed(session: Session, evaluation: Evaluation) -> bool:
    members = panel(session, evaluation).members
    signed = set(
        session.scalars(select(Sheet.member_id).where(Sheet.evaluation_id == evaluation.id, Sheet.status == "signed"))
    )
    return all(m.member_id in signed for m in members)


def compute(session: Session, evaluation: Evaluation) -> scoring.Summary:
    """The summary from the signed sheets of the current members."""
    scheme = session.get(ScoringScheme, evaluation.scheme_id)
    lot = get_lot(session, evaluation.lot_id)
    assert scheme is not None
    sheets = list(session.scalars(select(Sheet).where(Sheet.evaluation_id == evaluation.id, Sheet.status == "signed")))
    inputs = []
    for bidder in valid_bidders(session, evaluation.lot_id):
        verdicts = {s.member_id: v.passed for s in sheets for v in s.verdicts if v.bidder_id == bidder.id}
        scores: dict[int, dict[int, Decimal]] = {}
        for s in sheets:
            cells = {c.criterion_id: c.score for c in s.scores if c.bidder_id == bidder.id}
            if cells:
                scores[s.member_id] = cells
        inputs.append(scoring.BidInput(bid_id=bidder.id, price=bidder.price, verdicts=verdicts, scores=scores))
    return scoring.summarize(
        inputs,
        method=scheme.method,
        price_weight=scheme.price_weight,
        criteria_max={c.id: c.max_score for c in scheme.criteria},
        max_price=lot.max_price,
    )


def summary_document(summary: scoring.Summary) -> dict[str, Any]:
    doc: dict[str, Any] = jsonable(
        {
            "method": summary.method,
            "bids": [
                {
                    "bidder_id": b.bid_id,
                    "price": b.price,
                    "qualified": b.qualified,
                    "reject_reason": b.reject_reason,
                    "price_score": b.price_score,
                    "member_totals": {str(k): v for k, v in sorted(b.member_totals.items())},
                    "score": b.score,
                }
                for b in summary.bids
            ],
            "ranking": [
                {"bidder_id": r.bid_id, "rank": r.rank, "score": r.score, "price": r.price} for r in summary.ranking
            ],
            "abnormal": [
                {"bidder_id": a.bid_id, "member_id": a.member_id, "total": a.total, "median": a.median_of_others}
                for a in summary.abnormal
            ],
        }
    )
    return doc


def _summarize(session: Session, evaluation: Evaluation, *, now: datetime) -> None:
    summary = compute(session, evaluation)
    evaluation.summary = summary_document(summary)
    lot = get_lot(session, evaluation.lot_id)
    qualified = sum(1 for b in summary.bids if b.qualified)
    if lot.project.trade == "procurement" and qualified < MIN_VALID_BIDS:
        # 87号令44: fewer than three qualified bidders → no evaluation.
        apply_transition(evaluation, "fail")
        evaluation.failure_reason = f"资格审查合格的投标人不足{MIN_VALID_BIDS}家（{qualified}家），不得评标"
        session.flush()
        ledger.record(
            session,
            kind="evaluation.failed",
            actor="system",
            subject=f"evaluation:{evaluation.id}",
            data={"reason": evaluation.failure_reason, "citation": "《政府采购货物和服务招标投标管理办法》第四十四条"},
            now=now,
        )
        return
    apply_transition(evaluation, "summarize")
    session.flush()
    ledger.record(
        session,
        kind="evaluation.summarized",
        actor="system",
        subject=f"evaluation:{evaluation.id}",
        data={"qualified": qualified, "abnormal": len(summary.abnormal)},
        private=evaluation.summary,
        now=now,
    )


def declare_time_short(session: Session, *, actor: Principal, evaluation_id: int, now: datetime) -> Evaluation:
    """条例48: when more than a third of the members say the time is too short, the evaluation is extended."""
    evaluation = get_evaluation(session, evaluation_id)
    member = require_member(session, actor, evaluation)
    apply_transition(evaluation, "declare_time_short")
    sheet = current_sheet(session, evaluation, member.member_id)
    if sheet is None:
        sheet = Sheet(evaluation_id=evaluation.id, member_id=member.member_id, user_id=actor.user_id, status="draft")
        session.add(sheet)
    if sheet.time_short:
        raise Conflict("您已提出评标时间不够", code="TIME_SHORT_ALREADY", field="time_short")
    sheet.time_short = True
    session.flush()
    ledger.record(
        session,
        kind="evaluation.time_short_declared",
        actor=f"user:{actor.user_id}",
        subject=f"evaluation:{evaluation.id}",
        data={"member_id": member.member_id},
        now=now,
    )
    members = panel(session, evaluation).members
    ids = {m.member_id for m in members}
    count = sum(
        1
        for s in session.scalars(
            select(Sheet).where(Sheet.evaluation_id == evaluation.id, Sheet.status != "void", Sheet.time_short)
        )
        if s.member_id in ids
    )
    if not evaluation.extended and count * 3 > len(members):
        evaluation.extended = True
        session.flush()
        ledger.record(
            session,
            kind="evaluation.extended",
            actor="system",
            subject=f"evaluation:{evaluation.id}",
            data={"declared": count, "members": len(members), "citation": "《招标投标法实施条例》第四十八条"},
            now=now,
        )
    return evaluation


# Registered here because the platform imports every domain's ``service`` module to collect handlers.
@subscribe("committee.member_replaced", "evaluation.void_replaced_member")
def on_member_replaced(session: Session, payload: dict[str, Any]) -> None:
    from ggzy.core.clock import SystemClock
    from ggzy.evaluation.closing import void_member_sheet

    # Outbox handlers run outside a request; the delivery time is the system clock's.
    void_member_sheet(
        session, committee_id=int(payload["committee_id"]), member_id=int(payload["member_id"]), now=SystemClock().now()
    )
