"""Stages and steps shared by the tendering procedures (工程建设项目招标 and 政府采购 公开招标)."""

from __future__ import annotations

from ggzy.procedures.kernel import Party, Step

OWNER = frozenset({Party.owner})
CENTER = frozenset({Party.center_staff})
SYSTEM = frozenset({Party.system})
OWNER_OR_CENTER = frozenset({Party.owner, Party.center_staff})

TENDER_STAGES = {
    "draft": "草稿",
    "published": "招标公告已发布",
    "opening": "开标中",
    "opened": "已开标",
    "evaluating": "评标中",
    "evaluated": "评标结束",
    "publicity": "中标候选人公示中",
    "decided": "公示期满",
    "awarded": "已发出中标通知书",
    "contracted": "合同已签订",
    "performed": "履约完成",
    "failed": "流标",
    "terminated": "终止",
}

NOT_FINAL = frozenset(
    {"draft", "published", "opening", "opened", "evaluating", "evaluated", "publicity", "decided", "awarded"}
)


def tender_steps(*, notice_label: str) -> tuple[Step, ...]:
    return (
        Step("publish_notice", frozenset({"draft"}), "published", OWNER, f"发布{notice_label}", notice="tender_notice"),
        # 法34: the opening happens at the very moment of the bid deadline.
        Step("reach_deadline", frozenset({"published"}), "opening", SYSTEM, "投标截止并开标", timer="bid_deadline"),
        Step(
            "record_opening",
            frozenset({"opening"}),
            "opened",
            CENTER,
            "登记开标记录",
            notice="opening_record",
        ),
        # A lot run in a connected trading system reaches us with its opening record (hub intake, 20号令 art.44).
        Step("import_opening", frozenset({"draft"}), "opened", CENTER, "汇入外部交易系统的开标记录"),
        Step(
            "start_evaluation",
            frozenset({"opened"}),
            "evaluating",
            frozenset({Party.center_staff, Party.evaluation}),
            "开始评标",
        ),
        Step("finish_evaluation", frozenset({"evaluating"}), "evaluated", frozenset({Party.evaluation}), "评标结束"),
        # 条例54 / 采购条例43: candidates (procurement: the result) are published for a legal minimum period.
        Step(
            "publish_candidates",
            frozenset({"evaluated"}),
            "publicity",
            OWNER,
            "公示中标候选人",
            notice="candidate_publicity",
        ),
        Step("end_publicity", frozenset({"publicity"}), "decided", SYSTEM, "公示期满", timer="publicity_until"),
        Step("award", frozenset({"decided"}), "awarded", OWNER, "确定中标人并发出中标通知书", notice="award_notice"),
        Step("sign_contract", frozenset({"awarded"}), "contracted", OWNER, "登记并公开合同", notice="contract"),
        Step("record_performance", frozenset({"contracted"}), "performed", OWNER, "登记履约信息", notice="performance"),
        Step(
            "fail",
            frozenset({"opening", "opened", "evaluating"}),
            "failed",
            OWNER_OR_CENTER,
            "宣布流标",
            notice="failure_notice",
        ),
        Step("terminate", NOT_FINAL, "terminated", OWNER_OR_CENTER, "终止招标", notice="termination_notice"),
    )
