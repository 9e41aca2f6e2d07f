"""Filter parsing and the SQL it produces (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from ggzy.core.errors import InvalidInput
from ggzy.disclosure.filters import (
    PAGE_SIZE_MAX,
    NoticeFilter,
    apply_filters,
    parse_filters,
    parse_page_size,
    region_upper_bound,
    shanghai_midnight,
)
from ggzy.notices.models import Notice


def test_parse_all_filters_and_round_trip() -> None:
    params = {
        "trade": "construction",
        "kind": "result",
        "region": "6201",
        "date_from": "2026-09-01",
        "date_to": "2026-09-30",
        "amount_min": "1,000",
        "amount_max": "2000.50",
    }
    f = parse_filters(params)
    assert f == NoticeFilter(
        trade="construction",
        kind="result",
        region_code="6201",
        date_from=date(2026, 9, 1),
        date_to=date(2026, 9, 30),
        amount_min=Decimal("1000"),
        amount_max=Decimal("2000.50"),
    )
    assert parse_filters(f.params()) == f


def test_empty_values_are_no_filter_and_extras_must_be_allowed() -> None:
    assert parse_filters({"trade": "", "region": " "}).is_empty()
    assert parse_filters({"q": "道路"}, allowed_extra=frozenset({"q"})).is_empty()
    with pytest.raises(InvalidInput) as exc:
        parse_filters({"q": "道路"})
    assert exc.value.code == "FILTER_UNKNOWN" and exc.value.field == "q" and exc.value.status_code == 400


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"trade": "arms"}, "trade"),
        ({"kind": "draft"}, "kind"),
        ({"region": "６２"}, "region"),  # full-width digits
        ({"region": "6"}, "region"),
        ({"date_to": "2026-9-1"}, "date_to"),
        ({"date_from": "20260901"}, "date_from"),
        ({"date_from": "2026-10-01", "date_to": "2026-09-01"}, "date_from"),
        ({"amount_min": "NaN"}, "amount_min"),
        ({"amount_min": "-1"}, "amount_min"),
        ({"amount_min": "5", "amount_max": "4"}, "amount_min"),
        ({"amount_max": "Infinity"}, "amount_max"),
    ],
)
def test_malformed_filters_name_their_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        parse_filters(params)
    assert exc.value.code == "FILTER_INVALID" and exc.value.field == field and exc.value.status_code == 400
    assert field in exc.value.message


def test_page_size_bounds() -> None:
    assert parse_page_size(None) == 20 and parse_page_size("", default=50) == 50
    assert parse_page_size(str(PAGE_SIZE_MAX)) == PAGE_SIZE_MAX
    for bad in ("0", "101", "-5", "1e3", "9" * 40, "二十"):
        with pytest.raises(InvalidInput) as exc:
            parse_page_size(bad)
        assert exc.value.code == "PAGE_SIZE_INVALID" and exc.value.status_code == 400


def test_region_is_an_index_range_and_dates_are_beijing_days() -> None:
    assert region_upper_bound("6201") == "6202" and region_upper_bound("6209") == "620:"
    assert shanghai_midnight(date(2026, 9, 1)).astimezone(UTC) == datetime(2026, 8, 31, 16, 0, tzinfo=UTC)
    stmt = apply_filters(
        select(Notice.id), NoticeFilter(region_code="6201", date_from=date(2026, 9, 1), date_to=date(2026, 9, 1))
    )
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        sql = str(stmt.compile(dialect=dialect))
        assert "notices.region_code >=" in sql and "notices.region_code <" in sql
        assert "LIKE" not in sql.upper() and "JOIN" not in sql.upper()
    params = stmt.compile().params
    assert sorted(v for v in params.values() if isinstance(v, str)) == ["6201", "6202"]
    instants = sorted(v for v in params.values() if isinstance(v, datetime))
    assert [i.astimezone(UTC) for i in instants] == [
        datetime(2026, 8, 31, 16, 0, tzinfo=UTC),
        datetime(2026, 9, 1, 16, 0, tzinfo=UTC),
    ]
