"""evaluation: scoring schemes, sheets, scores, corrections, reports

Revision ID: 0005
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ggzy.core.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scoring_schemes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("price_weight", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("frozen_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_scoring_schemes_created_by_users")),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_scoring_schemes_lot_id_lots")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_schemes")),
        sa.UniqueConstraint("lot_id", name=op.f("uq_scoring_schemes_lot_id")),
    )
    op.create_table(
        "scoring_criteria",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("max_score", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["scoring_schemes.id"],
            name=op.f("fk_scoring_criteria_scheme_id_scoring_schemes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scoring_criteria")),
        sa.UniqueConstraint("scheme_id", "code", name="uq_scoring_criteria_scheme_code"),
    )
    op.create_index(op.f("ix_scoring_criteria_scheme_id"), "scoring_criteria", ["scheme_id"], unique=False)
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=False),
        sa.Column("started_by", sa.Integer(), nullable=False),
        sa.Column("started_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fixed_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["lot_id"], ["lots.id"], name=op.f("fk_evaluations_lot_id_lots")),
        sa.ForeignKeyConstraint(
            ["scheme_id"], ["scoring_schemes.id"], name=op.f("fk_evaluations_scheme_id_scoring_schemes")
        ),
        sa.ForeignKeyConstraint(["started_by"], ["users.id"], name=op.f("fk_evaluations_started_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("lot_id", name=op.f("uq_evaluations_lot_id")),
    )
    op.create_index(op.f("ix_evaluations_committee_id"), "evaluations", ["committee_id"], unique=False)
    op.create_index(op.f("ix_evaluations_status"), "evaluations", ["status"], unique=False)
    op.create_table(
        "evaluation_sheets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("time_short", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("signed_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("voided_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_evaluation_sheets_evaluation_id_evaluations")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_evaluation_sheets_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_sheets")),
    )
    op.create_index(op.f("ix_evaluation_sheets_evaluation_id"), "evaluation_sheets", ["evaluation_id"], unique=False)
    op.create_index(op.f("ix_evaluation_sheets_member_id"), "evaluation_sheets", ["member_id"], unique=False)
    op.create_index(op.f("ix_evaluation_sheets_user_id"), "evaluation_sheets", ["user_id"], unique=False)
    op.create_table(
        "evaluation_verdicts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("bidder_id", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bidder_id"], ["lot_bidders.id"], name=op.f("fk_evaluation_verdicts_bidder_id_lot_bidders")
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["evaluation_sheets.id"],
            name=op.f("fk_evaluation_verdicts_sheet_id_evaluation_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_verdicts")),
        sa.UniqueConstraint("sheet_id", "bidder_id", name="uq_evaluation_verdicts_sheet_bidder"),
    )
    op.create_index(op.f("ix_evaluation_verdicts_sheet_id"), "evaluation_verdicts", ["sheet_id"], unique=False)
    op.create_table(
        "evaluation_scores",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("bidder_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["bidder_id"], ["lot_bidders.id"], name=op.f("fk_evaluation_scores_bidder_id_lot_bidders")
        ),
        sa.ForeignKeyConstraint(
            ["criterion_id"], ["scoring_criteria.id"], name=op.f("fk_evaluation_scores_criterion_id_scoring_criteria")
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["evaluation_sheets.id"],
            name=op.f("fk_evaluation_scores_sheet_id_evaluation_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_scores")),
        sa.UniqueConstraint("sheet_id", "bidder_id", "criterion_id", name="uq_evaluation_scores_cell"),
    )
    op.create_index(op.f("ix_evaluation_scores_sheet_id"), "evaluation_scores", ["sheet_id"], unique=False)
    op.create_table(
        "evaluation_corrections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("score_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("old_score", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("new_score", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("by_user", sa.Integer(), nullable=False),
        sa.Column("at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["by_user"], ["users.id"], name=op.f("fk_evaluation_corrections_by_user_users")),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_evaluation_corrections_evaluation_id_evaluations")
        ),
        sa.ForeignKeyConstraint(
            ["score_id"], ["evaluation_scores.id"], name=op.f("fk_evaluation_corrections_score_id_evaluation_scores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_corrections")),
    )
    op.create_index(
        op.f("ix_evaluation_corrections_evaluation_id"), "evaluation_corrections", ["evaluation_id"], unique=False
    )
    op.create_table(
        "evaluation_reports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("generated_by", sa.Integer(), nullable=False),
        sa.Column("generated_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("fixed_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["evaluation_id"], ["evaluations.id"], name=op.f("fk_evaluation_reports_evaluation_id_evaluations")
        ),
        sa.ForeignKeyConstraint(["generated_by"], ["users.id"], name=op.f("fk_evaluation_reports_generated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_reports")),
        sa.UniqueConstraint("evaluation_id", name=op.f("uq_evaluation_reports_evaluation_id")),
    )
    op.create_table(
        "evaluation_report_signatures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", ggzy.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["evaluation_reports.id"],
            name=op.f("fk_evaluation_report_signatures_report_id_evaluation_reports"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_evaluation_report_signatures_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_report_signatures")),
        sa.UniqueConstraint("report_id", "member_id", name="uq_evaluation_report_signatures_member"),
    )
    op.create_index(
        op.f("ix_evaluation_report_signatures_report_id"), "evaluation_report_signatures", ["report_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("evaluation_report_signatures")
    op.drop_table("evaluation_reports")
    op.drop_table("evaluation_corrections")
    op.drop_table("evaluation_scores")
    op.drop_table("evaluation_verdicts")
    op.drop_table("evaluation_sheets")
    op.drop_table("evaluations")
    op.drop_table("scoring_criteria")
    op.drop_table("scoring_schemes")
