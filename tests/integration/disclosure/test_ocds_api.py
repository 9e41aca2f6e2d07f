"""OCDS over HTTP and the export command: valid packages, pagination, caching, 400s for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.integration.disclosure.test_ocds import (
    assert_valid_record_package,
    assert_valid_release_package,
    failed_lot,
    full_lifecycle,
)

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.disclosure.cli import export_ocds


def test_release_and_record_packages_over_http(client: TestClient, clean_db: Database, clock: FrozenClock) -> None:
    full_lifecycle(clean_db, clock)
    first = client.get("/api/ocds/releases", params={"limit": 3})
    assert first.status_code == 200 and first.headers["etag"] and first.headers["last-modified"]
    body = first.json()
    assert_valid_release_package(body)
    releases = body["releases"]
    url = body["links"]["next"]
    while url:
        page = client.get(url).json()
        assert_valid_release_package(page)
        releases += page["releases"]
        url = page.get("links", {}).get("next")
    assert len(releases) == 8
    assert client.get("/api/ocds/releases", params={"limit": 3}, headers={"If-None-Match": first.headers["etag"]}
                      ).status_code == 304  # fmt: skip
    one = client.get(f"/api/ocds/releases/{releases[0]['id']}")
    assert one.status_code == 200 and one.json()["releases"] == [releases[0]]
    record = client.get(f"/api/ocds/records/{releases[0]['ocid']}")
    assert record.status_code == 200
    assert_valid_record_package(record.json())
    packages = client.get("/api/ocds/record-packages", params={"from": "2026-09-01", "to": "2027-12-31"}).json()
    assert_valid_record_package(packages)
    assert [r["ocid"] for r in packages["records"]] == [releases[0]["ocid"]]
    assert client.get("/api/ocds/record-packages", params={"to": "2026-09-01"}).json()["records"] == []
    assert client.get("/api/ocds/publication-policy").status_code == 200


@pytest.mark.parametrize(
    ("path", "params", "status", "code"),
    [
        ("/api/ocds/releases", {"from": "2026/09/01"}, 400, "OCDS_DATE_INVALID"),
        ("/api/ocds/releases", {"to": "2026-13-01"}, 400, "OCDS_DATE_INVALID"),
        ("/api/ocds/releases", {"from": "2026-09-02", "to": "2026-09-01"}, 400, "OCDS_RANGE_INVALID"),
        ("/api/ocds/releases", {"limit": "100000"}, 400, "OCDS_LIMIT_INVALID"),
        ("/api/ocds/releases", {"cursor": "abc.def"}, 400, "OCDS_CURSOR_INVALID"),
        ("/api/ocds/releases", {"kind": "x"}, 400, "OCDS_PARAM_UNKNOWN"),
        ("/api/ocds/record-packages", {"limit": "101"}, 400, "OCDS_LIMIT_INVALID"),
        ("/api/ocds/record-packages", {"cursor": "' OR 1=1 --"}, 400, "OCDS_CURSOR_INVALID"),
        ("/api/ocds/records/ocds-xxxxxx-ggzy-NOPE", {}, 404, "OCDS_RECORD_NOT_FOUND"),
        ("/api/ocds/records/other-prefix-X", {}, 404, "OCDS_RECORD_NOT_FOUND"),
        ("/api/ocds/releases/ocds-xxxxxx-ggzy-X-99999999999999", {}, 404, "OCDS_RELEASE_NOT_FOUND"),
        ("/api/ocds/releases/nonsense", {}, 404, "OCDS_RELEASE_NOT_FOUND"),
    ],
)
def test_bad_input_is_refused_with_a_code(
    client: TestClient, path: str, params: dict[str, str], status: int, code: str
) -> None:
    r = client.get(path, params=params)
    assert r.status_code == status and r.json()["error"]["code"] == code


def test_a_cursor_of_the_feed_is_not_a_releases_cursor(
    client: TestClient, clean_db: Database, clock: FrozenClock
) -> None:
    failed_lot(clean_db, clock)
    cursor = client.get("/api/feed", params={"limit": 1}).json()["next_cursor"]
    r = client.get("/api/ocds/releases", params={"cursor": cursor})
    assert r.status_code == 400 and r.json()["error"]["code"] == "OCDS_CURSOR_INVALID"


def test_export_writes_the_same_packages_streaming(
    client: TestClient, clean_db: Database, clock: FrozenClock, tmp_path: Path
) -> None:
    full_lifecycle(clean_db, clock)
    out = tmp_path / "releases.json"
    count = export_ocds(clean_db, out=out, kind="releases", date_from=None, date_to=None,
                        base_url="http://testserver", ocid_prefix="ocds-xxxxxx-ggzy", publisher="测试")  # fmt: skip
    package = json.loads(out.read_text(encoding="utf-8"))
    assert count == 8 and len(package["releases"]) == 8
    assert_valid_release_package(package)
    api = client.get("/api/ocds/releases").json()
    assert package["releases"] == api["releases"]  # the same releases as the API serves
    out = tmp_path / "records.json"
    assert export_ocds(clean_db, out=out, kind="records", date_from="2026-01-01", date_to="2027-12-31",
                       base_url="http://testserver", ocid_prefix="ocds-xxxxxx-ggzy", publisher="测试") == 1  # fmt: skip
    records = json.loads(out.read_text(encoding="utf-8"))
    assert_valid_record_package(records)
    assert records["records"][0]["compiledRelease"] == client.get(
        f"/api/ocds/records/{api['releases'][0]['ocid']}"
    ).json()["records"][0]["compiledRelease"]
