"""The rules page: every rule with its article, a period calculator, the holiday calendar."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock, local_today
from ggzy.core.errors import AppError
from ggzy.core.security import Principal, public
from ggzy.rules import calendar as cal
from ggzy.rules import queries
from ggzy.rules.periods import QUESTIONS
from ggzy.web.routing import get_clock, get_session, page_router
from ggzy.web.templating import render

router = page_router()

TRADE_LABELS = {
    "construction": "工程建设",
    "procurement": "政府采购",
    "land": "土地使用权",
    "mining": "矿业权",
    "property": "国有产权",
    "medical": "药品和医用耗材",
}


@router.get("/rules", response_class=HTMLResponse)
def rules_page(
    request: Request,
    _: Annotated[Principal | None, Depends(public)],
    session: Annotated[Session, Depends(get_session)],
    clock: Annotated[Clock, Depends(get_clock)],
    trade: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    today = local_today(clock)
    rules = queries.rules_in_force(session, on=today, trade=trade or None)
    first, last = cal.covered_years()
    return render(
        request,
        "rules/index.html",
        {
            "rules": rules,
            "trade": trade,
            "trades": TRADE_LABELS,
            "questions": QUESTIONS,
            "today": today,
            "years": list(range(max(first, today.year - 1), last + 1)),
        },
    )


@router.get("/rules/answer", response_class=HTMLResponse)
def rules_answer(
    request: Request,
    _: Annotated[Principal | None, Depends(public)],
    session: Annotated[Session, Depends(get_session)],
    question: Annotated[str, Query(max_length=40)] = "",
    trade: Annotated[str, Query(max_length=20)] = "",
    start: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    try:
        try:
            start_day = date.fromisoformat(start)
        except ValueError as exc:
            raise AppError("起算日格式应为 YYYY-MM-DD", code="INVALID_INPUT", field="start") from exc
        answer = queries.answer_question(session, question=question, trade=trade, start=start_day)
    except AppError as exc:
        return render(request, "rules/_answer.html", {"error": exc}, status_code=200)
    label = QUESTIONS[question][1]
    return render(request, "rules/_answer.html", {"answer": answer, "label": label, "trade": TRADE_LABELS.get(trade)})


@router.get("/rules/calendar/{year}", response_class=HTMLResponse)
def calendar_page(request: Request, year: int, _: Annotated[Principal | None, Depends(public)]) -> HTMLResponse:
    return render(request, "rules/calendar.html", {"year": year, "data": queries.year_calendar(year)})
