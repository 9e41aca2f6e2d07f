"""Use cases of the expert pool: classification, registration, review, availability, sanctions, ratings.

Committees and the draw are in ``committees``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from ggzy.core.security import Principal, Role
from ggzy.entities import uscc as uscc_codes
from ggzy.experts import classification, notify, rules_data
from ggzy.experts.avoidance import (
    TITLE_LEVELS_ZH,
    PeriodError,
    check_employment_periods,
    eligibility_problems,
)
from ggzy.experts.models import (
    Committee,
    CommitteeMember,
    Expert,
    ExpertEmployment,
    ExpertInterest,
    ExpertRating,
    ExpertSanction,
    ExpertSpecialty,
    ExpertUnavailability,
    SpecialtyNode,
)
from ggzy.ledger import service as ledger
from ggzy.regions.models import Region

# Importing the service registers the outbox handlers (notifications, reveal on result fixed).
_HANDLERS = notify.send_notification, notify.on_result_fixed


@dataclass(frozen=True)
class EmploymentIn:
    employer_name: str
    employer_uscc: str
    start_date: date
    end_date: date | None = None


@dataclass(frozen=True)
class InterestIn:
    kind: str  # relative | interest
    party_uscc: str
    party_name: str
    note: str = ""


def actor_of(principal: Principal | None) -> str:
    return f"user:{principal.user_id}" if principal else "system"


def local_date(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


# --- classification -------------------------------------------------------------------------------


def ensure_classification(session: Session, *, now: datetime) -> int:
    """Load the seed tree (idempotent); returns the number of nodes added."""
    existing = set(session.scalars(select(SpecialtyNode.code)))
    added = 0
    for code, name, parent in classification.seed_nodes():
        if code not in existing:
            session.add(SpecialtyNode(code=code, name=name, parent_code=parent, created_at=now))
            added += 1
    if added:
        session.flush()
        ledger.record(
            session,
            kind="experts.classification_loaded",
            actor="system",
            subject="experts:classification",
            data={"added": added},
            now=now,
        )
    return added


def add_specialty_node(session: Session, *, actor: Principal, code: str, name: str, now: datetime) -> SpecialtyNode:
    code = code.strip().upper()
    if not classification.is_valid_code(code):
        raise InvalidInput(
            f"专业代码 {code} 格式不正确：应为字母A/B/C加2、4或6位数字（如A080101）",
            code="SPECIALTY_CODE_INVALID",
            field="code",
        )
    if not name.strip():
        raise InvalidInput("专业名称必填", code="INVALID_INPUT", field="name")
    if session.get(SpecialtyNode, code) is not None:
        raise Conflict(f"专业代码 {code} 已存在", code="SPECIALTY_CODE_TAKEN", field="code")
    parent = classification.parent_of(code)
    if parent is not None and session.get(SpecialtyNode, parent) is None:
        raise InvalidInput(f"上级专业 {parent} 不存在，请先添加上级专业", code="SPECIALTY_PARENT_UNKNOWN", field="code")
    node = SpecialtyNode(code=code, name=name.strip(), parent_code=parent, created_at=now)
    session.add(node)
    session.flush()
    ledger.record(
        session,
        kind="experts.specialty_added",
        actor=actor_of(actor),
        subject=f"specialty:{code}",
        data={"code": code, "name": node.name, "parent": parent},
        now=now,
    )
    return node


def check_specialties(session: Session, codes: Sequence[str], *, field: str = "specialties") -> list[str]:
    cleaned = [c.strip().upper() for c in codes]
    limit = rules_data.value("experts.max_specialties")
    if not cleaned:
        raise InvalidInput("请至少申报一个评标专业", code="SPECIALTY_REQUIRED", field=field)
    if len(cleaned) > limit:
        raise RuleRefused(
            f"申报了{len(cleaned)}个评标专业，最多{limit}个",
            code="SPECIALTY_TOO_MANY",
            field=field,
            rule="experts.max_specialties",
            citation=rules_data.citation("experts.max_specialties"),
        )
    if len(set(cleaned)) != len(cleaned):
        raise InvalidInput("评标专业重复", code="SPECIALTY_DUPLICATE", field=field)
    known = set(session.scalars(select(SpecialtyNode.code).where(SpecialtyNode.code.in_(cleaned))))
    for code in cleaned:
        if not classification.is_leaf_code(code) or code not in known:
            raise InvalidInput(
                f"评标专业代码 {code} 不在专业分类标准中（应为7位代码，如A080101）",
                code="SPECIALTY_CODE_UNKNOWN",
                field=field,
            )
    return cleaned


# --- registration and review ----------------------------------------------------------------------


def _check_uscc(value: str, field: str) -> str:
    try:
        return uscc_codes.parse(value).code
    except uscc_codes.UsccError as exc:
        raise InvalidInput(f"{exc.message_zh}", code="ENTITY_USCC_INVALID", field=field) from exc


def _valid_id_number(number: str) -> bool:
    """18 characters, checksum and birth date (the place code is not checked: codes change over time)."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    try:
        ric.get_birth_date(number)
    except Exception:
        return False
    return bool(number[-1] == ric.calc_check_digit(number))


