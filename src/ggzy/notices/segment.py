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
