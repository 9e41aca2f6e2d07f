"""Open data API: the change feed and OCDS 1.1 releases, records and packages. Public, cacheable, paginated."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy.orm import Session

from ggzy.core.clock import Clock
from ggzy.core.errors import InvalidInput, NotFound
from ggzy.core.security import Principal, public
from ggzy.core.settings import Settings
from ggzy.disclosure import feed, http
from ggzy.disclosure import ocds_packages as packages
from ggzy.disclosure.ocds import Context, build_release
from ggzy.web.routing import api_router, get_clock, get_session, get_settings

router = api_router(prefix="/api", tags=["开放数据"])

PUBLICATION_POLICY = """本平台开放数据发布政策（OCDS 1.1）

- 范围：平台已发布的全部公告（招标、变更、澄清、开标记录、中标候选人、中标结果、合同、履约、流标、终止）；
  草稿和尚未公开的信息不会出现。每则公告即一个 OCDS 发布（release），其签名原文可在公告链接处下载核验。
- 时效：公告发布即进入变更订阅（/api/feed）与 OCDS 数据，同一事务提交，无延迟。
- 标识：ocid = 平台注册前缀 + 项目编号；一个项目一个采购过程，标段用 lots 扩展描述。
- 许可：CC BY 4.0。
"""


def _check_params(request: Request, allowed: set[str], code: str) -> None:
    for name in request.query_params:
        if name not in allowed:
            raise InvalidInput(
                f"不支持的参数 {name[:40]}；可用的参数：{'、'.join(sorted(allowed))}",
                code=code,
                field=name[:40],
                status_code=400,
            )


def _context(request: Request, session: Session, settings: Settings) -> Context:
    return Context(
        session=session,
        base_url=str(request.base_url).rstrip("/"),
        ocid_prefix=settings.ocds_ocid_prefix,
        publisher_name=settings.platform_name,
    )


def _next_url(request: Request, cursor: str) -> str:
    params = {k: v for k, v in request.query_params.items() if k != "cursor"}
    params["cursor"] = cursor
    return f"{str(request.url).split('?', 1)[0]}?{urlencode(params)}"


def _respond(request: Request, v: http.Validators, body: dict[str, Any], next_url: str | None = None) -> Response:
    response = JSONResponse(body)
    if next_url is not None:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return http.with_validators(response, v)


@router.get("/feed", summary="变更订阅：按账本序号顺序列出全部已发布公告，使用不透明游标翻页")
def get_feed(
    request: Request,
    cursor: str | None = None,
    limit: str | None = None,
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    _: Principal | None = Depends(public),
) -> Response:
    _check_params(request, {"cursor", "limit"}, "FEED_PARAM_UNKNOWN")
    key = settings.resolved_secret_key
    after = feed.decode_cursor(key, "feed", cursor)
    size = feed.parse_limit(limit)
    v = http.validators(request, session, "feed", after, size)
    if (early := http.not_modified(request, v)) is not None:
        return early
    page = feed.read_page(session, after=after, limit=size)
    base = str(request.base_url).rstrip("/")
    next_cursor = feed.encode_cursor(key, "feed", page.last_index)
    body = {
        "items": [feed.item(n, base_url=base, ocid_prefix=settings.ocds_ocid_prefix) for n in page.notices],
        # Always given: with has_more false, poll again later with it to get what is published next.
        "next_cursor": next_cursor,
        "has_more": page.has_more,
    }
    return _respond(request, v, body, _next_url(request, next_cursor) if page.has_more else None)


def _published(session: Session, clock: Clock) -> Any:
    latest = http.notices_version(session)[2]
    return latest or clock.now()


@router.get("/ocds/releases", summary="OCDS 发布包：按发布日期范围（北京时间，含首尾）分页")
def ocds_releases(
    request: Request,
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    clock: Clock = Depends(get_clock),
    _: Principal | None = Depends(public),
) -> Response:
    _check_params(request, {"from", "to", "cursor", "limit"}, "OCDS_PARAM_UNKNOWN")
    q = request.query_params
    rng = packages.parse_range(q.get("from"), q.get("to"))
    key = settings.resolved_secret_key
    after = feed.decode_cursor(key, "releases", q.get("cursor"), code="OCDS_CURSOR_INVALID")
    size = feed.parse_limit(q.get("limit"), code="OCDS_LIMIT_INVALID")
    v = http.validators(request, session, "ocds-releases", after, size)
    if (early := http.not_modified(request, v)) is not None:
        return early
    ctx = _context(request, session, settings)
    notices, more = packages.release_page(session, rng, after=after, limit=size)
    body = packages.package_meta(ctx, uri=str(request.url), published=_published(session, clock))
    body["releases"] = [build_release(ctx, n) for n in notices]
    next_url = None
    if more:
        next_url = _next_url(request, feed.encode_cursor(key, "releases", notices[-1].ledger_index))
        body["links"] = {"next": next_url}
    return _respond(request, v, body, next_url)


@router.get("/ocds/releases/{release_id}", summary="单个 OCDS 发布（以发布包形式）")
def ocds_release(
    release_id: str,
    request: Request,
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    clock: Clock = Depends(get_clock),
    _: Principal | None = Depends(public),
) -> Response:
    v = http.validators(request, session, "ocds-release")
    if (early := http.not_modified(request, v)) is not None:
        return early
    ctx = _context(request, session, settings)
    release = packages.release_by_id(ctx, release_id)
    if release is None:
        raise NotFound(f"OCDS 发布 {release_id[:80]} 不存在", code="OCDS_RELEASE_NOT_FOUND", field="release_id")
    body = packages.package_meta(ctx, uri=str(request.url), published=_published(session, clock))
    body["releases"] = [release]
    return _respond(request, v, body)


@router.get("/ocds/records/{ocid}", summary="OCDS 记录：一个采购过程（项目）的全部发布与合并后的 compiledRelease")
def ocds_record(
    ocid: str,
    request: Request,
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    clock: Clock = Depends(get_clock),
    _: Principal | None = Depends(public),
) -> Response:
    v = http.validators(request, session, "ocds-record")
    if (early := http.not_modified(request, v)) is not None:
        return early
    ctx = _context(request, session, settings)
    record = packages.record_for(ctx, ocid)
    if record is None:
        raise NotFound(f"OCDS 记录 {ocid[:80]} 不存在", code="OCDS_RECORD_NOT_FOUND", field="ocid")
    body = packages.package_meta(ctx, uri=str(request.url), published=_published(session, clock))
    body["records"] = [record]
    return _respond(request, v, body)


@router.get("/ocds/record-packages", summary="OCDS 记录包：日期范围内有发布的采购过程，分页")
def ocds_record_packages(
    request: Request,
    session: Session = Depends(get_session),
    settings: Settings = Depends(get_settings),
    clock: Clock = Depends(get_clock),
    _: Principal | None = Depends(public),
) -> Response:
    _check_params(request, {"from", "to", "cursor", "limit"}, "OCDS_PARAM_UNKNOWN")
    q = request.query_params
    rng = packages.parse_range(q.get("from"), q.get("to"))
    key = settings.resolved_secret_key
    after = max(feed.decode_cursor(key, "records", q.get("cursor"), code="OCDS_CURSOR_INVALID"), 0)
    size = feed.parse_limit(q.get("limit") or "20", code="OCDS_LIMIT_INVALID")
    # Records are heavier than releases: a smaller page ceiling.
    if size > 100:
        raise InvalidInput(
            "每页条数（limit）应为 1 至 100 之间的整数", code="OCDS_LIMIT_INVALID", field="limit", status_code=400
        )
    v = http.validators(request, session, "ocds-records", after, size)
    if (early := http.not_modified(request, v)) is not None:
        return early
    ctx = _context(request, session, settings)
    records, last, more = packages.record_page(ctx, rng, after=after, limit=size)
    body = packages.package_meta(ctx, uri=str(request.url), published=_published(session, clock))
    body["records"] = records
    next_url = None
    if more:
        next_url = _next_url(request, feed.encode_cursor(key, "records", last))
        body["links"] = {"next": next_url}
    return _respond(request, v, body, next_url)


@router.get("/ocds/publication-policy", summary="开放数据发布政策", response_class=PlainTextResponse)
def publication_policy(_: Principal | None = Depends(public)) -> PlainTextResponse:
    return PlainTextResponse(PUBLICATION_POLICY)
