"""Signed submission receipts: verify with the platform key, any edit or another key fails."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from ggzy.core.errors import AppError
from ggzy.ledger.signing import SigningKey, verify_tree_head
from ggzy.vault.receipts import Receipt, issue_receipt, verify_receipt

KEY = SigningKey.generate()
HASH = "ab" * 32
CHAIN = "ef" * 32


def make() -> Receipt:
    return issue_receipt(KEY, lot_id="L-1", bidder_id="B-2", receipt_id="R-3", ciphertext_hash=HASH, size=123_456,
                         received_at=datetime(2026, 11, 24, 2, 30, 1, 250_000, tzinfo=UTC), box_chain=CHAIN)


def test_receipt_verifies_and_round_trips_through_json() -> None:
    receipt = make()
    pem = KEY.public_key_pem()
    assert receipt.received_at == "2026-11-24T02:30:01.250Z"
    assert receipt.key_id == KEY.key_id
    assert verify_receipt(receipt, pem)
    assert verify_receipt(Receipt.from_json(receipt.to_json()), pem)


@pytest.mark.parametrize(
    "change",
    [
        {"lot_id": "L-2"},
        {"bidder_id": "B-3"},
        {"ciphertext_hash": "cd" * 32},
        {"size": 123_457},
        {"received_at": "2026-11-24T02:30:00.250Z"},
        {"receipt_id": "R-4"},
        {"box_chain": "ee" * 32},
        {"key_id": "0" * 16},
    ],
)
def test_any_edit_breaks_the_signature(change: dict[str, object]) -> None:
    assert not verify_receipt(replace(make(), **change), KEY.public_key_pem())  # type: ignore[arg-type]


def test_another_key_or_garbage_key_does_not_verify() -> None:
    assert not verify_receipt(make(), SigningKey.generate().public_key_pem())
    assert not verify_receipt(make(), b"not a pem")


def test_receipt_signature_cannot_pass_as_a_tree_head() -> None:
    receipt = make()
    from ggzy.ledger.signing import TreeHead

    head = TreeHead(42, bytes.fromhex(HASH), 0, receipt.signature, KEY.key_id)
    assert not verify_tree_head(head, KEY.public_key_pem())


def test_bad_receipt_inputs_are_refused() -> None:
    with pytest.raises(AppError) as info:
        issue_receipt(KEY, lot_id="L", bidder_id="B", receipt_id="R", ciphertext_hash="XYZ", size=1,
                      received_at=datetime(2026, 1, 1, tzinfo=UTC), box_chain=CHAIN)
    assert info.value.code == "RECEIPT_INVALID"
    with pytest.raises(AppError) as info:
        issue_receipt(KEY, lot_id="L", bidder_id="B", receipt_id="R", ciphertext_hash=HASH, size=1,
                      received_at=datetime(2026, 1, 1, tzinfo=UTC), box_chain="not a chain value")
    assert info.value.code == "RECEIPT_INVALID"
    with pytest.raises(AppError) as info:
        Receipt.from_json({"type": "ggzy.vault.receipt", "v": 2})
    assert info.value.code == "RECEIPT_INVALID"
    with pytest.raises(AppError) as info:  # a version 1 receipt is not read as version 2
        Receipt.from_json({**make().to_json(), "v": 1})
    assert info.value.code == "RECEIPT_INVALID"
