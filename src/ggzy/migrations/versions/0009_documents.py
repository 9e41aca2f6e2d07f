"""documents: tender document files, recorded downloads, the download commitment, downloader notifications

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ggzy.core.db

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tender_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("ext", sa.String(length=10), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("relpath", sa.String(length=300), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("replaces_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_tender_documents_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["replaces_id"], ["tender_documents.id"], name=op.f("fk_tender_documents_replaces_id_tender_documents")
        ),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_tender_documents_notice_id_notices")),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], name=op.f("fk_tender_documents_uploaded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_documents")),
    )
    op.create_index(op.f("ix_tender_documents_lot_id"), "tender_documents", ["lot_id"], unique=False)
    op.create_index(op.f("ix_tender_documents_status"), "tender_documents", ["status"], unique=False)
    op.create_table(
        "tender_document_downloads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_tender_document_downloads_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["tender_documents.id"],
            name=op.f("fk_tender_document_downloads_document_id_tender_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entities.id"], name=op.f("fk_tender_document_downloads_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_tender_document_downloads_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_document_downloads")),
    )
    op.create_index(op.f("ix_tender_document_downloads_lot_id"), "tender_document_downloads", ["lot_id"], unique=False)
    op.create_table(
        "tender_download_commitments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("cutoff", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_tender_download_commitments_lot_id_lots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_download_commitments")),
        sa.UniqueConstraint("lot_id", name=op.f("uq_tender_download_commitments_lot_id")),
    )
    op.create_table(
        "tender_document_notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_tender_document_notifications_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["notice_id"], ["notices.id"], name=op.f("fk_tender_document_notifications_notice_id_notices")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_tender_document_notifications_user_id_users")),
        sa.ForeignKeyConstraint(
            ["entity_id"], ["entities.id"], name=op.f("fk_tender_document_notifications_entity_id_entities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tender_document_notifications")),
        sa.UniqueConstraint("notice_id", "user_id", "channel", name="uq_tender_document_notifications_notice_user"),
    )
    op.create_index(
        op.f("ix_tender_document_notifications_lot_id"), "tender_document_notifications", ["lot_id"], unique=False
    )
    op.create_index(
        op.f("ix_tender_document_notifications_user_id"), "tender_document_notifications", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("tender_document_notifications")
    op.drop_table("tender_download_commitments")
    op.drop_table("tender_document_downloads")
    op.drop_table("tender_documents")
