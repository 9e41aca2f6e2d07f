"""GET /search (page) and GET /api/public/search (JSON): results, filters and every bad input as a 400."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.disclosure.test_search import _publish_corpus

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database


@pytest.fixture
def web(app: Any, clean_db: Database, clock: FrozenClock) -> tuple[TestClient, dict[str, int]]:
    corpus = _publish_corpus(clean_db, clock)
    return TestClient(app), corpus


def test_api_ranks_highlights_and_filters(web: tuple[TestClient, dict[str, int]]) -> None:
    client, corpus = web
    r = client.get("/api/public/search", params={"q": "医院"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert {i["id"] for i in body["items"]} == {corpus["hospital"], corpus["hospital2"]}
    r = client.get("/api/public/search", params={"q": "医院", "region": "6201", "trade": "procurement"})
    items = r.json()["items"]
    assert [i["id"] for i in items] == [corpus["hospital2"]]
    assert items[0]["region_name"] == "城关区"
    assert "<mark>" in items[0]["excerpt_html"] or "<mark>" in items[0]["title_html"]
    r = client.get("/api/public/search", params={"q": "道路", "size": "1"})
    assert len(r.json()["items"]) == 1 and r.json()["has_more"] is True


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "SEARCH_QUERY_REQUIRED"),
        ({"q": "道路", "trad": "land"}, "FILTER_UNKNOWN"),
        ({"q": "道路", "date_from": "2024-13-01"}, "FILTER_INVALID"),
        ({"q": "道路", "size": "100000"}, "PAGE_SIZE_INVALID"),
        ({"q": "道路", "page": "-1"}, "PAGE_INVALID"),
        ({"q": "道路", "page": "9999"}, "PAGE_OUT_OF_RANGE"),
        ({"q": "道" * 101}, "SEARCH_QUERY_TOO_LONG"),
    ],
)
def test_api_bad_input_is_a_400_with_a_code(
    web: tuple[TestClient, dict[str, int]], params: dict[str, str], code: str
) -> None:
    client, _ = web
    r = client.get("/api/public/search", params=params)
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == code


@pytest.mark.parametrize("q", ['"', "*", "OR", "NEAR(", "'; DROP TABLE notices; --", "\\", '道路" OR "x'])
def test_api_injection_strings_never_fail(web: tuple[TestClient, dict[str, int]], q: str) -> None:
    client, corpus = web
    r = client.get("/api/public/search", params={"q": q})
    assert r.status_code == 200, r.text
    assert {i["id"] for i in r.json()["items"]} <= set(corpus.values())


def test_page_shows_highlighted_results_in_chinese(web: tuple[TestClient, dict[str, int]]) -> None:
    client, _ = web
    r = client.get("/search", params={"q": "兰州 医院"})
    assert r.status_code == 200
    assert "公告检索" in r.text and "<mark>医院</mark>" in r.text and "医疗设备采购中标结果公告" in r.text
    assert "雁滩路" not in r.text
    empty = client.get("/search")
    assert empty.status_code == 200 and "输入项目名称" in empty.text
    bad = client.get("/search", params={"q": "道路", "date_to": "yesterday"}, headers={"accept": "text/html"})
    assert bad.status_code == 400 and "结束日期" in bad.text
    xss = client.get("/search", params={"q": "<script>alert(1)</script>"})
    assert xss.status_code == 200 and "<script>alert(1)</script>" not in xss.text
