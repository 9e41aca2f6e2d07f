"""An outsider checks a published notice through the public API only: signature, ledger event, inclusion."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.ledger.signing import TreeHead
from ggzy.notices.verify import NoticeCheck, check_notice
from ggzy.projects import award
from tests.factories import evaluated_world


def _check(client: TestClient, notice_id: int, *, tamper: bool = False, event_of: int | None = None) -> NoticeCheck:
    resp = client.get(f"/api/notices/{notice_id}/document")
    assert resp.status_code == 200
    document = resp.content.replace("中标候选人".encode(), "中标人选".encode()) if tamper else resp.content
    index = event_of if event_of is not None else int(resp.headers["X-Ggzy-Ledger-Index"])
    event: dict[str, Any] = client.get(f"/api/ledger/events/{index}").json()
    head = TreeHead.from_json(client.get("/api/ledger/tree-head").json())
    proof = client.get("/api/ledger/proofs/inclusion", params={"index": index, "tree_size": head.tree_size}).json()
    key = client.get("/api/ledger/public-key").json()["public_key_pem"].encode()
    return check_notice(
        document=document,
        signature_hex=resp.headers["X-Ggzy-Signature"],
        event=event,
        head=head,
        audit_path=proof["audit_path"],
        public_key_pem=key,
    )


def test_published_notice_verifies_and_a_changed_byte_does_not(
    client: TestClient, clean_db: Database, clock: FrozenClock
) -> None:
    w, _ = evaluated_world(clean_db, clock)
    with clean_db.transaction() as s:
        award.publish_candidates(s, actor=w.owner, lot_id=w.lot_id, now=clock.now())
    notices = client.get(f"/api/lots/{w.lot_id}/notices").json()
    assert [n["kind"] for n in notices] == ["candidates"]
    notice_id = notices[0]["id"]
    ok = _check(client, notice_id)
    assert ok.ok, ok.message_zh
    tampered = _check(client, notice_id, tamper=True)
    assert not tampered.ok and tampered.code == "NOTICE_SIGNATURE_INVALID"
    # The notice's bytes are not what another event published.
    other = _check(client, notice_id, event_of=notices[0]["ledger_index"] - 1)
    assert not other.ok and other.code == "NOTICE_NOT_IN_EVENT"


def test_unknown_notice_is_404_with_code(client: TestClient) -> None:
    resp = client.get("/api/notices/999999")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "NOTICE_NOT_FOUND"
