"""lot_committee: the committee that signed a lot's fixed evaluation report, for the result notices

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lots") as batch:
        batch.add_column(sa.Column("committee", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("lots") as batch:
        batch.drop_column("committee")
