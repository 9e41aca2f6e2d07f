"""The matrix calls every route, including half-built ones of other domains: a server error there is an
answer like any other (compared across states and listed), not a crash of the whole matrix."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
