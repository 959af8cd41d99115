"""Absence reports (P6): ahead of time or afterwards, visible to the caseworker at once.

A report covers from a first day's start (or a given time) to a last day's end (or a given
time), in Stockholm wall-clock time, stored as UTC. It starts as pending; the caseworker
decides whether the reason is acceptable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import AbsenceDecision, AbsenceReason, AbsenceReport, Person
from portal.refs import new_ref
from portal.services import attachments

#: How far back a report may reach; older absences are a matter for the caseworker.
MAX_DAYS_BACK = 60
MAX_DAYS_AHEAD = 183
MAX_LENGTH_DAYS = 31


@dataclass(frozen=True)
class AbsenceInput:
    """A report as typed: days, optional times, reason and an optional text."""

    first_day: date
    last_day: date | None
    from_time: time | None
    to_time: time | None
    reason: str
    description: str = ""


def interval(data: AbsenceInput, today: date) -> tuple[datetime, datetime]:
    """The report's start and end as aware UTC datetimes, after checking the dates.

    Raises DomainError with code ``last_before_first``, ``too_long``, ``too_early``,
    ``too_late`` or ``times_ordered``.
    """
    last = data.last_day or data.first_day
    if last < data.first_day:
        raise DomainError("last_before_first", "last_before_first")
    if (last - data.first_day).days + 1 > MAX_LENGTH_DAYS:
        raise DomainError("too_long", "too_long")
    if data.first_day < today - timedelta(days=MAX_DAYS_BACK):
        raise DomainError("too_early", "too_early")
    if last > today + timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError("too_late", "too_late")
    start = datetime.combine(data.first_day, data.from_time or time(0), tzinfo=STOCKHOLM)
    if data.to_time is None:
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=STOCKHOLM)
    else:
        end = datetime.combine(last, data.to_time, tzinfo=STOCKHOLM)
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        raise DomainError("times_ordered", "times_ordered")
    return start, end


def report_absence(
    person: Person,
    data: AbsenceInput,
    *,
    today: date,
    upload=None,
    document_type: str = "medical",
) -> AbsenceReport:
    """Record a pending absence report, with an optional document (checked like any upload)."""
    try:
        reason = AbsenceReason(data.reason)
    except ValueError:
        raise DomainError("bad_reason", "bad_reason") from None
    start, end = interval(data, today)
    report = AbsenceReport(
        public_ref=new_ref(),
        person_id=person.id,
        from_at=start,
        to_at=end,
        reason=reason,
        description=(data.description or "").strip()[:2000],
        decision=AbsenceDecision.PENDING,
    )
    db.session.add(report)
    db.session.flush()
    if upload is not None and getattr(upload, "filename", ""):
        attachments.store_upload(
            person, upload, absence_report=report, document_type=document_type or "medical"
        )
    return report


def reports_of(person: Person) -> list[AbsenceReport]:
    """The person's absence reports, latest absence first."""
    return list(
        db.session.scalars(
            sa.select(AbsenceReport)
            .where(AbsenceReport.person_id == person.id)
            .order_by(AbsenceReport.from_at.desc())
        )
    )


def pending_count(person: Person) -> int:
    """How many of the person's reports wait for the caseworker's decision."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AbsenceReport)
        .where(
            AbsenceReport.person_id == person.id,
            AbsenceReport.decision == AbsenceDecision.PENDING,
        )
    )


def report_of(person: Person, ref: str) -> AbsenceReport:
    """The person's own report by public reference, else DomainError('not_found', 404)."""
    report = db.session.scalar(sa.select(AbsenceReport).where(AbsenceReport.public_ref == ref))
    if report is None or report.person_id != person.id:
        raise DomainError("not_found", "not_found", 404)
    return report


def withdraw(person: Person, ref: str) -> None:
    """Withdraw the person's own report while it waits for the caseworker's assessment.

    The report and the documents sent with it are removed (nothing has been decided on them).
    Raises DomainError ``not_found`` (404) for another person's or an unknown report and
    ``not_pending`` (409) once the caseworker has assessed it.
    """
    report = report_of(person, ref)
    if report.decision != AbsenceDecision.PENDING:
        raise DomainError("not_pending", "not_pending", 409)
    attachments.remove_with_report(report)
    db.session.delete(report)
    db.session.flush()
