"""AF exchange: the rest of Arbetsförmedlingen's action plan for a person.

Revision ID: 0002_catalogue
Revises: 0002_reconcile

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_catalogue"
down_revision = "0002_reconcile"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "af_action_plan",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("af_reference", sa.String(length=64), nullable=False),
        sa.Column("obligations", sa.JSON(), nullable=False),
        sa.Column("hours_per_week_needed", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("part_time_reason", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "hours_per_week_needed IS NULL OR "
            "(hours_per_week_needed >= 0 AND hours_per_week_needed <= 80)",
            name=op.f("ck_af_action_plan_hours"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_af_action_plan_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["staff_user.id"],
            name=op.f("fk_af_action_plan_imported_by_id_staff_user"),
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_af_action_plan")),
    )


def downgrade():
    op.drop_table("af_action_plan")
