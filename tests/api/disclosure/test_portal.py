"""The public portal: lists with combinable filters and keyset pages, notice pages, timelines, caching."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ggzy.core.clock import SHANGHAI, FrozenClock
from ggzy.core.db import Database
from ggzy.projects.models import Lot, Project
from tests.api.disclosure.portal_world import World, build, pub


@pytest.fixture
def world(clean_db: Database, clock: FrozenClock) -> World:
    return build(clean_db, clock.now())


def _ids(client: TestClient, **params: str) -> list[int]:
    resp = client.get("/api/public/notices", params={"size": "100", **params})
    assert resp.status_code == 200, resp.text
    return [item["id"] for item in resp.json()["items"]]


def test_filters_combine_and_region_includes_counties(client: TestClient, world: World) -> None:
    ids = world.ids
    assert len(_ids(client)) == 11
    # 6201 (兰州) includes its county 620102 (城关区) but not 6202 (嘉峪关).
    lanzhou = set(_ids(client, region="6201"))
    assert lanzhou == {ids[k] for k in ids if k.split(".")[0] in {"road", "school", "clinic"}}
    assert set(_ids(client, region="620102")) == {ids[k] for k in ids if k.split(".")[0] in {"road", "school"}}
    assert set(_ids(client, region="62")) == set(ids.values())
    # trade + kind + region + amount, all at once.
    assert _ids(client, trade="construction", kind="result", region="6201", amount_min="850000") == [ids["road.result"]]
    assert _ids(client, trade="construction", kind="result", amount_max="899999.99") == []
    assert _ids(client, kind="tender", trade="procurement") == [ids["clinic.tender"], ids["school.tender"]]
    # Beijing dates: the bridge result at 2026-09-01 00:30 Beijing (08-31 in UTC) is on 09-01.
    assert _ids(client, kind="result", date_from="2026-09-01", date_to="2026-09-01") == [ids["bridge.result"]]
    assert _ids(client, kind="result", date_from="2026-08-31", date_to="2026-08-31") == []


def test_keyset_pages_are_stable_while_notices_are_published(
    client: TestClient, world: World, clean_db: Database, clock: FrozenClock
) -> None:
    everything = _ids(client)
    first = client.get("/api/public/notices", params={"size": "4"}).json()
    assert [i["id"] for i in first["items"]] == everything[:4]
    # A notice published between two page requests does not shift the next page.
    with clean_db.transaction() as s:
        project = s.get(Project, world.projects["road"])
        lot = s.get(Lot, world.lots["road"])
        assert project is not None and lot is not None
        pub(s, kind="contract", project=project, lot=lot, now=clock.now(), title="新合同公告", amount="900000")
    seen = [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get("/api/public/notices", params={"size": "4", "cursor": cursor}).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert seen == everything
    # The HTML list follows the same pages, through an opaque "next" link.
    html = client.get("/notices", params={"size": "4"})
    assert html.status_code == 200 and "下一页" in html.text and "cursor=" in html.text


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"trad": "land"}, "FILTER_UNKNOWN", "trad"),
        ({"trade": "weapons"}, "FILTER_INVALID", "trade"),
        ({"kind": "tender' OR 1=1 --"}, "FILTER_INVALID", "kind"),
        ({"region": "62%"}, "FILTER_INVALID", "region"),
        ({"date_from": "2026-13-01"}, "FILTER_INVALID", "date_from"),
        ({"date_from": "2026-09-02", "date_to": "2026-09-01"}, "FILTER_INVALID", "date_from"),
        ({"amount_min": "1e999"}, "FILTER_INVALID", "amount_min"),
        ({"amount_max": "abc"}, "FILTER_INVALID", "amount_max"),
        ({"size": "100000000"}, "PAGE_SIZE_INVALID", "size"),
        ({"size": "0"}, "PAGE_SIZE_INVALID", "size"),
        ({"cursor": "not-a-cursor"}, "PAGE_TOKEN_INVALID", "cursor"),
        ({"cursor": "bjE6OTk5OTk5OTk5OTk5OTk5OTk6MQ"}, "PAGE_TOKEN_INVALID", "cursor"),
        ({"cursor": "x" * 5000}, "PAGE_TOKEN_INVALID", "cursor"),
    ],
)
def test_bad_input_is_400_with_code_never_500(
    client: TestClient, clean_db: Database, params: dict[str, str], code: str, field: str
) -> None:
    api = client.get("/api/public/notices", params=params)
    assert api.status_code == 400, api.text
    assert api.json()["error"]["code"] == code and api.json()["error"]["field"] == field
    page = client.get("/notices", params=params, headers={"accept": "text/html"})
    assert page.status_code == 400
    assert f"字段：{field}" in page.text and code in page.text


def test_notice_page_shows_document_signature_ledger_and_lot_history(client: TestClient, world: World) -> None:
    resp = client.get(f"/notices/{world.ids['road.opening']}")
    assert resp.status_code == 200
    text = resp.text
    assert "兰州城关道路改造工程opening" in text and "开标记录" in text
    assert "投标人2" in text  # the bids table
    # Signature, digest, ledger event link, and the whole lot history in ledger order.
    api = client.get(f"/api/notices/{world.ids['road.opening']}").json()
    assert api["digest"] in text and api["signature"] in text
    assert f'href="/ledger/events/{api["ledger_index"]}"' in text
    positions = [text.index(f'/notices/{world.ids[k]}"') for k in ("road.tender", "road.change", "road.result")]
    assert positions == sorted(positions)
    assert f"/projects/{world.projects['road']}/timeline" in text
    # A changed notice says so and links the change.
    tender = client.get(f"/notices/{world.ids['road.tender']}").text
    assert "本公告已有变更" in tender and f"/notices/{world.ids['road.change']}" in tender
    assert client.get("/notices/999999").status_code == 404


def test_timeline_lists_published_steps_and_hides_drafts(client: TestClient, world: World) -> None:
    resp = client.get(f"/projects/{world.projects['road']}/timeline")
    assert resp.status_code == 200
    for key in ("road.tender", "road.change", "road.opening", "road.result"):
        assert f'href="/notices/{world.ids[key]}"' in resp.text
    api = client.get(f"/api/notices/{world.ids['road.result']}").json()
    assert f'href="/ledger/events/{api["ledger_index"]}"' in resp.text
    # A project with only a draft lot does not exist for the public.
    draft = client.get(f"/projects/{world.projects['farm']}/timeline", headers={"accept": "text/html"})
    assert draft.status_code == 404 and "金昌农用地出让" not in draft.text
    assert world.projects["farm"] not in {i["project_id"] for i in client.get("/api/public/notices").json()["items"]}


def test_inclusion_proof_link_once_a_tree_head_covers_the_notice(
    client: TestClient, world: World, clean_db: Database, clock: FrozenClock
) -> None:
    from ggzy.ledger.proofs import current_tree_head

    notice = client.get(f"/api/notices/{world.ids['road.result']}").json()
    before = client.get(f"/notices/{world.ids['road.result']}").text
    assert "/api/ledger/proofs/inclusion" not in before
    head = current_tree_head(clean_db, key=clean_db.signer, now=clock.now())
    after = client.get(f"/notices/{world.ids['road.result']}").text
    link = f"/api/ledger/proofs/inclusion?index={notice['ledger_index']}&amp;tree_size={head.tree_size}"
    assert link in after
    proof = client.get(link.replace("&amp;", "&"))
    assert proof.status_code == 200


def test_home_shows_latest_results_and_todays_deadlines(
    client: TestClient, world: World, clean_db: Database, clock: FrozenClock
) -> None:
    today_3pm = clock.now().astimezone(SHANGHAI).replace(hour=15, minute=0)
    with clean_db.transaction() as s:
        lot = s.get(Lot, world.lots["school"])
        assert lot is not None
        lot.bid_deadline = today_3pm
        draft = s.get(Lot, world.lots["farm"])
        assert draft is not None
        draft.bid_deadline = today_3pm  # a draft lot's deadline is not public
    resp = client.get("/")
    assert resp.status_code == 200
    text = resp.text
    assert 'action="/search"' in text and 'href="/statistics"' in text
    deadlines = text[text.index("今日投标截止") : text.index("最新成交结果")]
    assert f'/notices/{world.ids["school.tender"]}"' in deadlines and "金昌" not in deadlines
    results = text[text.index("最新成交结果") : text.index("最新公告")]
    assert f'/notices/{world.ids["road.result"]}"' in results and f'/notices/{world.ids["bridge.result"]}"' in results
    assert "城关区" in text  # region names, and the county list of the region chooser
    assert "登录" in text  # anonymous visitors get the login link


def test_etag_and_last_modified_give_304_until_a_notice_is_published(
    client: TestClient, world: World, clean_db: Database, clock: FrozenClock
) -> None:
    for url in ("/api/public/notices?trade=construction", "/notices", f"/notices/{world.ids['road.result']}", "/"):
        first = client.get(url)
        assert first.status_code == 200
        etag = first.headers["etag"]
        assert first.headers["last-modified"]
        again = client.get(url, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b""
    api = client.get("/api/public/notices")
    assert (
        client.get("/api/public/notices", headers={"if-modified-since": api.headers["last-modified"]}).status_code
        == 304
    )
    other_query = client.get("/api/public/notices?kind=tender", headers={"if-none-match": api.headers["etag"]})
    assert other_query.status_code == 200
    with clean_db.transaction() as s:
        project = s.get(Project, world.projects["clinic"])
        assert project is not None
        pub(s, kind="tender", project=project, lot=None, now=clock.now() + timedelta(minutes=1), title="新公告")
    fresh = client.get("/api/public/notices", headers={"if-none-match": api.headers["etag"]})
    assert fresh.status_code == 200 and fresh.json()["items"][0]["title"] == "新公告"
    stale = client.get("/api/public/notices", headers={"if-modified-since": api.headers["last-modified"]})
    assert stale.status_code == 200


def test_pages_are_public_and_phone_friendly(client: TestClient, world: World) -> None:
    for url in (
        "/",
        "/notices",
        f"/notices/{world.ids['road.tender']}",
        f"/projects/{world.projects['road']}/timeline",
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
        assert 'name="viewport"' in resp.text and "/static/disclosure.css" in resp.text
    css = client.get("/static/disclosure.css")
    assert css.status_code == 200 and "@media (max-width: 640px)" in css.text


def test_published_at_is_shown_in_beijing_time(client: TestClient, world: World) -> None:
    text = client.get(f"/notices/{world.ids['bridge.result']}").text
    assert datetime(2026, 9, 1, 0, 30).strftime("%Y-%m-%d %H:%M") in text


def test_tender_notice_leads_a_reader_to_documents_questions_bid_and_later_the_opening_hall(
    client: TestClient, clean_db: Database, clock: FrozenClock, make_user: Any
) -> None:
    from sqlalchemy import select

    from ggzy.notices.models import Notice
    from ggzy.procedures.scheduler import run_due
    from tests.integration.bids.support import DEADLINE, bid_world
    from tests.pages import log_in

    with clean_db.transaction() as s:
        world = bid_world(s, now=clock.now())
        lot_id = world.tender.lot_id
        notice_id = s.scalar(select(Notice.id).where(Notice.lot_id == lot_id, Notice.kind == "tender"))

    def links() -> dict[str, str]:
        html = client.get(f"/notices/{notice_id}").text
        return dict(re.findall(r'<a class="button" id="lot-action-([a-z]+)" href="([^"]+)"', html))

    # Published: documents, questions, and the bid page, through the login page for an anonymous reader.
    assert links() == {
        "documents": f"/lots/{lot_id}/documents",
        "questions": f"/lots/{lot_id}/questions",
        "bid": f"/login?next=%2Flots%2F{lot_id}%2Fbid",
    }
    make_user("portal_bidder", "bidder_staff", entity_id=world.tender.bidder_ids[0])
    log_in(client, "portal_bidder")
    assert links()["bid"] == f"/lots/{lot_id}/bid"
    # At the deadline the lot opens: no more bids or questions from here; the opening hall, which admits the
    # lot's parties only until its record is published, is offered to logged-in readers.
    assert run_due(clean_db, now=DEADLINE).done == 1
    assert links() == {"documents": f"/lots/{lot_id}/documents", "opening": f"/lots/{lot_id}/opening"}
    client.cookies.clear()
    assert links() == {"documents": f"/lots/{lot_id}/documents"}
    assert client.get(f"/lots/{lot_id}/documents").status_code == 200
