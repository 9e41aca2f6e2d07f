"""Who sees the committee's names, employers and counts, before and after the result is fixed:
every role, on the API and on the pages."""

from __future__ import annotations

import re

import pytest

from ggzy.experts.committees import reveal_committee
from tests.api.experts.factory import PASSWORD

ROLES = ["anonymous", "bidder1", "owner1", "super1", "expert_off", "expert_on", "center1"]


def _username(role: str, drawn) -> str | None:  # type: ignore[no-untyped-def]
    if role == "anonymous":
        return None
    if role == "expert_off":
        return drawn.off_committee_username
    if role == "expert_on":
        return drawn.on_committee_username
    return role


def _token(client, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    r = client.post("/api/auth/token", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _page_login(client, username: str | None) -> None:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    if username is None:
        return
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303), r.text


@pytest.mark.parametrize("stage", ["before", "after"])
@pytest.mark.parametrize("role", ROLES)
def test_names_and_employers_are_sealed_until_the_result_is_fixed(client, drawn, clean_db, clock, role, stage) -> None:  # type: ignore[no-untyped-def]
    if stage == "after":
        with clean_db.transaction() as s:
            reveal_committee(s, committee_id=drawn.committee_id, now=clock.now())
    username = _username(role, drawn)
    may_see = stage == "after" or role == "center1"
    headers = _token(client, username) if username else {}

    api = client.get(f"/api/committees/{drawn.committee_id}", headers=headers)
    assert api.status_code == 200
    body = api.json()
    assert body["counts"]["experts"] == 6 and body["size"] == 7  # counts: everyone
    assert body["names_visible"] is may_see
    for name, employer in zip(drawn.member_names, drawn.member_employers, strict=True):
        assert (name in api.text) is may_see, (role, stage, "name")
        assert (employer in api.text) is may_see, (role, stage, "employer")
    by_lot = client.get(f"/api/lots/{drawn.lot_id}/committee", headers=headers)
    assert (drawn.member_names[0] in by_lot.text) is may_see

    record = client.get(f"/api/committees/{drawn.committee_id}/record", headers=headers)
    assert record.status_code == (200 if may_see else 403)
    if not may_see:
        assert record.json()["error"]["code"] == "DRAW_RECORD_SEALED"

    _page_login(client, username)
    page = client.get(f"/committees/{drawn.committee_id}")
    assert page.status_code == 200
    assert 'id="count-experts">6<' in page.text
    for name, employer in zip(drawn.member_names, drawn.member_employers, strict=True):
        assert (name in page.text) is may_see, (role, stage, "page name")
        assert (employer in page.text) is may_see, (role, stage, "page employer")


def test_pool_pages_and_lists_are_for_center_staff_only(client, drawn) -> None:  # type: ignore[no-untyped-def]
    for username in ("bidder1", "owner1", "super1", drawn.off_committee_username):
        headers = _token(client, username)
        assert client.get("/api/experts", headers=headers).status_code == 403
        _page_login(client, username)
        assert client.get("/experts/pool", headers={"accept": "text/html"}).status_code == 403
    assert client.get("/api/experts").status_code == 401
    center = _token(client, "center1")
    pool = client.get("/api/experts", headers=center)
    assert pool.status_code == 200 and pool.json()["total"] == 40
    # Supervisors see draw records (hashes and counts) but not names before the result.
    sup = _token(client, "super1")
    draws = client.get("/api/draws", headers=sup)
    assert draws.status_code == 200 and draws.json()[0]["committee_id"] == drawn.committee_id
    assert drawn.member_names[0] not in draws.text
    _page_login(client, "super1")
    page = client.get("/experts/draws")
    assert page.status_code == 200 and "专家抽取记录" in page.text and drawn.member_names[0] not in page.text
    # An expert sees another expert's profile as nonexistent.
    off = _token(client, drawn.off_committee_username)
    assert client.get(f"/api/experts/{drawn.on_expert_id}", headers=off).status_code == 404
    own = client.get(f"/api/experts/{drawn.off_expert_id}", headers=off)
    assert own.status_code == 200 and own.json()["id"] == drawn.off_expert_id
