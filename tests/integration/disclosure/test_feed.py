"""The change feed: ledger-index order, signed cursors, and no missed item under concurrent writers."""

from __future__ import annotations

import base64
import random
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import entity

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import InvalidInput
from ggzy.disclosure import feed
from ggzy.notices.models import Notice
from ggzy.notices.service import NoticeDraft, publish
from ggzy.projects.models import Lot, Project

KEY = "k" * 48


def _project(db: Database, clock: FrozenClock, n: int = 1) -> tuple[int, int]:
    with db.transaction() as s:
        owner = entity(s, n=n, kind="tenderee", name=f"招标人{n}", now=clock.now())
        project = Project(code=f"FEED{n:03d}", name="订阅测试项目", trade="construction", owner_entity_id=owner.id,
                          region_code="6201", created_at=clock.now())  # fmt: skip
        s.add(project)
        s.flush()
        lot = Lot(project_id=project.id, code="01", name="施工", procedure="open_tender",
                  estimate=Decimal("1000000"), created_at=clock.now(), updated_at=clock.now())  # fmt: skip
        s.add(lot)
        s.flush()
        return project.id, lot.id


def _publish(db: Database, clock: FrozenClock, project_id: int, lot_id: int, title: str, hold: float = 0.0) -> int:
    with db.transaction() as s:
        lot = s.get(Lot, lot_id)
        project = s.get(Project, project_id)
        assert lot is not None and project is not None
        notice = publish(s, kind="tender", draft=NoticeDraft(title=title), project=project, lot=lot, actor="system",
                         now=clock.now(), event_kind="test.notice", event_data={})  # fmt: skip
        if hold:
            time.sleep(hold)  # keep the ledger head locked a while: the window a racing writer would need
        return notice.id


def test_cursor_round_trip_and_refusals() -> None:
    token = feed.encode_cursor(KEY, "feed", 41)
    assert feed.decode_cursor(KEY, "feed", token) == 41
    assert feed.decode_cursor(KEY, "feed", None) == -1 and feed.decode_cursor(KEY, "feed", "") == -1
    body, mac = token.split(".")
    forged = base64.urlsafe_b64encode(b"v1:feed:9999").decode().rstrip("=") + "." + mac
    other_scope = feed.encode_cursor(KEY, "releases", 41)
    other_key = feed.encode_cursor("x" * 48, "feed", 41)
    for bad in [forged, other_scope, other_key, body, "a.b.c", "!!!.###", token[:-2], "x" * 5000]:
        with pytest.raises(InvalidInput) as err:
            feed.decode_cursor(KEY, "feed", bad)
        assert err.value.code == "FEED_CURSOR_INVALID" and err.value.status_code == 400


