"""Public portal pages: home, notice lists, a notice with its history, project timelines, statistics.

No login anywhere (``Depends(public)``); every page revalidates by ETag (``disclosure.http``).

This module's ``router`` is the one the app discovers for the whole package: it also includes the routers of
every sibling module named ``*_pages`` or ``*_views`` (search, statistics, public notices API…), so helpers
add a module and nothing else. ``views.py`` is discovered by the app on its own and is not included here.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.routing import NoMatchFound

from ggzy.core.clock import SHANGHAI, Clock, format_local
from ggzy.core.security import Principal, public
from ggzy.disclosure import http, queries
from ggzy.disclosure.filters import NoticeFilter, parse_filters, parse_page_size
from ggzy.disclosure.stats import CSV_COLUMNS, DIMENSIONS, parse_stats_filters, statistics
from ggzy.entities.trades import TRADE_LABELS_ZH
from ggzy.notices.models import Notice
from ggzy.notices.service import KINDS
from ggzy.regions.queries import province_tree
from ggzy.web.routing import api_router, get_clock, get_session
from ggzy.web.templating import render, templates

# Page routes are left out of the OpenAPI schema one by one (``include_in_schema=False``) because this router
# also carries the package's API routers, which must stay documented.
router = api_router()
Public = Annotated[Principal | None, Depends(public)]
ReadSession = Annotated[Session, Depends(get_session)]

LIST_PARAMS = frozenset({"cursor", "size"})

FIELD_LABELS: dict[str, str] = {
    "estimate": "估算价/预算（元）",
    "max_price": "最高投标限价（元）",
    "category": "类别",
    "documents_from": "招标文件获取开始时间",
    "documents_until": "招标文件获取截止时间",
    "bid_deadline": "投标截止（开标）时间",
    "bid_bond": "投标保证金（元）",
    "bids": "投标情况",
    "not_decrypted": "未能解密的投标文件",
    "candidates": "中标候选人",
    "publicity_from": "公示开始",
    "publicity_until": "公示截止",
    "winner_entity_id": "中标人主体编号",
    "winner_name": "中标人",
    "price": "中标价（元）",
    "rank": "排名",
    "supplier_name": "供应商/承包人",
    "amount": "金额（元）",
    "signed_on": "签订日期",
    "late": "逾期说明",
    "completed_on": "完成日期",
    "quality": "质量情况",
    "final_amount": "结算金额（元）",
    "change_percent": "较合同金额变化（%）",
    "reason": "原因",
    "stage_before": "此前阶段",
    "bidder_name": "投标人",
    "entity_id": "主体编号",
    "name": "名称",
    "listed_items": "唱标内容",
    "status": "状态",
    "score": "得分",
    "lot_bidder_id": "投标编号",
}
CATEGORY_LABELS = {"works": "工程", "goods": "货物", "services": "服务"}
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def display_value(value: Any) -> Any:
    """A field value as people read it: instants in Beijing time, categories in Chinese, nothing as —."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, str) and _ISO_INSTANT.match(value):
        return format_local(datetime.fromisoformat(value.replace("Z", "+00:00")))
    if isinstance(value, str) and value in CATEGORY_LABELS:
        return CATEGORY_LABELS[value]
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{FIELD_LABELS.get(k, k)}：{display_value(v)}" for k, v in value.items())
    if isinstance(value, list) and not all(isinstance(v, dict) for v in value):
        return "、".join(str(display_value(v)) for v in value)
    return value


