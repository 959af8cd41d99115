"""Security hardening: the audit and attendance logs are append-only on SQLite too.

PostgreSQL has had triggers refusing UPDATE and DELETE on these tables since 0001; SQLite
(development, tests, the demo) gets the same rule here, so a change that would fail in
production fails everywhere.

Revision ID: 0004_security
Revises: 0004_notices

"""

from alembic import op

revision = "0004_security"
down_revision = "0006_person_session_version"
branch_labels = None
depends_on = None

APPEND_ONLY_TABLES = ("attendance_event", "audit_entry")


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in APPEND_ONLY_TABLES:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_append_only_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in APPEND_ONLY_TABLES:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{event}")
