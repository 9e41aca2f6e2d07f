"""Committees: request (with the committed secret), the draw, redraw with a reason, confirmations,
reserves, and revealing the names when the evaluation result is fixed."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.clock import SHANGHAI
from ggzy.core.db import for_update
from ggzy.core.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from ggzy.core.events import emit
from ggzy.core.security import Principal, Role
from ggzy.entities.models import Entity, User
from ggzy.experts import draw as drawing
from ggzy.experts import (
    draw_inputs,
    notify,  # noqa: F401  (registers the outbox handlers)
    rules_data,
)
from ggzy.experts.avoidance import (
    CONSTRAINTS_ZH,
    apply_avoidance,
    committee_size_problem,
    explain_shortfall,
)
from ggzy.experts.models import Committee, CommitteeDraw, CommitteeMember, Expert
from ggzy.experts.service import actor_of
from ggzy.ledger import service as ledger
from ggzy.ledger.queries import latest_tree_head
from ggzy.ledger.signing import session_signer
from ggzy.projects.models import Lot
from ggzy.projects.queries import can_manage_lot, get_lot, interested_entity_ids


class DrawShortfall(AppError):
    """The pool cannot fill the committee; the message names the constraint that emptied it."""

    status_code = 409
    default_code = "EXPERT_POOL_INSUFFICIENT"


@dataclass(frozen=True)
class RequirementIn:
    specialty: str
    count: int


def _get_committee(session: Session, committee_id: int, *, lock: bool = False) -> Committee:
    stmt = select(Committee).where(Committee.id == committee_id)
    if lock and for_update(session):
        stmt = stmt.with_for_update()
    committee = session.scalars(stmt).first()
    if committee is None:
        raise NotFound("评标委员会不存在", code="COMMITTEE_NOT_FOUND")
    return committee


def request_committee(
    session: Session,
    *,
    actor: Principal,
    lot_id: int,
    size: int,
    owner_representative_user_ids: Sequence[int],
    requirements: Sequence[RequirementIn],
    region_prefixes: Sequence[str],
    remote_sites: Sequence[str] = (),
    evaluation_start: datetime,
    evaluation_end: datetime,
    venue: str,
    reserve_count: int,
    now: datetime,
) -> Committee:
    """Owner/agency staff of the lot or center staff ask for a committee; the draw secret is committed."""
    lot = get_lot(session, lot_id)
    if lot is None or not can_manage_lot(actor, lot):
        raise NotFound("标段不存在", code="LOT_NOT_FOUND", field="lot_id")
    existing = session.scalar(select(Committee.id).where(Committee.lot_id == lot_id, Committee.status != "cancelled"))
    if existing is not None:
        raise Conflict("该标段已申请评标委员会", code="COMMITTEE_EXISTS", field="lot_id")
    reps = list(dict.fromkeys(owner_representative_user_ids))
    problem = committee_size_problem(
        trade=lot.project.trade,
        procedure=lot.procedure,
        estimate=lot.estimate,
        size=size,
        owner_representatives=len(reps),
    )
    if problem is not None:
        key, message = problem
        raise RuleRefused(
            message, code="COMMITTEE_SIZE_FORBIDDEN", field="size", rule=key, citation=rules_data.citation(key)
        )
    for uid in reps:
        user = session.get(User, uid)
        if user is None or user.entity_id not in (lot.project.owner_entity_id, lot.project.agency_entity_id):
            raise InvalidInput(
                "招标人代表须为本项目招标人或代理机构的用户",
                code="OWNER_REPRESENTATIVE_INVALID",
                field="owner_representative_user_ids",
            )
    if not requirements:
        raise InvalidInput("请填写所需专业及人数", code="SPECIALTY_REQUIRED", field="requirements")
    if any(r.count < 1 for r in requirements):
        raise InvalidInput("每个专业至少抽取1人", code="INVALID_INPUT", field="requirements")
    codes = check_specialties_any_level(session, [r.specialty for r in requirements])
    experts_needed = sum(r.count for r in requirements)
    if experts_needed != size - len(reps):
        raise InvalidInput(
            f"各专业人数合计{experts_needed}人，应等于委员会人数{size}减招标人代表{len(reps)}人",
            code="COMMITTEE_COUNTS_MISMATCH",
            field="requirements",
        )
    prefixes = [p.strip() for p in region_prefixes if p.strip()]
    if not prefixes or any(not p.isdigit() for p in prefixes):
        raise InvalidInput(
            "请选择抽取地区范围（本地、全省或远程异地评标地区）", code="REGION_UNKNOWN", field="region_prefixes"
        )
    if (
        evaluation_start <= now
        or evaluation_end <= evaluation_start
        or evaluation_end - evaluation_start > draw_inputs.MAX_EVALUATION
    ):
        raise InvalidInput(
            "评标时间应晚于现在，结束时间晚于开始时间，且评标不超过30日",
            code="EVALUATION_TIME_INVALID",
            field="evaluation_start",
        )
    if not venue.strip():
        raise InvalidInput("评标地点必填", code="INVALID_INPUT", field="venue")
    if not 0 <= reserve_count <= 10:
        raise InvalidInput("备选专家人数应为0至10人", code="INVALID_INPUT", field="reserve_count")
    secret = secrets.token_bytes(32)
    committee = Committee(
        lot_id=lot.id,
        status="requested",
        size=size,
        owner_representatives=len(reps),
        owner_representative_user_ids=reps,
        requirements=[{"specialty": c, "count": r.count} for c, r in zip(codes, requirements, strict=True)],
        region_prefixes=prefixes,
        remote_sites=[s.strip() for s in remote_sites if s.strip()],
        reserve_count=reserve_count,
        evaluation_start=evaluation_start,
        evaluation_end=evaluation_end,
        venue=venue.strip(),
        secret=secret,
        commitment=drawing.commitment_of(secret),
        commitment_index=-1,
        round=1,
        requested_by=actor.user_id,
        created_at=now,
    )
    session.add(committee)
    session.flush()
    event = ledger.record(
        session,
        kind="committee.requested",
        actor=actor_of(actor),
        subject=f"committee:{committee.id}",
        data={
            "committee_id": committee.id,
            "lot_id": lot.id,
            "size": size,
            "owner_representatives": len(reps),
            "requirements": committee.requirements,
            "region_prefixes": prefixes,
            "evaluation_start": evaluation_start,
            "reserve_count": reserve_count,
            "round": 1,
            "secret_commitment": committee.commitment,
        },
        now=now,
    )
    committee.commitment_index = event.index
    return committee


def check_specialties_any_level(session: Session, codes: Sequence[str]) -> list[str]:
    """Requirements may name any level of the tree (A08 = all construction); each must exist."""
    from ggzy.experts.models import SpecialtyNode

    cleaned = [c.strip().upper() for c in codes]
    for code in cleaned:
        if session.get(SpecialtyNode, code) is None:
            raise InvalidInput(
                f"评标专业代码 {code} 不在专业分类标准中", code="SPECIALTY_CODE_UNKNOWN", field="requirements"
            )
    if len(set(cleaned)) != len(cleaned):
        raise InvalidInput("所需专业重复", code="SPECIALTY_DUPLICATE", field="requirements")
    return cleaned


def _year_bounds(instant: datetime) -> tuple[datetime, datetime]:
    local = instant.astimezone(SHANGHAI)
    start = datetime(local.year, 1, 1, tzinfo=SHANGHAI).astimezone(UTC)
    end = datetime(local.year + 1, 1, 1, tzinfo=SHANGHAI).astimezone(UTC)
    return start, end


def draw_rules() -> dict[str, Any]:
    return {
        "rules_version": rules_data.RULES_VERSION,
        "same_employer_max": rules_data.value("experts.same_employer_max"),
        "yearly_max_assignments": rules_data.value("experts.yearly_max_assignments"),
        "employment_avoidance_years": rules_data.value("experts.employment_avoidance_years"),
        "procurement_max_age": rules_data.value("experts.procurement_max_age"),
        "ordering": "HMAC-SHA256(seed, expert_id as 8-byte big-endian), ascending",
    }


def draw_committee(session: Session, *, actor: Principal, committee_id: int, now: datetime) -> CommitteeDraw:
    """Run the draw: filter, exclude with reasons, order by the keyed hash, fill members and reserves."""
    if not actor.has(Role.center_staff):
        raise Forbidden("仅限交易中心工作人员抽取专家", code="ROLE_REQUIRED")
    committee = _get_committee(session, committee_id, lock=True)
    if committee.status == "cancelled":
        raise Conflict("评标委员会已取消", code="COMMITTEE_CANCELLED")
    if committee.status == "drawn":
        raise Conflict(
            "该评标委员会已经抽取；重新抽取须先记录理由（申请重新抽取）",
            code="COMMITTEE_ALREADY_DRAWN",
        )
    if committee.evaluation_start <= now:
        raise Conflict("评标开始时间已过，不能抽取", code="EVALUATION_STARTED")
    lot = session.get(Lot, committee.lot_id)
    assert lot is not None
    trade = lot.project.trade
    start, end = committee.evaluation_start, committee.evaluation_end
    first_day = start.astimezone(SHANGHAI).date()
    last_day = end.astimezone(SHANGHAI).date()
    party_ids = interested_entity_ids(session, lot.id)
    party_usccs = set(session.scalars(select(Entity.uscc).where(Entity.id.in_(party_ids)))) if party_ids else set()
    requirements = [drawing.Requirement(r["specialty"], int(r["count"])) for r in committee.requirements]

    pool = draw_inputs.candidate_rows(
        session,
        requirements=[r.specialty for r in requirements],
        region_prefixes=committee.region_prefixes,
        with_birth=trade == "procurement",
    )
    black, suspended = draw_inputs.sanction_sets(session, start=start, end=end)
    year_start, year_end = _year_bounds(start)
    exclusion_sets: list[tuple[str, set[int]]] = [
        ("blacklisted", black),
        ("suspended", suspended),
        (
            "unavailable",
            draw_inputs.unavailable_set(session, first_day=first_day, last_day=last_day, among=set(pool.employer)),
        ),
        ("booked", draw_inputs.booked_set(session, committee_id=committee.id, start=start, end=end)),
        ("employed_by_party", draw_inputs.employment_set(session, party_usccs=party_usccs, on=first_day)),
        ("declared_interest", draw_inputs.interest_set(session, party_usccs=party_usccs)),
        (
            "frequency",
            draw_inputs.frequency_set(
                session,
                committee_id=committee.id,
                year_start=year_start,
                year_end=year_end,
                among=set(pool.employer),
            ),
        ),
    ]
    if trade == "procurement":
        exclusion_sets.append(("age_limit", draw_inputs.age_set(pool, on=first_day)))
    # Only exclusions among the candidates matter (and are recorded): the rest were never in the draw.
    exclusion_sets = [(code, ids & pool.employer.keys()) for code, ids in exclusion_sets]
    avoided = apply_avoidance(pool.employer.keys(), exclusion_sets)
    employer, specialties = pool.employer, pool.specialties
    candidates: list[drawing.Candidate] = [(i, employer[i], tuple(sorted(specialties[i]))) for i in avoided.eligible]
    head = latest_tree_head(session)
    if head is None or head.tree_size <= committee.commitment_index:
        # The seed's tree head must include the commitment event: then its root was unknown when the secret
        # was chosen, and anyone can check it (draw verify --db/--url).
        head = ledger.publish_tree_head(session, key=session_signer(session), now=now)
    tree_size, tree_root = (head.tree_size, head.root_hash) if head else (0, drawing.EMPTY_TREE_ROOT)
    seed = drawing.derive_seed(
        secret=committee.secret, tree_root=tree_root, tree_size=tree_size, committee_id=committee.id
    )
    rules = draw_rules()
    try:
        result = drawing.fill(
            seed,
            candidates,
            requirements,
            reserve_count=committee.reserve_count,
            same_employer_max=int(rules["same_employer_max"]),
        )
    except drawing.Shortfall as short:
        culprit, funnel = explain_shortfall(
            short.requirement,
            short.needed if not short.reserve else 1,
            pool.specialties,
            exclusion_sets,
            employer_limited=short.employer_limited,
        )
        steps = "，".join(f"{CONSTRAINTS_ZH[c]}后剩{n}人" for c, n in funnel)
        what = "备选专家" if short.reserve else f"专业 {short.requirement} 需要{short.needed}人"
        raise DrawShortfall(
            f"专家库不足以组成评标委员会：{what}，实际只能抽到{short.found}人；"
            f"导致不足的条件：{CONSTRAINTS_ZH[culprit]}（{steps}）",
            field="requirements",
            details=[{"constraint": c, "remaining": n} for c, n in funnel],
        ) from short
    record = drawing.build_record(
        committee_id=committee.id,
        lot_id=lot.id,
        round_no=committee.round,
        secret=committee.secret,
        commitment=committee.commitment,
        tree_size=tree_size,
        tree_root=tree_root,
        rules=rules,
        requirements=requirements,
        reserve_count=committee.reserve_count,
        candidates=candidates,
        exclusions=avoided.excluded,
        result=result,
        drawn_at=ledger.format_instant(now),
    )
    draw = CommitteeDraw(
        committee_id=committee.id,
        round=committee.round,
        record=record,
        record_hash=record["record_hash"],
        ledger_index=-1,
        drawn_by=actor.user_id,
        drawn_at=now,
    )
    session.add(draw)
    session.flush()
    members: list[CommitteeMember] = []
    for pick in result.members:
        members.append(_member(committee, draw, pick, reserve=False, now=now))
    for pick in result.reserves:
        members.append(_member(committee, draw, pick, reserve=True, now=now))
    for uid in committee.owner_representative_user_ids:
        members.append(
            CommitteeMember(
                committee_id=committee.id,
                draw_id=draw.id,
                user_id=uid,
                kind="owner_representative",
                status="confirmed",
                created_at=now,
            )
        )
    committee.members.extend(members)
    committee.status = "drawn"
    session.flush()
    by_reason: dict[str, int] = {}
    for reasons in avoided.excluded.values():
        for code in reasons:
            by_reason[code] = by_reason.get(code, 0) + 1
    for p in result.skipped.values():
        by_reason[p] = by_reason.get(p, 0) + 1
    ledger.record(
        session,
        kind="committee.exclusions_recorded",
        actor=actor_of(actor),
        subject=f"committee:{committee.id}",
        data={
            "committee_id": committee.id,
            "round": committee.round,
            "excluded_by_reason": by_reason,
            "candidate_set_hash": record["candidate_set_hash"],
        },
        private={"exclusions": record["exclusions"], "passed_over": record["result"]["passed_over"]},
        now=now,
    )
    event = ledger.record(
        session,
        kind="committee.drawn",
        actor=actor_of(actor),
        subject=f"committee:{committee.id}",
        data={
            "committee_id": committee.id,
            "lot_id": lot.id,
            "round": committee.round,
            "secret_commitment": committee.commitment,
            "tree_size": tree_size,
            "tree_root": tree_root.hex(),
            "candidates": len(candidates),
            "excluded": len(avoided.excluded),
            "members": len(result.members),
            "reserves": len(result.reserves),
            "candidate_set_hash": record["candidate_set_hash"],
            "record_hash": record["record_hash"],
        },
        private={"members": record["result"]["members"], "reserves": record["result"]["reserves"]},
        now=now,
    )
    draw.ledger_index = event.index
    for m in members:
        if m.kind == "expert" and not m.is_reserve:
            emit(session, "experts.notify", {"member_id": m.id, "kind": "drawn"}, now=now)
    return draw


def _member(
    committee: Committee, draw: CommitteeDraw, pick: drawing.Pick, *, reserve: bool, now: datetime
) -> CommitteeMember:
    return CommitteeMember(
        committee_id=committee.id,
        draw_id=draw.id,
        expert_id=pick.expert_id,
        kind="expert",
        specialty_code=pick.specialty,
        is_reserve=reserve,
        position=pick.position,
        status="standby" if reserve else "notified",
        created_at=now,
    )


def request_redraw(session: Session, *, actor: Principal, committee_id: int, reason: str, now: datetime) -> Committee:
    """A second draw needs a recorded reason; a fresh secret is committed before it runs."""
    if not actor.has(Role.center_staff):
        raise Forbidden("仅限交易中心工作人员申请重新抽取", code="ROLE_REQUIRED")
    committee = _get_committee(session, committee_id, lock=True)
    if not reason.strip():
        raise InvalidInput("重新抽取须记录理由", code="REDRAW_REASON_REQUIRED", field="reason")
    if committee.status != "drawn":
        raise Conflict("该评标委员会尚未抽取，无需重新抽取", code="COMMITTEE_NOT_DRAWN")
    if committee.result_fixed_at is not None:
        raise Conflict("评标结果已确定，不能重新抽取", code="COMMITTEE_RESULT_FIXED")
    current = session.scalars(
        select(CommitteeDraw).where(CommitteeDraw.committee_id == committee.id, CommitteeDraw.round == committee.round)
    ).one()
    current.superseded_reason = reason.strip()
    for m in committee.members:
        if m.draw_id == current.id and m.status != "replaced":
            m.status = "replaced"
    secret = secrets.token_bytes(32)
    committee.secret = secret
    committee.commitment = drawing.commitment_of(secret)
    committee.round += 1
    committee.status = "requested"
    session.flush()
    event = ledger.record(
        session,
        kind="committee.redraw_requested",
        actor=actor_of(actor),
        subject=f"committee:{committee.id}",
        data={
            "committee_id": committee.id,
            "round": committee.round,
            "reason": reason.strip(),
            "previous_record_hash": current.record_hash,
            "secret_commitment": committee.commitment,
        },
        now=now,
    )
    committee.commitment_index = event.index
    return committee


def _pull_reserve(
    session: Session, committee: Committee, member: CommitteeMember, *, actor: str, now: datetime
) -> CommitteeMember | None:
    standby = [m for m in committee.members if m.is_reserve and m.status == "standby"]
    standby.sort(key=lambda m: (m.specialty_code != member.specialty_code, m.position))
    if not standby:
        ledger.record(
            session,
            kind="committee.reserves_exhausted",
            actor=actor,
            subject=f"committee:{committee.id}",
            data={"committee_id": committee.id, "member_id": member.id},
            now=now,
        )
        return None
    reserve = standby[0]
    reserve.is_reserve = False
    reserve.status = "notified"
    member.replaced_by_member_id = reserve.id
    session.flush()
    ledger.record(
        session,
        kind="committee.reserve_called",
        actor=actor,
        subject=f"committee:{committee.id}",
        data={
            "committee_id": committee.id,
            "member_id": member.id,
            "reserve_member_id": reserve.id,
            "reason": member.status,
        },
        now=now,
    )
    emit(session, "experts.notify", {"member_id": reserve.id, "kind": "drawn"}, now=now)
    return reserve


def respond(
    session: Session, *, actor: Principal, member_id: int, accept: bool, note: str, now: datetime
) -> CommitteeMember:
    """The drawn expert confirms or declines; a decline calls the next reserve."""
    member = session.get(CommitteeMember, member_id)
    expert = session.get(Expert, member.expert_id) if member and member.expert_id else None
    if member is None or expert is None or expert.user_id != actor.user_id:
        raise NotFound("抽取通知不存在", code="MEMBER_NOT_FOUND")
    committee = _get_committee(session, member.committee_id, lock=True)
    if member.status != "notified":
        raise Conflict("该通知已答复或已失效", code="MEMBER_ALREADY_ANSWERED")
    if committee.evaluation_start <= now and not accept:
        raise Conflict("评标已开始，不能再拒绝；缺席由中心记录", code="EVALUATION_STARTED")
    member.status = "confirmed" if accept else "declined"
    member.response_note = note.strip()[:200]
    member.responded_at = now
    session.flush()
    ledger.record(
        session,
        kind="committee.member_confirmed" if accept else "committee.member_declined",
        actor=actor_of(actor),
        subject=f"committee:{committee.id}",
        data={"committee_id": committee.id, "member_id": member.id},
        now=now,
    )
    if not accept:
        _pull_reserve(session, committee, member, actor=actor_of(actor), now=now)
    return member


def replace_member(
    session: Session, *, actor: Principal, member_id: int, status: str, reason: str, now: datetime
) -> CommitteeMember | None:
    """Center staff record a no-show or remove a member (e.g. a conflict found late); a reserve steps in."""
    if not actor.has(Role.center_staff):
        raise Forbidden("仅限交易中心工作人员替换专家", code="ROLE_REQUIRED")
    if status not in ("no_show", "replaced"):
        raise InvalidInput("替换原因应为缺席（no_show）或更换（replaced）", code="INVALID_INPUT", field="status")
    member = session.get(CommitteeMember, member_id)
    if member is None or member.kind != "expert":
        raise NotFound("评标委员会成员不存在", code="MEMBER_NOT_FOUND")
    committee = _get_committee(session, member.committee_id, lock=True)
    if member.is_reserve or member.status not in ("notified", "confirmed"):
        raise Conflict("该成员不在评标委员会中", code="MEMBER_NOT_ACTIVE")
    if committee.result_fixed_at is not None:
        raise Conflict("评标结果已确定，不能替换成员", code="COMMITTEE_RESULT_FIXED")
    if not reason.strip():
        raise InvalidInput("须记录替换理由", code="REPLACE_REASON_REQUIRED", field="reason")
    was_confirmed = member.status == "confirmed"
    member.status = status
    member.response_note = reason.strip()[:200]
    member.responded_at = now
    session.flush()
    ledger.record(
        session,
        kind=f"committee.member_{status}",
        actor=actor_of(actor),
        subject=f"committee:{committee.id}",
        data={"committee_id": committee.id, "member_id": member.id, "reason": reason.strip()},
        now=now,
    )
    reserve = _pull_reserve(session, committee, member, actor=actor_of(actor), now=now)
    if was_confirmed and reserve is not None:
        # 条例48 / 87号令49: a replaced member's opinion is void; evaluation reacts.
        emit(
            session,
            "committee.member_replaced",
            {"committee_id": committee.id, "member_id": member.id, "replacement_member_id": reserve.id},
            now=now,
        )
    return reserve


def reveal_committee(session: Session, *, committee_id: int, now: datetime) -> Committee:
    """The evaluation result is fixed: names become visible and the draw record is published. Idempotent."""
    committee = _get_committee(session, committee_id, lock=True)
    if committee.result_fixed_at is not None:
        return committee
    committee.result_fixed_at = now
    draw = session.scalars(
        select(CommitteeDraw).where(CommitteeDraw.committee_id == committee.id, CommitteeDraw.round == committee.round)
    ).first()
    names = session.execute(
        select(CommitteeMember.id, Expert.name, Expert.employer_name)
        .join(Expert, Expert.id == CommitteeMember.expert_id)
        .where(CommitteeMember.committee_id == committee.id, CommitteeMember.status == "confirmed")
        .order_by(CommitteeMember.position)
    ).all()
    session.flush()
    ledger.record(
        session,
        kind="committee.revealed",
        actor="system",
        subject=f"committee:{committee.id}",
        data={
            "committee_id": committee.id,
            "lot_id": committee.lot_id,
            "record_hash": draw.record_hash if draw else None,
            "experts": [{"member_id": i, "name": n, "employer": e} for i, n, e in names],
        },
        now=now,
    )
    return committee


def evaluation_window(start: datetime, hours: int = 4) -> tuple[datetime, datetime]:
    return start, start + timedelta(hours=hours)
