"""Administration: dated settings versions; a per-user session version that ends sessions;
activity sessions on any weekday (weekend sessions are scanned, never counted).

Revision ID: 0004_administration
Revises: 0003_settings_intake

"""

import sqlalchemy as sa
from alembic import op

revision = "0004_administration"
down_revision = "0004_notices"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "settings_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("full_time_hours_per_week", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("mandatory_after_months", sa.Integer(), nullable=False),
        sa.Column("pension_age", sa.Integer(), nullable=False),
        sa.Column(
            "missing_checkout",
            sa.Enum(
                "count_to_slot_end",
                "count_nothing",
                name="missing_checkout",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("extra_exemptions", sa.JSON(), nullable=False),
        sa.Column("exempt_if_af_activity", sa.Boolean(), nullable=False),
        sa.Column("shortfall_tolerance_minutes", sa.Integer(), nullable=False),
        sa.Column("reply_deadline_days", sa.Integer(), nullable=False),
        sa.Column("sla_first_contact_hours", sa.Integer(), nullable=False),
        sa.Column("sla_plan_hours", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "full_time_hours_per_week > 0 AND full_time_hours_per_week <= 60",
            name=op.f("ck_settings_version_full_time"),
        ),
        sa.CheckConstraint(
            "mandatory_after_months >= 0", name=op.f("ck_settings_version_mandatory_after")
        ),
        sa.CheckConstraint(
            "pension_age BETWEEN 55 AND 80", name=op.f("ck_settings_version_pension_age")
        ),
        sa.CheckConstraint(
            "sla_first_contact_hours > 0 AND sla_plan_hours > 0",
            name=op.f("ck_settings_version_sla_positive"),
        ),
        sa.CheckConstraint(
            "shortfall_tolerance_minutes >= 0",
            name=op.f("ck_settings_version_shortfall_tolerance"),
        ),
        sa.CheckConstraint(
            "reply_deadline_days BETWEEN 1 AND 60", name=op.f("ck_settings_version_reply_deadline")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_settings_version_created_by_id_staff_user"),
        ),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_settings_version_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_settings_version")),
    )
    op.create_index(
        "ix_settings_version_in_force", "settings_version", ["municipality_id", "effective_from"]
    )
    with op.batch_alter_table("activity_session") as batch:
        batch.drop_constraint(batch.f("ck_activity_session_weekday"), type_="check")
        batch.create_check_constraint(
            batch.f("ck_activity_session_weekday"), "weekday BETWEEN 1 AND 7"
        )


def downgrade():
    op.execute("DELETE FROM activity_session WHERE weekday > 5")
    with op.batch_alter_table("activity_session") as batch:
        batch.drop_constraint(batch.f("ck_activity_session_weekday"), type_="check")
        batch.create_check_constraint(
            batch.f("ck_activity_session_weekday"), "weekday BETWEEN 1 AND 5"
        )
    op.drop_index("ix_settings_version_in_force", table_name="settings_version")
    op.drop_table("settings_version")
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("session_version")