def field_rows(fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of the notice's field table; a list of records (bids, candidates) becomes a small table."""
    rows: list[dict[str, Any]] = []
    for key, value in fields.items():
        label = FIELD_LABELS.get(key, key)
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            columns = list(dict.fromkeys(k for v in value for k in v if k != "entity_id"))
            rows.append(
                {
                    "label": label,
                    "table": {
                        "head": [FIELD_LABELS.get(c, c) for c in columns],
                        "rows": [[display_value(v.get(c)) for c in columns] for v in value],
                    },
                }
            )
        else:
            rows.append({"label": label, "value": display_value(value)})
    return rows


def _procedure_label(trade: str, procedure: str) -> str:
    from ggzy.procedures.kernel import definition_for

    try:
        return definition_for(trade, procedure).label_zh
    except Exception:  # an unknown or retired procedure still shows its key
        return procedure


templates.env.globals.setdefault("NOTICE_KINDS", KINDS)
templates.env.globals.setdefault("TRADE_LABELS", TRADE_LABELS_ZH)
templates.env.filters["yuan"] = lambda v: "—" if v is None else f"{v:,.2f}"


def _regions(session: Session, request: Request, notices: list[Notice]) -> dict[str, str]:
    return queries.region_names(session, {n.region_code for n in notices})


def _tree(session: Session, request: Request) -> list[Any]:
    return province_tree(session, request.app.state.settings.province_code)


def _today(clock: Clock) -> date:
    return clock.now().astimezone(SHANGHAI).date()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, _: Public, session: ReadSession, clock: Annotated[Clock, Depends(get_clock)]) -> Response:
    today = _today(clock)
    v = http.validators(request, session, today.isoformat(), html=True)
    if (early := http.not_modified(request, v)) is not None:
        return early
    by_trade = queries.latest_by_trade(session, limit=6)
    latest = queries.latest(session, NoticeFilter(), limit=10)
    results = queries.latest(session, NoticeFilter(kind="result"), limit=8)
    deadlines = queries.deadlines_on(session, today)
    shown = [n for ns in by_trade.values() for n in ns] + latest + results + [n for n, _ in deadlines]
    return http.with_validators(
        render(
            request,
            "disclosure/home.html",
            {
                "by_trade": by_trade,
                "latest": latest,
                "results": results,
                "deadlines": deadlines,
                "today": today,
                "tree": _tree(session, request),
                "region_names": _regions(session, request, shown),
            },
        ),
        v,
    )


def _filter_form(session: Session, request: Request, f: NoticeFilter) -> dict[str, Any]:
    return {"f": f, "tree": _tree(session, request), "kinds": KINDS, "trades": TRADE_LABELS_ZH}


@router.get("/notices", response_class=HTMLResponse, include_in_schema=False)
def notice_list(request: Request, _: Public, session: ReadSession) -> Response:
    params = dict(request.query_params)
    f = parse_filters(params, allowed_extra=LIST_PARAMS)
    size = parse_page_size(params.get("size"))
    v = http.validators(request, session, html=True)
    if (early := http.not_modified(request, v)) is not None:
        return early
    page = queries.list_notices(session, f, size=size, cursor=params.get("cursor") or None)
    keep = f.params() | ({"size": str(size)} if "size" in params else {})
    next_url = f"/notices?{urlencode(keep | {'cursor': page.next_cursor})}" if page.next_cursor else None
    region_label = None
    if f.region_code:
        region_label = queries.region_names(session, {f.region_code}).get(f.region_code, f.region_code)
    return http.with_validators(
        render(
            request,
            "disclosure/list.html",
            {
                **_filter_form(session, request, f),
                "page": page,
                "next_url": next_url,
                "first_url": f"/notices?{urlencode(keep)}" if params.get("cursor") else None,
                "region_names": _regions(session, request, page.items),
                "region_label": region_label,
                "api_url": f"/api/public/notices?{urlencode(keep)}",
                "size": size,
            },
        ),
        v,
    )


# What a reader of a lot's notice can do next, by stage: (route name, label, stages or None for always). The
# pages belong to other domains, which disclosure does not import: a name that no route has is left out.
_LOT_ACTIONS = (
    ("lot.documents", "查看/下载招标文件", None),
    ("lot.questions", "答疑与异议", frozenset({"published"})),
    ("lot.bid", "在线加密递交投标文件", frozenset({"published"})),
    ("lot.opening", "网上开标大厅", frozenset({"opening", "opened", "evaluating", "evaluated"})),
)
# Pages that need an account: an anonymous reader goes through the login page and comes back. The opening
# hall admits only the lot's parties until its record is published, so it is offered to logged-in readers.
_NEEDS_LOGIN = frozenset({"lot.bid"})
_MEMBERS_ONLY = {"lot.opening": frozenset({"opening"})}


