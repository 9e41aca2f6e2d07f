"""Every procedure's table is consistent, and the kernel refuses what the table does not allow."""

from __future__ import annotations

import pytest

from ggzy.core.errors import Conflict, Forbidden
from ggzy.procedures.kernel import Party, ProcedureDef, Step, all_definitions, check_party, definition_for


@pytest.mark.parametrize("definition", all_definitions(), ids=lambda d: d.key)
def test_every_stage_is_reachable_and_none_is_a_dead_end(definition: ProcedureDef) -> None:
    reachable = {"draft"}
    frontier = ["draft"]
    while frontier:
        stage = frontier.pop()
        for step in definition.steps_from(stage):
            if step.target not in reachable:
                reachable.add(step.target)
                frontier.append(step.target)
    used = {s.target for s in definition.steps} | {st for s in definition.steps for st in s.source}
    assert used <= reachable
    for stage in reachable - definition.final:
        assert definition.steps_from(stage), f"{stage} is a dead end"
    # Until the contract is signed the owner or the center can always end the procedure.
    for stage in reachable - definition.final - {"contracted"}:
        assert any(s.action == "terminate" for s in definition.steps_from(stage)), stage


def test_tender_opening_fires_only_from_the_bid_deadline_timer() -> None:
    d = definition_for("construction", "open_tender")
    step = d.step("reach_deadline", stage="published")
    assert step.timer == "bid_deadline" and step.parties == {Party.system}
    with pytest.raises(Forbidden):
        check_party(step, Party.owner)
    with pytest.raises(Forbidden):
        check_party(step, Party.center_staff)


def test_out_of_stage_and_unknown_actions_are_conflicts() -> None:
    d = definition_for("procurement", "open_tender")
    with pytest.raises(Conflict) as err:
        d.step("record_opening", stage="published")
    assert err.value.code == "LOT_OUT_OF_STAGE" and "招标公告已发布" in err.value.message
    with pytest.raises(Conflict) as err:
        d.step("award_by_lottery", stage="draft")
    assert err.value.code == "PROCEDURE_ACTION_UNKNOWN"


def test_procedures_without_a_module_fall_back_to_intake_and_termination_only() -> None:
    d = definition_for("land", "auction")
    assert {s.action for s in d.steps} == {"import_opening", "terminate"}


def test_a_table_naming_an_unknown_stage_is_rejected() -> None:
    with pytest.raises(ValueError):
        ProcedureDef(
            key="x.y",
            trade="x",
            procedure="y",
            label_zh="测试",
            bid_mode="sealed",
            stages={"draft": "草稿"},
            steps=(Step("go", frozenset({"draft"}), "nowhere", frozenset({Party.owner}), "去"),),
        )
