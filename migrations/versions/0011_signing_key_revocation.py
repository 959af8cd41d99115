"""Check-in: revoked signing keys, and how many days back site staff may register a missed
check-in or check-out.

Revision ID: 0004_checkin_revocation
Revises: 0003_settings_intake

"""

import sqlalchemy as sa
from alembic import op

revision = "0004_checkin_revocation"
down_revision = "0004_reports"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signing_key") as batch:
        batch.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("revoked_reason", sa.String(length=200), nullable=True))
    with op.batch_alter_table("municipality_settings") as batch:
        batch.add_column(
            sa.Column("checkin_backdate_days", sa.Integer(), server_default="7", nullable=False)
        )
        batch.create_check_constraint(
            batch.f("ck_municipality_settings_checkin_backdate"),
            "checkin_backdate_days BETWEEN 0 AND 31",
        )


def downgrade():
    with op.batch_alter_table("municipality_settings") as batch:
        batch.drop_constraint(batch.f("ck_municipality_settings_checkin_backdate"), type_="check")
        batch.drop_column("checkin_backdate_days")
    with op.batch_alter_table("signing_key") as batch:
        batch.drop_column("revoked_reason")
        batch.drop_column("revoked_at")