def register_expert(
    session: Session,
    *,
    actor: Principal,
    name: str,
    id_number: str,
    phone: str,
    email: str,
    title: str,
    title_level: str,
    years_of_practice: int,
    region_code: str,
    specialties: Sequence[str],
    employments: Sequence[EmploymentIn],
    interests: Sequence[InterestIn] = (),
    for_self: bool = True,
    now: datetime,
) -> Expert:
    """An expert registers (``for_self``, needs the expert role) or center staff enter one; pending review."""
    if for_self:
        if not actor.has(Role.expert):
            raise Forbidden("仅限评标专家本人申请入库", code="ROLE_REQUIRED")
        if session.scalar(select(Expert.id).where(Expert.user_id == actor.user_id)) is not None:
            raise Conflict("您已提交过入库申请", code="EXPERT_ALREADY_REGISTERED")
    elif not actor.has(Role.center_staff):
        raise Forbidden("仅限交易中心工作人员录入专家", code="ROLE_REQUIRED")
    name = name.strip()
    if not name:
        raise InvalidInput("姓名必填", code="INVALID_INPUT", field="name")
    number = id_number.strip().upper()
    if not _valid_id_number(number):
        raise InvalidInput(
            "身份证号码不正确（校验位或出生日期无效）", code="EXPERT_ID_NUMBER_INVALID", field="id_number"
        )
    if session.scalar(select(Expert.id).where(Expert.id_number == number)) is not None:
        raise Conflict("该身份证号码的专家已在库中", code="EXPERT_DUPLICATE", field="id_number")
    if title_level not in TITLE_LEVELS_ZH:
        raise InvalidInput(f"职称级别 {title_level} 无效", code="INVALID_INPUT", field="title_level")
    if years_of_practice < 0 or years_of_practice > 70:
        raise InvalidInput("从业年限应在0到70年之间", code="INVALID_INPUT", field="years_of_practice")
    if session.get(Region, region_code) is None:
        raise InvalidInput(f"行政区划代码 {region_code} 不存在", code="REGION_UNKNOWN", field="region_code")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidInput("电子邮箱格式不正确", code="INVALID_INPUT", field="email")
    codes = check_specialties(session, specialties)
    if not employments:
        raise InvalidInput("请填写工作单位及任职经历", code="EMPLOYMENT_REQUIRED", field="employments")
    jobs = [
        EmploymentIn(
            e.employer_name.strip(),
            _check_uscc(e.employer_uscc, f"employments.{i}.employer_uscc"),
            e.start_date,
            e.end_date,
        )
        for i, e in enumerate(employments)
    ]
    try:
        check_employment_periods([(e.start_date, e.end_date) for e in jobs])
    except PeriodError as exc:
        raise InvalidInput(exc.message_zh, code="EMPLOYMENT_OVERLAP", field=f"employments.{exc.index}") from exc
    today = local_date(now)
    if any(e.start_date > today for e in jobs):
        raise InvalidInput("任职开始日期不能晚于今天", code="EMPLOYMENT_FUTURE", field="employments")
    current = [e for e in jobs if e.end_date is None]
    declared = []
    for i, d in enumerate(interests):
        if d.kind not in ("relative", "interest"):
            raise InvalidInput(
                "利害关系类型应为 relative 或 interest", code="INVALID_INPUT", field=f"interests.{i}.kind"
            )
        declared.append(
            ExpertInterest(
                kind=d.kind,
                party_uscc=_check_uscc(d.party_uscc, f"interests.{i}.party_uscc"),
                party_name=d.party_name.strip(),
                note=d.note.strip(),
            )
        )
    expert = Expert(
        user_id=actor.user_id if for_self else None,
        name=name,
        id_number=number,
        birth_date=ric.get_birth_date(number),
        phone=phone.strip(),
        email=email.strip(),
        title=title.strip(),
        title_level=title_level,
        years_of_practice=years_of_practice,
        region_code=region_code,
        employer_name=current[0].employer_name if current else "",
        employer_uscc=current[0].employer_uscc if current else "",
        status="pending",
        created_by=actor.user_id,
        created_at=now,
        specialties=[ExpertSpecialty(code=c, rank=i + 1) for i, c in enumerate(codes)],
        employments=[
            ExpertEmployment(
                employer_name=e.employer_name,
                employer_uscc=e.employer_uscc,
                start_date=e.start_date,
                end_date=e.end_date,
            )
            for e in jobs
        ],
        interests=declared,
    )
    session.add(expert)
    session.flush()
    ledger.record(
        session,
        kind="expert.registered",
        actor=actor_of(actor),
        subject=f"expert:{expert.id}",
        data={"expert_id": expert.id, "region_code": region_code, "specialties": codes, "self": for_self},
        private={"name": name, "id_number": number, "employer_uscc": expert.employer_uscc},
        now=now,
    )
    return expert


