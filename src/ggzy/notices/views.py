"""Public API of notices: each notice with its signed canonical document."""

from __future__ import annotations

from typing import Any

from fastapi import Depends, Response
from sqlalchemy.orm import Session

from ggzy.core.security import Principal, public
from ggzy.notices import queries
from ggzy.web.routing import api_router, get_session

router = api_router(prefix="/api", tags=["公告"])


@router.get("/notices/{notice_id}", summary="公告（含签名的规范化文档）")
def get_notice(
    notice_id: int, session: Session = Depends(get_session), _: Principal | None = Depends(public)
) -> dict[str, Any]:
    return queries.notice_out(queries.get_notice(session, notice_id))


@router.get(
    "/notices/{notice_id}/document",
    summary="公告的规范化 JSON 原文（签名所覆盖的字节）",
    response_class=Response,
)
def get_notice_document(
    notice_id: int, session: Session = Depends(get_session), _: Principal | None = Depends(public)
) -> Response:
    notice = queries.get_notice(session, notice_id)
    return Response(
        content=notice.document.encode(),
        media_type="application/json",
        headers={
            "X-Ggzy-Signature": notice.signature,
            "X-Ggzy-Key-Id": notice.key_id,
            "X-Ggzy-Ledger-Index": str(notice.ledger_index),
            "ETag": f'"{notice.digest}"',
        },
    )


@router.get("/lots/{lot_id}/notices", summary="标段已发布的公告（按发布顺序）")
def lot_notices(
    lot_id: int, session: Session = Depends(get_session), _: Principal | None = Depends(public)
) -> list[dict[str, Any]]:
    return [queries.notice_out(n) for n in queries.lot_notices(session, lot_id)]
