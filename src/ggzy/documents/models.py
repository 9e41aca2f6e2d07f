"""Tender documents (招标文件/采购文件) of a lot, their recorded downloads and the change notices' recipients.

Download rows are confidential until the bid deadline (20号令 art.21, 法22): nothing about them reaches the
public ledger before then; at the deadline one ledger event commits to the whole list.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ggzy.core.db import Base, UTCDateTime


class TenderDocument(Base):
    """One immutable file. A replacement is a new row (version + 1) published by a change notice."""

    __tablename__ = "tender_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    ext: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    relpath: Mapped[str] = mapped_column(String(300))
    version: Mapped[int] = mapped_column(Integer, default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("tender_documents.id"), nullable=True)
    # pending: uploaded after the notice, waiting for the change notice that publishes it;
    # current: on offer; superseded: replaced by a later version (still downloadable, as history).
    status: Mapped[str] = mapped_column(String(16), default="current", index=True)
    # The change notice that published this version (None for the documents issued with the tender notice).
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), nullable=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DocumentDownload(Base):
    """A logged-in bidder's download: private until the deadline, then seen by center staff and supervisors."""

    __tablename__ = "tender_document_downloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("tender_documents.id"))
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ip: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class DownloadCommitment(Base):
    """The ledger event that fixed a lot's download list at its bid deadline (one per lot)."""

    __tablename__ = "tender_download_commitments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), unique=True)
    ledger_index: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime())


class DocumentNotification(Base):
    """A change or clarification sent to one downloader (20号令 art.22), per channel."""

    __tablename__ = "tender_document_notifications"
    __table_args__ = (
        UniqueConstraint("notice_id", "user_id", "channel", name="uq_tender_document_notifications_notice_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"))
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
