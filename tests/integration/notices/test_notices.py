"""Published steps bring signed notices: one stored document, its digest in the step's own ledger event."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from tests.factories import evaluated_world

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import Conflict
from ggzy.ledger.models import LedgerEvent
from ggzy.notices.models import Notice
from ggzy.notices.segment import segment
from ggzy.procedures.scheduler import run_due
from ggzy.projects import award, service


def _public_key(db: Database) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(db.signer.public_key_pem())
    assert isinstance(key, Ed25519PublicKey)
    return key


def test_each_published_step_signs_one_notice_in_its_own_ledger_event(clean_db: Database, clock: FrozenClock) -> None:
    w, bidders = evaluated_world(clean_db, clock)
    with clean_db.transaction() as s:
        award.publish_candidates(s, actor=w.owner, lot_id=w.lot_id, now=clock.now())
    clock.advance(timedelta(days=5))
    run_due(clean_db, now=clock.now())
    with clean_db.transaction() as s:
        award.award(s, actor=w.owner, lot_id=w.lot_id, lot_bidder_id=bidders[0], now=clock.now())
    with clean_db.session(write=False) as s:
        notices = list(s.scalars(select(Notice).where(Notice.lot_id == w.lot_id).order_by(Notice.ledger_index)))
        assert [n.kind for n in notices] == ["candidates", "result"]
        key = _public_key(clean_db)
        for n in notices:
            raw = n.document.encode()
            assert hashlib.sha256(raw).hexdigest() == n.digest
            key.verify(bytes.fromhex(n.signature), raw)  # raises if not signed by the platform key
            event = s.scalar(select(LedgerEvent).where(LedgerEvent.index == n.ledger_index))
            assert event is not None and event.data["notice"] == {"kind": n.kind, "digest": n.digest}
        result = notices[1]
        assert result.amount == Decimal("9100000.00")
        assert result.fields()["fields"]["winner_name"]
        assert "中标" in result.search_text.split()


def test_a_refused_step_publishes_nothing(clean_db: Database, clock: FrozenClock) -> None:
    w, bidders = evaluated_world(clean_db, clock)
    with pytest.raises(Conflict), clean_db.transaction() as s:
        award.award(s, actor=w.owner, lot_id=w.lot_id, lot_bidder_id=bidders[0], now=clock.now())
    with clean_db.session(write=False) as s:
        assert s.scalar(select(Notice.id).where(Notice.lot_id == w.lot_id)) is None


def test_termination_is_a_notice_with_its_reason(clean_db: Database, clock: FrozenClock) -> None:
    w, _ = evaluated_world(clean_db, clock)
    with clean_db.transaction() as s:
        service.end_lot(s, actor=w.owner, lot_id=w.lot_id, action="terminate", reason="项目资金未落实", now=clock.now())
    with clean_db.session(write=False) as s:
        notice = s.scalars(select(Notice).where(Notice.lot_id == w.lot_id)).one()
        assert notice.kind == "termination"
        assert notice.fields()["fields"]["reason"] == "项目资金未落实"


def test_segmentation_keeps_two_character_words_inside_long_ones() -> None:
    words = segment("兰州市城关区道路改造工程施工招标").split()
    assert {"兰州", "兰州市", "道路", "招标"} <= set(words)
