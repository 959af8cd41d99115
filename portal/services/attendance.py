"""My attendance (P5): the same figures the caseworker sees, and the visits behind them.

Figures come from reconciliation's ``evaluate_person`` (the rule book's engine on the
person's data), counted up to yesterday like the caseworker's dashboards, so slots later today
are not counted as missed. Visits are derived from the attendance log by
``portal.attendance``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from portal.attendance import EventFact, Visit, derive_visits
from portal.compliance.engine import Result
from portal.compliance.periods import month_bounds
from portal.compliance.reconcile import evaluate_person
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import AbsenceReport, Activity, AttendanceEvent, Person


@dataclass(frozen=True)
class Period:
    """A period's figures (None before its first day is over) and its bounds."""

    start: date
    end: date
    counted_to: date | None
    result: Result | None


@dataclass(frozen=True)
class MyVisit:
    """A visit with its activity, for display."""

    visit: Visit
    activity: Activity | None


def period(person: Person, start: date, end: date, today: date) -> Period:
    """The engine's figures for start..end, counted up to yesterday."""
    yesterday = today - timedelta(days=1)
    if yesterday < start:
        return Period(start, end, None, None)
    try:
        result = evaluate_person(person, start, end, through=yesterday)
    except DomainError as error:
        if error.code == "period_not_started":
            return Period(start, end, None, None)
        raise
    return Period(start, end, min(end, yesterday), result)


def month_period(person: Person, month: str, today: date) -> Period:
    """The figures of a month written YYYY-MM (DomainError 'invalid_month' otherwise)."""
    first, last = month_bounds(month)
    return period(person, first, last, today)


def week_period(person: Person, today: date) -> Period:
    """The figures of the current ISO week."""
    monday = today - timedelta(days=today.weekday())
    return period(person, monday, monday + timedelta(days=6), today)


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def events_with_chains(
    *conditions: sa.ColumnElement[bool], backward: bool = True
) -> list[AttendanceEvent]:
    """Events matching the conditions, with their chains of corrections and annulments.

    The one reader of the chain in the database: the events that correct or annul a matching
    event (and those that correct or annul them), and, with ``backward``, the events a
    matching correction supersedes (a correction may move an event from outside the window
    into it). One query in the usual case, one more per link of a longer chain;
    ``portal.attendance`` then interprets the chain. (Reconciliation's bulk loader reads the
    same links set-based for a whole municipality, as plain rows.)
    """
    matching = sa.select(AttendanceEvent.id).where(*conditions)
    rows = {
        e.id: e
        for e in db.session.scalars(
            sa.select(AttendanceEvent).where(
                sa.or_(sa.and_(*conditions), AttendanceEvent.supersedes_id.in_(matching))
            )
        )
    }
    later = {e.id for e in rows.values() if e.supersedes_id is not None}
    earlier = {e.supersedes_id for e in rows.values() if e.supersedes_id} if backward else set()
    while later or earlier - rows.keys():
        found = []
        if later:
            found += db.session.scalars(
                sa.select(AttendanceEvent).where(AttendanceEvent.supersedes_id.in_(sorted(later)))
            ).all()
        wanted = earlier - rows.keys()
        if wanted:
            found += db.session.scalars(
                sa.select(AttendanceEvent).where(AttendanceEvent.id.in_(sorted(wanted)))
            ).all()
        new = [e for e in found if e.id not in rows]
        rows.update((e.id, e) for e in new)
        later = {e.id for e in new}
        earlier = {e.supersedes_id for e in new if e.supersedes_id} if backward else set()
    return list(rows.values())


def visits(person: Person, start: date, end: date) -> list[MyVisit]:
    """The person's visits that began start..end, newest first."""
    lo, hi = _utc(start), _utc(end + timedelta(days=1))
    # A day's margin each side: a visit that began late the evening before the window closes
    # in it, and one begun on its last evening closes after midnight.
    rows = events_with_chains(
        AttendanceEvent.person_id == person.id,
        AttendanceEvent.occurred_at >= lo - timedelta(days=1),
        AttendanceEvent.occurred_at < hi + timedelta(days=1),
    )
    found = [v for v in derive_visits(EventFact.of(r) for r in rows) if lo <= v.in_at < hi]
    ids = {v.activity_id for v in found}
    activities = (
        {a.id: a for a in db.session.scalars(sa.select(Activity).where(Activity.id.in_(ids)))}
        if ids
        else {}
    )
    found.sort(key=lambda v: v.in_at, reverse=True)
    return [MyVisit(v, activities.get(v.activity_id)) for v in found]


def absences_in(person: Person, start: date, end: date) -> list[AbsenceReport]:
    """Absence reports overlapping start..end, earliest first."""
    lo, hi = _utc(start), _utc(end + timedelta(days=1))
    return list(
        db.session.scalars(
            sa.select(AbsenceReport)
            .where(
                AbsenceReport.person_id == person.id,
                AbsenceReport.from_at < hi,
                AbsenceReport.to_at > lo,
            )
            .order_by(AbsenceReport.from_at)
        )
    )
