"""Full-text search over published notices: one small adapter interface, SQLite FTS5 and PostgreSQL.

Documents and queries are segmented by the same function (``ggzy.notices.segment.words``, jieba search mode),
and both engines only ever see those tokens: the index is built over ``notices.search_text`` and a query is a
conjunction of its terms, each passed as quoted data (FTS5 phrase strings, ``plainto_tsquery``), never as query
syntax. So the same query finds the same notices on both databases; only the ranking function differs
(bm25 on SQLite, ts_rank on PostgreSQL), ties broken by recency.

Ranking looks at the newest ``WINDOW`` matching notices (by id, which is publication order): a common word such
as 工程 matches hundreds of thousands of notices, and scoring all of them would cost seconds, while a reader of a
transaction portal wants the recent ones. Queries with fewer matches are ranked in full.

On SQLite the filter's kind, trade and region are also words of the index (``facet_terms``, migration 0014), so
that a selective filter narrows the text matches inside FTS5 instead of row by row after it; the SQL filter is
still applied (dates, amounts, and the exact region range). PostgreSQL's planner combines its GIN and B-tree
indexes by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from markupsafe import Markup, escape
from sqlalchemy import ColumnClause, Select, bindparam, column, func, literal_column, select, table, text
from sqlalchemy.orm import Session

from ggzy.core.errors import InvalidInput
from ggzy.disclosure.filters import NoticeFilter
from ggzy.notices.models import Notice
from ggzy.notices.segment import without_implied, words

WINDOW = 1000
MAX_TERMS = 24
MAX_QUERY_CHARS = 100

Restrict = Callable[[Select[Any]], Select[Any]]


def query_terms(q: str) -> list[str]:
    """The distinct search terms of a user's query, in order; may be empty (``"*"``, ``'\\'``…).

    Raises ``InvalidInput`` for an over-long query only; anything else is data, never syntax.
    """
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"检索词过长：最多 {MAX_QUERY_CHARS} 个字符", code="SEARCH_QUERY_TOO_LONG", field="q", status_code=400
        )
    return without_implied(list(dict.fromkeys(words(q))))[:MAX_TERMS]


def facet_terms(f: NoticeFilter) -> list[str]:
    """The index words of a filter (see migration 0014): ``kresult``, ``tconstruction``, ``r6201``. A region code
    of another length than 2, 4 or 6 digits has no word; the SQL filter alone applies to it."""
    out = []
    if f.kind:
        out.append(f"k{f.kind}")
    if f.trade:
        out.append(f"t{f.trade}")
    if f.region_code and len(f.region_code) in (2, 4, 6):
        out.append(f"r{f.region_code}")
    return out


class SearchAdapter(Protocol):
    """How one database matches and scores: ``candidates`` selects (id, published_at, score) of the newest
    ``WINDOW`` matches, restricted by the caller's filters (and, where the index has them, its facet words);
    a lower score ranks higher."""

    def candidates(
        self, terms: Sequence[str], restrict: Restrict | None, facets: Sequence[str] = ()
    ) -> Select[Any]: ...


_FTS = table("notices_fts", column("rowid"))
_FTS_NAME: ColumnClause[Any] = literal_column("notices_fts")


def _quoted(terms: Sequence[str]) -> str:
    return " ".join('"' + t.replace('"', '""') + '"' for t in terms)


def fts5_match(terms: Sequence[str], facets: Sequence[str] = ()) -> str:
    """An FTS5 query in which every term is a quoted string (implicit AND): no operator can get through. The
    user's terms look in the text column only, so they never match a facet word."""
    query = f"search_text : ({_quoted(terms)})"
    return f"{query} AND search_facets : ({_quoted(facets)})" if facets else query


class Fts5Adapter:
    def candidates(self, terms: Sequence[str], restrict: Restrict | None, facets: Sequence[str] = ()) -> Select[Any]:
        stmt = (
            # Weight 0 for the facet column: filter words select, they do not rank.
            select(Notice.id, Notice.published_at, func.bm25(_FTS_NAME, 1.0, 0.0).label("score"))
            .select_from(_FTS)
            .join(Notice, Notice.id == _FTS.c.rowid)
            .where(text("notices_fts MATCH :fts_query").bindparams(fts_query=fts5_match(terms, facets)))
        )
        if restrict is not None:
            stmt = restrict(stmt)
        return stmt.order_by(_FTS.c.rowid.desc()).limit(WINDOW)


