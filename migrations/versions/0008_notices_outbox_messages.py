"""Notices (P10): portal messages, contact verification, per-municipality notice switches;
the outbox may address a member of staff (service-level reminders) and is claimed by status.

Revision ID: 0004_notices
Revises: 0003_settings_intake

"""

import sqlalchemy as sa
from alembic import op

revision = "0004_notices"
down_revision = "0004_decision_notices"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "portal_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_portal_message_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_message")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_portal_message_dedupe_key")),
    )
    op.create_index(
        "ix_portal_message_person_created", "portal_message", ["person_id", "created_at"]
    )
    op.create_table(
        "notice_setting",
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_id"],
            ["municipality.id"],
            name=op.f("fk_notice_setting_municipality_id_municipality"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("municipality_id", "kind", name=op.f("pk_notice_setting")),
    )
    op.create_table(
        "contact_verification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "email", "sms", name="channel", native_enum=False, create_constraint=True, length=32
            ),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("attempts >= 0", name=op.f("ck_contact_verification_attempts")),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_contact_verification_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_verification")),
    )
    op.create_index(
        "ix_contact_verification_person_created",
        "contact_verification",
        ["person_id", "created_at"],
    )
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("staff_user_id", sa.Integer(), nullable=True))
        batch.alter_column("person_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(
            batch.f("fk_outbox_message_staff_user_id_staff_user"),
            "staff_user",
            ["staff_user_id"],
            ["id"],
        )
        batch.create_index(batch.f("ix_outbox_message_staff_user_id"), ["staff_user_id"])
        batch.create_index("ix_outbox_message_status_next", ["status", "next_attempt_at"])
        batch.create_check_constraint(
            batch.f("ck_outbox_message_one_addressee"),
            "(person_id IS NULL) <> (staff_user_id IS NULL)",
        )


def downgrade():
    op.execute("DELETE FROM outbox_message WHERE person_id IS NULL")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_constraint(batch.f("ck_outbox_message_one_addressee"), type_="check")
        batch.drop_index("ix_outbox_message_status_next")
        batch.drop_index(batch.f("ix_outbox_message_staff_user_id"))
        batch.drop_constraint(
            batch.f("fk_outbox_message_staff_user_id_staff_user"), type_="foreignkey"
        )
        batch.alter_column("person_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("staff_user_id")
    op.drop_index("ix_contact_verification_person_created", table_name="contact_verification")
    op.drop_table("contact_verification")
    op.drop_table("notice_setting")
    op.drop_index("ix_portal_message_person_created", table_name="portal_message")
    op.drop_table("portal_message")
