"""The procedure kernel: each procedure declares one transition table; every stage change goes through it.

A procedure module (``construction``, ``procurement`` …) registers a :class:`ProcedureDef`: its stages, the
steps between them (which action, from which stages, to which stage, who may take it) and the steps that
fire by themselves when a time stored on the lot is reached (bid deadline → opening). Adding a procedure
means adding a module; nothing here changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ggzy.core.errors import Conflict, Forbidden


class Party(StrEnum):
    """Who takes a step: the owner or its agency, the center, the committee's evaluation, or the scheduler."""

    owner = "owner"
    center_staff = "center"
    evaluation = "evaluation"
    system = "system"


PARTY_ZH = {
    Party.owner: "招标人/代理机构",
    Party.center_staff: "交易中心",
    Party.evaluation: "评标委员会",
    Party.system: "平台（定时）",
}


@dataclass(frozen=True)
class Step:
    action: str
    source: frozenset[str]
    target: str
    parties: frozenset[Party]
    label_zh: str
    # Name of the lot's datetime attribute at which the scheduler takes this step by itself.
    timer: str | None = None
    # The kind of public notice this step publishes, if any (tender_notice, opening_record …).
    notice: str | None = None


@dataclass(frozen=True)
class ProcedureDef:
    key: str  # e.g. "construction.open_tender"
    trade: str
    procedure: str
    label_zh: str
    bid_mode: str  # sealed | live
    stages: Mapping[str, str]
    steps: tuple[Step, ...]
    final: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        names = set(self.stages)
        for step in self.steps:
            unknown = (set(step.source) | {step.target}) - names
            if unknown:
                raise ValueError(f"{self.key}: step {step.action} names unknown stages {sorted(unknown)}")
        if not self.final <= names:
            raise ValueError(f"{self.key}: unknown final stages")

    def step(self, action: str, *, stage: str) -> Step:
        """The step for ``action`` from ``stage``, or a 409 naming the stage."""
        for candidate in self.steps:
            if candidate.action == action and stage in candidate.source:
                return candidate
        if not any(s.action == action for s in self.steps):
            raise Conflict(f"{self.label_zh}没有“{action}”这一步骤", code="PROCEDURE_ACTION_UNKNOWN", field="action")
        raise Conflict(
            f"当前阶段为“{self.stages.get(stage, stage)}”，不能{self.label_for(action)}",
            code="LOT_OUT_OF_STAGE",
            field="stage",
        )

    def label_for(self, action: str) -> str:
        return next((s.label_zh for s in self.steps if s.action == action), action)

    def steps_from(self, stage: str) -> list[Step]:
        return [s for s in self.steps if stage in s.source]

    def timed_steps_from(self, stage: str) -> list[Step]:
        return [s for s in self.steps_from(stage) if s.timer is not None]


def check_party(step: Step, party: Party) -> None:
    if party not in step.parties:
        allowed = "、".join(PARTY_ZH[p] for p in sorted(step.parties))
        raise Forbidden(f"“{step.label_zh}”只能由{allowed}办理", code="PROCEDURE_PARTY_FORBIDDEN")


_REGISTRY: dict[tuple[str, str], ProcedureDef] = {}


def register(definition: ProcedureDef) -> ProcedureDef:
    key = (definition.trade, definition.procedure)
    if key in _REGISTRY and _REGISTRY[key] is not definition:
        raise ValueError(f"procedure {definition.key} registered twice")
    _REGISTRY[key] = definition
    return definition


def definition_for(trade: str, procedure: str) -> ProcedureDef:
    _load_modules()
    try:
        return _REGISTRY[(trade, procedure)]
    except KeyError:
        return _REGISTRY[("*", "*")]


def all_definitions() -> list[ProcedureDef]:
    _load_modules()
    return list(_REGISTRY.values())


def _load_modules() -> None:
    # Procedure modules register themselves on import.
    from ggzy.procedures import construction, generic, procurement  # noqa: F401
