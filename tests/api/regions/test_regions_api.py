"""Regions and centers: public reads with Gansu first, venue writes for center staff only."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ggzy.regions.demo import seed_centers
from ggzy.regions.models import Center, Venue


@pytest.fixture
def centers(clean_db, clock):  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        added = seed_centers(s, now=clock.now())
    with clean_db.transaction() as s:
        assert seed_centers(s, now=clock.now()) == 0  # idempotent
    return added


def test_regions_gansu_first_and_tree(client) -> None:  # type: ignore[no-untyped-def]
    provinces = client.get("/api/regions").json()
    assert provinces[0]["name"] == "甘肃省" and len(provinces) == 31
    prefectures = client.get("/api/regions", params={"parent": "62"}).json()
    assert len(prefectures) == 14 and prefectures[-1]["name"] == "甘南藏族自治州"
    lz = client.get("/api/regions/620171").json()
    assert lz["is_functional_zone"] and [a["name"] for a in lz["ancestors"]] == ["甘肃省", "兰州市"]
    assert any(r["code"] == "620123" for r in client.get("/api/regions", params={"q": "榆中"}).json())


def test_region_refusals(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/regions/999999")
    assert r.status_code == 404 and r.json()["error"]["code"] == "REGION_NOT_FOUND"
    for limit in (0, 101, -1):
        r = client.get("/api/regions", params={"limit": limit})
        assert r.status_code == 422 and r.json()["error"]["field"] == "limit"
    assert client.get("/api/regions", params={"parent": "62'; drop table regions"}).status_code == 422


def test_centers_seeded(client, centers) -> None:  # type: ignore[no-untyped-def]
    prefecture = client.get("/api/centers", params={"level": "prefecture"}).json()
    assert len(prefecture) == 15  # 14 prefectures and 兰州新区
    lanzhou = client.get("/api/centers", params={"region": "6201"}).json()
    names = {c["name"] for c in lanzhou}
    assert "兰州市公共资源交易中心榆中县分中心" in names and "兰州新区公共资源交易中心" in names
    province = next(c for c in client.get("/api/centers", params={"level": "province"}).json())
    detail = client.get(f"/api/centers/{province['id']}").json()
    assert len(detail["branches"]) == 15 and {v["kind"] for v in detail["venues"]} >= {
        "opening_room",
        "remote_evaluation_site",
    }
    assert client.get("/api/centers", params={"level": "galaxy"}).status_code == 422


def test_venue_writes(client, centers, make_user, login_token, clean_db) -> None:  # type: ignore[no-untyped-def]
    make_user("staff", "center_staff")
    make_user("bidder", "bidder_staff")
    cid = client.get("/api/centers", params={"level": "province"}).json()[0]["id"]
    body = {"name": "第三评标室", "kind": "evaluation_room", "capacity": 15}
    assert client.post(f"/api/centers/{cid}/venues", json=body).status_code == 401
    assert client.post(f"/api/centers/{cid}/venues", json=body, headers=login_token("bidder")).status_code == 403
    staff = login_token("staff")
    r = client.post(f"/api/centers/{cid}/venues", json={**body, "kind": "bar"}, headers=staff)
    assert r.status_code == 422 and r.json()["error"]["code"] == "VENUE_KIND_INVALID"
    assert client.post(f"/api/centers/{cid}/venues", json={**body, "capacity": 10001}, headers=staff).status_code == 422
    assert client.post(f"/api/centers/{cid}/venues", json=body, headers=staff).status_code == 201
    r = client.post(f"/api/centers/{cid}/venues", json=body, headers=staff)
    assert r.status_code == 409 and r.json()["error"]["code"] == "VENUE_DUPLICATE_NAME"
    assert client.post("/api/centers/99999/venues", json=body, headers=staff).status_code == 404
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Venue).where(Venue.name == "第三评标室")) == 1
        assert s.scalar(select(func.count()).select_from(Center)) == centers


def test_pages(client, centers) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/regions")
    assert page.status_code == 200 and page.text.index("甘肃省") < page.text.index("北京市")
    assert "兰州新区" in client.get("/regions/6201").text
    listing = client.get("/centers")
    assert "甘南藏族自治州公共资源交易中心" in listing.text
    cid = re.search(r'href="/centers/(\d+)">甘肃省公共资源交易中心', listing.text).group(1)  # type: ignore[union-attr]
    center = client.get(f"/centers/{cid}")
    assert "远程异地评标" in center.text and "新增场所" not in center.text
    r = client.post(f"/centers/{cid}/venues", data={"name": "x", "kind": "opening_room", "capacity": "1"})
    assert r.status_code in (401, 403)
