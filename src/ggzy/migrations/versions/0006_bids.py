"""bids: lot opening keys, resumable bid uploads, sealed bids

Revision ID: 0006
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ggzy.core.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lot_opening_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("public_key", sa.String(length=64), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("custodians", sa.JSON(), nullable=False),
        sa.Column("commitments_digest", sa.String(length=64), nullable=False),
        sa.Column("registered_by", sa.Integer(), nullable=False),
        sa.Column("registered_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_lot_opening_keys_lot_id_lots")),
        sa.ForeignKeyConstraint(["registered_by"], ["users.id"], name=op.f("fk_lot_opening_keys_registered_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_opening_keys")),
        sa.UniqueConstraint("lot_id", name="uq_lot_opening_keys_lot_id"),
    )
    op.create_table(
        "bid_uploads",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("bidder_entity_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("declared_size", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["bidder_entity_id"], ["entities.id"], name=op.f("fk_bid_uploads_bidder_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_bid_uploads_lot_id_lots")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_bid_uploads_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bid_uploads")),
    )
    op.create_index(op.f("ix_bid_uploads_lot_id"), "bid_uploads", ["lot_id"], unique=False)
    op.create_index(op.f("ix_bid_uploads_bidder_entity_id"), "bid_uploads", ["bidder_entity_id"], unique=False)
    op.create_index(op.f("ix_bid_uploads_status"), "bid_uploads", ["status"], unique=False)
    op.create_table(
        "bids",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("bidder_entity_id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.String(length=32), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("ciphertext_hash", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("opening_key_id", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=256), nullable=False),
        sa.Column("tool", sa.String(length=256), nullable=False),
        sa.Column("submitted_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_ip", sa.String(length=64), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.Column("receipt", sa.JSON(), nullable=False),
        sa.Column("ended_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["bidder_entity_id"], ["entities.id"], name=op.f("fk_bids_bidder_entity_id_entities")),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_bids_lot_id_lots")),
        sa.ForeignKeyConstraint(["submitted_by"], ["users.id"], name=op.f("fk_bids_submitted_by_users")),
        sa.ForeignKeyConstraint(["upload_id"], ["bid_uploads.id"], name=op.f("fk_bids_upload_id_bid_uploads")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bids")),
    )
    op.create_index(op.f("ix_bids_lot_id"), "bids", ["lot_id"], unique=False)
    op.create_index(op.f("ix_bids_bidder_entity_id"), "bids", ["bidder_entity_id"], unique=False)
    op.create_index(op.f("ix_bids_status"), "bids", ["status"], unique=False)
    # At most one live bid per bidder and lot.
    op.create_index(
        "uq_bids_live",
        "bids",
        ["lot_id", "bidder_entity_id"],
        unique=True,
        sqlite_where=sa.text("status = 'submitted'"),
        postgresql_where=sa.text("status = 'submitted'"),
    )


def downgrade() -> None:
    op.drop_index("uq_bids_live", table_name="bids")
    op.drop_index(op.f("ix_bids_status"), table_name="bids")
    op.drop_index(op.f("ix_bids_bidder_entity_id"), table_name="bids")
    op.drop_index(op.f("ix_bids_lot_id"), table_name="bids")
    op.drop_table("bids")
    op.drop_index(op.f("ix_bid_uploads_status"), table_name="bid_uploads")
    op.drop_index(op.f("ix_bid_uploads_bidder_entity_id"), table_name="bid_uploads")
    op.drop_index(op.f("ix_bid_uploads_lot_id"), table_name="bid_uploads")
    op.drop_table("bid_uploads")
    op.drop_table("lot_opening_keys")
