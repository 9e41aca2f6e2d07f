"""Public list pages give, page after page, exactly the rows of the plain filtered query in newest-first order.

A region filter is read per region code and merged (``queries.list_notices``); these compare it, and the keyset
condition, with the straightforward query on notices with many codes and with publication times that tie.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.disclosure import demo_data, queries
from ggzy.disclosure.filters import NoticeFilter, apply_filters
from ggzy.notices.models import Notice

FILTERS = [
    NoticeFilter(),
    NoticeFilter(region_code="62"),
    NoticeFilter(region_code="6201"),
    NoticeFilter(region_code="620102"),
    NoticeFilter(region_code="62010"),
    NoticeFilter(region_code="6299"),
    NoticeFilter(region_code="11"),
    NoticeFilter(region_code="6201", kind="result"),
    NoticeFilter(region_code="62", trade="construction", amount_min=Decimal("20000000")),
    NoticeFilter(region_code="6206", date_from=date(2025, 6, 1), date_to=date(2026, 3, 31)),
    NoticeFilter(trade="procurement", date_from=date(2026, 1, 1), date_to=date(2026, 6, 30)),
]


@pytest.fixture
def notices(clean_db: Database, clock: FrozenClock) -> int:
    # Two batches over the same two years at the same instants: every publication time is shared by two notices,
    # so pages also break ties by id. (800 a batch: 730 days / 800 is a whole number of milliseconds, as every
    # publication time is; the cursor keeps milliseconds.)
    with clean_db.transaction() as s:
        demo_data.bulk_notices(s, count=800, now=clock.now(), seed=1)
    with clean_db.transaction() as s:
        demo_data.bulk_notices(s, count=800, now=clock.now(), seed=2)
    return 1600


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: "&".join(f"{k}={v}" for k, v in f.params().items()) or "all")
def test_pages_are_the_plain_query_in_order(clean_db: Database, notices: int, f: NoticeFilter) -> None:
    with clean_db.session(write=False) as s:
        expected = list(s.scalars(queries.newest_first(apply_filters(select(Notice.id), f))))
        if f in (NoticeFilter(region_code="62"), NoticeFilter(region_code="6201")):
            codes = set(s.scalars(apply_filters(select(Notice.region_code), f)))
            assert len(expected) > 100 and len(codes) > 3
        seen: list[int] = []
        page = queries.list_notices(s, f, size=37)
        pages = 1
        while True:
            assert len(page.items) == 37 or page.next_cursor is None
            seen += [n.id for n in page.items]
            if page.next_cursor is None:
                break
            page = queries.list_notices(s, f, size=37, cursor=page.next_cursor)
            pages += 1
        assert seen == expected
        assert pages == max(1, -(-len(expected) // 37))
