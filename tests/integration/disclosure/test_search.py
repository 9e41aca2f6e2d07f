"""Full-text search over published notices: the same answers on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Select
from tests.factories import entity

from ggzy.core.clock import FrozenClock
from ggzy.core.db import Database
from ggzy.core.errors import InvalidInput
from ggzy.disclosure import search
from ggzy.disclosure.filters import NoticeFilter, apply_filters
from ggzy.notices.models import Notice
from ggzy.notices.service import NoticeDraft, publish
from ggzy.projects.models import Lot, Project

# (key, region, trade, project name, notice title, text): published in this order, one day apart.
CORPUS = [
    (
        "road",
        "620102",
        "construction",
        "兰州市城关区雁滩路道路改造工程",
        "雁滩路道路改造工程招标公告",
        "道路及排水施工",
    ),
    ("hospital", "620502", "procurement", "天水市第一人民医院医学影像设备采购项目", "CT设备采购招标公告", "64排螺旋CT"),
    ("school", "620702", "construction", "张掖市甘州区第三中学教学楼新建工程", "教学楼新建工程招标公告", "土建及安装"),
    ("water", "621102", "construction", "定西市安定区城乡供水管网改造工程", "供水管网改造工程中标结果公告", "供水管道"),
    ("land", "620103", "land", "兰州市七里河区国有建设用地使用权挂牌出让", "七里河区地块挂牌出让公告", "住宅用地"),
    ("hospital2", "620102", "procurement", "兰州大学第二医院医疗设备采购项目", "医疗设备采购中标结果公告", "医院设备"),
    ("road2", "620902", "construction", "酒泉市肃州区道路养护工程", "道路养护工程招标公告", "道路 道路 道路 养护"),
]


def _publish_corpus(db: Database, clock: FrozenClock) -> dict[str, int]:
    ids: dict[str, int] = {}
    with db.transaction() as s:
        owner = entity(s, n=1, kind="tenderee", name="甘肃省测试招标人", now=clock.now())
        for i, (key, region, trade, name, title, body) in enumerate(CORPUS):
            now = clock.now() + timedelta(days=i)
            project = Project(
                code=f"P{i:04d}", name=name, trade=trade, owner_entity_id=owner.id, region_code=region, created_at=now
            )
            s.add(project)
            s.flush()
            lot = Lot(
                project_id=project.id,
                code="01",
                name="标段一",
                procedure="open_tender",
                estimate=Decimal("1000000"),
                created_at=now,
                updated_at=now,
            )
            s.add(lot)
            s.flush()
            kind = "result" if "结果" in title else "tender"
            notice = publish(
                s,
                kind=kind,
                draft=NoticeDraft(title=title, text=body),
                project=project,
                lot=lot,
                actor="system",
                now=now,
                event_kind="test.notice",
                event_data={},
            )
            ids[key] = notice.id
    return ids


@pytest.fixture
def corpus(clean_db: Database, clock: FrozenClock) -> dict[str, int]:
    return _publish_corpus(clean_db, clock)


def _ids(db: Database, q: str, restrict: Any = None) -> list[int]:
    with db.session(write=False) as s:
        return [h.notice.id for h in search.search(s, q=q, restrict=restrict, page_size=50).hits]


def _keys(corpus: dict[str, int], *keys: str) -> set[int]:
    return {corpus[k] for k in keys}


# Expected matches written down by hand from CORPUS (not computed with the index or the segmenter).
EXPECTED = {
    "兰州": {"road", "land", "hospital2"},
    "道路": {"road", "road2"},
    "医院": {"hospital", "hospital2"},
    "兰州 医院": {"hospital2"},
    "兰州市城关区雁滩路道路改造工程": {"road"},
    "供水管网改造": {"water"},
    "中标结果公告": {"water", "hospital2"},
    "城关区": {"road", "hospital2"},
    "甘州区": {"school"},
    "张掖": {"school"},
    "CT": {"hospital"},
    "ｃｔ": {"hospital"},
    "甘肃省测试招标人": {"road", "hospital", "school", "water", "land", "hospital2", "road2"},
    "敦煌": set(),
    "兰州 敦煌": set(),
}


@pytest.mark.parametrize("q", list(EXPECTED))
def test_the_same_query_finds_the_expected_notices(corpus: dict[str, int], clean_db: Database, q: str) -> None:
    assert set(_ids(clean_db, q)) == _keys(corpus, *EXPECTED[q])


INJECTIONS = [
    '"',
    "*",
    "OR",
    "NEAR(",
    "'; DROP TABLE notices; --",
    "\\",
    '道路" OR "医院',
    "兰州*",
    "a AND b",
    "NOT 道路",
    "^道路",
    "道路:*",
    "!",
    "(",
    ")",
    "'",
    "&|!<->",
    "{search_text}: 兰州",
    "\x00",
    "%_",
]


@pytest.mark.parametrize("q", INJECTIONS)
def test_injection_attempts_are_plain_words(corpus: dict[str, int], clean_db: Database, q: str) -> None:
    found = set(_ids(clean_db, q))
    assert found <= set(corpus.values())
    if q == '道路" OR "医院':
        assert found == set()  # both words required, no notice has both: OR is a word, not an operator
    if q == "兰州*":
        assert found == _keys(corpus, "road", "land", "hospital2")


def test_ranking_prefers_more_occurrences_then_recency(
    corpus: dict[str, int], clean_db: Database, clock: FrozenClock
) -> None:
    ranked = _ids(clean_db, "道路")
    assert ranked[0] == corpus["road2"]  # 道路 four times
    twins = []
    with clean_db.transaction() as s:
        project = s.get(Project, s.get(Notice, corpus["land"]).project_id)  # type: ignore[union-attr]
        assert project is not None
        for day in (30, 31):
            draft = NoticeDraft(title="玉门地块补充公告", text="补充说明")
            twins.append(
                publish(
                    s,
                    kind="change",
                    draft=draft,
                    project=project,
                    lot=None,
                    actor="system",
                    now=clock.now() + timedelta(days=day),
                    event_kind="test.notice",
                    event_data={},
                ).id
            )
    # Equal relevance (identical text): the newer first.
    assert _ids(clean_db, "玉门 补充") == [twins[1], twins[0]]


def test_hits_are_highlighted_and_escaped(corpus: dict[str, int], clean_db: Database) -> None:
    with clean_db.session(write=False) as s:
        page = search.search(s, q="CT 采购", page_size=5)
    assert [h.notice.id for h in page.hits] == [corpus["hospital"]]
    hit = page.hits[0]
    assert str(hit.title_html) == "<mark>CT</mark>设备<mark>采购</mark>招标公告"
    assert "<mark>CT</mark>" in str(hit.excerpt_html)
    assert str(search.highlight("<b>道路</b>", ["道路"])) == "&lt;b&gt;<mark>道路</mark>&lt;/b&gt;"


def test_filters_combine_with_the_search(corpus: dict[str, int], clean_db: Database) -> None:
    def procurement(stmt: Select[Any]) -> Select[Any]:
        return stmt.where(Notice.trade == "procurement")

    def in_lanzhou(stmt: Select[Any]) -> Select[Any]:
        return stmt.where(Notice.region_code.startswith("6201"))  # a prefecture with its counties

    assert set(_ids(clean_db, "医院", procurement)) == _keys(corpus, "hospital", "hospital2")
    assert set(_ids(clean_db, "医院", in_lanzhou)) == _keys(corpus, "hospital2")
    assert set(_ids(clean_db, "工程", in_lanzhou)) == _keys(corpus, "road")


FACETED = [
    # (query, filter, expected keys): every filter the index holds words for, alone and together.
    ("医院", NoticeFilter(trade="procurement"), {"hospital", "hospital2"}),
    ("医院", NoticeFilter(region_code="6201"), {"hospital2"}),
    ("工程", NoticeFilter(region_code="62"), {"road", "school", "water", "road2"}),
    ("工程", NoticeFilter(region_code="620102", kind="tender"), {"road"}),
    ("公告", NoticeFilter(kind="result"), {"water", "hospital2"}),
    ("公告", NoticeFilter(kind="result", trade="procurement", region_code="620102"), {"hospital2"}),
    ("道路", NoticeFilter(trade="land"), set()),
    ("公告", NoticeFilter(region_code="62010"), {"road", "land", "hospital2"}),  # 5 digits: no word, SQL alone
]


@pytest.mark.parametrize(("q", "flt", "expected"), FACETED)
def test_filter_words_in_the_index_give_the_filters_answer(
    corpus: dict[str, int], clean_db: Database, q: str, flt: NoticeFilter, expected: set[str]
) -> None:
    facets = search.facet_terms(flt)
    with clean_db.session(write=False) as s:
        found = search.search(s, q=q, restrict=lambda stmt: apply_filters(stmt, flt), facets=facets, page_size=50)
    assert {h.notice.id for h in found.hits} == _keys(corpus, *expected)


def test_a_query_never_matches_a_filter_word(corpus: dict[str, int], clean_db: Database) -> None:
    assert _ids(clean_db, "kresult") == []
    assert _ids(clean_db, "tconstruction r6201") == []


def test_drafts_are_never_found(corpus: dict[str, int], clean_db: Database, clock: FrozenClock) -> None:
    with clean_db.transaction() as s:
        owner_id = s.get(Project, s.get(Notice, corpus["road"]).project_id).owner_entity_id  # type: ignore[union-attr]
        project = Project(
            code="DRAFT",
            name="敦煌市草稿道路工程",
            trade="construction",
            owner_entity_id=owner_id,
            region_code="620982",
            created_at=clock.now(),
        )
        s.add(project)
        s.flush()
        s.add(
            Lot(
                project_id=project.id,
                code="01",
                name="敦煌草稿标段",
                procedure="open_tender",
                estimate=Decimal("1"),
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    assert _ids(clean_db, "敦煌") == []
    assert set(_ids(clean_db, "道路")) == _keys(corpus, "road", "road2")


def test_bad_pages_and_long_queries_are_refused(clean_db: Database) -> None:
    with clean_db.session(write=False) as s:
        with pytest.raises(InvalidInput) as e:
            search.search(s, q="道路", page=0)
        assert e.value.code == "PAGE_OUT_OF_RANGE"
        with pytest.raises(InvalidInput) as e:
            search.search(s, q="道" * 500)
        assert e.value.code == "SEARCH_QUERY_TOO_LONG"
        assert search.search(s, q="*", page=1).hits == []


def test_pages_cover_the_window_without_overlap(corpus: dict[str, int], clean_db: Database) -> None:
    with clean_db.session(write=False) as s:
        first = search.search(s, q="甘肃省", page=1, page_size=3)
        second = search.search(s, q="甘肃省", page=2, page_size=3)
        third = search.search(s, q="甘肃省", page=3, page_size=3)
    assert first.has_more and second.has_more and not third.has_more
    pages = [h.notice.id for p in (first, second, third) for h in p.hits]
    assert sorted(pages) == sorted(corpus.values()) and len(pages) == 7


def _faceted(db: Database, q: str, flt: NoticeFilter) -> list[int]:
    with db.session(write=False) as s:
        found = search.search(
            s, q=q, restrict=lambda stmt: apply_filters(stmt, flt), facets=search.facet_terms(flt), page_size=50
        )
    return [h.notice.id for h in found.hits]


def test_a_filter_word_or_a_filter_that_never_meets_the_words_finds_nothing(
    corpus: dict[str, int], clean_db: Database
) -> None:
    assert _faceted(clean_db, "kresult", NoticeFilter(kind="result")) == []
    assert _faceted(clean_db, "tprocurement r6201", NoticeFilter(trade="procurement", region_code="6201")) == []
    assert _faceted(clean_db, "道路", NoticeFilter(kind="result")) == []  # the road notices are tenders
    assert _faceted(clean_db, "医院", NoticeFilter(trade="procurement", region_code="6209")) == []


# PostgreSQL walks or reads through GIN what its probe of the newest notices leaves (search.PostgresAdapter);
# the corpus is smaller than a probe, so both plans are forced here. Nothing changes on SQLite.
@pytest.mark.parametrize("gin_cost", [0, 10**9], ids=["gin", "walk"])
def test_both_postgresql_plans_give_the_same_answers_and_order(
    corpus: dict[str, int], clean_db: Database, monkeypatch: pytest.MonkeyPatch, gin_cost: int
) -> None:
    default = {q: _ids(clean_db, q) for q in EXPECTED}
    default_faceted = [_faceted(clean_db, q, flt) for q, flt, _ in FACETED]
    monkeypatch.setattr(search.PostgresAdapter, "PROBE", 2)
    monkeypatch.setattr(search.PostgresAdapter, "GIN_COST", gin_cost)
    for q, expected in EXPECTED.items():
        found = _ids(clean_db, q)
        assert set(found) == _keys(corpus, *expected), q
        assert found == default[q], q
    for (q, flt, expected), before in zip(FACETED, default_faceted, strict=True):
        found = _faceted(clean_db, q, flt)
        assert set(found) == _keys(corpus, *expected), (q, flt)
        assert found == before, (q, flt)
    assert _faceted(clean_db, "kresult", NoticeFilter(kind="result")) == []
    assert _faceted(clean_db, "道路", NoticeFilter(kind="result")) == []
