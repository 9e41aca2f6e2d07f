"""Expert, center and supervisor pages as a browser without JavaScript uses them."""

from __future__ import annotations

import re

from sqlalchemy import select

from ggzy.core.security import Role
from ggzy.experts.models import Committee, Expert
from tests.api.experts.factory import PASSWORD, company_uscc, id_number, make_user, make_world


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _login(client, username: str) -> None:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": _csrf(page.text), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code in (302, 303)


def test_expert_registers_by_form_and_center_approves_on_the_pool_page(client, clean_db, clock) -> None:  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        make_world(s, clock.now())
        make_user(s, "pexp", Role.expert, entity_id=None, now=clock.now())
    _login(client, "pexp")
    page = client.get("/experts/me")
    assert page.status_code == 200 and "提交入库申请" in page.text and "A080101" in page.text
    form = {
        "csrf_token": _csrf(page.text),
        "name": "赵页面",
        "id_number": id_number(9),
        "title": "高级工程师",
        "title_level": "senior",
        "years_of_practice": "12",
        "region_code": "620102",
        "specialties": "A080101,A089999",
        "employer_name": "兰州测试院",
        "employer_uscc": company_uscc(800),
        "employed_since": "2012-03-01",
    }
    bad = client.post("/experts/me/register", data=form)
    assert bad.status_code == 422 and "A089999" in bad.text and "不在专业分类标准中" in bad.text
    ok = client.post("/experts/me/register", data={**form, "specialties": "A080101"}, follow_redirects=True)
    assert ok.status_code == 200 and "待审核" in ok.text and "兰州测试院" in ok.text
    with clean_db.transaction() as s:
        eid = s.scalar(select(Expert.id))
    assert client.get("/experts/pool").status_code == 403
    _login(client, "center1")
    pool = client.get("/experts/pool", params={"status": "pending"})
    assert pool.status_code == 200 and "赵页面" in pool.text
    detail = client.get(f"/experts/pool/{eid}")
    r = client.post(
        f"/experts/pool/{eid}/review",
        data={"csrf_token": _csrf(detail.text), "decision": "approve"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "已入库" in r.text
    r = client.post(
        f"/experts/pool/{eid}/sanction",
        data={"csrf_token": _csrf(detail.text), "kind": "suspension", "reason": "迟到", "days": "30"},
        follow_redirects=True,
    )
    assert "暂停评标资格" in r.text
    _login(client, "pexp")
    me = client.get("/experts/me")
    r = client.post(
        "/experts/me/unavailability",
        data={"csrf_token": _csrf(me.text), "start_date": "2026-10-01", "end_date": "2026-10-03", "reason": "假期"},
    )
    assert r.status_code == 200 and "2026-10-01 至 2026-10-03 假期" in r.text


def test_center_draws_and_redraws_on_the_committee_page(client, drawn) -> None:  # type: ignore[no-untyped-def]
    _login(client, "center1")
    page = client.get(f"/committees/{drawn.committee_id}")
    assert "申请重新抽取" in page.text and drawn.member_names[0] in page.text
    r = client.post(
        f"/committees/{drawn.committee_id}/redraw",
        data={"csrf_token": _csrf(page.text), "reason": ""},
        headers={"accept": "text/html"},
    )
    assert r.status_code == 422 and "理由" in r.text
    r = client.post(
        f"/committees/{drawn.committee_id}/redraw",
        data={"csrf_token": _csrf(page.text), "reason": "评标室调整"},
        follow_redirects=True,
    )
    assert "随机抽取专家" in r.text
    r = client.post(f"/committees/{drawn.committee_id}/draw", data={"csrf_token": _csrf(r.text)}, follow_redirects=True)
    assert r.status_code == 200 and "第 2 轮" in r.text
    _login(client, "owner1")
    page = client.get(f"/committees/{drawn.committee_id}")
    assert "随机抽取专家" not in page.text and "仅显示人数" in page.text


def test_drawn_expert_confirms_on_my_assignments(client, drawn, clean_db) -> None:  # type: ignore[no-untyped-def]
    _login(client, drawn.on_committee_username)
    page = client.get("/experts/me")
    assert "确认参加" in page.text and "评标抽取通知" in page.text
    r = client.post(
        f"/experts/me/assignments/{drawn.on_committee_member_id}",
        data={"csrf_token": _csrf(page.text), "accept": "yes"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "已确认参加" in r.text
    with clean_db.transaction() as s:
        c = s.get(Committee, drawn.committee_id)
        assert any(m.id == drawn.on_committee_member_id and m.status == "confirmed" for m in c.members)


def test_owner_requests_a_committee_by_form_and_the_law_is_cited(client, clean_db, clock) -> None:  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        world = make_world(s, clock.now())
    _login(client, "owner1")
    page = client.get("/experts/committees/new", params={"lot_id": world.lot_id})
    assert page.status_code == 200 and "第三十七条" in page.text
    form = {
        "csrf_token": _csrf(page.text),
        "lot_id": str(world.lot_id),
        "size": "6",
        "requirements": "A080101:6",
        "scope": "62",
        "evaluation_start": "2026-10-10T09:00",
        "evaluation_end": "2026-10-10T17:00",
        "venue": "兰州评标室",
        "reserve_count": "2",
    }
    bad = client.post("/experts/committees/new", data=form)
    assert bad.status_code == 422 and "五人以上单数" in bad.text and "A080101:6" in bad.text
    ok = client.post(
        "/experts/committees/new", data={**form, "size": "5", "requirements": "A080101:5"}, follow_redirects=True
    )
    assert ok.status_code == 200 and "待抽取" in ok.text and "兰州评标室" in ok.text
    _login(client, "center1")
    assert "待抽取的评标委员会" in client.get("/experts/draws").text
