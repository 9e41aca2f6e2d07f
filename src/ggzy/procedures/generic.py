"""Fallback for procedures whose own module is still to come (auctions, listings …): they can be created and
terminated, and results from a connected trading system can be taken in; nothing else."""

from __future__ import annotations

from ggzy.procedures.common import CENTER, OWNER_OR_CENTER, TENDER_STAGES
from ggzy.procedures.kernel import ProcedureDef, Step, register

GENERIC = register(
    ProcedureDef(
        key="generic",
        trade="*",
        procedure="*",
        label_zh="交易",
        bid_mode="sealed",
        stages={k: v for k, v in TENDER_STAGES.items() if k in ("draft", "opened", "terminated")},
        steps=(
            Step("import_opening", frozenset({"draft"}), "opened", CENTER, "汇入外部交易系统的交易记录"),
            Step("terminate", frozenset({"draft", "opened"}), "terminated", OWNER_OR_CENTER, "终止交易"),
        ),
        final=frozenset({"terminated"}),
    )
)