def _follow(client: TestClient, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        r = client.get("/api/feed", params={"cursor": cursor, "limit": limit})
        assert r.status_code == 200, r.text
        body = r.json()
        items += body["items"]
        cursor = body["next_cursor"]
        if not body["has_more"]:
            return items


def test_the_feed_pages_in_ledger_order(client: TestClient, clean_db: Database, clock: FrozenClock) -> None:
    project_id, lot_id = _project(clean_db, clock)
    ids = [_publish(clean_db, clock, project_id, lot_id, f"公告{i}") for i in range(5)]
    items = _follow(client, limit=2)
    assert [i["notice_id"] for i in items] == ids
    indexes = [i["ledger_index"] for i in items]
    assert indexes == sorted(indexes) and len(set(indexes)) == 5
    first = items[0]
    assert first["ocid"] == "ocds-xxxxxx-ggzy-FEED001" and first["release_id"] == f"ocds-xxxxxx-ggzy-FEED001-{ids[0]}"
    assert first["urls"]["document"].endswith(f"/api/notices/{ids[0]}/document")
    assert client.get(first["urls"]["release"]).status_code == 200
    # The last cursor is kept by the crawler: a new notice comes on the next poll, and nothing else.
    last = client.get("/api/feed", params={"limit": 5}).json()
    assert last["has_more"] is False
    new_id = _publish(clean_db, clock, project_id, lot_id, "新公告")
    again = client.get("/api/feed", params={"cursor": last["next_cursor"]}).json()
    assert [i["notice_id"] for i in again["items"]] == [new_id]
    # Paging headers and caching.
    r = client.get("/api/feed", params={"limit": 2})
    assert 'rel="next"' in r.headers["link"] and r.headers["etag"]
    assert client.get("/api/feed", params={"limit": 2}, headers={"If-None-Match": r.headers["etag"]}).status_code == 304


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"cursor": "bogus"}, "FEED_CURSOR_INVALID"),
        ({"cursor": base64.urlsafe_b64encode(b"v1:feed:3").decode() + ".AAAA"}, "FEED_CURSOR_INVALID"),
        ({"limit": "0"}, "FEED_LIMIT_INVALID"),
        ({"limit": "1001"}, "FEED_LIMIT_INVALID"),
        ({"limit": "9" * 40}, "FEED_LIMIT_INVALID"),
        ({"limit": "-1"}, "FEED_LIMIT_INVALID"),
        ({"since": "1"}, "FEED_PARAM_UNKNOWN"),
    ],
)
def test_bad_feed_input_is_a_400_with_a_code(client: TestClient, params: dict[str, str], code: str) -> None:
    r = client.get("/api/feed", params=params)
    assert r.status_code == 400 and r.json()["error"]["code"] == code


def test_a_crawler_following_the_cursor_misses_nothing_written_concurrently(
    clean_db: Database, clock: FrozenClock
) -> None:
    """Writers publish in their own transactions (some rolled back), holding the ledger head a random while;
    a reader follows the cursor meanwhile. It must see every committed notice exactly once, in order."""
    writers, per_writer = 4, 12
    targets = [_project(clean_db, clock, n=i + 1) for i in range(writers)]
    committed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    done = threading.Event()
    start = threading.Barrier(writers + 1)

    def write(w: int) -> None:
        rnd = random.Random(w)
        try:
            start.wait()
            for i in range(per_writer):
                try:
                    with clean_db.transaction() as s:
                        project = s.get(Project, targets[w][0])
                        lot = s.get(Lot, targets[w][1])
                        assert project is not None and lot is not None
                        notice = publish(s, kind="tender", draft=NoticeDraft(title=f"W{w}-{i}"), project=project,
                                         lot=lot, actor="system", now=clock.now(), event_kind="test.notice",
                                         event_data={})  # fmt: skip
                        time.sleep(rnd.random() * 0.01)
                        if i % 4 == 3:
                            raise _Rollback
                        notice_id = notice.id
                except _Rollback:
                    continue
                with lock:
                    committed.append(notice_id)
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)

    seen: list[tuple[int, int]] = []

    def read() -> None:
        after = -1
        start.wait()
        while True:
            finished = done.is_set()  # read before the page: the last pass happens after every commit
            with clean_db.session(write=False) as s:
                page = feed.read_page(s, after=after, limit=3)
                seen.extend((n.ledger_index, n.id) for n in page.notices)
            after = page.last_index
            if finished and not page.notices:
                return
            if not page.notices:
                time.sleep(0.001)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    reader = threading.Thread(target=read)
    for t in [*threads, reader]:
        t.start()
    for t in threads:
        t.join()
    done.set()
    reader.join(timeout=60)
    assert not errors and not reader.is_alive()
    assert len(committed) == writers * (per_writer - per_writer // 4)
    indexes = [i for i, _ in seen]
    assert indexes == sorted(indexes) and len(set(indexes)) == len(indexes)
    assert sorted(n for _, n in seen) == sorted(committed)  # each committed notice exactly once, none else
    with clean_db.session(write=False) as s:
        in_order = list(s.scalars(select(Notice.id).order_by(Notice.ledger_index)))
    assert [n for _, n in seen] == in_order
    # The reader really interleaved with the writers (it saw several non-empty pages, not one final sweep).
    assert len(seen) > 3


class _Rollback(Exception):
    pass
