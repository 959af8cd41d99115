"""Append-only tables refuse updates and deletes at the ORM level.

PostgreSQL additionally refuses them with a trigger (see the initial migration), so a
hand-written UPDATE cannot rewrite history either.
"""

from sqlalchemy import event

from portal.models.audit import AuditEntry
from portal.models.checkin import AttendanceEvent

APPEND_ONLY = (AttendanceEvent, AuditEntry)


class AppendOnlyViolation(RuntimeError):
    """Raised when code tries to change or remove a row of an append-only table."""


def _refuse(mapper, connection, target):
    raise AppendOnlyViolation(f"{type(target).__name__} rows are append-only")


for _model in APPEND_ONLY:
    event.listen(_model, "before_update", _refuse)
    event.listen(_model, "before_delete", _refuse)
