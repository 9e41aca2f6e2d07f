"""Statistics on a small known data set: transactions, amounts, bidders, savings, failures; drafts never count."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from tests.api.disclosure.portal_world import World, build


@pytest.fixture
def world(clean_db: Database, clock: FrozenClock) -> World:
    return build(clean_db, clock.now())


def test_figures_on_a_known_data_set(client: TestClient, world: World) -> None:
    data = client.get("/api/public/statistics").json()
    total = data["total"]
    assert total["transactions"] == 2 and total["amount"] == "2700000.00"
    assert total["opened_lots"] == 2 and total["avg_bidders"] == "4.00"  # (3 + 5) / 2
    assert total["estimate_total"] == "3000000.00" and total["award_total"] == "2700000.00"
    assert total["savings_rate"] == "10.00"  # 1 − 2.7M / 3.0M
    assert total["failed"] == 1 and total["terminated"] == 1
    by_trade = {r["key"]: r for r in data["trade"]}
    assert by_trade["construction"]["transactions"] == 2 and by_trade["construction"]["label"] == "工程建设项目招标投标"
    assert by_trade["procurement"]["transactions"] == 0 and by_trade["procurement"]["failed"] == 1
    assert "land" not in by_trade  # the draft land project counts nowhere
    by_region = {r["key"]: r for r in data["region"]}
    # 城关区 (620102) counts under its prefecture 兰州市 (6201).
    assert by_region["6201"]["label"] == "兰州市" and by_region["6201"]["amount"] == "900000.00"
    assert by_region["6201"]["failed"] == 1 and by_region["6201"]["terminated"] == 1
    assert by_region["6202"]["amount"] == "1800000.00" and "6203" not in by_region
    # Months in Beijing time: the bridge result (2026-08-31 16:30 UTC) is a September transaction.
    by_month = {r["key"]: r for r in data["month"]}
    assert by_month["2026-09"]["transactions"] == 2
    assert "2026-08" not in by_month  # in UTC the bridge result would have been August


def test_filters_narrow_the_figures(client: TestClient, world: World) -> None:
    lanzhou = client.get("/api/public/statistics", params={"region": "6201"}).json()["total"]
    assert lanzhou["transactions"] == 1 and lanzhou["avg_bidders"] == "3.00" and lanzhou["savings_rate"] == "10.00"
    august = client.get("/api/public/statistics", params={"date_to": "2026-08-31"}).json()["total"]
    assert august["transactions"] == 0 and august["savings_rate"] is None
    bad = client.get("/api/public/statistics", params={"kind": "result"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "kind"
    assert client.get("/api/public/statistics", params={"region": "abc"}).json()["error"]["code"] == "FILTER_INVALID"


def test_csv_download_and_page_with_charts(client: TestClient, world: World) -> None:
    resp = client.get("/api/public/statistics/region.csv")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["代码", "地区（市州）", "成交数", "成交金额（元）"]
    assert rows[1][:4] == ["6201", "兰州市", "1", "900000.00"]
    assert rows[-1][1] == "合计" and rows[-1][2] == "2"
    assert client.get("/api/public/statistics/planet.csv").status_code == 422
    page = client.get("/statistics")
    assert page.status_code == 200
    assert "/static/vendor/echarts.min.js" in page.text and 'id="chart-data"' in page.text
    assert "10.00%" in page.text and "兰州市" in page.text
    assert client.get("/static/vendor/echarts.min.js").status_code == 200
    etag = page.headers["etag"]
    assert client.get("/statistics", headers={"if-none-match": etag}).status_code == 304
    api = client.get("/api/public/statistics")
    assert client.get("/api/public/statistics", headers={"if-none-match": api.headers["etag"]}).status_code == 304


def test_empty_platform_has_no_figures(client: TestClient, clean_db: Database) -> None:
    total = client.get("/api/public/statistics").json()["total"]
    assert total["transactions"] == 0 and total["avg_bidders"] is None and total["savings_rate"] is None
    assert client.get("/statistics").status_code == 200
