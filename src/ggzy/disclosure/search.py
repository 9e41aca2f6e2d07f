"""Full-text search over published notices: one small adapter interface, SQLite FTS5 and PostgreSQL.

Documents and queries are segmented by the same function (``ggzy.notices.segment.words``, jieba search mode),
and both engines only ever see those tokens: the index is built over ``notices.search_text`` and a query is a
conjunction of its terms, each passed as quoted data (FTS5 phrase strings; on PostgreSQL the lexemes of
``to_tsvector``, quoted into a tsquery), never as query syntax. So the same query finds the same notices on
both databases; only the ranking function differs (bm25 on SQLite, ts_rank on PostgreSQL), ties broken by
recency.

Ranking looks at the newest ``WINDOW`` matching notices (by id, which is publication order): a common word such
as 工程 matches hundreds of thousands of notices, and scoring all of them would cost seconds, while a reader of a
transaction portal wants the recent ones. Queries with fewer matches are ranked in full.

The filter's kind, trade and region are also words of the index (``facet_terms``; migration 0014 on SQLite,
0016 on PostgreSQL), so that a selective filter narrows the text matches inside the index instead of row by row
after it; the SQL filter is still applied (dates, amounts, and the exact region range). The user's terms only
ever match the text (an FTS5 column, tsvector weight A), never a filter word.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from markupsafe import Markup, escape
from sqlalchemy import (
    ARRAY,
    ColumnClause,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    cast,
    column,
    func,
    literal_column,
    select,
    table,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import ClauseAdapter

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


_TSV: ColumnClause[Any] = literal_column("notices.search_tsv")  # migration 0016; not in the model
_SIMPLE: ColumnClause[Any] = literal_column("'simple'::regconfig")
# ts_rank's weights for D, C, B, A: the text's words (A) count as the unweighted words of the old
# ``to_tsvector(search_text)`` did (D's default, 0.1), the filter words (D) not at all, so scores are unchanged.
_RANK_WEIGHTS: ColumnClause[Any] = literal_column("'{0, 0, 0, 0.1}'::float4[]")


def _tsquery(lexemes: Sequence[str], weight: str) -> str:
    """A tsquery of quoted lexemes ANDed, each restricted to ``weight``: lexemes are data, never syntax."""
    return " & ".join("'" + lx.replace("\\", "\\\\").replace("'", "''") + "':" + weight for lx in lexemes)


# The two plans of PostgresAdapter, fixed by planner settings; serial and without JIT too (starting workers and
# compiling cost more than these short statements).
_SERIAL = {"max_parallel_workers_per_gather": "0", "jit": "off"}
# The columns of ix_notices_search_walk (migration 0016) besides the vector: all that ``apply_filters`` reads.
_WALK_COLUMNS = (Notice.id, Notice.kind, Notice.trade, Notice.region_code, Notice.published_at, Notice.amount)
_WALK = {"enable_seqscan": "off", "enable_bitmapscan": "off", **_SERIAL}
_GIN = {"enable_seqscan": "off", "enable_indexscan": "off", "enable_indexonlyscan": "off", **_SERIAL}


class PostgresAdapter:
    """The stored ``search_tsv`` of migration 0016: the text's words with weight A, the filter words with D.

    The newest ``WINDOW`` matches are found by one of two plans, chosen from the data, because the planner's
    estimates for a conjunction of words (and filter words) are products of single-word frequencies and fail
    both ways. The walk reads ``ix_notices_search_walk`` (id, with the vector and the filter columns included)
    backwards, index only, testing each entry (~0.6-1 µs at 1,000,000 notices); the GIN bitmap reads every match
    from the table (~4-7 µs each) and keeps the newest. A probe walks the newest ``PROBE`` entries: if the window
    is full the probe is the answer; otherwise the rest is walked or read through GIN, whichever the densities
    seen by the probe make cheaper. Each plan is fixed with transaction-local planner settings, restored after.
    """

    PROBE = 20_000
    GIN_COST = 4  # one match read through GIN from the table, in entries walked (tuned on the 1M bench)

    def __init__(self, session: Session) -> None:
        self.session = session

    def candidates(self, terms: Sequence[str], restrict: Restrict | None, facets: Sequence[str] = ()) -> Select[Any]:
        # The documents' parser splits terms and filter words into lexemes, as plainto_tsquery did.
        words, facet_words, top = self.session.execute(
            select(
                func.tsvector_to_array(func.to_tsvector(_SIMPLE, bindparam("t", " ".join(terms)))),
                func.tsvector_to_array(func.to_tsvector(_SIMPLE, bindparam("f", " ".join(facets)))),
                select(func.max(Notice.id)).scalar_subquery(),
            )
        ).one()
        user_q = _tsquery(words, "A")
        window: list[int] = []
        if words and top is not None:
            match_q = cast(
                bindparam("match_q", " & ".join(filter(None, [user_q, _tsquery(facet_words, "D")]))), TSQUERY
            )
            cond = restrict(select(Notice.id)).whereclause if restrict is not None else None
            floor = top - self.PROBE
            probe = self._run(_WALK, self._walk(Notice.id > floor, match_q, cond, keep_all=True))
            window = [row[0] for row in probe if row[1]][:WINDOW]
            if len(window) < WINDOW and floor > 0:
                found, seen = len(window), len(probe)
                # Entries the walk would read before the window is full, against GIN_COST per match of the words
                # (filter words included) read from the table, at the densities the probe saw.
                walk = floor if not found else min(floor, (WINDOW - found) * self.PROBE // found)
                if self.GIN_COST * seen * floor // self.PROBE < walk:
                    rest = select(Notice.id).where(Notice.id <= floor, _TSV.op("@@")(match_q))
                    if cond is not None:
                        rest = rest.where(cond)
                    # Ordered by an expression, so that the key order cannot tempt the planner into a walk.
                    rows = self._run(_GIN, rest.order_by((Notice.id + 0).desc()).limit(WINDOW - found))
                else:
                    rows = self._run(_WALK, self._walk(Notice.id <= floor, match_q, cond).limit(WINDOW - found))
                window += [row[0] for row in rows]
        ranked = cast(bindparam("user_q", user_q), TSQUERY)
        stmt = select(Notice.id, Notice.published_at, (-func.ts_rank(_RANK_WEIGHTS, _TSV, ranked)).label("score"))
        return stmt.where(Notice.id == func.any(bindparam("window", window, type_=ARRAY(Integer))))

    @staticmethod
    def _walk(
        bound: ColumnElement[bool], match_q: Any, cond: ColumnElement[bool] | None, *, keep_all: bool = False
    ) -> Select[Any]:
        """Matches within ``bound``, newest first, read from ``ix_notices_search_walk`` alone: the filter is
        tested on the entries, outside a fenced subquery (OFFSET 0), so that no other index can serve it.
        ``keep_all``: every match of the words, with whether it passes the filter."""
        entries = (
            select(*_WALK_COLUMNS, _TSV.label("search_tsv"))
            .where(bound)
            .order_by(Notice.id.desc())
            .offset(0)
            .subquery("walk")
        )
        ok = ClauseAdapter(entries).traverse(cond) if cond is not None else true()
        match = entries.c.search_tsv.op("@@")(match_q)
        if keep_all:
            return select(entries.c.id, ok).where(match)
        return select(entries.c.id).where(match, ok)

    def _run(self, settings: Mapping[str, str], stmt: Select[Any]) -> list[Any]:
        """``stmt``'s rows, planned with ``settings``; they are set for the transaction and restored after (if the
        statement fails, the transaction is rolled back, and the settings with it)."""
        names = list(settings)
        olds = self.session.execute(select(*(func.current_setting(name) for name in names))).one()
        self._set(names, list(settings.values()))
        rows = list(self.session.execute(stmt))
        self._set(names, olds)
        return rows

    def _set(self, names: Sequence[str], values: Sequence[str]) -> None:
        self.session.execute(select(*(func.set_config(n, v, true()) for n, v in zip(names, values, strict=True))))


def adapter_for(session: Session) -> SearchAdapter:
    return Fts5Adapter() if session.get_bind().dialect.name == "sqlite" else PostgresAdapter(session)


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
