"""Use cases of projects and lots: create a project, add lots, take in a lot's opening result.

Every stage change of a lot goes through ``take_step``, which checks the lot's procedure table
(``ggzy.procedures``), reschedules its timers, writes the ledger event and emits ``lot.<action>``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ggzy.core.clock import SHANGHAI
from ggzy.core.db import for_update
from ggzy.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from ggzy.core.events import emit
from ggzy.core.security import Principal, Role
from ggzy.entities.models import Entity
from ggzy.entities.trades import EntityKind, Trade
from ggzy.ledger import service as ledger
from ggzy.notices import service as notices
from ggzy.notices.service import STEP_NOTICE_KINDS, NoticeDraft
from ggzy.procedures import holds, scheduler
from ggzy.procedures.kernel import Party, check_party, definition_for
from ggzy.projects import codes, notice_drafts
from ggzy.projects.models import Lot, LotBidder, LotCandidate, Project
from ggzy.regions.models import Region
from ggzy.rules.periods import RuleViolation, check_max_ratio, check_min_period
from ggzy.rules.service import current_ruleset

PROCEDURES_BY_TRADE: dict[str, tuple[str, ...]] = {
    Trade.construction: ("open_tender", "invited_tender"),
    Trade.procurement: (
        "open_tender",
        "invited_tender",
        "competitive_negotiation",
        "competitive_consultation",
        "inquiry",
        "single_source",
    ),
    Trade.land: ("auction", "listing", "open_tender"),
    Trade.mining: ("auction", "listing", "open_tender"),
    Trade.property: ("auction", "online_bidding", "open_tender"),
    Trade.medical: ("open_tender", "competitive_negotiation"),
}

PROCEDURE_LABELS_ZH = {
    "open_tender": "公开招标",
    "invited_tender": "邀请招标",
    "competitive_negotiation": "竞争性谈判",
    "competitive_consultation": "竞争性磋商",
    "inquiry": "询价",
    "single_source": "单一来源",
    "auction": "拍卖",
    "listing": "挂牌",
    "online_bidding": "网络竞价",
}

# Fewer than three bids: no opening (条例44; 87号令41).
MIN_BIDS = 3


def get_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound(f"项目 {project_id} 不存在", code="PROJECT_NOT_FOUND", field="project_id")
    return project


def get_lot(session: Session, lot_id: int) -> Lot:
    lot = session.get(Lot, lot_id)
    if lot is None:
        raise NotFound(f"标段 {lot_id} 不存在", code="LOT_NOT_FOUND", field="lot_id")
    return lot


def is_manager(actor: Principal | None, project: Project) -> bool:
    """The owner's or its agency's staff run the project."""
    return (
        actor is not None
        and actor.has(Role.owner_staff)
        and actor.entity_id is not None
        and actor.entity_id in (project.owner_entity_id, project.agency_entity_id)
    )


def require_manager(actor: Principal, project: Project) -> None:
    if not is_manager(actor, project):
        # Another owner's project: do not confirm it exists.
        raise NotFound(f"项目 {project.id} 不存在", code="PROJECT_NOT_FOUND", field="project_id")


def _next_serial(session: Session, owner_uscc: str, day: str) -> int:
    prefix = f"{owner_uscc}{day}"
    count = session.scalar(select(func.count()).select_from(Project).where(Project.code.like(f"{prefix}%")))
    return int(count or 0) + 1


def create_project(
    session: Session,
    *,
    actor: Principal,
    name: str,
    trade: Trade,
    region_code: str,
    owner_entity_id: int | None,
    fund_source: str,
    state_funded: bool,
    description: str,
    now: datetime,
) -> Project:
    if not actor.has(Role.owner_staff) or actor.entity_id is None:
        raise Forbidden("仅招标人/采购人或代理机构人员可以创建项目", code="ROLE_REQUIRED")
    own = session.get(Entity, actor.entity_id)
    assert own is not None
    agency_id: int | None = None
    if own.kind == EntityKind.agency:
        if owner_entity_id is None:
            raise InvalidInput(
                "代理机构创建项目时须指明招标人/采购人", code="PROJECT_OWNER_REQUIRED", field="owner_entity_id"
            )
        owner = session.get(Entity, owner_entity_id)
        if owner is None or owner.kind != EntityKind.tenderee:
            raise InvalidInput(
                f"主体 {owner_entity_id} 不是已注册的招标人/采购人",
                code="PROJECT_OWNER_INVALID",
                field="owner_entity_id",
            )
        agency_id = own.id
    else:
        if owner_entity_id not in (None, own.id):
            raise InvalidInput("招标人只能为本单位创建项目", code="PROJECT_OWNER_INVALID", field="owner_entity_id")
        owner = own
    if session.get(Region, region_code) is None:
        raise InvalidInput(f"行政区划代码 {region_code} 不存在", code="REGION_UNKNOWN", field="region_code")
    day = now.astimezone(SHANGHAI).date()
    serial = _next_serial(session, owner.uscc, f"{day:%Y%m%d}")
    project = Project(
        code=codes.make(owner.uscc, day, serial),
        name=name,
        trade=trade.value,
        owner_entity_id=owner.id,
        agency_entity_id=agency_id,
        region_code=region_code,
        fund_source=fund_source,
        state_funded=state_funded,
        description=description,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(project)
    session.flush()
    ledger.record(
        session,
        kind="project.created",
        actor=f"user:{actor.user_id}",
        subject=f"project:{project.id}",
        data={
            "code": project.code,
            "name": name,
            "trade": trade.value,
            "owner_entity_id": owner.id,
            "agency_entity_id": agency_id,
            "region_code": region_code,
        },
        now=now,
    )
    return project


def add_lot(
    session: Session,
    *,
    actor: Principal,
    project_id: int,
    code: str,
    name: str,
    procedure: str,
    estimate: Decimal,
    max_price: Decimal | None,
    category: str,
    now: datetime,
) -> Lot:
    project = get_project(session, project_id)
    require_manager(actor, project)
    allowed = PROCEDURES_BY_TRADE[project.trade]
    if procedure not in allowed:
        names = "、".join(PROCEDURE_LABELS_ZH[p] for p in allowed)
        raise InvalidInput(f"交易方式无效：本类项目可用 {names}", code="LOT_PROCEDURE_INVALID", field="procedure")
    if max_price is not None and project.trade == Trade.procurement and max_price > estimate:
        raise RuleRefused(
            "最高限价不得超过采购预算",
            code="LOT_MAX_PRICE_OVER_BUDGET",
            field="max_price",
            rule="procurement.max_price_within_budget",
            citation="依据《政府采购法》第三十六条：投标人的报价均超过了采购预算的，应予废标",
        )
    if session.scalar(select(Lot.id).where(Lot.project_id == project.id, Lot.code == code)) is not None:
        raise Conflict(f"标段编号 {code} 在本项目中已存在", code="LOT_CODE_TAKEN", field="code")
    lot = Lot(
        project_id=project.id,
        code=code,
        name=name,
        procedure=procedure,
        estimate=estimate,
        max_price=max_price,
        category=category,
        stage="draft",
        created_at=now,
        updated_at=now,
    )
    session.add(lot)
    session.flush()
    ledger.record(
        session,
        kind="lot.created",
        actor=f"user:{actor.user_id}",
        subject=f"lot:{lot.id}",
        data={
            "project_id": project.id,
            "code": code,
            "name": name,
            "procedure": procedure,
            "estimate": estimate,
            "max_price": max_price,
            "category": category,
        },
        now=now,
    )
    return lot


@dataclass(frozen=True)
class OpenedBid:
    entity_id: int
    price: Decimal
    listed_items: dict[str, Any]


def stage_labels(lot: Lot) -> dict[str, str]:
    return dict(definition_for(lot.project.trade, lot.procedure).stages)


def take_step(
    session: Session,
    *,
    lot: Lot,
    action: str,
    party: Party,
    actor: str,
    now: datetime,
    data: dict[str, Any] | None = None,
    private: dict[str, Any] | None = None,
    notice: NoticeDraft | None = None,
) -> str:
    """The one way a lot changes stage: check the procedure's table, move, reschedule timers, write the
    ledger event and emit ``lot.<action>`` for other domains. Returns the stage the lot left.

    A step whose table entry names a notice must bring its ``notice``: it is published with the step's own
    ledger event, so the public record and the stage change are one fact."""
    definition = definition_for(lot.project.trade, lot.procedure)
    step = definition.step(action, stage=lot.stage)
    check_party(step, party)
    holds.check_not_held(session, lot_id=lot.id, action=action)  # 条例22/54: paused while an objection waits
    before = lot.stage
    lot.stage = step.target
    lot.updated_at = now
    scheduler.cancel(session, subject=f"lot:{lot.id}")
    for timed in definition.timed_steps_from(lot.stage):
        due = getattr(lot, timed.timer or "", None)
        if due is not None:
            scheduler.schedule(session, subject=f"lot:{lot.id}", action=timed.action, due_at=due, now=now)
    payload = {"lot_id": lot.id, "project_id": lot.project_id, "from": before, "to": lot.stage, **(data or {})}
    if step.notice is not None:
        if notice is None:
            raise ValueError(f"step {action} publishes a {step.notice} and needs its notice")
        notices.publish(
            session,
            kind=STEP_NOTICE_KINDS[step.notice],
            draft=notice,
            project=lot.project,
            lot=lot,
            actor=actor,
            now=now,
            event_kind=f"lot.{action}",
            event_data=payload,
            private=private,
        )
    else:
        ledger.record(
            session, kind=f"lot.{action}", actor=actor, subject=f"lot:{lot.id}", data=payload, private=private, now=now
        )
    emit(session, f"lot.{action}", {"lot_id": lot.id, "from": before, "to": lot.stage, "notice": step.notice}, now=now)
    return before


def _party_of(actor: Principal, lot: Lot) -> Party:
    if is_manager(actor, lot.project):
        return Party.owner
    if actor.has(Role.center_staff):
        return Party.center_staff
    raise NotFound(f"标段 {lot.id} 不存在", code="LOT_NOT_FOUND", field="lot_id")


def _deadline_rule(trade: str, procedure: str) -> str | None:
    if procedure in ("open_tender", "invited_tender"):
        return f"{trade}.documents_to_bid_deadline"
    return {
        "competitive_negotiation": "procurement.negotiation_response_period",
        "inquiry": "procurement.negotiation_response_period",
        "competitive_consultation": "procurement.consultation_response_period",
        "single_source": "procurement.single_source_publicity",
    }.get(procedure)


def publish_notice(
    session: Session,
    *,
    actor: Principal,
    lot_id: int,
    documents_from: datetime,
    documents_until: datetime,
    bid_deadline: datetime,
    bid_bond: Decimal | None,
    now: datetime,
) -> Lot:
    """Publish the lot's tender notice; refused, with the article, when a period is too short or the bond too high."""
    lot = get_lot(session, lot_id)
    require_manager(actor, lot.project)
    trade = lot.project.trade
    today = now.astimezone(SHANGHAI).date()
    issue_day = documents_from.astimezone(SHANGHAI).date()
    if issue_day < today:
        raise InvalidInput("招标文件发出日期不能早于今天", code="NOTICE_DATE_IN_PAST", field="documents_from")
    if documents_until <= documents_from:
        raise InvalidInput("招标文件发出截止时间应晚于开始时间", code="NOTICE_DATES_INVALID", field="documents_until")
    if bid_deadline <= documents_until:
        raise InvalidInput("投标截止时间应晚于招标文件发出截止时间", code="NOTICE_DATES_INVALID", field="bid_deadline")
    rules = current_ruleset(session)
    try:
        if trade in ("construction", "procurement") and lot.procedure in ("open_tender", "invited_tender"):
            check_min_period(
                rules,
                key=f"{trade}.document_availability",
                start=issue_day,
                end=documents_until.astimezone(SHANGHAI).date(),
                field="documents_until",
            )
        key = _deadline_rule(trade, lot.procedure)
        if key is not None:
            check_min_period(
                rules, key=key, start=issue_day, end=bid_deadline.astimezone(SHANGHAI).date(), field="bid_deadline"
            )
        if bid_bond is not None and trade in ("construction", "procurement"):
            check_max_ratio(
                rules, key=f"{trade}.bid_bond_ratio", amount=bid_bond, base=lot.estimate, on=today, field="bid_bond"
            )
    except RuleViolation as violation:
        raise violation.as_refusal() from violation
    lot.documents_from = documents_from
    lot.documents_until = documents_until
    lot.bid_deadline = bid_deadline
    lot.bid_bond = bid_bond
    take_step(
        session,
        lot=lot,
        action="publish_notice",
        party=Party.owner,
        actor=f"user:{actor.user_id}",
        now=now,
        data={
            "documents_from": documents_from,
            "documents_until": documents_until,
            "bid_deadline": bid_deadline,
            "bid_bond": bid_bond,
        },
        notice=notice_drafts.tender(lot),
    )
    return lot


