"""A session version for applicants, so that signing out ends the session on every server.

Revision ID: 0006_person_session_version
Revises: 0005_open_on_holidays

"""

import sqlalchemy as sa
from alembic import op

revision = "0006_person_session_version"
down_revision = "0005_open_on_holidays"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("person") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("person") as batch:
        batch.drop_column("session_version")
