"""The change feed: every published notice in ledger-index order, read page by page with an opaque cursor.

Why a crawler never misses a notice written concurrently: a notice's ``ledger_index`` is claimed by
``UPDATE ledger_state … RETURNING`` (ggzy.ledger.service._claim_index), which keeps the ledger head row locked
until the publishing transaction commits. The next writer cannot claim index N+1 before the holder of N has
committed (and become visible) or rolled back (releasing N to be claimed again). So once a reader can see
index N+1 it can already see every lower index: reading "ledger_index > cursor" never skips a row that becomes
visible later. Notices are write-once, so a row seen once is never changed. See docs/open-data.md.

Cursors are ``base64url("v1:<scope>:<last index>")`` plus a truncated HMAC-SHA256 with the platform's secret
key: a crawler cannot forge one, and a tampered or truncated cursor is refused with ``FEED_CURSOR_INVALID``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.errors import InvalidInput
from ggzy.disclosure.ocds import ocid_for, release_id_for
from ggzy.notices.models import Notice
from ggzy.notices.service import KINDS

CURSOR_VERSION = "v1"
LIMIT_DEFAULT = 100
LIMIT_MAX = 1000
_MAC_BYTES = 12


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: str, payload: bytes) -> bytes:
    return hmac.new(key.encode(), payload, hashlib.sha256).digest()[:_MAC_BYTES]


def encode_cursor(key: str, scope: str, index: int) -> str:
    payload = f"{CURSOR_VERSION}:{scope}:{index}".encode()
    return f"{_b64(payload)}.{_b64(_mac(key, payload))}"


def cursor_error(field: str = "cursor", code: str = "FEED_CURSOR_INVALID") -> InvalidInput:
    return InvalidInput(
        f"游标（{field}）无效：请使用上一页响应中返回的 next_cursor 原样传回，不要修改",
        code=code,
        field=field,
        status_code=400,
    )


def decode_cursor(key: str, scope: str, token: str | None, *, code: str = "FEED_CURSOR_INVALID") -> int:
    """The last index a cursor names; -1 for no cursor (start of the feed)."""
    if token is None or not token.strip():
        return -1
    token = token.strip()
    if len(token) > 200 or token.count(".") != 1:
        raise cursor_error(code=code)
    body, mac = token.split(".")
    try:
        payload = _unb64(body)
        given = _unb64(mac)
    except (binascii.Error, ValueError):
        raise cursor_error(code=code) from None
    if not hmac.compare_digest(given, _mac(key, payload)):
        raise cursor_error(code=code)
    parts = payload.decode("ascii", "replace").split(":")
    if len(parts) != 3 or parts[0] != CURSOR_VERSION or parts[1] != scope or not parts[2].isdigit():
        raise cursor_error(code=code)
    return int(parts[2])


def parse_limit(raw: str | None, *, code: str = "FEED_LIMIT_INVALID") -> int:
    if raw is None or not raw.strip():
        return LIMIT_DEFAULT
    raw = raw.strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or not 1 <= int(raw) <= LIMIT_MAX:
        raise InvalidInput(
            f"每页条数（limit）应为 1 至 {LIMIT_MAX} 之间的整数", code=code, field="limit", status_code=400
        )
    return int(raw)


@dataclass(frozen=True)
class FeedPage:
    notices: list[Notice]
    last_index: int
    has_more: bool


def read_page(session: Session, *, after: int, limit: int) -> FeedPage:
    """Up to ``limit`` notices with ``ledger_index > after``, in index order."""
    rows = list(
        session.scalars(
            select(Notice).where(Notice.ledger_index > after).order_by(Notice.ledger_index).limit(limit + 1)
        )
    )
    has_more = len(rows) > limit
    rows = rows[:limit]
    return FeedPage(rows, rows[-1].ledger_index if rows else after, has_more)


def item(notice: Notice, *, base_url: str, ocid_prefix: str) -> dict[str, Any]:
    doc = notice.fields()
    project = doc["project"]
    ocid = ocid_for(ocid_prefix, project["code"])
    release_id = release_id_for(ocid, notice.id)
    base = base_url.rstrip("/")
    return {
        "ledger_index": notice.ledger_index,
        "notice_id": notice.id,
        "kind": notice.kind,
        "kind_label": KINDS.get(notice.kind, notice.kind),
        "title": notice.title,
        "published_at": doc["published_at"],
        "project_code": project["code"],
        "lot_code": (doc.get("lot") or {}).get("code"),
        "related_notice_id": notice.related_id,
        "digest": notice.digest,
        "ocid": ocid,
        "release_id": release_id,
        "urls": {
            "page": f"{base}/notices/{notice.id}",
            "notice": f"{base}/api/notices/{notice.id}",
            "document": f"{base}/api/notices/{notice.id}/document",
            "release": f"{base}/api/ocds/releases/{release_id}",
            "record": f"{base}/api/ocds/records/{ocid}",
            "ledger_event": f"{base}/api/ledger/events/{notice.ledger_index}",
        },
    }
