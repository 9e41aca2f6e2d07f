"""The opening hall page (开标大厅): each bid's decryption status, refreshed every 3 s with HTMX, the signed
record (the published notice) after the close. HTMX forms: a bidder decrypts its own bid with its data key,
center staff open listed bids by escrow with k custodians' shares, classify 撤销/撤回, and close.

Form refusals come back as a fragment with the error's HTTP status, Chinese message and code; the page lets
HTMX swap error responses into the result box (see ``bids/opening.html``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from ggzy.bids import opening
from ggzy.bids.storage import BidStorage
from ggzy.core.clock import Clock
from ggzy.core.db import Database
from ggzy.core.errors import AppError, InvalidInput
from ggzy.core.security import Principal, Role, allow, public
from ggzy.core.settings import Settings
from ggzy.procedures.common import TENDER_STAGES
from ggzy.web.csrf import csrf_protect
from ggzy.web.routing import get_clock, get_db, get_session, get_settings, page_router
from ggzy.web.templating import render

# No prefix: included into ``ggzy.bids.pages.router``.
router = page_router()
DB = Annotated[Session, Depends(get_session)]
Viewer = Annotated[Principal | None, Depends(public)]
Center = Annotated[Principal, Depends(allow(Role.center_staff))]
ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
_HEX64 = re.compile(r"\b[0-9a-fA-F]{64}\b")


def _context(session: Session, actor: Principal | None, lot_id: int) -> dict[str, Any]:
    state = opening.hall_state(session, actor=actor, lot_id=lot_id)
    in_opening = state["stage"] == opening.OPENING_STAGE and not state["closed"]
    center = actor is not None and actor.has(Role.center_staff)
    live = [b for b in state["bids"] if b.get("status") == opening.LIVE]
    return {
        "state": state,
        "stage_zh": TENDER_STAGES.get(state["stage"], state["stage"]),
        "notice": opening.record_notice(session, lot_id) if state["closed"] else None,
        "can_close": center and in_opening,
        "center_forms": center and in_opening,
        "own_live": [b for b in live if b.get("own")] if in_opening else [],
        "live": live if in_opening else [],
    }


@router.get("/lots/{lot_id}/opening", response_class=HTMLResponse, name="lot.opening")
def hall_page(request: Request, lot_id: int, actor: Viewer, session: DB) -> HTMLResponse:
    return render(request, "bids/opening.html", _context(session, actor, lot_id))


@router.get("/lots/{lot_id}/opening/hall", response_class=HTMLResponse)
def hall_fragment(request: Request, lot_id: int, actor: Viewer, session: DB) -> HTMLResponse:
    return render(request, "bids/_opening_hall.html", _context(session, actor, lot_id))


@router.post("/lots/{lot_id}/opening/close", dependencies=[Depends(csrf_protect)])
def close_page(lot_id: int, actor: Center, session: DB, clock: ClockDep) -> RedirectResponse:
    opening.close_opening(session, actor=actor, lot_id=lot_id, now=clock.now())
    return RedirectResponse(f"/lots/{lot_id}/opening", status_code=303)


def _result(request: Request, session: Session, action: Callable[[], str]) -> HTMLResponse:
    """Run one hall action; a refusal is rolled back and shown with its status, message and code."""
    try:
        message = action()
    except AppError as exc:
        session.rollback()
        return render(request, "bids/_opening_result.html", {"error": exc.body().error}, status_code=exc.status_code)
    return render(request, "bids/_opening_result.html", {"message": message})


def parse_data_key(text: str, upload: bytes) -> bytes:
    """The bidder's data key as pasted or uploaded: 64 hex digits, or the output of ``ggzy unwrap [--json]``."""
    raw = (upload.decode("utf-8", "replace") if upload else "") or text
    raw = raw.strip()
    if raw.startswith("{"):
        try:
            value = json.loads(raw).get("data_key", "")
        except (ValueError, AttributeError):
            value = ""
        raw = value if isinstance(value, str) else ""
    match = _HEX64.search(raw)
    if match is None:
        raise InvalidInput(
            "数据密钥应为 64 位十六进制，或 ggzy unwrap（--json）的输出", code="DATA_KEY_INVALID", field="data_key"
        )
    return bytes.fromhex(match.group(0))


