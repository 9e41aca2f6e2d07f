"""Impose and lift sanctions that bar an entity from bidding, and the check every bid and award makes.

A sanction is a regulator's decision recorded on the platform: the platform does not decide, so the only
rule it enforces on the record itself is the statutory length of the bar (e.g. 条例67: 1 to 2 years). Once
recorded, it holds everywhere in the province (一处受罚、处处受限, seed 004 §(五)).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleRefused
from ggzy.core.events import emit
from ggzy.core.security import Principal, Role
from ggzy.credit.models import Sanction
from ggzy.entities.models import Entity
from ggzy.entities.trades import TRADE_LABELS_ZH, EntityKind, Trade
from ggzy.ledger import service as ledger
from ggzy.rules.catalog import Rule, RuleNotEffective, UnknownRule, citation_zh
from ggzy.rules.service import current_ruleset


class SanctionKind:
    construction = "construction"  # 取消参加依法必须进行招标的项目的投标资格
    procurement = "procurement"  # 禁止参加政府采购活动
    all = "all"  # 公共资源交易市场禁入 (joint sanction across trades)


KINDS_ZH: dict[str, str] = {
    SanctionKind.construction: "取消依法必须招标项目的投标资格",
    SanctionKind.procurement: "禁止参加政府采购活动",
    SanctionKind.all: "禁止参加公共资源交易活动",
}

STATUS_ZH: dict[str, str] = {
    "pending": "尚未开始",
    "in_force": "执行中",
    "expired": "已期满",
    "lifted": "已解除",
}


@dataclass(frozen=True)
class Basis:
    """A legal basis for a bar: which kinds it supports and its shortest bar (the longest is the rule's value)."""

    key: str
    kinds: tuple[str, ...]
    min_years: int


# Joint sanctions (kind "all") rest on either trade's article, so every basis allows it.
BASES: dict[str, Basis] = {
    b.key: b
    for b in (
        Basis("construction.sanction_collusion", (SanctionKind.construction, SanctionKind.all), 1),
        Basis("construction.sanction_fraud", (SanctionKind.construction, SanctionKind.all), 1),
        Basis("construction.sanction_nonperformance", (SanctionKind.construction, SanctionKind.all), 2),
        Basis("construction.sanction_collusion_serious", (SanctionKind.construction, SanctionKind.all), 1),
        Basis("construction.sanction_fraud_serious", (SanctionKind.construction, SanctionKind.all), 1),
        Basis("procurement.sanction_supplier", (SanctionKind.procurement, SanctionKind.all), 1),
        Basis("procurement.sanction_false_complaint", (SanctionKind.procurement, SanctionKind.all), 1),
    )
}

ALL_TRADES: list[str] = [t.value for t in Trade]


def local_day(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def status_of(sanction: Sanction, today: date) -> str:
    if sanction.lifted_at is not None:
        return "lifted"
    if today < sanction.valid_from:
        return "pending"
    if today > sanction.valid_until:
        return "expired"
    return "in_force"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year + years, day=28)


def may_sanction(actor: Principal | None, trades: list[str] | None = None) -> bool:
    """Center staff record any decision; a supervisor only within its trades (a grant with no trade: all)."""
    if actor is None:
        return False
    if actor.has(Role.center_staff):
        return True
    scopes = [g.trade for g in actor.grants if g.role == Role.supervisor]
    if not scopes:
        return False
    if trades is None or None in scopes:
        return True
    return all(t in scopes for t in trades)


def _require(actor: Principal, trades: list[str] | None = None) -> None:
    if not actor.has(Role.center_staff, Role.supervisor):
        raise Forbidden("仅限行政监督人员或交易中心工作人员登记、解除失信惩戒", code="ROLE_REQUIRED")
    if not may_sanction(actor, trades):
        raise Forbidden(
            "您的监督范围不包括该交易类型，不能登记或解除该惩戒", code="SUPERVISOR_SCOPE", field="scope_trades"
        )


def _text(value: str, *, field: str, label: str, minimum: int, maximum: int) -> str:
    value = value.strip()
    if not minimum <= len(value) <= maximum:
        raise InvalidInput(f"{label}应为{minimum}至{maximum}个字", code="INVALID_INPUT", field=field)
    return value


def bases(session: Session, *, on: date) -> list[tuple[Basis, Rule]]:
    """The legal bases with their rule as in force on ``on`` (the catalogue may be made stricter)."""
    rules = current_ruleset(session)
    out = []
    for basis in BASES.values():
        try:
            out.append((basis, rules.get(basis.key, on=on)))
        except RuleNotEffective:
            continue
    return out


def _scope(kind: str, scope_trades: list[str] | None) -> list[str]:
    if kind not in KINDS_ZH:
        raise InvalidInput(
            "惩戒类型只能是 construction（工程建设）、procurement（政府采购）或 all（全部公共资源交易）",
            code="SANCTION_KIND_INVALID",
            field="kind",
        )
    if kind != SanctionKind.all:
        if scope_trades and list(scope_trades) != [kind]:
            raise InvalidInput(
                f"{KINDS_ZH[kind]}只适用于{TRADE_LABELS_ZH[kind]}，适用范围不能包括其他交易类型",
                code="SANCTION_SCOPE_INVALID",
                field="scope_trades",
            )
        return [kind]
    chosen = list(dict.fromkeys(scope_trades or ALL_TRADES))
    unknown = [t for t in chosen if t not in ALL_TRADES]
    if unknown:
        raise InvalidInput(f"交易类型 {'、'.join(unknown)} 不存在", code="SANCTION_SCOPE_INVALID", field="scope_trades")
    return [t for t in ALL_TRADES if t in chosen]


def _check_period(rule: Rule, basis: Basis, *, valid_from: date, valid_until: date, today: date) -> None:
    if valid_until < valid_from:
        raise InvalidInput(
            f"惩戒截止日期 {valid_until.isoformat()} 早于起始日期 {valid_from.isoformat()}",
            code="SANCTION_PERIOD_INVALID",
            field="valid_until",
        )
    if valid_until < today:
        raise InvalidInput(
            f"惩戒截止日期 {valid_until.isoformat()} 早于今天 {today.isoformat()}：已期满的惩戒无需登记",
            code="SANCTION_PERIOD_ENDED",
            field="valid_until",
        )
    max_years = int(rule.value)
    # Both ends count: a one-year bar from 2026-10-01 runs to 2027-09-30.
    longest = add_years(valid_from, max_years) - timedelta(days=1)
    shortest = add_years(valid_from, basis.min_years) - timedelta(days=1)
    if valid_until > longest:
        raise RuleRefused(
            f"惩戒期限超过法定上限：{rule.law_title}{rule.article}规定最长{max_years}年，"
            f"自 {valid_from.isoformat()} 起最迟至 {longest.isoformat()}",
            code="SANCTION_PERIOD_TOO_LONG",
            field="valid_until",
            rule=rule.key,
            citation=citation_zh(rule),
        )
    if valid_until < shortest:
        raise RuleRefused(
            f"惩戒期限短于法定下限：{rule.law_title}{rule.article}规定至少{basis.min_years}年，"
            f"自 {valid_from.isoformat()} 起至少至 {shortest.isoformat()}",
            code="SANCTION_PERIOD_TOO_SHORT",
            field="valid_until",
            rule=rule.key,
            citation=citation_zh(rule),
        )


def impose(
    session: Session,
    *,
    actor: Principal,
    entity_id: int,
    kind: str,
    scope_trades: list[str] | None,
    valid_from: date,
    valid_until: date,
    authority: str,
    document_no: str,
    rule_key: str,
    reason: str,
    now: datetime,
) -> Sanction:
    """Record a regulator's decision barring ``entity_id``; refused with the article when the period is unlawful."""
    _require(actor)
    scope = _scope(kind, scope_trades)
    _require(actor, scope)
    entity = session.get(Entity, entity_id)
    if entity is None:
        raise NotFound(f"市场主体 {entity_id} 不存在", code="SANCTION_ENTITY_NOT_FOUND", field="entity_id")
    if entity.kind != EntityKind.bidder:
        raise InvalidInput(
            f"{entity.name} 不是投标人/供应商，投标资格类惩戒只适用于投标人/供应商",
            code="SANCTION_ENTITY_NOT_BIDDER",
            field="entity_id",
        )
    authority = _text(authority, field="authority", label="决定机关", minimum=2, maximum=100)
    document_no = _text(document_no, field="document_no", label="决定文书号", minimum=2, maximum=100)
    reason = _text(reason, field="reason", label="惩戒事由", minimum=5, maximum=2000)
    basis = BASES.get(rule_key)
    if basis is None:
        raise InvalidInput(f"法律依据 {rule_key} 不在惩戒依据目录中", code="SANCTION_BASIS_UNKNOWN", field="rule")
    if kind not in basis.kinds:
        raise InvalidInput(f"所选法律依据不适用于“{KINDS_ZH[kind]}”", code="SANCTION_BASIS_MISMATCH", field="rule")
    try:
        rule = current_ruleset(session).get(rule_key, on=valid_from)
    except (UnknownRule, RuleNotEffective) as exc:
        raise InvalidInput(
            f"法律依据 {rule_key} 在 {valid_from.isoformat()} 不适用", code="SANCTION_BASIS_UNKNOWN", field="rule"
        ) from exc
    _check_period(rule, basis, valid_from=valid_from, valid_until=valid_until, today=local_day(now))
    duplicate = session.scalar(
        select(Sanction.id).where(Sanction.entity_id == entity.id, Sanction.document_no == document_no)
    )
    if duplicate is not None:
        raise Conflict(
            f"决定文书 {document_no} 已对 {entity.name} 登记过惩戒（编号 {duplicate}）",
            code="SANCTION_DUPLICATE",
            field="document_no",
        )
    sanction = Sanction(
        entity_id=entity.id,
        kind=kind,
        scope_trades=scope,
        valid_from=valid_from,
        valid_until=valid_until,
        authority=authority,
        document_no=document_no,
        rule=rule.key,
        citation=citation_zh(rule),
        reason=reason,
        imposed_by=actor.user_id,
        imposed_at=now,
    )
    session.add(sanction)
    session.flush()
    # Sanctions are public credit information, so the whole decision goes to the public part of the ledger.
    ledger.record(
        session,
        kind="sanction.imposed",
        actor=f"user:{actor.user_id}",
        subject=f"entity:{entity.id}",
        data={
            "sanction_id": sanction.id,
            "entity_id": entity.id,
            "uscc": entity.uscc,
            "name": entity.name,
            "kind": kind,
            "scope_trades": scope,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
            "authority": authority,
            "document_no": document_no,
            "rule": rule.key,
            "reason": reason,
        },
        now=now,
    )
    emit(
        session,
        "sanction.imposed",
        {"sanction_id": sanction.id, "entity_id": entity.id, "scope_trades": scope},
        now=now,
    )
    return sanction


def lift(session: Session, *, actor: Principal, sanction_id: int, reason: str, now: datetime) -> Sanction:
    """End a sanction early (信用修复 or the decision revoked); the record stays in the public history."""
    _require(actor)
    sanction = session.get(Sanction, sanction_id)
    if sanction is None:
        raise NotFound(f"惩戒记录 {sanction_id} 不存在", code="SANCTION_NOT_FOUND", field="sanction_id")
    _require(actor, list(sanction.scope_trades))
    reason = _text(reason, field="reason", label="解除理由", minimum=5, maximum=2000)
    status = status_of(sanction, local_day(now))
    if status == "lifted":
        raise Conflict("该惩戒已经解除", code="SANCTION_ALREADY_LIFTED", field="sanction_id")
    if status == "expired":
        raise Conflict("该惩戒已期满，无需解除", code="SANCTION_EXPIRED", field="sanction_id")
    sanction.lifted_at = now
    sanction.lifted_by = actor.user_id
    sanction.lift_reason = reason
    session.flush()
    ledger.record(
        session,
        kind="sanction.lifted",
        actor=f"user:{actor.user_id}",
        subject=f"entity:{sanction.entity_id}",
        data={"sanction_id": sanction.id, "entity_id": sanction.entity_id, "reason": reason},
        now=now,
    )
    emit(session, "sanction.lifted", {"sanction_id": sanction.id, "entity_id": sanction.entity_id}, now=now)
    return sanction


# ---- enforcement ------------------------------------------------------------------------------------------


def _in_force(entity_ids: Collection[int], on: date) -> Select[Sanction]:
    """The entities' sanctions in force on ``on``, whatever their trades, the longest-running first."""
    return (
        select(Sanction)
        .where(
            Sanction.entity_id.in_(list(entity_ids)),
            Sanction.lifted_at.is_(None),
            Sanction.valid_from <= on,
            Sanction.valid_until >= on,
        )
        .order_by(Sanction.valid_until.desc(), Sanction.id)
    )


def barring(session: Session, *, entity_id: int, on: date) -> list[Sanction]:
    """All of the entity's sanctions in force on ``on``, whatever their trades."""
    return list(session.scalars(_in_force([entity_id], on)))


def is_barred(session: Session, *, entity_id: int, trade: str, on: date) -> Sanction | None:
    """The sanction barring ``entity_id`` from ``trade`` on the Beijing date ``on``, or None."""
    return barred_among(session, entity_ids=[entity_id], trade=trade, on=on).get(entity_id)


def barred_among(session: Session, *, entity_ids: Collection[int], trade: str, on: date) -> dict[int, Sanction]:
    """For each of ``entity_ids`` barred from ``trade`` on ``on``, the sanction :func:`is_barred` names, in
    one statement (a batch of bid completions checks its bidders at once)."""
    found: dict[int, Sanction] = {}
    for sanction in session.scalars(_in_force(entity_ids, on)):
        if trade in sanction.scope_trades:
            found.setdefault(sanction.entity_id, sanction)
    return found


def refusal(sanction: Sanction, *, entity_name: str, trade: str) -> RuleRefused:
    return RuleRefused(
        f"{entity_name}已被{sanction.authority}以{sanction.document_no}决定{KINDS_ZH[sanction.kind]}，"
        f"期限 {sanction.valid_from.isoformat()} 至 {sanction.valid_until.isoformat()}（惩戒编号 {sanction.id}），"
        f"期间不得参加{TRADE_LABELS_ZH.get(trade, trade)}的投标。{sanction.citation}",
        code="BIDDER_BARRED",
        field="entity_id",
        rule=sanction.rule,
        citation=sanction.citation,
    )


def ensure_not_barred(session: Session, *, entity_id: int, trade: str, now: datetime) -> None:
    """Raise BIDDER_BARRED when a sanction in force on today's Beijing date bars the entity from ``trade``."""
    sanction = is_barred(session, entity_id=entity_id, trade=trade, on=local_day(now))
    if sanction is not None:
        raise barred_refusal(session, sanction, trade=trade)


def barred_refusal(session: Session, sanction: Sanction, *, trade: str) -> RuleRefused:
    """BIDDER_BARRED for a sanction :func:`is_barred` or :func:`barred_among` found, naming the entity."""
    entity = session.get(Entity, sanction.entity_id)
    return refusal(sanction, entity_name=entity.name if entity else f"主体 {sanction.entity_id}", trade=trade)
