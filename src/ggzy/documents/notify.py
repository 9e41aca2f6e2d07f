"""Every recorded downloader hears of a change or clarification (20号令 art.22), through the outbox.

The change emits ``documents.change_published`` in its transaction; this handler runs after commit and
sends through the platform's notification channels (``ggzy.experts.notify``: log, email), recording each
message once per user and channel so an outbox retry never sends twice. Each message names only its own
recipient: nothing here tells anyone how many others were notified.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ggzy.core.clock import SystemClock, format_local
from ggzy.core.events import subscribe
from ggzy.documents.models import DocumentDownload, DocumentNotification
from ggzy.entities.models import User
from ggzy.experts import notify as channels
from ggzy.notices.models import Notice
from ggzy.notices.service import KINDS
from ggzy.projects.models import Lot


def recipients(session: Session, lot_id: int) -> list[tuple[int, int]]:
    """(user id, entity id) of everyone whose download of this lot's documents was recorded."""
    rows = session.execute(
        select(DocumentDownload.user_id, DocumentDownload.entity_id)
        .where(DocumentDownload.lot_id == lot_id)
        .distinct()
        .order_by(DocumentDownload.user_id, DocumentDownload.entity_id)
    )
    seen: dict[int, int] = {}
    for user_id, entity_id in rows:
        seen.setdefault(user_id, entity_id)
    return sorted(seen.items())


@subscribe("documents.change_published", "documents.notify_downloaders")
def notify_downloaders(session: Session, payload: dict[str, Any]) -> None:
    notice = session.get(Notice, int(payload["notice_id"]))
    lot = session.get(Lot, int(payload["lot_id"]))
    if notice is None or lot is None:
        return
    done = {
        (n.user_id, n.channel)
        for n in session.scalars(select(DocumentNotification).where(DocumentNotification.notice_id == notice.id))
    }
    subject = f"{KINDS[notice.kind]}：{lot.project.name} {lot.code} {lot.name}"
    fields = notice.fields().get("fields", {})
    moved = f"投标截止时间顺延至 {format_local(lot.bid_deadline)}。\n" if fields.get("bid_deadline") else ""
    for user_id, entity_id in recipients(session, lot.id):
        user = session.get(User, user_id)
        if user is None:
            continue
        body = (
            f"{user.display_name}：您下载过招标文件的标段“{lot.project.name} {lot.code} {lot.name}”"
            f"发布了{KINDS[notice.kind]}《{notice.title}》（{format_local(notice.published_at)}）。\n{moved}"
            f"请登录平台查看：/lots/{lot.id}/documents"
        )
        for channel in channels._channels:
            if (user_id, channel.name) in done:
                continue
            # The channel's message names its recipient in ``expert_id``; here it carries the user id.
            channel.send(channels.Message(user_id, "", subject, body))
            session.add(
                DocumentNotification(
                    lot_id=lot.id,
                    notice_id=notice.id,
                    user_id=user_id,
                    entity_id=entity_id,
                    channel=channel.name,
                    subject=subject,
                    body=body,
                    created_at=SystemClock().now(),  # delivery time: handlers run outside any request clock
                )
            )


def notifications_for(session: Session, *, user_id: int, lot_id: int) -> list[DocumentNotification]:
    return list(
        session.scalars(
            select(DocumentNotification)
            .where(DocumentNotification.user_id == user_id, DocumentNotification.lot_id == lot_id)
            .order_by(DocumentNotification.id)
        )
    )
