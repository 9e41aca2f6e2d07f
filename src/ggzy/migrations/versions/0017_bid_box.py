"""bid_box: a lot's sealed bid box (hash-chained entries, salted seals, the commitment at the deadline)

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ggzy.core.db import UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bid_box_entries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("lot_id", sa.Integer(), sa.ForeignKey("lots.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("receipt_id", sa.String(32), nullable=False),
        sa.Column("ciphertext_hash", sa.String(64), nullable=False),
        sa.Column("replaces", sa.JSON(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("chain", sa.String(64), nullable=False),
        sa.UniqueConstraint("lot_id", "seq", name="uq_bid_box_entries_seq"),
    )
    op.create_index(op.f("ix_bid_box_entries_lot_id"), "bid_box_entries", ["lot_id"], unique=False)
    op.create_table(
        "bid_box_seals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("lot_id", sa.Integer(), sa.ForeignKey("lots.id"), nullable=False),
        sa.Column("slot", UTCDateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
    )
    op.create_index(op.f("ix_bid_box_seals_lot_id"), "bid_box_seals", ["lot_id"], unique=False)
    op.create_index(op.f("ix_bid_box_seals_slot"), "bid_box_seals", ["slot"], unique=False)
    op.create_table(
        "bid_box_commitments",
        sa.Column("lot_id", sa.Integer(), sa.ForeignKey("lots.id"), primary_key=True),
        sa.Column("ledger_index", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("head", sa.String(64), nullable=False),
        sa.Column("cutoff", UTCDateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bid_box_commitments")
    op.drop_table("bid_box_seals")
    op.drop_table("bid_box_entries")
