"""Service-level reminders to caseworkers: a daily e-mail when applications are overdue.

The e-mail names no person and no case: only how many applications of the caseworker's unit
have passed the time for first contact or for a plan (the same timers as the queue).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from admin.casework.queue import caseworker_counts
from portal.extensions import db
from portal.i18n import to_local
from portal.models import StaffRole, StaffUser, utcnow
from portal.notices.services import notify_staff

#: The reminder goes out at the first run of the queue from this local hour.
REMINDER_FROM_HOUR = 7


def queue_sla_reminders(now: datetime | None = None) -> int:
    """Queue today's reminder for each active caseworker whose unit has overdue applications.

    Idempotent per caseworker and day; returns how many reminders were new. The caller commits.
    """
    now = now or utcnow()
    local = to_local(now)
    if local.hour < REMINDER_FROM_HOUR:
        return 0
    users = db.session.scalars(
        sa.select(StaffUser).where(
            StaffUser.role == StaffRole.CASEWORKER,
            StaffUser.active.is_(True),
            StaffUser.unit_id.is_not(None),
        )
    )
    queued = 0
    for user in users:
        overdue = caseworker_counts(user, now)["overdue"]
        if overdue and notify_staff(
            None, user, "sla_overdue", key=local.date().isoformat(), count=overdue
        ):
            queued += 1
    return queued
