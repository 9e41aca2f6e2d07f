"""Fixtures shared by the bid tests: a published lot with its opening key, bid storage and the platform key."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.integration.bids.support import BidWorld, bid_world

from ggzy.bids.storage import BidStorage
from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.ledger.signing import SigningKey


@pytest.fixture
def world(clean_db: Database, clock: FrozenClock) -> BidWorld:
    with clean_db.transaction() as s:
        return bid_world(s, now=clock.now())


@pytest.fixture
def storage(tmp_path: Path) -> BidStorage:
    return BidStorage(tmp_path / "bids")


@pytest.fixture
def signing_key(tmp_path: Path) -> SigningKey:
    return SigningKey.load_or_create(tmp_path / "signing.key")
