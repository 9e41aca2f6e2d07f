"""projects: projects, lots, the bidders opened in each lot, and scheduled transitions

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ggzy.core.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("trade", sa.String(length=32), nullable=False),
        sa.Column("owner_entity_id", sa.Integer(), nullable=False),
        sa.Column("agency_entity_id", sa.Integer(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("fund_source", sa.String(length=100), nullable=False),
        sa.Column("state_funded", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_entity_id"], ["entities.id"], name=op.f("fk_projects_owner_entity_id_entities")),
        sa.ForeignKeyConstraint(["agency_entity_id"], ["entities.id"], name=op.f("fk_projects_agency_entity_id_entities")),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_projects_region_code_regions")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_projects_created_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
        sa.UniqueConstraint("code", name=op.f("uq_projects_code")),
    )
    with op.batch_alter_table("projects") as batch_op:
        batch_op.create_index(batch_op.f("ix_projects_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_trade"), ["trade"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_owner_entity_id"), ["owner_entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_agency_entity_id"), ["agency_entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_region_code"), ["region_code"], unique=False)

    op.create_table(
        "lots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("procedure", sa.String(length=40), nullable=False),
        sa.Column("estimate", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("max_price", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("documents_from", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("documents_until", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("bid_deadline", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("bid_bond", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("stage_reason", sa.Text(), nullable=False),
        sa.Column("evaluated_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("publicity_from", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("publicity_until", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("winner_bidder_id", sa.Integer(), nullable=True),
        sa.Column("awarded_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("contract_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("contract_signed_on", sa.Date(), nullable=True),
        sa.Column("performance", sa.JSON(), nullable=True),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], name=op.f("fk_lots_project_id_projects")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lots")),
        sa.UniqueConstraint("project_id", "code", name="uq_lots_project_code"),
    )
    with op.batch_alter_table("lots") as batch_op:
        batch_op.create_index(batch_op.f("ix_lots_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lots_stage"), ["stage"], unique=False)

    op.create_table(
        "lot_bidders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("listed_items", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opened_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_lot_bidders_lot_id_lots")),
        sa.ForeignKeyConstraint(["entity_id"], ["entities.id"], name=op.f("fk_lot_bidders_entity_id_entities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_bidders")),
        sa.UniqueConstraint("lot_id", "entity_id", name="uq_lot_bidders_lot_entity"),
    )
    with op.batch_alter_table("lot_bidders") as batch_op:
        batch_op.create_index(batch_op.f("ix_lot_bidders_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lot_bidders_entity_id"), ["entity_id"], unique=False)


    op.create_table(
        "lot_candidates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("lot_bidder_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_lot_candidates_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["lot_bidder_id"], ["lot_bidders.id"], name=op.f("fk_lot_candidates_lot_bidder_id_lot_bidders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lot_candidates")),
        sa.UniqueConstraint("lot_id", "lot_bidder_id", name="uq_lot_candidates_lot_bidder"),
    )
    with op.batch_alter_table("lot_candidates") as batch_op:
        batch_op.create_index(batch_op.f("ix_lot_candidates_lot_id"), ["lot_id"], unique=False)
    op.create_table(
        "scheduled_transitions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("due_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fired_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_transitions")),
        sa.UniqueConstraint("subject", "action", "due_at", name="uq_scheduled_transitions_once"),
    )
    with op.batch_alter_table("scheduled_transitions") as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduled_transitions_subject"), ["subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_scheduled_transitions_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_scheduled_transitions_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("scheduled_transitions")
    op.drop_table("lot_candidates")
    op.drop_table("lot_bidders")
    op.drop_table("lots")
    op.drop_table("projects")
