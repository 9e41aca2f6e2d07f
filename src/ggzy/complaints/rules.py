"""When an objection may be filed and by when it must be answered, per trade and kind, from the rule catalogue.

Construction (and the other tendered trades): 条例22 (documents: at least 10 days before the bid deadline;
answer within 3 days), 条例44 (opening: on the spot), 条例54 (result: during the candidates' publicity;
answer within 3 days). Government procurement: 采购法52-53 (质疑 within 7 working days of the day the
supplier knew or should have known; answer within 7 working days), 87号令42 for the opening.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import RuleRefused
from ggzy.projects.models import Lot
from ggzy.rules.catalog import Rule, RuleSet, citation_zh
from ggzy.rules.periods import period_end

KINDS_ZH = {"documents": "对招标（采购）文件的异议", "opening": "对开标的异议", "result": "对评标结果的异议"}

# Objections that pause the procedure until answered (条例22, 54); an opening objection is answered on the spot.
HOLDING_KINDS = frozenset({"documents", "result"})


@dataclass(frozen=True)
class Window:
    """An accepted objection's answer time and the rule it is cited under."""

    rule: Rule
    due_at: datetime | None
    holds: bool

    @property
    def citation(self) -> str:
        return citation_zh(self.rule)


def day_end(day: date) -> datetime:
    """The end of a Beijing calendar day, as the UTC instant of the next midnight."""
    return datetime.combine(day + timedelta(days=1), time(0), SHANGHAI).astimezone(UTC)


def _refuse(rule: Rule, message: str) -> RuleRefused:
    return RuleRefused(
        f"{message}。{citation_zh(rule)}",
        code="OBJECTION_WINDOW_CLOSED",
        field="kind",
        rule=rule.key,
        citation=citation_zh(rule),
    )


def _local_day(instant: datetime) -> date:
    return instant.astimezone(SHANGHAI).date()


def check_window(rules: RuleSet, *, lot: Lot, kind: str, now: datetime) -> Window:
    """Accept an objection of ``kind`` now, or refuse it with OBJECTION_WINDOW_CLOSED and the article."""
    today = _local_day(now)
    procurement = lot.project.trade == "procurement"
    if kind == "opening":
        rule = rules.get(f"{'procurement' if procurement else 'construction'}.objection_at_opening", on=today)
        if lot.stage != "opening":
            raise _refuse(rule, "对开标的异议只能在开标现场（开标进行中）提出")
        return Window(rule, None, holds=False)
    if procurement:
        return _procurement_window(rules, lot=lot, kind=kind, today=today)
    if kind == "documents":
        window = rules.get("construction.objection_to_tender_documents", on=today)
        if lot.stage != "published" or lot.bid_deadline is None:
            raise _refuse(window, "对招标文件的异议只能在招标公告发布后、投标截止10日前提出")
        last = _local_day(lot.bid_deadline) - timedelta(days=int(window.value))
        if today > last:
            raise _refuse(window, f"对招标文件的异议应当在投标截止时间10日前提出，最迟 {last.isoformat()}，现已逾期")
        reply = period_end(rules, key="construction.objection_reply", start=today)
        return Window(reply.rule, day_end(reply.end), holds=kind in HOLDING_KINDS)
    # result
    reply_rule = rules.get("construction.objection_to_result_reply", on=today)
    if lot.stage != "publicity":
        raise _refuse(reply_rule, "对评标结果的异议只能在中标候选人公示期间提出")
    reply = period_end(rules, key="construction.objection_to_result_reply", start=today)
    return Window(reply.rule, day_end(reply.end), holds=kind in HOLDING_KINDS)


def _procurement_window(rules: RuleSet, *, lot: Lot, kind: str, today: date) -> Window:
    window = rules.get("procurement.inquiry_window", on=today)
    if kind == "documents":
        # The day a supplier should know of the documents: the end of their availability (94号令10 (1)).
        known = lot.documents_until or lot.documents_from
        if lot.stage != "published" or known is None:
            raise _refuse(window, "对采购文件的质疑只能在采购公告发布后、投标截止前提出")
        last = period_end(rules, key="procurement.inquiry_window", start=_local_day(known)).end
        if today > last:
            raise _refuse(window, f"对采购文件的质疑应当在知道或者应知之日起7个工作日内提出，最迟 {last.isoformat()}")
    else:
        if lot.stage not in ("publicity", "decided") or lot.publicity_until is None:
            raise _refuse(window, "对采购结果的质疑只能在结果公告期间及其后7个工作日内提出")
        # The result announcement's last day is the day the supplier should know (94号令10 (3)).
        known_day = _local_day(lot.publicity_until - timedelta(microseconds=1))
        last = period_end(rules, key="procurement.inquiry_window", start=known_day).end
        if lot.stage == "decided" and today > last:
            raise _refuse(window, f"对采购结果的质疑应当在结果公告期满之日起7个工作日内提出，最迟 {last.isoformat()}")
    reply = period_end(rules, key="procurement.inquiry_reply", start=today)
    return Window(reply.rule, day_end(reply.end), holds=kind in HOLDING_KINDS)
