"""The opening over HTTP: decryption by bidders, escrow, close, the signed record; refusals before the
deadline, for others' bids, and who sees which prices before the close."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi.testclient import TestClient

from ggzy.bids.models import BidOpening
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock, format_local
from ggzy.core.db import Database
from ggzy.core.settings import Settings
from tests.integration.bids.opening_support import PRICES, OpeningWorld, data_key, opening_world


def setup(
    app: Any, clean_db: Database, clock: FrozenClock, settings: Settings, make_user: Any, login_token: Any,
    fire: bool = True,
) -> tuple[OpeningWorld, dict[str, dict[str, str]]]:
    ow = opening_world(
        clean_db, clock, BidStorage.under(settings.data_dir), app.state.signing_key, fire=fire
    )
    make_user("c_u", "center_staff")
    make_user("s_u", "supervisor")
    make_user("o_u", "owner_staff", entity_id=ow.bids.tender.owner.entity_id)
    for i, e in enumerate(ow.bids.tender.bidder_ids):
        make_user(f"b{i}_u", "bidder_staff", entity_id=e)
    return ow, {u: login_token(u) for u in ("c_u", "s_u", "o_u", "b0_u", "b1_u", "b2_u", "b3_u")}


def key_hex(ow: OpeningWorld, i: int) -> str:
    return data_key(ow.blobs[i], ow.bidder_keys[i]).hex()


def test_opening_over_http_end_to_end(
    client: TestClient, app: Any, clean_db: Database, clock: FrozenClock, settings: Settings, make_user: Any,
    login_token: Any,
) -> None:
    ow, h = setup(app, clean_db, clock, settings, make_user, login_token)
    lot = ow.lot_id
    wrong = client.post(f"/api/bids/{ow.bid_ids[0]}/decrypt", json={"data_key": "ab" * 32}, headers=h["b0_u"])
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "BID_DECRYPT_FAILED"
    other = client.post(f"/api/bids/{ow.bid_ids[0]}/decrypt", json={"data_key": key_hex(ow, 0)}, headers=h["b1_u"])
    assert other.status_code == 404
    for i in range(3):
        r = client.post(f"/api/bids/{ow.bid_ids[i]}/decrypt", json={"data_key": key_hex(ow, i)}, headers=h[f"b{i}_u"])
        assert r.status_code == 200 and r.json()["status"] == "decrypted", r.text
    mine = client.get(f"/api/lots/{lot}/opening", headers=h["b0_u"]).json()
    assert {b["receipt_id"]: b.get("price") for b in mine["bids"]}[ow.bid_ids[0]] == format(PRICES[0], "f")
    assert sum(1 for b in mine["bids"] if "price" in b) == 1
    for u in ("c_u", "s_u", "o_u"):
        seen = client.get(f"/api/lots/{lot}/opening", headers=h[u])
        assert seen.status_code == 200 and all("price" not in b for b in seen.json()["bids"])
    assert client.get(f"/api/lots/{lot}/opening").status_code == 404
    assert client.get(f"/api/lots/{lot}/opening-record").status_code == 404
    few = client.post(
        f"/api/lots/{lot}/escrow",
        json={"bid_ids": [ow.bid_ids[3]], "reason": "投标人密钥丢失，决定代为解密", "shares": [ow.shares[0].to_json()]},
        headers=h["c_u"],
    )
    assert few.status_code == 422 and few.json()["error"]["code"] == "SHARES_INSUFFICIENT"
    body = {
        "bid_ids": [ow.bid_ids[3]],
        "reason": "投标人密钥丢失，决定代为解密",
        "shares": [ow.shares[1].to_json(), ow.shares[2].to_json()],
    }
    assert client.post(f"/api/lots/{lot}/escrow", json=body, headers=h["b3_u"]).status_code == 403
    r = client.post(f"/api/lots/{lot}/escrow", json=body, headers=h["c_u"])
    assert r.status_code == 200 and r.json()[0]["status"] == "decrypted", r.text
    assert client.post(f"/api/lots/{lot}/opening/close", headers=h["o_u"]).status_code == 403
    closed = client.post(f"/api/lots/{lot}/opening/close", headers=h["c_u"])
    assert closed.status_code == 200, closed.text
    rec = client.get(f"/api/lots/{lot}/opening-record").json()
    public = load_pem_public_key(clean_db.signer.public_key_pem())
    assert isinstance(public, Ed25519PublicKey)
    public.verify(bytes.fromhex(rec["signature"]), rec["document_text"].encode())
    assert rec["key_id"] == clean_db.signer.key_id and rec["outcome"] == "opened"
    # The record is the published notice, byte for byte.
    notice = client.get(f"/api/notices/{rec['notice_id']}/document")
    assert notice.status_code == 200 and notice.content == rec["document_text"].encode()
    prices = {b["bidder_name"]: b["price"] for b in rec["document"]["fields"]["bids"]}
    assert [prices[f"投标人{i}"] for i in range(4)] == [format(p, "f") for p in PRICES]
    hall = client.get(f"/api/lots/{lot}/opening").json()
    assert hall["closed"] and hall["stage"] == "opened"
    again = client.post(f"/api/bids/{ow.bid_ids[0]}/decrypt", json={"data_key": key_hex(ow, 0)}, headers=h["b0_u"])
    assert again.status_code == 409


@pytest.mark.parametrize("who", ["b0_u", "c_u"])
def test_before_the_deadline_nothing_can_be_opened(
    who: str, client: TestClient, app: Any, clean_db: Database, clock: FrozenClock, settings: Settings,
    make_user: Any, login_token: Any,
) -> None:
    ow, h = setup(app, clean_db, clock, settings, make_user, login_token, fire=False)
    lot = ow.lot_id
    if who == "b0_u":
        r = client.post(f"/api/bids/{ow.bid_ids[0]}/decrypt", json={"data_key": key_hex(ow, 0)}, headers=h[who])
    else:
        r = client.post(
            f"/api/lots/{lot}/escrow",
            json={"bid_ids": [ow.bid_ids[0]], "reason": "截止前试图解密", "shares": [s.to_json() for s in ow.shares]},
            headers=h[who],
        )
    assert r.status_code == 409 and r.json()["error"]["code"] == "LOT_OUT_OF_STAGE"
    assert client.post(f"/api/lots/{lot}/opening/close", headers=h["c_u"]).status_code == 409
    assert client.get(f"/api/lots/{lot}/opening", headers=h["c_u"]).json()["bids"] == []
    # Before the deadline even the lot's own bidders see no list of bids; a stranger sees nothing at all.
    assert client.get(f"/api/lots/{lot}/opening", headers=h["b0_u"]).json()["bids"] == []
    assert client.get(f"/api/lots/{lot}/opening").status_code == 404
    with clean_db.session(write=False) as s:
        assert s.query(BidOpening).count() == 0


def test_classify_over_http_cites_article_31(
    client: TestClient, app: Any, clean_db: Database, clock: FrozenClock, settings: Settings, make_user: Any,
    login_token: Any,
) -> None:
    ow, h = setup(app, clean_db, clock, settings, make_user, login_token)
    body = {"cause": "bidder", "note": "投标人未在开标时间内解密"}
    assert client.post(f"/api/bids/{ow.bid_ids[0]}/classify", json=body, headers=h["b0_u"]).status_code == 403
    r = client.post(f"/api/bids/{ow.bid_ids[0]}/classify", json=body, headers=h["c_u"])
    assert r.status_code == 200 and r.json()["status"] == "revoked" and r.json()["status_label"] == "撤销"
    r = client.post(
        f"/api/bids/{ow.bid_ids[1]}/classify", json={"cause": "other", "note": "平台故障未能解密"}, headers=h["c_u"]
    )
    assert r.json()["status"] == "withdrawn_at_opening" and r.json()["status_label"] == "撤回"


def _page_login(client: TestClient, username: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/login",
        data={"username": username, "password": "Test-password-2026", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303


def test_the_hall_page_refreshes_and_the_center_closes_it_with_csrf(
    client: TestClient, app: Any, clean_db: Database, clock: FrozenClock, settings: Settings, make_user: Any,
    login_token: Any,
) -> None:
    ow, h = setup(app, clean_db, clock, settings, make_user, login_token)
    lot = ow.lot_id
    for i in range(4):
        r = client.post(f"/api/bids/{ow.bid_ids[i]}/decrypt", json={"data_key": key_hex(ow, i)}, headers=h[f"b{i}_u"])
        assert r.status_code == 200
    assert client.get(f"/lots/{lot}/opening").status_code == 404  # anonymous before the close
    _page_login(client, "b1_u")
    page = client.get(f"/lots/{lot}/opening")
    assert page.status_code == 200 and 'hx-trigger="every 3s"' in page.text and "已解密" in page.text
    assert format(PRICES[1], "f") in page.text and format(PRICES[0], "f") not in page.text
    assert "结束开标" not in page.text
    client.cookies.clear()
    _page_login(client, "c_u")
    page = client.get(f"/lots/{lot}/opening")
    assert "结束开标" in page.text and format(PRICES[0], "f") not in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    assert client.post(f"/lots/{lot}/opening/close", data={}, follow_redirects=False).status_code == 403
    r = client.post(f"/lots/{lot}/opening/close", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    fragment = client.get(f"/lots/{lot}/opening/hall")
    assert fragment.status_code == 200 and "开标记录" in fragment.text
    assert all(format(p, "f") in fragment.text for p in PRICES) and "投标人2" in fragment.text
    assert f"公布时间：{format_local(clock.now())}" in fragment.text  # Beijing time, not the document's ISO UTC


def test_hall_forms_refuse_in_chinese_with_their_code_and_then_work(
    client: TestClient, app: Any, clean_db: Database, clock: FrozenClock, settings: Settings, make_user: Any,
    login_token: Any,
) -> None:
    ow, _ = setup(app, clean_db, clock, settings, make_user, login_token)
    lot = ow.lot_id
    _page_login(client, "b0_u")
    page = client.get(f"/lots/{lot}/opening")
    assert 'id="decrypt-form"' in page.text and 'id="escrow-form"' not in page.text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    hx = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    bad = client.post(f"/lots/{lot}/opening/decrypt", data={"bid_id": ow.bid_ids[0], "data_key": "xyz"}, headers=hx)
    assert bad.status_code == 422 and "DATA_KEY_INVALID" in bad.text and "64 位十六进制" in bad.text
    wrong = client.post(
        f"/lots/{lot}/opening/decrypt", data={"bid_id": ow.bid_ids[0], "data_key": key_hex(ow, 1)}, headers=hx
    )
    assert wrong.status_code == 422 and "BID_DECRYPT_FAILED" in wrong.text and "解密失败" in wrong.text
    other = client.post(
        f"/lots/{lot}/opening/decrypt", data={"bid_id": ow.bid_ids[1], "data_key": key_hex(ow, 1)}, headers=hx
    )
    assert other.status_code == 404 and "BID_NOT_FOUND" in other.text
    unwrap_json = json.dumps({"lot_id": "x", "bidder_id": "y", "data_key": key_hex(ow, 0)})
    ok = client.post(
        f"/lots/{lot}/opening/decrypt", data={"bid_id": ow.bid_ids[0]},
        files={"key_file": ("key.json", unwrap_json.encode(), "application/json")}, headers=hx,
    )
    assert ok.status_code == 200 and "已解密" in ok.text and format(PRICES[0], "f") in ok.text
    assert client.post(f"/lots/{lot}/opening/escrow", data={"reason": "x"}, headers=hx).status_code == 403
    client.cookies.clear()
    _page_login(client, "c_u")
    page = client.get(f"/lots/{lot}/opening")
    assert 'id="escrow-form"' in page.text and 'id="classify-form"' in page.text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    hx = {"X-CSRF-Token": csrf, "HX-Request": "true"}
    one_share = json.dumps(ow.shares[0].to_json())
    few = client.post(
        f"/lots/{lot}/opening/escrow",
        data={"bid_ids": [ow.bid_ids[1]], "reason": "投标人密钥丢失，决定代为解密", "shares_text": one_share},
        headers=hx,
    )
    assert few.status_code == 422 and "SHARES_INSUFFICIENT" in few.text
    no_reason = client.post(
        f"/lots/{lot}/opening/escrow", data={"bid_ids": [ow.bid_ids[1]], "reason": "", "shares_text": one_share},
        headers=hx,
    )
    assert no_reason.status_code == 422 and "ESCROW_REASON_REQUIRED" in no_reason.text
    junk = client.post(
        f"/lots/{lot}/opening/escrow",
        data={"bid_ids": [ow.bid_ids[1]], "reason": "投标人密钥丢失，决定代为解密", "shares_text": "not json"},
        headers=hx,
    )
    assert junk.status_code == 422 and "SHARE_INVALID" in junk.text
    files = [("share_files", (f"s{i}.json", json.dumps(ow.shares[i].to_json()).encode(), "application/json"))
             for i in (1, 2)]
    opened = client.post(
        f"/lots/{lot}/opening/escrow",
        data={"bid_ids": [ow.bid_ids[1]], "reason": "投标人密钥丢失，决定代为解密"}, files=files, headers=hx,
    )
    assert opened.status_code == 200 and ow.bid_ids[1] in opened.text, opened.text
    short = client.post(
        f"/lots/{lot}/opening/classify", data={"bid_id": ow.bid_ids[2], "cause": "bidder", "note": "无"}, headers=hx
    )
    assert short.status_code == 422 and "CLASSIFY_NOTE_REQUIRED" in short.text
    done = client.post(
        f"/lots/{lot}/opening/classify",
        data={"bid_id": ow.bid_ids[0], "cause": "bidder", "note": "已经解密的文件"}, headers=hx,
    )
    assert done.status_code == 409 and "BID_NOT_LIVE" in done.text
    revoked = client.post(
        f"/lots/{lot}/opening/classify",
        data={"bid_id": ow.bid_ids[2], "cause": "bidder", "note": "投标人未在规定时间内解密"}, headers=hx,
    )
    assert revoked.status_code == 200 and "撤销" in revoked.text and "第三十一条" in revoked.text
    with clean_db.session(write=False) as s:
        assert s.get(BidOpening, ow.bid_ids[2]).cause == "bidder"  # type: ignore[union-attr]
        assert s.get(BidOpening, ow.bid_ids[1]).method == "escrow"  # type: ignore[union-attr]