class PostgresAdapter:
    # Written exactly as in migration 0012's index expression, so the planner uses the GIN index.
    _VECTOR = func.to_tsvector(literal_column("'simple'::regconfig"), Notice.search_text)

    def candidates(self, terms: Sequence[str], restrict: Restrict | None, facets: Sequence[str] = ()) -> Select[Any]:
        # plainto_tsquery: the text is parsed into lexemes by the same parser as the documents, and ANDed;
        # it has no operators, so user input cannot become tsquery syntax.
        tsq = func.plainto_tsquery(literal_column("'simple'::regconfig"), bindparam("ts_query", " ".join(terms)))
        stmt = select(Notice.id, Notice.published_at, (-func.ts_rank(self._VECTOR, tsq)).label("score")).where(
            self._VECTOR.op("@@")(tsq)
        )
        if restrict is not None:
            stmt = restrict(stmt)
        return stmt.order_by(Notice.id.desc()).limit(WINDOW)


def adapter_for(session: Session) -> SearchAdapter:
    return Fts5Adapter() if session.get_bind().dialect.name == "sqlite" else PostgresAdapter()


@dataclass(frozen=True)
class Hit:
    notice: Notice
    title_html: Markup
    excerpt_html: Markup


@dataclass(frozen=True)
class SearchPage:
    q: str
    terms: list[str]
    hits: list[Hit]
    page: int
    page_size: int
    has_more: bool
    max_page: int


def ranked_ids(
    session: Session,
    *,
    terms: Sequence[str],
    restrict: Restrict | None = None,
    facets: Sequence[str] = (),
    offset: int = 0,
    limit: int = 20,
) -> list[int]:
    """Ids of matching notices, best first (score, then newest), from the ranking window. ``facets`` are the
    words of ``restrict``'s kind, trade and region (``facet_terms``); ``restrict`` must still apply them."""
    if not terms:
        return []
    inner = adapter_for(session).candidates(terms, restrict, facets).subquery("hits")
    stmt = (
        select(inner.c.id)
        .order_by(inner.c.score, inner.c.published_at.desc(), inner.c.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def search(
    session: Session,
    *,
    q: str,
    restrict: Restrict | None = None,
    facets: Sequence[str] = (),
    page: int = 1,
    page_size: int = 20,
) -> SearchPage:
    """One page of ranked, highlighted results. Pages are bounded by the ranking window."""
    max_page = max(1, WINDOW // page_size)
    if not 1 <= page <= max_page:
        raise InvalidInput(f"页码应为 1 到 {max_page} 的整数", code="PAGE_OUT_OF_RANGE", field="page", status_code=400)
    terms = query_terms(q)
    ids = ranked_ids(
        session, terms=terms, restrict=restrict, facets=facets, offset=(page - 1) * page_size, limit=page_size + 1
    )
    has_more = len(ids) > page_size and page < max_page
    ids = ids[:page_size]
    rows = {n.id: n for n in session.scalars(select(Notice).where(Notice.id.in_(ids)))} if ids else {}
    hits = []
    for notice_id in ids:
        notice = rows[notice_id]
        hits.append(Hit(notice, highlight(notice.title, terms), excerpt(_body(notice), terms)))
    return SearchPage(q, terms, hits, page, page_size, has_more, max_page)


def _body(notice: Notice) -> str:
    doc = notice.fields()
    parts = [str(doc.get("text") or "")]
    project = doc.get("project") or {}
    lot = doc.get("lot") or {}
    parts += [str(project.get("name") or ""), str(lot.get("name") or "")]
    return " ".join(p for p in parts if p)


_MARK = Markup("<mark>{}</mark>")
_EMPTY = Markup("")


def _pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    # Longest first, so 兰州市 is marked whole rather than as 兰州 + 市.
    alternatives = sorted(set(terms), key=len, reverse=True)
    return re.compile("|".join(re.escape(t) for t in alternatives), re.IGNORECASE)


def highlight(value: str, terms: Sequence[str]) -> Markup:
    """``value`` HTML-escaped, with every occurrence of a search term wrapped in ``<mark>``."""
    pattern = _pattern(terms)
    if pattern is None:
        return escape(value)
    out: list[Markup] = []
    pos = 0
    for m in pattern.finditer(value):
        out.append(escape(value[pos : m.start()]))
        out.append(_MARK.format(m.group(0)))  # format() escapes its argument
        pos = m.end()
    out.append(escape(value[pos:]))
    return _EMPTY.join(out)


def excerpt(value: str, terms: Sequence[str], *, width: int = 120) -> Markup:
    """A window of ``value`` around its first matched term, highlighted; its start if nothing matches."""
    value = " ".join(value.split())
    pattern = _pattern(terms)
    match = pattern.search(value) if pattern is not None else None
    start = max(0, match.start() - width // 3) if match else 0
    end = min(len(value), start + width)
    piece = highlight(value[start:end], terms)
    return escape("…" if start > 0 else "") + piece + escape("…" if end < len(value) else "")
