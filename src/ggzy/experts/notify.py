"""Notifications to experts: a channel interface with log and email implementations, driven by the outbox.

The draw emits ``experts.notify`` in its transaction; the handler below runs after commit, so a
notification is never sent for a draw that rolled back, and a failed send is retried by the outbox.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy.orm import Session

from ggzy.core.clock import SystemClock, format_local
from ggzy.core.events import subscribe
from ggzy.experts.models import Committee, CommitteeMember, Expert, ExpertNotification

log = logging.getLogger("ggzy.experts.notify")


@dataclass(frozen=True)
class Message:
    expert_id: int
    to_email: str
    subject: str
    body: str


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


class LogChannel:
    """Writes the message to the application log (the expert also sees it on the assignments page)."""

    name = "log"

    def send(self, message: Message) -> None:
        log.info("notify expert %s: %s", message.expert_id, message.subject)


class EmailChannel:
    """Sends through an SMTP server (configured by the deployment)."""

    name = "email"

    def __init__(self, host: str, port: int = 25, sender: str = "noreply@ggzy.local") -> None:
        self.host, self.port, self.sender = host, port, sender

    def send(self, message: Message) -> None:
        if not message.to_email:
            raise ValueError(f"expert {message.expert_id} has no email address")
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.to_email
        mail["Subject"] = message.subject
        mail.set_content(message.body)
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            smtp.send_message(mail)


_channels: list[Channel] = [LogChannel()]


def configure_channels(channels: list[Channel]) -> None:
    _channels[:] = channels


def compose(session: Session, member: CommitteeMember) -> Message | None:
    expert = session.get(Expert, member.expert_id) if member.expert_id else None
    committee = session.get(Committee, member.committee_id)
    if expert is None or committee is None:
        return None
    subject = "评标抽取通知：请确认是否参加"
    body = (
        f"{expert.name}专家：您已被随机抽取为评标委员会成员（编号 {committee.id}）。\n"
        f"评标时间：{format_local(committee.evaluation_start)} 至 {format_local(committee.evaluation_end)}\n"
        f"评标地点：{committee.venue}\n"
        "请登录平台在“我的评标任务”中确认或拒绝。评标结果确定前请对本次抽取结果保密。"
    )
    return Message(expert.id, expert.email, subject, body)


@subscribe("experts.notify", "experts.send_notification")
def send_notification(session: Session, payload: dict[str, Any]) -> None:
    member = session.get(CommitteeMember, int(payload["member_id"]))
    if member is None:
        return
    message = compose(session, member)
    if message is None:
        return
    for channel in _channels:
        channel.send(message)
        session.add(
            ExpertNotification(
                expert_id=message.expert_id,
                member_id=member.id,
                channel=channel.name,
                subject=message.subject,
                body=message.body,
                created_at=SystemClock().now(),  # delivery time: handlers run outside any request clock
            )
        )


@subscribe("evaluation.result_fixed", "experts.reveal_committee")
def on_result_fixed(session: Session, payload: dict[str, Any]) -> None:
    from ggzy.experts.committees import reveal_committee

    reveal_committee(session, committee_id=int(payload["committee_id"]), now=SystemClock().now())
