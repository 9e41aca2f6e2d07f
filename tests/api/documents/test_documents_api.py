"""Tender documents over HTTP: refusals with codes, anonymous download, recorded bidder download, and the
download list's confidentiality per role before and after the deadline (indistinguishable from a missing lot)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from ggzy.core.clock import SHANGHAI
from ggzy.documents.models import DocumentDownload, DocumentNotification
from ggzy.ledger.models import LedgerEvent
from ggzy.procedures.scheduler import run_due
from ggzy.projects.models import Lot
from tests.factories import tender_world
from tests.pages import csrf_token, log_in

PDF = b"%PDF-1.7\n%demo\n" + b"0" * 200
NOT_FOUND = {"status": 404, "code": "LOT_NOT_FOUND"}


def at(day: str, hm: str = "09:30") -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=SHANGHAI)


@pytest.fixture
def world(clean_db, clock, make_user, login_token):  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        w = tender_world(s, now=clock.now())
        lot = s.get(Lot, w.lot_id)
        owner_entity, other_entity = lot.project.owner_entity_id, w.other_owner.entity_id
    make_user("o1", "owner_staff", entity_id=owner_entity)
    make_user("o2", "owner_staff", entity_id=other_entity)
    make_user("b0", "bidder_staff", entity_id=w.bidder_ids[0])
    make_user("b1", "bidder_staff", entity_id=w.bidder_ids[1])
    make_user("c1", "center_staff")
    make_user("sc", "supervisor", trade="construction")
    make_user("sp", "supervisor", trade="procurement")
    users = ("o1", "o2", "b0", "b1", "c1", "sc", "sp")
    return {"lot": w.lot_id, "h": {u: login_token(u) for u in users}}


def _upload(client, headers, lot_id: int, name: str, data: bytes, **params: Any):  # type: ignore[no-untyped-def]
    return client.post(f"/api/lots/{lot_id}/documents", params={"name": name, **params}, content=data, headers=headers)


def _publish(client, world) -> None:  # type: ignore[no-untyped-def]
    body = {
        "documents_from": "2026-09-25T09:30:00+08:00",
        "documents_until": "2026-09-30T17:00:00+08:00",
        "bid_deadline": "2026-10-15T09:30:00+08:00",
        "bid_bond": "1000",
    }
    r = client.post(f"/api/lots/{world['lot']}/notice", json=body, headers=world["h"]["o1"])
    assert r.status_code == 200, r.text


def _outcome(r) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"status": r.status_code, "code": r.json().get("error", {}).get("code")}


def test_upload_refusals_over_http(client, app, world) -> None:  # type: ignore[no-untyped-def]
    h, lot = world["h"], world["lot"]
    r = _upload(client, h["o1"], lot, "x.exe", b"MZ" + b"0" * 10)
    assert r.status_code == 422 and r.json()["error"]["code"] == "DOCUMENT_TYPE_NOT_ALLOWED"
    r = _upload(client, h["o1"], lot, "x.pdf", b"PK\x03\x04" + b"0" * 10)
    assert r.status_code == 422 and r.json()["error"]["code"] == "DOCUMENT_CONTENT_MISMATCH"
    app.state.settings.tender_document_max_bytes = 100
    r = _upload(client, h["o1"], lot, "big.pdf", PDF)
    assert r.status_code == 413 and r.json()["error"]["code"] == "DOCUMENT_TOO_LARGE"
    app.state.settings.tender_document_max_bytes = 10_000
    assert _outcome(_upload(client, h["o2"], lot, "a.pdf", PDF)) == NOT_FOUND  # not this owner's lot
    assert _upload(client, h["b0"], lot, "a.pdf", PDF).status_code == 403
    assert _upload(client, {}, lot, "a.pdf", PDF).status_code == 401
    ok = _upload(client, h["o1"], lot, "招标文件.pdf", PDF)
    assert ok.status_code == 201 and ok.json()["status"] == "current" and ok.json()["size"] == len(PDF)
    # Draft lot: nobody but its managers sees it.
    assert _outcome(client.get(f"/api/lots/{lot}/documents")) == NOT_FOUND
    assert client.get(f"/api/documents/{ok.json()['id']}/file").status_code == 404
    assert len(client.get(f"/api/lots/{lot}/documents", headers=h["o1"]).json()) == 1


def test_download_and_confidential_list(client, clean_db, clock, world) -> None:  # type: ignore[no-untyped-def]
    h, lot = world["h"], world["lot"]
    doc = _upload(client, h["o1"], lot, "招标文件.pdf", PDF).json()
    _publish(client, world)
    with clean_db.session(write=False) as s:
        events_before = s.scalar(select(func.count()).select_from(LedgerEvent))
    anon = client.get(f"/api/documents/{doc['id']}/file")
    assert anon.status_code == 200 and anon.content == PDF and anon.headers["x-content-sha256"] == doc["sha256"]
    assert client.get(f"/api/documents/{doc['id']}/file", headers=h["b0"]).content == PDF
    assert client.get(f"/api/documents/{doc['id']}/file", headers=h["b1"]).status_code == 200
    listed = client.get(f"/api/lots/{lot}/documents").json()
    assert [d["id"] for d in listed] == [doc["id"]] and "download" not in str(listed).replace("/file", "")
    with clean_db.session(write=False) as s:
        rows = list(s.scalars(select(DocumentDownload)))
        assert len(rows) == 2 and all(r.ip for r in rows)  # bidders only: the anonymous download is not recorded
        assert s.scalar(select(func.count()).select_from(LedgerEvent)) == events_before
    missing = 987654
    # Before the deadline: owner (and agency) only; everyone else gets exactly the answer of a missing lot.
    assert len(client.get(f"/api/lots/{lot}/downloads", headers=h["o1"]).json()["downloads"]) == 2
    for who in ("o2", "b0", "b1", "c1", "sc", "sp", None):
        headers = h[who] if who else {}
        r = client.get(f"/api/lots/{lot}/downloads", headers=headers)
        gone = client.get(f"/api/lots/{missing}/downloads", headers=headers)
        assert _outcome(r) == _outcome(gone) == NOT_FOUND, who
        assert r.json()["error"]["message"].replace(str(lot), "") == gone.json()["error"]["message"].replace(
            str(missing), ""
        )
        page = client.get(f"/lots/{lot}/documents", headers=headers)
        assert page.status_code == 200 and 'id="downloads"' not in page.text, who
    assert run_due(clean_db, now=at("2026-10-15")).done == 1
    clock.set(at("2026-10-15", "10:00"))
    # After the deadline: center staff and the trade's supervisors too; still not bidders, the public or others.
    for who in ("o1", "c1", "sc"):
        body = client.get(f"/api/lots/{lot}/downloads", headers=h[who]).json()
        assert len(body["downloads"]) == 2 and body["commitment"]["count"] == 2, who
    for who in ("o2", "b0", "sp", None):
        headers = h[who] if who else {}
        assert _outcome(client.get(f"/api/lots/{lot}/downloads", headers=headers)) == NOT_FOUND, who


def test_pages_upload_change_and_notification(client, clean_db, clock, world) -> None:  # type: ignore[no-untyped-def]
    h, lot = world["h"], world["lot"]
    first = _upload(client, h["o1"], lot, "招标文件.pdf", PDF).json()
    _publish(client, world)
    client.get(f"/api/documents/{first['id']}/file", headers=h["b0"])
    clock.set(at("2026-10-05"))
    log_in(client, "o1")
    page = client.get(f"/lots/{lot}/documents")
    assert "upload-form" in page.text and "change-form" in page.text and 'id="downloads"' in page.text
    r = client.post(
        f"/lots/{lot}/documents/upload",
        data={"csrf_token": csrf_token(page.text), "replaces_id": str(first["id"])},
        files={"file": ("招标文件-修订.pdf", PDF + b"v2", "application/pdf")},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    pending = [d for d in client.get(f"/api/lots/{lot}/documents", headers=h["o1"]).json() if d["status"] == "pending"]
    assert len(pending) == 1 and pending[0]["version"] == 2
    form = {
        "csrf_token": csrf_token(page.text),
        "kind": "change",
        "title": "工程量清单修改",
        "text": "第三章工程量清单修改。",
        "affects_preparation": "1",
        "document_ids": str(pending[0]["id"]),
    }
    refused = client.post(f"/lots/{lot}/documents/change", data=form)
    assert refused.status_code == 422 and "第二十三条" in refused.text and "15日" in refused.text
    ok = client.post(
        f"/lots/{lot}/documents/change", data={**form, "bid_deadline": "2026-10-20T09:30"}, follow_redirects=False
    )
    assert ok.status_code == 303, ok.text
    notices = client.get(f"/api/lots/{lot}/notices").json()
    assert [n["kind"] for n in notices] == ["tender", "change"]
    with clean_db.session(write=False) as s:
        assert s.get(Lot, lot).bid_deadline == at("2026-10-20")  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(DocumentNotification)) == 1
    log_in(client, "b0")
    mine = client.get(f"/lots/{lot}/documents")
    assert "my-notifications" in mine.text and "工程量清单修改" in mine.text and 'id="downloads"' not in mine.text
    assert "upload-form" not in mine.text
