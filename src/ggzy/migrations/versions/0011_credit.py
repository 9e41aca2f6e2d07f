"""credit: sanctions barring market entities from bidding

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ggzy.core.db

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sanctions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("scope_trades", sa.JSON(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("authority", sa.String(length=100), nullable=False),
        sa.Column("document_no", sa.String(length=100), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("imposed_by", sa.Integer(), nullable=False),
        sa.Column("imposed_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.Integer(), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_sanctions_entity_id_entities")),
        sa.ForeignKeyConstraint(["imposed_by"], ["users.id"], name=op.f("fk_sanctions_imposed_by_users")),
        sa.ForeignKeyConstraint(["lifted_by"], ["users.id"], name=op.f("fk_sanctions_lifted_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sanctions")),
        sa.UniqueConstraint("entity_id", "document_no", name="uq_sanctions_entity_document"),
    )
    op.create_index(op.f("ix_sanctions_entity_id"), "sanctions", ["entity_id"], unique=False)
    op.create_index(op.f("ix_sanctions_valid_from"), "sanctions", ["valid_from"], unique=False)
    op.create_index(op.f("ix_sanctions_valid_until"), "sanctions", ["valid_until"], unique=False)


def downgrade() -> None:
    op.drop_table("sanctions")
