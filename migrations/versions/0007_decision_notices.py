"""Notices of intended negative decisions (kommunicering); letters of sanction decisions.

Revision ID: 0004_decision_notices
Revises: 0003_settings_intake

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004_decision_notices"
down_revision = "0003_settings_intake"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "decision_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_ref", sa.String(length=24), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "no_action",
                "reduction",
                "refusal",
                name="sanction_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount_sek", sa.Integer(), nullable=True),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("reply_by", sa.Date(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "amount_sek IS NULL OR amount_sek > 0", name=op.f("ck_decision_notice_amount_positive")
        ),
        sa.CheckConstraint(
            "kind IN ('reduction', 'refusal')", name=op.f("ck_decision_notice_negative_kind")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_decision_notice_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["staff_user.id"], name=op.f("fk_decision_notice_sent_by_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_notice")),
        sa.UniqueConstraint("public_ref", name=op.f("uq_decision_notice_public_ref")),
    )
    op.create_index(
        op.f("ix_decision_notice_person_id"), "decision_notice", ["person_id"], unique=False
    )
    with op.batch_alter_table("sanction_decision") as batch:
        batch.add_column(sa.Column("public_ref", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("notice_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint(batch.f("uq_sanction_decision_public_ref"), ["public_ref"])
        batch.create_foreign_key(
            batch.f("fk_sanction_decision_notice_id_decision_notice"),
            "decision_notice",
            ["notice_id"],
            ["id"],
        )
    # Earlier decisions get a reference too, so the applicant can open their letters.
    conn = op.get_bind()
    table = sa.table("sanction_decision", sa.column("id"), sa.column("public_ref"))
    for (row_id,) in conn.execute(sa.select(table.c.id)).all():
        conn.execute(
            table.update().where(table.c.id == row_id).values(public_ref=secrets.token_urlsafe(12))
        )


def downgrade():
    with op.batch_alter_table("sanction_decision") as batch:
        batch.drop_constraint(
            batch.f("fk_sanction_decision_notice_id_decision_notice"), type_="foreignkey"
        )
        batch.drop_constraint(batch.f("uq_sanction_decision_public_ref"), type_="unique")
        batch.drop_column("notice_id")
        batch.drop_column("public_ref")
    op.drop_index(op.f("ix_decision_notice_person_id"), table_name="decision_notice")
    op.drop_table("decision_notice")