def get_expert(session: Session, expert_id: int) -> Expert:
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise NotFound("专家不存在", code="EXPERT_NOT_FOUND")
    return expert


def review_expert(
    session: Session, *, actor: Principal, expert_id: int, approve: bool, note: str, now: datetime
) -> Expert:
    """Center staff approve (eligibility checked with its citation) or reject an application."""
    expert = get_expert(session, expert_id)
    if expert.status != "pending":
        raise Conflict("该专家的入库申请已审核", code="EXPERT_ALREADY_REVIEWED")
    if approve:
        problems = eligibility_problems(
            years_of_practice=expert.years_of_practice,
            title_level=expert.title_level,
            birth_date=expert.birth_date,
            on=local_date(now),
        )
        if problems:
            key, message = problems[0]
            raise RuleRefused(
                f"不符合评标专家条件：{message}",
                code="EXPERT_NOT_ELIGIBLE",
                field="years_of_practice" if key == "experts.years_of_practice" else "title_level",
                rule=key,
                citation=rules_data.citation(key),
            )
    elif not note.strip():
        raise InvalidInput("不予入库须说明理由", code="REVIEW_NOTE_REQUIRED", field="note")
    expert.status = "approved" if approve else "rejected"
    expert.review_note = note.strip()
    expert.reviewed_by = actor.user_id
    expert.reviewed_at = now
    ledger.record(
        session,
        kind="expert.approved" if approve else "expert.rejected",
        actor=actor_of(actor),
        subject=f"expert:{expert.id}",
        data={"expert_id": expert.id, "note": expert.review_note},
        now=now,
    )
    return expert


def can_edit_expert(actor: Principal, expert: Expert) -> bool:
    return actor.has(Role.center_staff) or (expert.user_id is not None and expert.user_id == actor.user_id)


def add_unavailability(
    session: Session,
    *,
    actor: Principal,
    expert_id: int,
    start_date: date,
    end_date: date,
    reason: str,
    now: datetime,
) -> ExpertUnavailability:
    expert = get_expert(session, expert_id)
    if not can_edit_expert(actor, expert):
        raise NotFound("专家不存在", code="EXPERT_NOT_FOUND")
    if end_date < start_date:
        raise InvalidInput("结束日期早于开始日期", code="INVALID_PERIOD", field="end_date")
    if end_date < local_date(now):
        raise InvalidInput("不能申报已经过去的日期", code="INVALID_PERIOD", field="end_date")
    if (end_date - start_date).days > 366:
        raise InvalidInput("一次申报不超过一年", code="INVALID_PERIOD", field="end_date")
    row = ExpertUnavailability(
        expert_id=expert.id, start_date=start_date, end_date=end_date, reason=reason.strip(), created_at=now
    )
    session.add(row)
    session.flush()
    ledger.record(
        session,
        kind="expert.unavailability_declared",
        actor=actor_of(actor),
        subject=f"expert:{expert.id}",
        data={"expert_id": expert.id, "start_date": start_date, "end_date": end_date},
        now=now,
    )
    return row


# --- sanctions and ratings ------------------------------------------------------------------------


