"""Evaluation through the API and the pages: who sees what, refusals that store nothing, the full flow."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import func, select

from ggzy.evaluation.models import CriterionScore, Sheet
from ggzy.ledger.models import LedgerEvent
from tests.api.evaluation.world import World, build
from tests.pages import csrf_token, log_in

SCHEME = {
    "method": "comprehensive",
    "price_weight": "30",
    "criteria": [
        {"code": "T1", "name": "技术方案", "kind": "subjective", "max_score": "40"},
        {"code": "T2", "name": "业绩", "kind": "objective", "max_score": "30"},
    ],
}


@pytest.fixture
def w(clean_db, clock) -> World:  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        return build(s, now=clock.now())


@pytest.fixture
def h(login_token, w):  # type: ignore[no-untyped-def]
    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            cache[username] = login_token(username)
        return cache[username]

    return headers


def _start(client, h) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    lot_id = client.app.state.test_world.lot_id
    r = client.put(f"/api/evaluation/lots/{lot_id}/scheme", json=SCHEME, headers=h("center"))
    assert r.status_code == 200, r.text
    r = client.post(f"/api/evaluation/lots/{lot_id}/start", headers=h("center"))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture
def started(client, h, w):  # type: ignore[no-untyped-def]
    client.app.state.test_world = w
    return _start(client, h)


def _sheet(ev: dict[str, Any], t1: str = "30", t2: str = "20") -> dict[str, Any]:
    crit = [c["id"] for c in ev["scheme"]["criteria"]]
    bidders = [b["id"] for b in ev["bidders"] if b["status"] == "valid"]
    return {
        "verdicts": [{"bidder_id": b, "passed": True} for b in bidders],
        "scores": [{"bidder_id": b, "criterion_id": c, "score": v} for b in bidders for c, v in zip(crit, (t1, t2))],
    }


def test_full_flow_and_visibility_per_role(client, h, w, started) -> None:  # type: ignore[no-untyped-def]
    ev_id = started["id"]
    assert started["role"] == "center" and started["status"] == "scoring"
    for i, m in enumerate(w.member_users):
        view = client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h(m)).json()
        assert view["role"] == "member" and view["summary"] is None
        r = client.put(f"/api/evaluation/evaluations/{ev_id}/sheet", json=_sheet(view), headers=h(m))
        assert r.status_code == 200, r.text
        r = client.post(f"/api/evaluation/evaluations/{ev_id}/sheet/sign", headers=h(m))
        assert r.status_code == 200, r.text
        if i == 0:
            # one signed: the center sees progress per member, no scores; the owner, supervisor, bidder counts only
            c = client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h("center")).json()
            assert c["progress"]["signed"] == 1 and c["summary"] is None
            assert [p["signed"] for p in c["member_progress"]] == [True, False, False, False, False]
            e2 = client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h("expert2")).json()
            assert e2["my_sheet"] is None and e2["summary"] is None and e2["member_progress"] is None
            for who in ("owner", "sup", "bidder1"):
                v = client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h(who)).json()
                assert v["progress"]["signed"] == 1
                assert v["member_progress"] is None and v["bidders"] is None and v["summary"] is None
    c = client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h("center")).json()
    assert c["status"] == "summarized" and c["summary"]["ranking"][0]["score"] == "80.00"
    assert client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h("owner")).json()["summary"] is None
    r = client.post(f"/api/evaluation/evaluations/{ev_id}/report", json={"candidate_count": 5}, headers=h("center"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "REPORT_CANDIDATE_COUNT_INVALID"
    r = client.post(f"/api/evaluation/evaluations/{ev_id}/report", json={"candidate_count": 3}, headers=h("center"))
    assert r.status_code == 201, r.text
    for m in w.member_users:
        r = client.post(f"/api/evaluation/evaluations/{ev_id}/report/sign", headers=h(m))
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "fixed"
    bidder = client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h("bidder1")).json()
    assert len(bidder["report"]["candidates"]) == 3 and set(bidder["report"]) == {"candidates"}
    assert bidder["report"]["candidates"][0]["name"] == "投标人2有限公司"  # lowest price, same technical scores
    owner = client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h("owner")).json()
    assert owner["report"]["members"] and owner["summary"]["ranking"]


def test_out_of_range_score_refused_and_nothing_saved(client, h, w, started, clean_db) -> None:  # type: ignore[no-untyped-def]
    ev_id = started["id"]
    view = client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h("expert1")).json()
    with clean_db.session(write=False) as s:
        before = s.scalar(select(func.count()).select_from(LedgerEvent))
    r = client.put(f"/api/evaluation/evaluations/{ev_id}/sheet", json=_sheet(view, t1="40.01"), headers=h("expert1"))
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "SCORE_OUT_OF_RANGE" and "技术方案" in err["message"] and err["field"].startswith("scores.")
    with clean_db.session(write=False) as s:
        assert s.scalar(select(func.count()).select_from(Sheet)) == 0
        assert s.scalar(select(func.count()).select_from(CriterionScore)) == 0
        assert s.scalar(select(func.count()).select_from(LedgerEvent)) == before
    assert client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h("expert1")).json()["my_sheet"] is None


def test_access_refusals(client, h, w, started) -> None:  # type: ignore[no-untyped-def]
    ev_id = started["id"]
    assert client.get(f"/api/evaluation/evaluations/{ev_id}").status_code == 401
    for who in ("outsider", "expert_x"):
        r = client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h(who))
        assert r.status_code == 404 and r.json()["error"]["code"] == "EVALUATION_NOT_FOUND"
    r = client.put(f"/api/evaluation/evaluations/{ev_id}/sheet", json={"verdicts": []}, headers=h("expert_x"))
    assert r.status_code == 404
    r = client.put(f"/api/evaluation/lots/{w.lot_id}/scheme", json=SCHEME, headers=h("bidder1"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "ROLE_REQUIRED"
    r = client.put(f"/api/evaluation/lots/{w.lot_id}/scheme", json=SCHEME, headers=h("center"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "SCHEME_FROZEN"
    r = client.post(f"/api/evaluation/evaluations/{ev_id}/report", json={}, headers=h("expert1"))
    assert r.status_code == 403
    assert client.get(f"/api/evaluation/lots/{w.lot_id}/scheme").json()["method"] == "comprehensive"
    mine = client.get("/api/evaluation/mine", headers=h("expert1")).json()
    assert [m["evaluation_id"] for m in mine] == [ev_id]
    assert client.get("/api/evaluation/mine", headers=h("expert_x")).json() == []


def test_price_weight_floor_is_cited(client, h, w) -> None:  # type: ignore[no-untyped-def]
    body = {
        **SCHEME,
        "price_weight": "20",
        "criteria": [{"code": "T", "name": "技术", "kind": "subjective", "max_score": "80"}],
    }
    r = client.put(f"/api/evaluation/lots/{w.lot_id}/scheme", json=body, headers=h("owner"))
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "SCHEME_PRICE_WEIGHT_TOO_LOW" and "第五十五条" in err["citation"]
    assert client.get(f"/api/evaluation/lots/{w.lot_id}/scheme").status_code == 404


# --- pages ----------------------------------------------------------------------------------------


def test_expert_pages_tasks_to_sheet(client, h, w, started) -> None:  # type: ignore[no-untyped-def]
    ev_id = started["id"]
    crit = [c["id"] for c in started["scheme"]["criteria"]]
    log_in(client, "expert1")
    assert 'href="/evaluation/mine"' in client.get("/").text  # the nav offers the expert their tasks
    mine = client.get("/evaluation/mine")
    assert mine.status_code == 200 and "我的评标任务" in mine.text and f"/evaluation/{ev_id}" in mine.text
    sheet = client.get(f"/evaluation/{ev_id}")
    assert sheet.status_code == 200 and "评分表" in sheet.text and "技术方案" in sheet.text
    form: dict[str, str] = {"csrf_token": csrf_token(sheet.text)}
    for b in w.bidder_ids:
        form[f"v_{b}"] = "pass"
        form[f"r_{b}"] = ""
        form[f"s_{b}_{crit[0]}"] = "50"  # above 40
        form[f"s_{b}_{crit[1]}"] = "20"
    r = client.post(f"/evaluation/{ev_id}/sheet", data=form)
    assert r.status_code == 422 and "技术方案" in r.text and "0至40" in r.text
    r = client.post(f"/evaluation/{ev_id}/sheet", data={**form, f"s_{w.bidder_ids[0]}_{crit[1]}": "二十"})
    assert r.status_code == 422 and "不是有效数字" in r.text
    for b in w.bidder_ids:
        form[f"s_{b}_{crit[0]}"] = "35.5"
    r = client.post(f"/evaluation/{ev_id}/sheet", data=form, follow_redirects=True)
    assert r.status_code == 200 and "已保存" in r.text and 'value="35.50"' in r.text
    r = client.post(f"/evaluation/{ev_id}/sheet/sign", data={"csrf_token": form["csrf_token"]}, follow_redirects=True)
    assert r.status_code == 200 and "您已于" in r.text
    # the center's 评标室 shows who has signed, never the scores
    log_in(client, "center")
    assert 'href="/evaluation/mine"' not in client.get("/").text
    room = client.get(f"/evaluation/{ev_id}")
    assert room.status_code == 200 and "评标室" in room.text and "已签名" in room.text and "35.5" not in room.text
    # an outsider gets 404
    log_in(client, "outsider")
    assert client.get(f"/evaluation/{ev_id}", headers={"accept": "text/html"}).status_code == 404


def test_center_room_report_print_and_start_pages(client, h, w) -> None:  # type: ignore[no-untyped-def]
    log_in(client, "owner")
    page = client.get(f"/evaluation/lots/{w.lot_id}")
    assert page.status_code == 200 and "保存评标办法" in page.text and "启动评标</button>" not in page.text
    form = {
        "csrf_token": csrf_token(page.text),
        "method": "comprehensive",
        "price_weight": "20",
        "c_code_0": "T1",
        "c_name_0": "技术方案",
        "c_kind_0": "subjective",
        "c_max_0": "50",
        "c_code_1": "T2",
        "c_name_1": "业绩",
        "c_kind_1": "objective",
        "c_max_1": "30",
    }
    r = client.post(f"/evaluation/lots/{w.lot_id}/scheme", data=form)
    assert r.status_code == 422 and "不得低于30%" in r.text and "第五十五条" in r.text
    r = client.post(
        f"/evaluation/lots/{w.lot_id}/scheme",
        data={**form, "price_weight": "30", "c_max_0": "40"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "评标办法已保存" in r.text and "综合评分法" in r.text
    log_in(client, "outsider")
    assert client.get(f"/evaluation/lots/{w.lot_id}", headers={"accept": "text/html"}).status_code == 404
    log_in(client, "center")
    page = client.get(f"/evaluation/lots/{w.lot_id}")
    assert page.status_code == 200 and "启动评标" in page.text and "技术方案" in page.text
    r = client.post(
        f"/evaluation/lots/{w.lot_id}/start", data={"csrf_token": csrf_token(page.text)}, follow_redirects=True
    )
    assert r.status_code == 200 and "评标室" in r.text and "未提交" in r.text
    ev_id = int(re.search(r"/evaluation/(\d+)", str(r.url)).group(1))  # type: ignore[union-attr]
    for m in w.member_users:
        view = client.get(f"/api/evaluation/evaluations/{ev_id}", headers=h(m)).json()
        client.put(f"/api/evaluation/evaluations/{ev_id}/sheet", json=_sheet(view), headers=h(m))
        client.post(f"/api/evaluation/evaluations/{ev_id}/sheet/sign", headers=h(m))
    room = client.get(f"/evaluation/{ev_id}")
    assert "评审汇总" in room.text and "80.00" in room.text and "生成评标报告" in room.text
    assert client.get(f"/evaluation/{ev_id}/report", headers={"accept": "text/html"}).status_code == 404
    r = client.post(
        f"/evaluation/{ev_id}/report",
        data={"csrf_token": csrf_token(room.text), "candidate_count": "2"},
        follow_redirects=True,
    )
    assert r.status_code == 200 and "第1名中标候选人" in r.text
    printable = client.get(f"/evaluation/{ev_id}/report")
    assert printable.status_code == 200 and "推荐中标候选人" in printable.text and "投标人2有限公司" in printable.text
    # the owner sees nothing of the report before the members sign it
    log_in(client, "owner")
    assert client.get(f"/evaluation/{ev_id}/report", headers={"accept": "text/html"}).status_code == 404
