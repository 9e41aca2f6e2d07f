"""Public ledger API and the ``ggzy verify`` command."""

from __future__ import annotations

import json

from sqlalchemy import update

from ggzy.core.db import Database
from ggzy.ledger import merkle, service
from ggzy.ledger.models import LedgerEvent


def _events(db: Database, clock, n: int) -> None:  # type: ignore[no-untyped-def]
    with db.transaction() as s:
        for i in range(n):
            service.record(s, kind="demo.thing", actor="system", subject=f"thing:{i}", data={"i": i}, now=clock.now())


def test_tree_head_proofs_and_events(client, clean_db, clock) -> None:  # type: ignore[no-untyped-def]
    _events(clean_db, clock, 10)
    head = client.get("/api/ledger/tree-head").json()
    assert head["tree_size"] == 10
    key = client.get("/api/ledger/public-key").json()
    assert key["key_id"] == head["key_id"] and "BEGIN PUBLIC KEY" in key["public_key_pem"]
    page = client.get("/api/ledger/events", params={"start": 0, "limit": 4}).json()
    assert [e["index"] for e in page["items"]] == [0, 1, 2, 3] and page["next_start"] == 4
    proof = client.get("/api/ledger/proofs/inclusion", params={"index": 3, "tree_size": 10}).json()
    assert merkle.verify_inclusion(
        bytes.fromhex(proof["leaf_hash"]),
        3,
        10,
        [bytes.fromhex(h) for h in proof["audit_path"]],
        bytes.fromhex(head["root_hash"]),
    )
    _events(clean_db, clock, 5)
    head2 = client.get("/api/ledger/tree-head").json()
    assert head2["tree_size"] == 15
    cons = client.get("/api/ledger/proofs/consistency", params={"first": 10, "second": 15}).json()
    assert merkle.verify_consistency(
        10,
        15,
        bytes.fromhex(head["root_hash"]),
        bytes.fromhex(head2["root_hash"]),
        [bytes.fromhex(h) for h in cons["proof"]],
    )


def test_refusals_have_the_error_shape(client, clean_db, clock) -> None:  # type: ignore[no-untyped-def]
    _events(clean_db, clock, 3)
    client.get("/api/ledger/tree-head")
    r = client.get("/api/ledger/events/99")
    assert r.status_code == 404 and r.json()["error"]["code"] == "LEDGER_EVENT_NOT_FOUND"
    r = client.get("/api/ledger/proofs/inclusion", params={"index": 5, "tree_size": 3})
    assert r.status_code == 422 and r.json()["error"]["field"] == "index"
    r = client.get("/api/ledger/proofs/inclusion", params={"index": 0, "tree_size": 2})
    assert r.status_code == 404 and r.json()["error"]["code"] == "LEDGER_TREE_HEAD_NOT_FOUND"
    r = client.get("/api/ledger/events", params={"limit": 5000})
    assert r.status_code == 422 and r.json()["error"]["field"] == "limit"


def test_pages_render(client, clean_db, clock) -> None:  # type: ignore[no-untyped-def]
    _events(clean_db, clock, 3)
    r = client.get("/ledger")
    assert r.status_code == 200 and "最新签名树头" in r.text and "demo.thing" in r.text
    r = client.get("/ledger/events/1")
    assert r.status_code == 200 and "包含证明" in r.text


def test_ggzy_verify_offline_catches_tampering(client, clean_db, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from ggzy.cli import main

    _events(clean_db, clock, 20)
    head = client.get("/api/ledger/tree-head").json()
    (tmp_path / "head.json").write_text(json.dumps(head))
    (tmp_path / "key.pem").write_text(client.get("/api/ledger/public-key").json()["public_key_pem"])
    (tmp_path / "events.jsonl").write_bytes(client.get("/api/ledger/export").content)
    args = [
        "verify",
        "--log",
        str(tmp_path / "events.jsonl"),
        "--head",
        str(tmp_path / "head.json"),
        "--public-key",
        str(tmp_path / "key.pem"),
    ]
    assert main(args) == 0
    with clean_db.transaction() as s:
        s.execute(update(LedgerEvent).where(LedgerEvent.index == 11).values(subject="thing:forged"))
    (tmp_path / "events.jsonl").write_bytes(client.get("/api/ledger/export").content)
    assert main(args) == 1
    # Reordering two lines of a downloaded log is caught too.
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    lines[2], lines[3] = lines[3], lines[2]
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
    assert main(args) == 1
