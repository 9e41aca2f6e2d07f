"""工程建设项目 公开招标 / 邀请招标 (招标投标法, 条例)."""

from __future__ import annotations

from ggzy.procedures.common import TENDER_STAGES, tender_steps
from ggzy.procedures.kernel import ProcedureDef, register

OPEN_TENDER = register(
    ProcedureDef(
        key="construction.open_tender",
        trade="construction",
        procedure="open_tender",
        label_zh="工程建设项目公开招标",
        bid_mode="sealed",
        stages=TENDER_STAGES,
        steps=tender_steps(notice_label="招标公告"),
        final=frozenset({"failed", "terminated", "performed"}),
    )
)

INVITED_TENDER = register(
    ProcedureDef(
        key="construction.invited_tender",
        trade="construction",
        procedure="invited_tender",
        label_zh="工程建设项目邀请招标",
        bid_mode="sealed",
        stages=TENDER_STAGES,
        steps=tender_steps(notice_label="投标邀请书"),
        final=frozenset({"failed", "terminated", "performed"}),
    )
)