def sanction_expert(
    session: Session,
    *,
    actor: Principal,
    expert_id: int,
    kind: str,
    reason: str,
    days: int | None,
    committee_id: int | None = None,
    now: datetime,
) -> ExpertSanction:
    """Suspend or blacklist an expert for ``days`` (blacklist may be permanent: days None)."""
    expert = get_expert(session, expert_id)
    if kind not in ("suspension", "blacklist"):
        raise InvalidInput("处理方式应为暂停（suspension）或黑名单（blacklist）", code="INVALID_INPUT", field="kind")
    if not reason.strip():
        raise InvalidInput("须记录处理理由", code="SANCTION_REASON_REQUIRED", field="reason")
    if days is None and kind == "suspension":
        raise InvalidInput("暂停评标资格须规定期限", code="SANCTION_PERIOD_REQUIRED", field="days")
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput("期限应为1至3650日", code="SANCTION_PERIOD_REQUIRED", field="days")
    if committee_id is not None and session.get(Committee, committee_id) is None:
        raise NotFound("评标委员会不存在", code="COMMITTEE_NOT_FOUND", field="committee_id")
    sanction = ExpertSanction(
        expert_id=expert.id,
        kind=kind,
        reason=reason.strip(),
        starts_at=now,
        ends_at=now + timedelta(days=days) if days is not None else None,
        committee_id=committee_id,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(sanction)
    session.flush()
    ledger.record(
        session,
        kind=f"expert.{'suspended' if kind == 'suspension' else 'blacklisted'}",
        actor=actor_of(actor),
        subject=f"expert:{expert.id}",
        data={"expert_id": expert.id, "reason": sanction.reason, "starts_at": now, "ends_at": sanction.ends_at},
        now=now,
    )
    return sanction


def active_sanction(session: Session, expert_id: int, *, at: datetime) -> ExpertSanction | None:
    return session.scalars(
        select(ExpertSanction)
        .where(
            ExpertSanction.expert_id == expert_id,
            ExpertSanction.starts_at <= at,
            (ExpertSanction.ends_at.is_(None)) | (ExpertSanction.ends_at > at),
        )
        .order_by(ExpertSanction.kind)  # blacklist before suspension
        .limit(1)
    ).first()


def rate_expert(
    session: Session,
    *,
    actor: Principal,
    committee_id: int,
    expert_id: int,
    score: int,
    comment: str,
    now: datetime,
) -> ExpertRating:
    """After the result is fixed the owner (or its agency) and the center each rate every expert once."""
    from ggzy.projects.queries import can_manage_lot, get_lot

    committee = session.get(Committee, committee_id)
    if committee is None:
        raise NotFound("评标委员会不存在", code="COMMITTEE_NOT_FOUND")
    lot = get_lot(session, committee.lot_id)
    if lot is None or not can_manage_lot(actor, lot):
        raise NotFound("评标委员会不存在", code="COMMITTEE_NOT_FOUND")
    role = "center" if actor.has(Role.center_staff) else "owner"
    if committee.result_fixed_at is None:
        raise Conflict("评标结果确定后才能评价专家", code="RATING_BEFORE_RESULT")
    if not 1 <= score <= 5:
        raise InvalidInput("评分应为1至5分", code="INVALID_INPUT", field="score")
    member = session.scalar(
        select(CommitteeMember.id).where(
            CommitteeMember.committee_id == committee_id,
            CommitteeMember.expert_id == expert_id,
            CommitteeMember.status == "confirmed",
        )
    )
    if member is None:
        raise InvalidInput("该专家不是本评标委员会的成员", code="RATING_NOT_MEMBER", field="expert_id")
    dup = session.scalar(
        select(ExpertRating.id).where(
            ExpertRating.committee_id == committee_id,
            ExpertRating.expert_id == expert_id,
            ExpertRating.rater_role == role,
        )
    )
    if dup is not None:
        raise Conflict("已评价过该专家", code="RATING_DUPLICATE")
    rating = ExpertRating(
        committee_id=committee_id,
        expert_id=expert_id,
        rater_role=role,
        rater_user_id=actor.user_id,
        score=score,
        comment=comment.strip(),
        created_at=now,
    )
    session.add(rating)
    session.flush()
    ledger.record(
        session,
        kind="expert.rated",
        actor=actor_of(actor),
        subject=f"expert:{expert_id}",
        data={"committee_id": committee_id, "expert_id": expert_id, "rater": role, "score": score},
        now=now,
    )
    return rating
