"""After the evaluation: candidates published, publicity ended by the scheduler, award, contract, performance.

Each is one step of the lot's procedure table through ``take_step``; the legal periods come from the rules
engine. A late contract is recorded and flagged with its article rather than refused: refusing it would only
hide the fact from the public and the supervisors (法46, 条例58).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import Conflict, InvalidInput, RuleRefused
from ggzy.core.security import Principal
from ggzy.credit.service import ensure_not_barred
from ggzy.entities.models import Entity
from ggzy.procedures.kernel import Party
from ggzy.projects import notice_drafts
from ggzy.projects.models import Lot, LotBidder
from ggzy.projects.queries import candidates_of
from ggzy.projects.service import get_lot, require_manager, take_step
from ggzy.rules.catalog import citation_zh
from ggzy.rules.periods import contract_deadline, period_end, publicity_end
from ggzy.rules.service import current_ruleset


def _winner_name(session: Session, lot: Lot) -> str:
    winner = session.get(LotBidder, lot.winner_bidder_id) if lot.winner_bidder_id is not None else None
    entity = session.get(Entity, winner.entity_id) if winner is not None else None
    return entity.name if entity is not None else ""


def _day(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


def publish_candidates(session: Session, *, actor: Principal, lot_id: int, now: datetime) -> Lot:
    """Publish the ranked candidates (procurement: the result) for at least the legal publicity period."""
    lot = get_lot(session, lot_id)
    require_manager(actor, lot.project)
    if not lot.candidates:
        raise Conflict("评标结果尚未确定，没有可公示的中标候选人", code="LOT_NO_CANDIDATES", field="candidates")
    trade = lot.project.trade
    rules = current_ruleset(session)
    today = _day(now)
    answer = publicity_end(rules, trade=trade, published_on=today)
    # The publicity runs to the end of its last day (Beijing time).
    until = datetime.combine(answer.end + timedelta(days=1), time(0, 0), SHANGHAI)
    late: str | None = None
    if trade == "construction" and lot.evaluated_at is not None:
        due = period_end(rules, key="construction.candidate_publication", start=_day(lot.evaluated_at))
        if today > due.end:
            late = citation_zh(due.rule)
    lot.publicity_from = now
    lot.publicity_until = until
    ranked = [c.model_dump() for c in candidates_of(session, lot)]
    take_step(
        session,
        lot=lot,
        action="publish_candidates",
        party=Party.owner,
        actor=f"user:{actor.user_id}",
        now=now,
        data={
            "candidates": ranked,
            "publicity_until": until,
            "period": answer.explanation_zh,
            "late": late,
        },
        notice=notice_drafts.candidates(lot, ranked=ranked, publicity_until=until),
    )
    return lot


def award(session: Session, *, actor: Principal, lot_id: int, lot_bidder_id: int, now: datetime) -> Lot:
    """Choose the winner among the candidates once the publicity is over, and send the award notice."""
    lot = get_lot(session, lot_id)
    require_manager(actor, lot.project)
    ranks = {c.lot_bidder_id: c.rank for c in lot.candidates}
    if lot_bidder_id not in ranks:
        raise InvalidInput("中标人必须是公示的中标候选人之一", code="AWARD_NOT_A_CANDIDATE", field="lot_bidder_id")
    first = min(ranks.values())
    if ranks[lot_bidder_id] != first:
        if lot.project.trade == "procurement":
            raise RuleRefused(
                "采购人应当在评标报告推荐的中标候选人中按顺序确定中标人",
                code="AWARD_ORDER",
                field="lot_bidder_id",
                rule="procurement.award_in_order",
                citation="依据《政府采购法实施条例》第四十三条",
            )
        if lot.project.state_funded:
            raise RuleRefused(
                "国有资金占控股或者主导地位的项目，招标人应当确定排名第一的中标候选人为中标人",
                code="AWARD_ORDER",
                field="lot_bidder_id",
                rule="construction.award_first_candidate",
                citation="依据《招标投标法实施条例》第五十五条",
            )
    winner = session.get(LotBidder, lot_bidder_id)
    assert winner is not None
    # credit: a candidate barred on the award day cannot be awarded (法53/54, 采购法77).
    ensure_not_barred(session, entity_id=winner.entity_id, trade=lot.project.trade, now=now)
    lot.winner_bidder_id = winner.id
    lot.awarded_at = now
    due = contract_deadline(current_ruleset(session), trade=lot.project.trade, award_notice_on=_day(now))
    entity = session.get(Entity, winner.entity_id)
    take_step(
        session,
        lot=lot,
        action="award",
        party=Party.owner,
        actor=f"user:{actor.user_id}",
        now=now,
        data={
            "winner_entity_id": winner.entity_id,
            "winner_name": entity.name if entity else "",
            "price": winner.price,
            "rank": ranks[lot_bidder_id],
            "contract_due": due.end,
        },
        notice=notice_drafts.result(
            lot,
            winner_entity_id=winner.entity_id,
            winner_name=entity.name if entity else "",
            price=winner.price,
            rank=ranks[lot_bidder_id],
        ),
    )
    return lot


def sign_contract(
    session: Session, *, actor: Principal, lot_id: int, amount: Decimal, signed_on: date, now: datetime
) -> tuple[Lot, str | None]:
    """Record and publish the contract; returns the lot and, when signed late, the article it breaks."""
    lot = get_lot(session, lot_id)
    require_manager(actor, lot.project)
    if lot.awarded_at is None or lot.winner_bidder_id is None:
        raise Conflict("尚未确定中标人", code="LOT_OUT_OF_STAGE", field="stage")
    award_day = _day(lot.awarded_at)
    if signed_on < award_day or signed_on > _day(now):
        raise InvalidInput(
            "合同签订日期应在中标通知书发出之后、今天或以前", code="CONTRACT_DATE_INVALID", field="signed_on"
        )
    winner = session.get(LotBidder, lot.winner_bidder_id)
    assert winner is not None
    if amount != winner.price:
        raise RuleRefused(
            f"合同金额 {amount} 元与中标价 {winner.price} 元不一致：合同不得背离招标文件和中标人投标文件的实质性内容",
            code="CONTRACT_AMOUNT_DIFFERS",
            field="amount",
            rule="contract.matches_award",
            citation="依据《招标投标法》第四十六条",
        )
    due = contract_deadline(current_ruleset(session), trade=lot.project.trade, award_notice_on=award_day)
    late = citation_zh(due.rule) if signed_on > due.end else None
    lot.contract_amount = amount
    lot.contract_signed_on = signed_on
    take_step(
        session,
        lot=lot,
        action="sign_contract",
        party=Party.owner,
        actor=f"user:{actor.user_id}",
        now=now,
        data={"amount": amount, "signed_on": signed_on, "due": due.end, "late": late},
        notice=notice_drafts.contract(
            lot, supplier_name=_winner_name(session, lot), amount=amount, signed_on=signed_on, late=late
        ),
    )
    return lot, late


def record_performance(
    session: Session,
    *,
    actor: Principal,
    lot_id: int,
    completed_on: date,
    quality: str,
    final_amount: Decimal,
    now: datetime,
) -> Lot:
    """Publish the performance: completion, quality, final amount against the contract (20号令 art.41)."""
    lot = get_lot(session, lot_id)
    require_manager(actor, lot.project)
    if lot.contract_signed_on is None or lot.contract_amount is None:
        raise Conflict("尚未登记合同", code="LOT_OUT_OF_STAGE", field="stage")
    if completed_on < lot.contract_signed_on or completed_on > _day(now):
        raise InvalidInput(
            "完成日期应在合同签订之后、今天或以前", code="PERFORMANCE_DATE_INVALID", field="completed_on"
        )
    quality = quality.strip()
    if not 2 <= len(quality) <= 200:
        raise InvalidInput("请填写质量情况（2至200字）", code="PERFORMANCE_QUALITY_REQUIRED", field="quality")
    if final_amount <= 0:
        raise InvalidInput("结算金额应大于0", code="INVALID_INPUT", field="final_amount")
    change = (final_amount - lot.contract_amount) / lot.contract_amount * Decimal(100)
    lot.performance = {
        "completed_on": completed_on.isoformat(),
        "quality": quality,
        "final_amount": str(final_amount),
        "change_percent": str(change.quantize(Decimal("0.01"))),
    }
    take_step(
        session,
        lot=lot,
        action="record_performance",
        party=Party.owner,
        actor=f"user:{actor.user_id}",
        now=now,
        data=dict(lot.performance),
        notice=notice_drafts.performance(lot, supplier_name=_winner_name(session, lot), details=dict(lot.performance)),
    )
    return lot
