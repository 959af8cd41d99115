"""Activities open on public holidays (a drop-in centre); the others are closed then.

Revision ID: 0005_open_on_holidays
Revises: 0004_checkin_revocation

"""

import sqlalchemy as sa
from alembic import op

revision = "0005_open_on_holidays"
down_revision = "0004_checkin_revocation"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("activity") as batch:
        batch.add_column(
            sa.Column("open_on_holidays", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("activity") as batch:
        batch.drop_column("open_on_holidays")