@scheduler.on_due("lot")
def _lot_timer(session: Session, lot_id: int, action: str, now: datetime) -> str:
    """A lot's timed step (bid deadline → opening): taken once, if the lot is still where the timer expects."""
    lot = session.get(Lot, lot_id, with_for_update=for_update(session))
    if lot is None:
        return "skipped"
    definition = definition_for(lot.project.trade, lot.procedure)
    step = next((s for s in definition.timed_steps_from(lot.stage) if s.action == action), None)
    due = getattr(lot, step.timer or "", None) if step else None
    if step is None or due is None or due > now:
        return "skipped"
    if holds.is_on_hold(session, lot.id):
        return "pending"  # paused (条例22/54): keep the timer; it fires on the first run after the release
    take_step(session, lot=lot, action=action, party=Party.system, actor="system", now=now)
    return "done"


def record_opening(
    session: Session,
    *,
    actor: Principal,
    lot_id: int,
    bids: list[OpenedBid],
    now: datetime,
    not_decrypted: list[dict[str, Any]] | None = None,
) -> Lot:
    """Take in the opening record of a lot: its bidders and their prices (开标记录, 20号令 art.32).

    At the opening of a lot tendered here (stage "opening"), or as the hub's intake of a lot run in a
    connected trading system (stage "draft").
    """
    if not actor.has(Role.center_staff):
        raise Forbidden("仅交易中心工作人员可以登记开标结果", code="ROLE_REQUIRED")
    lot = get_lot(session, lot_id)
    project = lot.project
    entity_ids = [b.entity_id for b in bids]
    if len(set(entity_ids)) != len(entity_ids):
        raise InvalidInput("同一投标人在本标段只能有一份投标", code="OPENING_DUPLICATE_BIDDER", field="bids")
    if len(bids) < MIN_BIDS:
        raise RuleRefused(
            f"投标人少于{MIN_BIDS}个，不得开标，应当依法重新招标",
            code="OPENING_TOO_FEW_BIDS",
            field="bids",
            rule="opening.min_bidders",
            citation="依据《招标投标法实施条例》第四十四条、《政府采购货物和服务招标投标管理办法》第四十一条",
        )
    action = "import_opening" if lot.stage == "draft" else "record_opening"
    definition_for(project.trade, lot.procedure).step(action, stage=lot.stage)  # out of stage: refuse first
    entities = {e.id: e for e in session.scalars(select(Entity).where(Entity.id.in_(entity_ids)))}
    for i, bid in enumerate(bids):
        entity = entities.get(bid.entity_id)
        if entity is None or entity.kind != EntityKind.bidder:
            raise InvalidInput(
                f"第{i + 1}个投标人（主体 {bid.entity_id}）不是已注册的投标人",
                code="OPENING_BIDDER_INVALID",
                field=f"bids.{i}",
            )
        if entity.id in (project.owner_entity_id, project.agency_entity_id):
            raise InvalidInput("招标人或其代理机构不得参加本标段投标", code="OPENING_BIDDER_INVALID", field=f"bids.{i}")
    rows = []
    for bid in bids:
        # A price above the maximum price is rejected (条例51(5)); it stays in the record, marked.
        status = "rejected" if lot.max_price is not None and bid.price > lot.max_price else "valid"
        row = LotBidder(
            lot_id=lot.id,
            entity_id=bid.entity_id,
            price=bid.price,
            listed_items=bid.listed_items,
            status=status,
            opened_at=now,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    public_bids = [
        {
            "entity_id": r.entity_id,
            "bidder_name": entities[r.entity_id].name,
            "price": r.price,
            "listed_items": r.listed_items,
            "status": r.status,
        }
        for r in rows
    ]
    take_step(
        session,
        lot=lot,
        action=action,
        party=Party.center_staff,
        actor=f"user:{actor.user_id}",
        now=now,
        data={
            "bids": [
                {"entity_id": r.entity_id, "price": r.price, "listed_items": r.listed_items, "status": r.status}
                for r in rows
            ]
        },
        notice=notice_drafts.opening(lot, bids=public_bids, not_decrypted=not_decrypted)
        if action == "record_opening"
        else None,
    )
    return lot


def end_lot(
    session: Session,
    *,
    actor: Principal,
    lot_id: int,
    action: str,
    reason: str,
    now: datetime,
    fields: dict[str, Any] | None = None,
) -> Lot:
    """Declare the lot failed (流标) or terminate it (终止), with the reason, by the owner or the center.
    ``fields``: extra notice fields (the opening's bid statuses when it fails for too few bids)."""
    if action not in ("fail", "terminate"):
        raise InvalidInput("操作只能是流标或终止", code="INVALID_INPUT", field="action")
    lot = get_lot(session, lot_id)
    party = _party_of(actor, lot)
    reason = reason.strip()
    if len(reason) < 4:
        raise InvalidInput("请写明流标或终止的原因（至少4个字）", code="LOT_REASON_REQUIRED", field="reason")
    lot.stage_reason = reason
    draft = notice_drafts.ended(lot, action=action, reason=reason)
    if fields:
        draft = replace(draft, fields={**draft.fields, **fields})
    take_step(
        session,
        lot=lot,
        action=action,
        party=party,
        actor=f"user:{actor.user_id}",
        now=now,
        data={"reason": reason},
        notice=draft,
    )
    return lot


@dataclass(frozen=True)
class Candidate:
    lot_bidder_id: int
    rank: int
    score: Decimal | None


def move_lot(
    session: Session,
    *,
    lot_id: int,
    action: str,
    actor: str,
    now: datetime,
    candidates: list[Candidate] | None = None,
    committee: list[dict[str, Any]] | None = None,
) -> Lot:
    """Stage changes driven by the evaluation (start and end), checked against the procedure's table.

    The end of the evaluation brings the fixed report's ranked candidates, which the owner then publishes,
    and the committee that signed it (the report's members; their ``name`` and ``kind``, ``expert`` or
    ``owner_representative``, are kept), named in the procurement result notices (采购条例43).
    """
    if action not in ("start_evaluation", "finish_evaluation"):
        raise ValueError(action)
    lot = get_lot(session, lot_id)
    data: dict[str, Any] = {}
    if action == "finish_evaluation":
        known = {b.id for b in lot.bidders}
        if not candidates or any(c.lot_bidder_id not in known for c in candidates):
            raise InvalidInput("评标报告的中标候选人不属于本标段", code="LOT_CANDIDATES_INVALID", field="candidates")
        lot.evaluated_at = now
        lot.committee = [{"name": m["name"], "kind": m["kind"]} for m in committee or []]
        for c in candidates:
            session.add(LotCandidate(lot_id=lot.id, lot_bidder_id=c.lot_bidder_id, rank=c.rank, score=c.score))
        data["candidates"] = [{"lot_bidder_id": c.lot_bidder_id, "rank": c.rank, "score": c.score} for c in candidates]
    take_step(session, lot=lot, action=action, party=Party.evaluation, actor=actor, now=now, data=data)
    return lot
