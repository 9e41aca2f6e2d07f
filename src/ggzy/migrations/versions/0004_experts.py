"""experts: classification, expert pool, committees, draws, members, ratings, sanctions, notifications

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ggzy.core.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expert_classification",
        sa.Column("code", sa.String(length=7), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("parent_code", sa.String(length=7), nullable=True),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["expert_classification.code"],
            name=op.f("fk_expert_classification_parent_code_expert_classification"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_expert_classification")),
    )
    op.create_table(
        "experts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=False),
        sa.Column("email", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("title_level", sa.String(length=20), nullable=False),
        sa.Column("years_of_practice", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("employer_name", sa.String(length=100), nullable=False),
        sa.Column("employer_uscc", sa.String(length=18), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", ggzy.core.db.UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_experts_created_by_users")),
        sa.ForeignKeyConstraint(["region_code"], ["regions.code"], name=op.f("fk_experts_region_code_regions")),
        sa.ForeignKeyConstraint(["reviewed_by"], ["users.id"], name=op.f("fk_experts_reviewed_by_users")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_experts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
        sa.UniqueConstraint("id_number", name=op.f("uq_experts_id_number")),
        sa.UniqueConstraint("user_id", name=op.f("uq_experts_user_id")),
    )
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experts_employer_uscc"), ["employer_uscc"], unique=False)
        batch_op.create_index(batch_op.f("ix_experts_region_code"), ["region_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_experts_status"), ["status"], unique=False)

    op.create_table(
        "expert_employments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("employer_name", sa.String(length=100), nullable=False),
        sa.Column("employer_uscc", sa.String(length=18), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_expert_employments_expert_id_experts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_employments")),
    )
    with op.batch_alter_table("expert_employments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_employments_employer_uscc"), ["employer_uscc"], unique=False)
        batch_op.create_index(batch_op.f("ix_expert_employments_expert_id"), ["expert_id"], unique=False)

    op.create_table(
        "expert_interests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("party_uscc", sa.String(length=18), nullable=False),
        sa.Column("party_name", sa.String(length=100), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_expert_interests_expert_id_experts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_interests")),
    )
    with op.batch_alter_table("expert_interests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_interests_expert_id"), ["expert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expert_interests_party_uscc"), ["party_uscc"], unique=False)

    op.create_table(
        "expert_specialties",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=7), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["code"], ["expert_classification.code"], name=op.f("fk_expert_specialties_code_expert_classification")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_expert_specialties_expert_id_experts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_specialties")),
        sa.UniqueConstraint("expert_id", "code", name="uq_expert_specialties_expert_code"),
    )
    with op.batch_alter_table("expert_specialties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_specialties_code"), ["code"], unique=False)
        batch_op.create_index(batch_op.f("ix_expert_specialties_expert_id"), ["expert_id"], unique=False)

    op.create_table(
        "expert_unavailability",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_expert_unavailability_expert_id_experts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_unavailability")),
    )
    with op.batch_alter_table("expert_unavailability", schema=None) as batch_op:
        batch_op.create_index("ix_expert_unavailability_dates", ["start_date", "end_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_expert_unavailability_expert_id"), ["expert_id"], unique=False)

    op.create_table(
        "committees",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("owner_representatives", sa.Integer(), nullable=False),
        sa.Column("owner_representative_user_ids", sa.JSON(), nullable=False),
        sa.Column("requirements", sa.JSON(), nullable=False),
        sa.Column("region_prefixes", sa.JSON(), nullable=False),
        sa.Column("remote_sites", sa.JSON(), nullable=False),
        sa.Column("reserve_count", sa.Integer(), nullable=False),
        sa.Column("evaluation_start", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.Column("evaluation_end", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("secret", sa.LargeBinary(length=32), nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("commitment_index", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("result_fixed_at", ggzy.core.db.UTCDateTime(), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_committees_lot_id_lots")),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], name=op.f("fk_committees_requested_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committees")),
    )
    with op.batch_alter_table("committees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_committees_evaluation_start"), ["evaluation_start"], unique=False)
        batch_op.create_index(batch_op.f("ix_committees_lot_id"), ["lot_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_committees_status"), ["status"], unique=False)

    op.create_table(
        "committee_draws",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("ledger_index", sa.Integer(), nullable=False),
        sa.Column("superseded_reason", sa.Text(), nullable=True),
        sa.Column("drawn_by", sa.Integer(), nullable=True),
        sa.Column("drawn_at", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_committee_draws_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(["drawn_by"], ["users.id"], name=op.f("fk_committee_draws_drawn_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_draws")),
        sa.UniqueConstraint("committee_id", "round", name="uq_committee_draws_committee_round"),
    )
    with op.batch_alter_table("committee_draws", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_committee_draws_committee_id"), ["committee_id"], unique=False)

    op.create_table(
        "expert_ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("rater_role", sa.String(length=20), nullable=False),
        sa.Column("rater_user_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_expert_ratings_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_expert_ratings_expert_id_experts")),
        sa.ForeignKeyConstraint(["rater_user_id"], ["users.id"], name=op.f("fk_expert_ratings_rater_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_ratings")),
        sa.UniqueConstraint("committee_id", "expert_id", "rater_role", name="uq_expert_ratings_committee_expert_role"),
    )
    with op.batch_alter_table("expert_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_ratings_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_expert_ratings_expert_id"), ["expert_id"], unique=False)

    op.create_table(
        "expert_sanctions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("starts_at", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.Column("ends_at", ggzy.core.db.UTCDateTime(), nullable=True),
        sa.Column("committee_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_expert_sanctions_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_expert_sanctions_created_by_users")),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_expert_sanctions_expert_id_experts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_sanctions")),
    )
    with op.batch_alter_table("expert_sanctions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_sanctions_expert_id"), ["expert_id"], unique=False)
        batch_op.create_index("ix_expert_sanctions_period", ["starts_at", "ends_at"], unique=False)

    op.create_table(
        "committee_members",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=True),
        sa.Column("expert_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("specialty_code", sa.String(length=7), nullable=True),
        sa.Column("is_reserve", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("replaced_by_member_id", sa.Integer(), nullable=True),
        sa.Column("response_note", sa.String(length=200), nullable=False),
        sa.Column("responded_at", ggzy.core.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"], ["committees.id"], name=op.f("fk_committee_members_committee_id_committees")
        ),
        sa.ForeignKeyConstraint(
            ["draw_id"], ["committee_draws.id"], name=op.f("fk_committee_members_draw_id_committee_draws")
        ),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_committee_members_expert_id_experts")),
        sa.ForeignKeyConstraint(
            ["replaced_by_member_id"],
            ["committee_members.id"],
            name=op.f("fk_committee_members_replaced_by_member_id_committee_members"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_committee_members_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_committee_members")),
    )
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_committee_members_committee_id"), ["committee_id"], unique=False)
        batch_op.create_index("ix_committee_members_expert_status", ["expert_id", "status"], unique=False)

    op.create_table(
        "expert_notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", ggzy.core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["expert_id"], ["experts.id"], name=op.f("fk_expert_notifications_expert_id_experts")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["committee_members.id"], name=op.f("fk_expert_notifications_member_id_committee_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_expert_notifications")),
    )
    with op.batch_alter_table("expert_notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_expert_notifications_expert_id"), ["expert_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("expert_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_notifications_expert_id"))

    op.drop_table("expert_notifications")
    with op.batch_alter_table("committee_members", schema=None) as batch_op:
        batch_op.drop_index("ix_committee_members_expert_status")
        batch_op.drop_index(batch_op.f("ix_committee_members_committee_id"))

    op.drop_table("committee_members")
    with op.batch_alter_table("expert_sanctions", schema=None) as batch_op:
        batch_op.drop_index("ix_expert_sanctions_period")
        batch_op.drop_index(batch_op.f("ix_expert_sanctions_expert_id"))

    op.drop_table("expert_sanctions")
    with op.batch_alter_table("expert_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_ratings_expert_id"))
        batch_op.drop_index(batch_op.f("ix_expert_ratings_committee_id"))

    op.drop_table("expert_ratings")
    with op.batch_alter_table("committee_draws", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committee_draws_committee_id"))

    op.drop_table("committee_draws")
    with op.batch_alter_table("committees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_committees_status"))
        batch_op.drop_index(batch_op.f("ix_committees_lot_id"))
        batch_op.drop_index(batch_op.f("ix_committees_evaluation_start"))

    op.drop_table("committees")
    with op.batch_alter_table("expert_unavailability", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_unavailability_expert_id"))
        batch_op.drop_index("ix_expert_unavailability_dates")

    op.drop_table("expert_unavailability")
    with op.batch_alter_table("expert_specialties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_specialties_expert_id"))
        batch_op.drop_index(batch_op.f("ix_expert_specialties_code"))

    op.drop_table("expert_specialties")
    with op.batch_alter_table("expert_interests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_interests_party_uscc"))
        batch_op.drop_index(batch_op.f("ix_expert_interests_expert_id"))

    op.drop_table("expert_interests")
    with op.batch_alter_table("expert_employments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_expert_employments_expert_id"))
        batch_op.drop_index(batch_op.f("ix_expert_employments_employer_uscc"))

    op.drop_table("expert_employments")
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_experts_status"))
        batch_op.drop_index(batch_op.f("ix_experts_region_code"))
        batch_op.drop_index(batch_op.f("ix_experts_employer_uscc"))

    op.drop_table("experts")
    op.drop_table("expert_classification")
