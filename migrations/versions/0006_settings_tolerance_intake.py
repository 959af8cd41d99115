"""Shortfall tolerance and reply deadline settings; intake unit and postcode intake rules.

Revision ID: 0003_settings_intake
Revises: 0002_catalogue

"""

import sqlalchemy as sa
from alembic import op

revision = "0003_settings_intake"
down_revision = "0002_catalogue"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("municipality_settings") as batch:
        batch.add_column(
            sa.Column(
                "shortfall_tolerance_minutes", sa.Integer(), server_default="0", nullable=False
            )
        )
        batch.add_column(
            sa.Column("reply_deadline_days", sa.Integer(), server_default="7", nullable=False)
        )
        batch.add_column(sa.Column("intake_unit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_municipality_settings_intake_unit_id_unit"),
            "unit",
            ["intake_unit_id"],
            ["id"],
        )
        batch.create_check_constraint(
            batch.f("ck_municipality_settings_shortfall_tolerance"),
            "shortfall_tolerance_minutes >= 0",
        )
        batch.create_check_constraint(
            batch.f("ck_municipality_settings_reply_deadline"),
            "reply_deadline_days BETWEEN 1 AND 60",
        )
    with op.batch_alter_table("person") as batch:
        batch.add_column(sa.Column("postcode", sa.String(length=5), nullable=True))
    op.create_table(
        "intake_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("postcode_prefix", sa.String(length=5), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "length(postcode_prefix) BETWEEN 1 AND 5", name=op.f("ck_intake_rule_postcode_prefix")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_intake_rule_municipality_id_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_intake_rule_unit_id_unit"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_rule")),
        sa.UniqueConstraint(
            "municipality_id",
            "postcode_prefix",
            name=op.f("uq_intake_rule_municipality_id_postcode_prefix"),
        ),
    )


def downgrade():
    op.drop_table("intake_rule")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("postcode")
    with op.batch_alter_table("municipality_settings") as batch:
        batch.drop_constraint(batch.f("ck_municipality_settings_reply_deadline"), type_="check")
        batch.drop_constraint(
            batch.f("ck_municipality_settings_shortfall_tolerance"), type_="check"
        )
        batch.drop_constraint(
            batch.f("fk_municipality_settings_intake_unit_id_unit"), type_="foreignkey"
        )
        batch.drop_column("intake_unit_id")
        batch.drop_column("reply_deadline_days")
        batch.drop_column("shortfall_tolerance_minutes")
