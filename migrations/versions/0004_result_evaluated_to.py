"""Reconciliation: the last day a stored result counts, and an index for the dashboards.

Revision ID: 0002_reconcile
Revises: 0002_checkin

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_reconcile"
down_revision = "0002_checkin"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("compliance_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evaluated_to", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_compliance_result_evaluated_within"),
            "evaluated_to IS NULL OR (evaluated_to >= period_from AND evaluated_to <= period_to)",
        )
        batch_op.create_index(
            "ix_compliance_result_period", ["period_from", "period_to", "status"], unique=False
        )


def downgrade():
    with op.batch_alter_table("compliance_result", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_result_period")
        batch_op.drop_constraint(op.f("ck_compliance_result_evaluated_within"), type_="check")
        batch_op.drop_column("evaluated_to")
