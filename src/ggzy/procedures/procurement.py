"""政府采购 公开招标 and the non-tender methods that still collect sealed responses (采购法, 87号令, 74号令)."""

from __future__ import annotations

from ggzy.procedures.common import TENDER_STAGES, tender_steps
from ggzy.procedures.kernel import ProcedureDef, register

OPEN_TENDER = register(
    ProcedureDef(
        key="procurement.open_tender",
        trade="procurement",
        procedure="open_tender",
        label_zh="政府采购公开招标",
        bid_mode="sealed",
        stages=TENDER_STAGES,
        steps=tender_steps(notice_label="采购公告"),
        final=frozenset({"failed", "terminated", "performed"}),
    )
)

for _procedure, _label in (
    ("invited_tender", "政府采购邀请招标"),
    ("competitive_negotiation", "竞争性谈判"),
    ("competitive_consultation", "竞争性磋商"),
    ("inquiry", "询价"),
    ("single_source", "单一来源采购"),
):
    register(
        ProcedureDef(
            key=f"procurement.{_procedure}",
            trade="procurement",
            procedure=_procedure,
            label_zh=_label,
            bid_mode="sealed",
            stages=TENDER_STAGES,
            steps=tender_steps(notice_label="采购公告"),
            final=frozenset({"failed", "terminated", "performed"}),
        )
    )
