"""The rules in force (defaults plus recorded changes) and changing a rule."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.clock import SHANGHAI
from ggzy.core.errors import InvalidInput, NotFound, RuleRefused
from ggzy.core.security import Principal
from ggzy.ledger import service as ledger
from ggzy.rules.catalog import Comparison, RuleSet, UnknownRule, citation_zh, default_ruleset
from ggzy.rules.models import RuleVersion


def current_ruleset(session: Session) -> RuleSet:
    rules = default_ruleset()
    for change in session.scalars(select(RuleVersion).order_by(RuleVersion.created_at, RuleVersion.id)):
        rules = rules.with_override(
            key=change.key, value=change.value, effective_from=change.effective_from, note_zh=change.reason
        )
    return rules


def change_rule(
    session: Session,
    *,
    actor: Principal,
    key: str,
    value: Decimal,
    effective_from: date,
    reason: str,
    now: datetime,
) -> RuleVersion:
    """Record a new value of a rule from ``effective_from`` on.

    Never retroactive (a running procedure keeps the rules it started under), and a statutory rule can
    only be made stricter: a center may ask for longer periods or lower caps, never less than the law.
    Rules marked ``verify`` (recalled, not yet checked against the official text) may move either way.
    """
    rules = current_ruleset(session)
    try:
        versions = rules.versions(key)
    except UnknownRule as exc:
        raise NotFound(f"没有规则 {key}", code="RULE_NOT_FOUND", field="key") from exc
    today = now.astimezone(SHANGHAI).date()
    if effective_from < today:
        raise InvalidInput(
            f"生效日期 {effective_from.isoformat()} 早于今天 {today.isoformat()}：规则变更不能溯及既往",
            code="RULE_CHANGE_RETROACTIVE",
            field="effective_from",
        )
    if value <= 0:
        raise InvalidInput("规则取值必须大于0", code="RULE_VALUE_INVALID", field="value")
    statutory = versions[0]
    if not statutory.verify:
        looser = value > statutory.value if statutory.comparison is not Comparison.at_least else value < statutory.value
        if looser:
            raise RuleRefused(
                f"{statutory.title_zh}的法定标准为{statutory.value_zh}，平台只能从严设定，不能放宽",
                code="RULE_CHANGE_LOOSER_THAN_LAW",
                field="value",
                rule=key,
                citation=citation_zh(statutory),
            )
    change = RuleVersion(
        key=key,
        value=value,
        effective_from=effective_from,
        reason=reason,
        created_by=actor.user_id,
        created_at=now,
    )
    session.add(change)
    session.flush()
    ledger.record(
        session,
        kind="rule.changed",
        actor=f"user:{actor.user_id}",
        subject=f"rule:{key}",
        data={
            "key": key,
            "value": value,
            "effective_from": effective_from,
            "reason": reason,
            "previous_value": rules.get(key, on=effective_from).value
            if _effective(rules, key, effective_from)
            else None,
        },
        now=now,
    )
    return change


def _effective(rules: RuleSet, key: str, on: date) -> bool:
    return any(r.effective_on(on) for r in rules.versions(key))
