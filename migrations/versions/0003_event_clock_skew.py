"""Check-in: the device clock skew of each attendance event, and an index for device bursts.

Revision ID: 0002_checkin
Revises: 0002_portal

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_checkin"
down_revision = "0002_portal"
branch_labels = None
depends_on = None


def upgrade():
    # The PostgreSQL append-only trigger fires on UPDATE/DELETE only, so adding a column
    # (DDL) is allowed; existing rows get NULL (the device did not say).
    with op.batch_alter_table("attendance_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("clock_skew_s", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_attendance_event_device_occurred", ["device_id", "occurred_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("attendance_event", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_event_device_occurred")
        batch_op.drop_column("clock_skew_s")
