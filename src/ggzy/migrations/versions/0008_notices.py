"""notices: every published notice, signed, with the ledger index that orders the change feed

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ggzy.core.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("related_id", sa.Integer(), nullable=True),
        sa.Column("trade", sa.String(length=32), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("published_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_notices_project_id_projects")),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_notices_lot_id_lots")),
        sa.ForeignKeyConstraint(["related_id"], ["notices.id"], name=op.f("fk_notices_related_id_notices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("ledger_index", name=op.f("uq_notices_ledger_index")),
    )
    op.create_index(op.f("ix_notices_project_id"), "notices", ["project_id"], unique=False)
    op.create_index(op.f("ix_notices_lot_id"), "notices", ["lot_id"], unique=False)
    op.create_index("ix_notices_published", "notices", ["published_at"], unique=False)
    op.create_index("ix_notices_trade_published", "notices", ["trade", "published_at"], unique=False)
    op.create_index("ix_notices_region_published", "notices", ["region_code", "published_at"], unique=False)
    op.create_index("ix_notices_kind_published", "notices", ["kind", "published_at"], unique=False)


def downgrade() -> None:
    op.drop_table("notices")
