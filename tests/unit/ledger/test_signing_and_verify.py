from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ggzy.ledger import merkle
from ggzy.ledger.signing import SigningKey, verify_tree_head
from ggzy.ledger.verify import verify_log


def test_tree_head_signature_round_trip_and_tamper(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "k.pem"
    key = SigningKey.load_or_create(path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert SigningKey.load_or_create(path).key_id == key.key_id
    head = key.sign_tree_head(10, b"\x01" * 32, 1_790_000_000_000)
    pem = key.public_key_pem()
    assert verify_tree_head(head, pem)
    assert not verify_tree_head(replace(head, tree_size=11), pem)
    assert not verify_tree_head(replace(head, root_hash=b"\x02" + b"\x01" * 31), pem)
    assert not verify_tree_head(replace(head, signature=bytes([head.signature[0] ^ 1]) + head.signature[1:]), pem)
    assert not verify_tree_head(head, SigningKey.generate().public_key_pem())


def _log(n: int) -> list[dict[str, object]]:
    out = []
    for i in range(n):
        doc: dict[str, object] = {
            "index": i,
            "kind": "k",
            "at": "2026-09-25T02:00:00.000Z",
            "actor": "system",
            "subject": f"s:{i}",
            "data": {"i": i},
            "private_digest": None,
        }
        doc["leaf_hash"] = merkle.leaf_hash(merkle.canonical_json(doc)).hex()
        out.append(doc)
    return out


def _head(key: SigningKey, events: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    size, root = merkle.root_from_leaves(bytes.fromhex(str(e["leaf_hash"])) for e in events)
    return key.sign_tree_head(size, root, 1)


def test_verify_log_catches_each_kind_of_tampering() -> None:
    key = SigningKey.generate()
    pem = key.public_key_pem()
    events = _log(9)
    head = _head(key, events)
    assert verify_log(events, head, pem).ok
    grown = _log(12)
    result = verify_log(grown, head, pem)
    assert result.ok and result.extra_events == 3

    altered = [dict(e) for e in events]
    altered[4]["data"] = {"i": 400}
    r = verify_log(altered, head, pem)
    assert (r.ok, r.code, r.index) == (False, "LEDGER_LEAF_MISMATCH", 4)

    swapped = [dict(e) for e in events]
    swapped[2], swapped[3] = swapped[3], swapped[2]
    assert verify_log(swapped, head, pem).code == "LEDGER_INDEX_GAP"

    assert verify_log(events[:5], head, pem).code == "LEDGER_TOO_SHORT"
    assert verify_log([e for e in events if e["index"] != 6], head, pem).code == "LEDGER_INDEX_GAP"

    forged = SigningKey.generate().sign_tree_head(head.tree_size, head.root_hash, head.timestamp_ms)
    assert verify_log(events, forged, pem).code == "LEDGER_BAD_SIGNATURE"
    assert "修改" in r.message_zh


def _key_id_of(path: str) -> str:
    return SigningKey.load_or_create(Path(path)).key_id


def test_workers_starting_at_once_share_one_key(tmp_path: Path) -> None:
    """``ggzy serve --workers N`` starts N processes that each load the key; the first start creates it."""
    import multiprocessing

    path = tmp_path / "signing.key"
    with multiprocessing.get_context("spawn").Pool(6) as pool:
        ids = pool.map(_key_id_of, [str(path)] * 12)
    assert len(set(ids)) == 1
    assert SigningKey.load_or_create(path).key_id == ids[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["signing.key"]  # no staging file left behind
