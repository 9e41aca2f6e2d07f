"""Rules API: rules in force with their citations, rule changes, period questions, holiday calendar."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock, local_today
from ggzy.core.errors import error_responses
from ggzy.core.security import Principal, Role, allow, public
from ggzy.rules import queries, service
from ggzy.rules.periods import QUESTIONS
from ggzy.rules.schemas import CalendarDay, PeriodOut, RuleChangeIn, RuleDetail, RuleOut, YearCalendarOut
from ggzy.web.routing import api_router, get_clock, get_session

router = api_router(prefix="/api/rules", tags=["法定规则"])
Public = Annotated[Principal | None, Depends(public)]
DB = Annotated[Session, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
TradeQuery = Annotated[str | None, Query(max_length=20, description="交易类型：construction、procurement …")]


@router.get("", response_model=list[RuleOut], responses=error_responses(422), summary="现行规则及法律依据")
def list_rules(
    _: Public,
    session: DB,
    clock: ClockDep,
    trade: TradeQuery = None,
    on: Annotated[date | None, Query(description="查询日期（默认今天）")] = None,
) -> list[RuleOut]:
    rules = queries.rules_in_force(session, on=on or local_today(clock), trade=trade)
    return [RuleOut.of(r) for r in rules]


@router.get(
    "/periods",
    response_model=PeriodOut,
    responses=error_responses(404, 422),
    summary="计算期限：例如投标截止最早日期、质疑最后一天",
)
def ask(
    _: Public,
    session: DB,
    question: Annotated[str, Query(description="问题：" + "、".join(QUESTIONS))],
    trade: Annotated[str, Query(max_length=20)],
    start: Annotated[date, Query(description="起算日（YYYY-MM-DD），起算日当天不计入")],
) -> PeriodOut:
    return PeriodOut.of(queries.answer_question(session, question=question, trade=trade, start=start), question)


@router.get(
    "/calendar/{year}",
    response_model=YearCalendarOut,
    responses=error_responses(422),
    summary="某年法定节假日与调休上班日",
)
def calendar(year: int, _: Public) -> YearCalendarOut:
    data = queries.year_calendar(year)
    return YearCalendarOut(
        year=year,
        holidays=[CalendarDay(date=d, name=n) for d, n in data["holidays"]],
        swapped_working_days=[CalendarDay(date=d, name=n) for d, n in data["swapped_working_days"]],
    )


@router.get("/{key}", response_model=RuleDetail, responses=error_responses(404), summary="规则及其历史版本")
def get_rule(key: str, _: Public, session: DB, clock: ClockDep) -> RuleDetail:
    versions = queries.rule_versions(session, key=key)
    today = local_today(clock)
    current = next((r for r in reversed(versions) if r.effective_on(today)), versions[-1])
    return RuleDetail(**RuleOut.of(current).model_dump(), versions=[RuleOut.of(v) for v in versions])


@router.get(
    "/{key}/period", response_model=PeriodOut, responses=error_responses(404, 422), summary="按某条规则计算期限届满日"
)
def rule_period(key: str, _: Public, session: DB, start: Annotated[date, Query()]) -> PeriodOut:
    return PeriodOut.of(queries.period(session, key=key, start=start))


@router.post(
    "/{key}/versions",
    response_model=RuleOut,
    status_code=201,
    responses=error_responses(401, 403, 404, 422),
    summary="变更规则取值（自某日起，只能从严）",
)
def change_rule(
    key: str,
    body: RuleChangeIn,
    principal: Annotated[Principal, Depends(allow(Role.platform_admin))],
    session: DB,
    clock: ClockDep,
) -> RuleOut:
    service.change_rule(
        session,
        actor=principal,
        key=key,
        value=body.value,
        effective_from=body.effective_from,
        reason=body.reason,
        now=clock.now(),
    )
    return RuleOut.of(service.current_ruleset(session).get(key, on=body.effective_from))
