"""opening_notice: the opening record is the published notice; opening_records only points at it

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("opening_records") as batch:
        batch.add_column(sa.Column("notice_id", sa.Integer(), nullable=True))
    # The close published the lot's opening (or failure) notice in the same transaction: point at it.
    op.execute(
        "UPDATE opening_records SET notice_id = (SELECT n.id FROM notices n WHERE n.lot_id = opening_records.lot_id"
        " AND n.kind IN ('opening', 'failure') ORDER BY n.ledger_index DESC LIMIT 1)"
    )
    # A record without its notice predates notices (development data only): it cannot be kept consistent.
    op.execute("DELETE FROM opening_records WHERE notice_id IS NULL")
    with op.batch_alter_table("opening_records") as batch:
        batch.alter_column("notice_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(op.f("fk_opening_records_notice_id_notices"), "notices", ["notice_id"], ["id"])
        batch.drop_column("document")
        batch.drop_column("document_hash")
        batch.drop_column("signature")
        batch.drop_column("key_id")


def downgrade() -> None:
    with op.batch_alter_table("opening_records") as batch:
        batch.add_column(sa.Column("document", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("document_hash", sa.String(length=64), nullable=False, server_default=""))
        batch.add_column(sa.Column("signature", sa.String(length=128), nullable=False, server_default=""))
        batch.add_column(sa.Column("key_id", sa.String(length=64), nullable=False, server_default=""))
    op.execute(
        "UPDATE opening_records SET document = n.document, document_hash = n.digest, signature = n.signature,"
        " key_id = n.key_id FROM notices n WHERE n.id = opening_records.notice_id"
    )
    with op.batch_alter_table("opening_records") as batch:
        batch.drop_constraint(op.f("fk_opening_records_notice_id_notices"), type_="foreignkey")
        batch.drop_column("notice_id")
