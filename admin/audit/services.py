"""Searching the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import AuditEntry, Person, StaffUser

PAGE_SIZE = 50


@dataclass
class AuditRow:
    entry: AuditEntry
    actor: StaffUser | None
    person_ref: str | None


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM)


def search(
    *,
    actor: str | None = None,
    person_ref: str | None = None,
    action: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
) -> tuple[list[AuditRow], bool]:
    """Audit rows matching the filters, newest first; returns (rows, has_more)."""
    q = (
        sa.select(AuditEntry, StaffUser, Person.public_ref)
        .outerjoin(StaffUser, AuditEntry.actor_user_id == StaffUser.id)
        .outerjoin(Person, AuditEntry.person_id == Person.id)
    )
    if actor:
        q = q.where(sa.func.lower(StaffUser.email) == actor.strip().lower())
    if person_ref:
        q = q.where(Person.public_ref == person_ref.strip())
    if action:
        q = q.where(AuditEntry.action == action)
    if date_from:
        q = q.where(AuditEntry.at >= _local_midnight(date_from))
    if date_to:
        q = q.where(AuditEntry.at < _local_midnight(date_to + timedelta(days=1)))
    page = max(page, 1)
    q = q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    q = q.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    rows = [AuditRow(entry, user, ref) for entry, user, ref in db.session.execute(q)]
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
