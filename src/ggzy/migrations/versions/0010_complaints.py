"""complaints: questions (答疑), objections (异议/质疑) and the holds that pause a lot

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ggzy.core.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lot_holds",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("placed_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("released_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_lot_holds_lot_id_lots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_holds")),
    )
    op.create_index(op.f("ix_lot_holds_lot_id"), "lot_holds", ["lot_id"], unique=False)
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("asker_user_id", sa.Integer(), nullable=False),
        sa.Column("asker_entity_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("asked_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_questions_lot_id_lots")),
        sa.ForeignKeyConstraint(["asker_user_id"], ["users.id"], name=op.f("fk_questions_asker_user_id_users")),
        sa.ForeignKeyConstraint(
            ["asker_entity_id"], ["entities.id"], name=op.f("fk_questions_asker_entity_id_entities")
        ),
        sa.ForeignKeyConstraint(["answered_by"], ["users.id"], name=op.f("fk_questions_answered_by_users")),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], name=op.f("fk_questions_notice_id_notices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    op.create_index(op.f("ix_questions_lot_id"), "questions", ["lot_id"], unique=False)
    op.create_index(op.f("ix_questions_asker_entity_id"), "questions", ["asker_entity_id"], unique=False)
    op.create_table(
        "objections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("changes_documents", sa.Boolean(), nullable=False),
        sa.Column("hold_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_objections_lot_id_lots")),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_objections_entity_id_entities")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_objections_user_id_users")),
        sa.ForeignKeyConstraint(["answered_by"], ["users.id"], name=op.f("fk_objections_answered_by_users")),
        sa.ForeignKeyConstraint(["hold_id"], ["lot_holds.id"], name=op.f("fk_objections_hold_id_lot_holds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objections")),
    )
    op.create_index(op.f("ix_objections_lot_id"), "objections", ["lot_id"], unique=False)
    op.create_index(op.f("ix_objections_entity_id"), "objections", ["entity_id"], unique=False)
    op.create_index(op.f("ix_objections_status"), "objections", ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("objections")
    op.drop_table("questions")
    op.drop_table("lot_holds")
