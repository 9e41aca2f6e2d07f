"""Notifications and the reveal run through the outbox after commit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from ggzy.core.events import emit
from ggzy.experts import notify
from ggzy.experts.models import Committee, ExpertNotification


def test_drawn_experts_are_notified_after_commit(drawn, clean_db) -> None:  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        rows = list(s.scalars(select(ExpertNotification)))
        assert len(rows) == 6 and all(r.channel == "log" for r in rows)
        assert "兰州评标室" in rows[0].body and "保密" in rows[0].body


def test_result_fixed_event_reveals_the_committee(client, drawn, clean_db, clock) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/api/committees/{drawn.committee_id}").json()["names_visible"] is False
    with clean_db.transaction() as s:
        emit(
            s,
            "evaluation.result_fixed",
            {"lot_id": drawn.lot_id, "committee_id": drawn.committee_id, "report_id": 1},
            now=clock.now(),
        )
    with clean_db.transaction() as s:
        assert s.get(Committee, drawn.committee_id).result_fixed_at is not None  # type: ignore[union-attr]
    body = client.get(f"/api/committees/{drawn.committee_id}").json()
    assert body["names_visible"] is True and drawn.member_names[0] in str(body["members"])


def test_email_channel_sends_through_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[Any] = []

    class FakeSMTP:
        def __init__(self, host: str, port: int, timeout: int) -> None:
            assert (host, port) == ("mail.test", 2525)

        def __enter__(self) -> FakeSMTP:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def send_message(self, message: Any) -> None:
            sent.append(message)

    monkeypatch.setattr(notify.smtplib, "SMTP", FakeSMTP)
    channel = notify.EmailChannel("mail.test", 2525)
    channel.send(notify.Message(1, "a@b.cn", "评标抽取通知", "正文"))
    assert sent[0]["To"] == "a@b.cn" and sent[0]["Subject"] == "评标抽取通知"
    with pytest.raises(ValueError):
        channel.send(notify.Message(1, "", "x", "y"))


def test_notifications_count_only_drawn_members(drawn, clean_db) -> None:  # type: ignore[no-untyped-def]
    with clean_db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ExpertNotification)) == 6