@router.post("/lots/{lot_id}/opening/decrypt", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def decrypt_form(
    request: Request,
    lot_id: int,
    actor: Annotated[Principal, Depends(allow(Role.bidder_staff))],
    session: DB,
    clock: ClockDep,
    settings: SettingsDep,
    db: Annotated[Database, Depends(get_db)],
    bid_id: Annotated[str, Form(max_length=64)],
    data_key: Annotated[str, Form(max_length=4096)] = "",
    key_file: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse:
    storage = BidStorage.under(settings.data_dir)

    def run() -> str:
        key = parse_data_key(data_key, key_file.file.read(4096) if key_file is not None else b"")
        reader = db.session(write=False)  # stream and verify without holding a write lock
        try:
            opened = opening.read_own_bid(reader, actor=actor, bid_id=bid_id, data_key=key, storage=storage)
        finally:
            reader.close()
        bid = opening.decrypt_bid(
            session, actor=actor, bid_id=bid_id, data_key=key, storage=storage, now=clock.now(), opened=opened
        )
        return f"投标文件 {bid.id} 已解密，报价 {opened[0].price} 元（开标结束前仅本单位可见）"

    return _result(request, session, run)


def parse_shares(text: str, files: list[bytes]) -> list[dict[str, Any]]:
    """Share documents from uploaded files and/or pasted JSON (one object, an array, or one object per line)."""
    docs: list[Any] = []
    try:
        for content in files:
            docs.append(json.loads(content.decode("utf-8")))
        text = text.strip()
        if text:
            try:
                value = json.loads(text)
                docs.extend(value if isinstance(value, list) else [value])
            except ValueError:
                docs.extend(json.loads(line) for line in text.splitlines() if line.strip())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("分片不是有效的 JSON 文件", code="SHARE_INVALID", field="shares") from exc
    if not docs:
        raise InvalidInput("请上传或粘贴保管人的密钥分片", code="SHARES_INSUFFICIENT", field="shares")
    if not all(isinstance(d, dict) for d in docs):
        raise InvalidInput("每个分片应为一个 JSON 对象", code="SHARE_INVALID", field="shares")
    return docs


@router.post("/lots/{lot_id}/opening/escrow", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def escrow_form(
    request: Request,
    lot_id: int,
    actor: Center,
    session: DB,
    clock: ClockDep,
    settings: SettingsDep,
    reason: Annotated[str, Form(max_length=500)] = "",
    bid_ids: Annotated[list[str] | None, Form()] = None,
    shares_text: Annotated[str, Form(max_length=200_000)] = "",
    share_files: Annotated[list[UploadFile] | None, File()] = None,
) -> HTMLResponse:
    def run() -> str:
        files = [f.file.read(65_536) for f in share_files or [] if f.filename]
        bids = opening.open_by_escrow(
            session,
            actor=actor,
            lot_id=lot_id,
            bid_ids=list(bid_ids or []),
            reason=reason,
            shares=parse_shares(shares_text, files),
            storage=BidStorage.under(settings.data_dir),
            now=clock.now(),
        )
        return f"已以保管人分片恢复开标密钥并代为解密 {len(bids)} 份投标文件：{'、'.join(b.id for b in bids)}"

    return _result(request, session, run)


@router.post("/lots/{lot_id}/opening/classify", response_class=HTMLResponse, dependencies=[Depends(csrf_protect)])
def classify_form(
    request: Request,
    lot_id: int,
    actor: Center,
    session: DB,
    clock: ClockDep,
    bid_id: Annotated[str, Form(max_length=64)],
    cause: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> HTMLResponse:
    def run() -> str:
        bid = opening.classify_failure(session, actor=actor, bid_id=bid_id, cause=cause, note=note, now=clock.now())
        if bid.lot_id != lot_id:  # the form belongs to one lot's hall
            raise InvalidInput("投标文件不属于本标段", code="BID_NOT_FOUND", field="bid_id")
        label = opening.STATUS_ZH[bid.status]
        return f"投标文件 {bid.id} 认定为“{label}”（《电子招标投标办法》第三十一条）"

    return _result(request, session, run)
