"""Chinese word segmentation for the full-text index: the same function for documents and for queries."""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import lru_cache

_lock = threading.Lock()
# Letters and digits only: no underscore, no punctuation. Both full-text engines (SQLite unicode61 and
# PostgreSQL's 'simple' parser) then see exactly the tokens we emit, so one query finds the same rows on both.
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    with _lock:
        jieba.initialize()
    return jieba


def words(text: str) -> list[str]:
    """Search terms in order (duplicates kept): jieba's search mode, NFKC-normalised and lower-cased.

    Search mode emits the short words inside long ones (兰州市 → 兰州 州市 兰州市), so a two-character query
    such as 兰州 or 道路 finds documents in which jieba kept the longer word. NFKC folds full-width letters and
    digits (ＣＴ, １２) to their ASCII forms.
    """
    out = []
    for piece in _TOKEN.findall(unicodedata.normalize("NFKC", text)):
        for word in _jieba().cut_for_search(piece):
            word = word.strip().lower()
            if word and _TOKEN.fullmatch(word):
                out.append(word)
    return out


def segment(text: str) -> str:
    """Space-separated search terms (see ``words``): what ``notices.search_text`` stores."""
    return " ".join(words(text))


def without_implied(terms: list[str]) -> list[str]:
    """``terms`` less those that every document holding another of them holds too, so an AND of the rest
    matches exactly the same documents while the engine scores fewer terms (bm25 over seven very common
    words cost ~100 ms per search at a million notices).

    Search mode emits, with every word longer than 2 (3) characters, each of its 2- (3-) character pieces that
    is in the dictionary: wherever 有限公司 is a term of a document, so are 有限 and 公司.
    """
    freq = _jieba().dt.FREQ
    kept = []
    for term in terms:
        implied = (
            len(term) in (2, 3)
            and term.lower() == term.upper()  # no letters: the lower-casing above cannot have changed it
            and bool(freq.get(term))
            and any(len(other) > len(term) and term in other for other in terms)
        )
        if not implied:
            kept.append(term)
    return kept
