"""Applicant portal: a household member's personnummer and an attachment's document type.

Revision ID: 0002_portal
Revises: 0001

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002_portal"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "household_member", sa.Column("personnummer", sa.String(length=12), nullable=True)
    )
    # Existing rows get "other": nothing was known about them.
    op.add_column(
        "attachment",
        sa.Column("document_type", sa.String(length=32), server_default="other", nullable=False),
    )


def downgrade():
    # Plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL): no table rebuild, so the other
    # tables' CHECK constraints are kept.
    op.drop_column("attachment", "document_type")
    op.drop_column("household_member", "personnummer")
