"""Reads of evaluations, shaped by who is asking.

Confidentiality (条例49, 87号令62 — members score independently): before every member has signed, a member sees
only their own sheet; center staff see progress per member but no score; the owner, its agency, supervisors and
bidders see progress counts only. After all have signed, members and center staff see the summary; once the
result is fixed, the owner, agency and supervisors see the report and bidders the ranked candidates.
Anyone else gets 404.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ggzy.core.errors import NotFound
from ggzy.core.security import Principal, Role
from ggzy.entities.models import Entity
from ggzy.evaluation.members import Panel, panel_for_lot
from ggzy.evaluation.models import Evaluation, ReportSignature, ScoringScheme, Sheet
from ggzy.evaluation.schemas import (
    AssignmentOut,
    BidderOut,
    CriterionOut,
    EvaluationOut,
    MemberProgress,
    Progress,
    SchemeOut,
    SheetOut,
)
from ggzy.evaluation.service import METHOD_LABELS_ZH, STATUS_LABELS_ZH, get_lot, report_for, scheme_for_lot
from ggzy.projects.models import LotBidder
from ggzy.projects.queries import can_manage_lot

AFTER_SIGNING = ("summarized", "reported", "fixed", "failed")


def scheme_out(scheme: ScoringScheme) -> SchemeOut:
    return SchemeOut(
        lot_id=scheme.lot_id,
        method=scheme.method,
        method_label=METHOD_LABELS_ZH[scheme.method],
        price_weight=scheme.price_weight,
        frozen=scheme.frozen_at is not None,
        criteria=[
            CriterionOut(id=c.id, code=c.code, name=c.name, kind=c.kind, max_score=c.max_score) for c in scheme.criteria
        ],
    )


def lot_scheme(session: Session, lot_id: int) -> SchemeOut:
    """The scheme is part of the tender documents: public."""
    get_lot(session, lot_id)
    scheme = scheme_for_lot(session, lot_id)
    if scheme is None:
        raise NotFound("本标段尚未设置评标办法", code="SCHEME_NOT_FOUND", field="lot_id")
    return scheme_out(scheme)


def role_for(session: Session, actor: Principal | None, evaluation: Evaluation, found: Panel | None) -> str | None:
    if actor is None:
        return None
    if found is not None and actor.has(Role.expert, Role.owner_staff) and found.by_user(actor.user_id) is not None:
        return "member"
    if actor.has(Role.center_staff):
        return "center"
    lot = get_lot(session, evaluation.lot_id)
    if can_manage_lot(actor, lot):
        return "manager"
    if actor.has(Role.supervisor) and any(
        g.role == Role.supervisor and g.trade in (None, lot.project.trade) for g in actor.grants
    ):
        return "supervisor"
    if actor.entity_id is not None and session.scalar(
        select(LotBidder.id).where(LotBidder.lot_id == lot.id, LotBidder.entity_id == actor.entity_id)
    ):
        return "bidder"
    return None


def _sheet_out(sheet: Sheet) -> SheetOut:
    return SheetOut(
        status=sheet.status,
        submitted_at=sheet.submitted_at,
        signed_at=sheet.signed_at,
        time_short=sheet.time_short,
        verdicts=[{"bidder_id": v.bidder_id, "passed": v.passed, "reason": v.reason} for v in sheet.verdicts],
        scores=[
            {"bidder_id": s.bidder_id, "criterion_id": s.criterion_id, "score": str(s.score)} for s in sheet.scores
        ],
    )


def bidders_out(session: Session, lot_id: int) -> list[BidderOut]:
    rows = session.execute(
        select(LotBidder, Entity.name).join(Entity, Entity.id == LotBidder.entity_id).where(LotBidder.lot_id == lot_id)
    ).all()
    return [
        BidderOut(id=b.id, name=name, price=b.price, status=b.status) for b, name in sorted(rows, key=lambda r: r[0].id)
    ]


def evaluation_for(session: Session, *, actor: Principal | None, evaluation_id: int) -> EvaluationOut:
    evaluation = session.get(Evaluation, evaluation_id)
    not_found = NotFound(f"评标 {evaluation_id} 不存在", code="EVALUATION_NOT_FOUND", field="evaluation_id")
    if evaluation is None:
        raise not_found
    found = panel_for_lot(session, evaluation.lot_id)
    role = role_for(session, actor, evaluation, found)
    if role is None or actor is None:
        raise not_found
    lot = get_lot(session, evaluation.lot_id)
    members = found.members if found is not None and found.committee_id == evaluation.committee_id else ()
    sheets = {
        s.member_id: s
        for s in session.scalars(select(Sheet).where(Sheet.evaluation_id == evaluation.id, Sheet.status != "void"))
    }
    report = report_for(session, evaluation.id)
    report_signed: set[int] = set()
    if report is not None:
        report_signed = set(
            session.scalars(select(ReportSignature.member_id).where(ReportSignature.report_id == report.id))
        )
    ids = [m.member_id for m in members]
    progress = Progress(
        members=len(ids),
        submitted=sum(1 for i in ids if i in sheets and sheets[i].submitted_at is not None),
        signed=sum(1 for i in ids if i in sheets and sheets[i].status == "signed"),
        time_short=sum(1 for i in ids if i in sheets and sheets[i].time_short),
        report_signed=sum(1 for i in ids if i in report_signed),
    )
    scheme = session.get(ScoringScheme, evaluation.scheme_id)
    assert scheme is not None
    out = EvaluationOut(
        id=evaluation.id,
        lot_id=lot.id,
        lot_name=lot.name,
        project_name=lot.project.name,
        status=evaluation.status,
        status_label=STATUS_LABELS_ZH[evaluation.status],
        method=scheme.method,
        extended=evaluation.extended,
        failure_reason=evaluation.failure_reason,
        started_at=evaluation.started_at,
        fixed_at=evaluation.fixed_at,
        role=role,
        progress=progress,
        scheme=scheme_out(scheme),
    )
    fixed = evaluation.status == "fixed"
    if role in ("member", "center"):
        out.bidders = bidders_out(session, lot.id)
    if role == "center":
        out.member_progress = [
            MemberProgress(
                member_id=m.member_id,
                name=m.display_name,
                submitted=m.member_id in sheets and sheets[m.member_id].submitted_at is not None,
                signed=m.member_id in sheets and sheets[m.member_id].status == "signed",
                report_signed=m.member_id in report_signed,
            )
            for m in members
        ]
    if role == "member":
        me = found.by_user(actor.user_id) if found is not None else None
        if me is not None and me.member_id in sheets:
            out.my_sheet = _sheet_out(sheets[me.member_id])
    if role in ("member", "center") and evaluation.status in AFTER_SIGNING:
        out.summary = evaluation.summary
    if report is not None:
        out.report_id = report.id
        if role in ("member", "center") or (fixed and role in ("manager", "supervisor")):
            out.report = report.content
        elif fixed and role == "bidder":
            out.report = {"candidates": report.content.get("candidates", [])}
    if fixed and role in ("manager", "supervisor"):
        out.summary = evaluation.summary
        out.bidders = bidders_out(session, lot.id)
    return out


def assignments_for(session: Session, *, actor: Principal) -> list[AssignmentOut]:
    """我的评标任务: evaluations in which the caller is a current scoring member."""
    from ggzy.experts.models import CommitteeMember, Expert

    # Expert members are linked through their expert record; owner representatives directly by user.
    committee_ids = set(
        session.scalars(
            select(CommitteeMember.committee_id)
            .outerjoin(Expert, Expert.id == CommitteeMember.expert_id)
            .where(or_(CommitteeMember.user_id == actor.user_id, Expert.user_id == actor.user_id))
        )
    )
    if not committee_ids:
        return []
    out: list[AssignmentOut] = []
    for evaluation in session.scalars(
        select(Evaluation).where(Evaluation.committee_id.in_(committee_ids)).order_by(Evaluation.id.desc())
    ):
        found = panel_for_lot(session, evaluation.lot_id)
        me = found.by_user(actor.user_id) if found is not None else None
        if me is None:
            continue
        sheet = session.scalars(
            select(Sheet).where(
                Sheet.evaluation_id == evaluation.id, Sheet.member_id == me.member_id, Sheet.status != "void"
            )
        ).one_or_none()
        lot = get_lot(session, evaluation.lot_id)
        out.append(
            AssignmentOut(
                evaluation_id=evaluation.id,
                lot_id=lot.id,
                lot_name=lot.name,
                project_name=lot.project.name,
                status=evaluation.status,
                status_label=STATUS_LABELS_ZH[evaluation.status],
                sheet_status="none"
                if sheet is None
                else ("submitted" if sheet.status == "draft" and sheet.submitted_at else sheet.status),
            )
        )
    return out


def evaluation_id_for_lot(session: Session, lot_id: int) -> int | None:
    return session.scalar(select(Evaluation.id).where(Evaluation.lot_id == lot_id))
