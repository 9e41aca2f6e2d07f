"""opening: decrypted bid forms and signed opening records

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ggzy.core.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bid_openings",
        sa.Column("bid_id", sa.String(length=32), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("price", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("cause", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["bid_id"], ["bids.id"], name=op.f("fk_bid_openings_bid_id_bids")),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_bid_openings_lot_id_lots")),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_bid_openings_actor_id_users")),
        sa.PrimaryKeyConstraint("bid_id", name=op.f("pk_bid_openings")),
    )
    op.create_index(op.f("ix_bid_openings_lot_id"), "bid_openings", ["lot_id"], unique=False)
    op.create_table(
        "opening_records",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("document_hash", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=False),
        sa.Column("closed_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_opening_records_lot_id_lots")),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name=op.f("fk_opening_records_closed_by_users")),
        sa.PrimaryKeyConstraint("lot_id", name=op.f("pk_opening_records")),
    )


def downgrade() -> None:
    op.drop_table("opening_records")
    op.drop_index(op.f("ix_bid_openings_lot_id"), table_name="bid_openings")
    op.drop_table("bid_openings")
