"""Reports: the board's free-text sections of a report, per period.

Revision ID: 0004_reports
Revises: 0003_settings_intake

"""

import sqlalchemy as sa
from alembic import op

revision = "0004_reports"
down_revision = "0004_administration"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("report", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(body) <= 20000", name=op.f("ck_report_text_body_length")),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_report_text_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["staff_user.id"],
            name=op.f("fk_report_text_updated_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_text")),
        sa.UniqueConstraint(
            "municipality_id",
            "report",
            "period",
            "section",
            name=op.f("uq_report_text_municipality_id_report_period_section"),
        ),
    )


def downgrade():
    op.drop_table("report_text")