def _lot_actions(
    request: Request, session: Session, viewer: Principal | None, lot_id: int | None
) -> list[dict[str, str]]:
    if lot_id is None:
        return []
    from ggzy.projects.queries import lot_stage

    stage = lot_stage(session, lot_id)
    out = []
    for name, label, stages in _LOT_ACTIONS:
        if stages is not None and stage not in stages:
            continue
        if viewer is None and stage in _MEMBERS_ONLY.get(name, ()):
            continue
        try:
            url = str(request.app.url_path_for(name, lot_id=str(lot_id)))
        except NoMatchFound:
            continue
        if viewer is None and name in _NEEDS_LOGIN:
            url = f"/login?{urlencode({'next': url})}"
        out.append({"url": url, "label": label, "id": "lot-action-" + name.split(".", 1)[1]})
    return out


@router.get("/notices/{notice_id}", response_class=HTMLResponse, include_in_schema=False)
def notice_page(request: Request, notice_id: int, viewer: Public, session: ReadSession) -> Response:
    notice = queries.get_notice(session, notice_id)
    size = queries.tree_size(session)
    actions = _lot_actions(request, session, viewer, notice.lot_id)
    # The links follow the lot's stage, which moves without a notice (the deadline opens the lot).
    v = http.validators(request, session, size, [a["url"] for a in actions], html=True)
    if (early := http.not_modified(request, v)) is not None:
        return early
    doc = notice.fields()
    lot_doc: dict[str, Any] = doc.get("lot") or {}
    history = queries.history(session, notice)
    related = queries.get_notice(session, notice.related_id) if notice.related_id else None
    changes = [n for n in history if n.related_id == notice.id]
    return http.with_validators(
        render(
            request,
            "disclosure/notice.html",
            {
                "n": notice,
                "doc": doc,
                "rows": field_rows(doc.get("fields") or {}),
                "history": history,
                "related": related,
                "changes": changes,
                "tree_size": size,
                "region_name": queries.region_names(session, {notice.region_code}).get(notice.region_code, ""),
                "procedure_label": _procedure_label(doc["project"]["trade"], lot_doc.get("procedure", ""))
                if lot_doc
                else "",
                "lot_actions": actions,
            },
        ),
        v,
    )


@router.get("/projects/{project_id}/timeline", response_class=HTMLResponse, include_in_schema=False)
def project_timeline(request: Request, project_id: int, _: Public, session: ReadSession) -> Response:
    timeline = queries.project_timeline(session, project_id)
    size = queries.tree_size(session)
    v = http.validators(request, session, size, html=True)
    if (early := http.not_modified(request, v)) is not None:
        return early
    project = timeline.project
    return http.with_validators(
        render(
            request,
            "disclosure/timeline.html",
            {
                "t": timeline,
                "project": project,
                "tree_size": size,
                "region_name": queries.region_names(session, {project["region_code"]}).get(project["region_code"], ""),
                "procedure_labels": {
                    lt.procedure: _procedure_label(project["trade"], lt.procedure) for lt in timeline.lots
                },
            },
        ),
        v,
    )


@router.get("/statistics", response_class=HTMLResponse, include_in_schema=False)
def statistics_page(request: Request, _: Public, session: ReadSession) -> Response:
    f = parse_stats_filters(dict(request.query_params))
    v = http.validators(request, session, html=True)
    if (early := http.not_modified(request, v)) is not None:
        return early
    stats = statistics(session, f)
    query = urlencode(f.params())
    return http.with_validators(
        render(
            request,
            "disclosure/statistics.html",
            {
                **_filter_form(session, request, f),
                "stats": stats,
                "dimensions": DIMENSIONS,
                "columns": CSV_COLUMNS,
                "query": query,
                "charts": {dim: [(r.label, r.metrics.out()) for r in rows] for dim, rows in stats.by.items()},
            },
        ),
        v,
    )


def _include_siblings() -> None:
    import ggzy.disclosure as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.endswith(("_pages", "_views")):
            module = importlib.import_module(f"ggzy.disclosure.{info.name}")
            sub = getattr(module, "router", None)
            if sub is not None:
                router.include_router(sub)


_include_siblings()
