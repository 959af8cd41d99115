"""Who runs a site (anordnare): a municipal unit, an association or a company.

Revision ID: 0015_site_provider
Revises: 0004_security

"""

import sqlalchemy as sa
from alembic import op

revision = "0015_site_provider"
down_revision = "0004_security"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("site") as batch:
        batch.add_column(
            sa.Column("provider", sa.String(length=200), server_default="", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("site") as batch:
        batch.drop_column("provider")
