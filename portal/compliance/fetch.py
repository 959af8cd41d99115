"""Loading: a fixed set of queries, each for every person in scope at once.

What a reconciliation (:mod:`portal.compliance.reconcile`) reads: the people in scope and every
row their scenarios need, with one query per kind of row whatever the number of people. The rows
are grouped by person afterwards, in :class:`portal.compliance.inputs.Inputs`.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from portal.compliance.engine import STOCKHOLM
from portal.extensions import db
from portal.models import (
    AbsenceReport,
    Activity,
    ActivitySession,
    Assessment,
    AttendanceEvent,
    Decision,
    DeclinedOffer,
    ExternalOccupation,
    HouseholdMember,
    Person,
    PersonStatus,
    PlanItem,
    PlanVersion,
    Site,
)
from portal.models.enums import DecisionOutcome, EventKind, EventStatus, MemberRole
from portal.services.settings_versions import settings_in_force

#: Decisions whose month counts as a month with assistance.
ASSISTED = (DecisionOutcome.APPROVED, DecisionOutcome.PARTLY_APPROVED)


@dataclass(frozen=True)
class Scope:
    """Whose figures a run computes: a municipality, optionally one unit or one person."""

    municipality_id: int
    unit_id: int | None = None
    person_id: int | None = None

    def people(self) -> sa.Select:
        """The ids of the people in scope, as a subquery every load filters on."""
        query = sa.select(Person.id).where(Person.municipality_id == self.municipality_id)
        if self.unit_id is not None:
            query = query.where(Person.unit_id == self.unit_id)
        if self.person_id is not None:
            query = query.where(Person.id == self.person_id)
        return query


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause CPython's cycle collector during a bulk run.

    A run holds millions of small objects (rows, visits, results) and makes no reference
    cycles; the collector would traverse them all again at every full collection, which made
    a run of 16 000 people take three times as long as one of 8 000. Reference counting still
    frees everything; the collector resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class Rows:
    """Every row one run needs, as fetched (grouping happens in :class:`Inputs`)."""

    people: list[Any]
    settings: Any
    decisions: list[Any]
    assessments: list[Any]
    statuses: list[Any]
    children: list[Any]
    external: list[Any]
    versions: list[Any]
    items: list[Any]
    activities: list[Any]
    sessions: list[Any]
    events: list[Any]
    absences: list[Any]
    declined: list[Any]


def _window(period_from: date, period_to: date) -> tuple[datetime, datetime]:
    """The UTC instants around the period: a day either side for visits across midnight."""
    start = datetime.combine(period_from - timedelta(days=1), time(0), tzinfo=STOCKHOLM)
    end = datetime.combine(period_to + timedelta(days=2), time(0), tzinfo=STOCKHOLM)
    return start.astimezone(UTC), end.astimezone(UTC)


def _month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def fetch_rows(scope: Scope, period_from: date, period_to: date, settings: Any = None) -> Rows:
    """Run the loads of one reconciliation and fetch every row (the benchmark's baseline).

    ``settings`` replaces the settings in force (a what-if); by default they are read.
    """
    with cyclic_gc_paused():
        return _fetch_rows(scope, period_from, period_to, settings)


def _fetch_rows(scope: Scope, period_from: date, period_to: date, settings: Any = None) -> Rows:
    session = db.session
    people = scope.people()
    if settings is None:
        # The rules in force on the period's first day (settings change from a month's first).
        settings = settings_in_force(session, scope.municipality_id, period_from)
    # A month is mandatory when it and the months before it have assistance: read that far back.
    lookback = settings.mandatory_after_months if settings else 2
    first_month = period_from.replace(day=1)
    for _ in range(lookback):
        first_month = (first_month - timedelta(days=1)).replace(day=1)
    start, end = _window(period_from, period_to)
    corrections_from = start - timedelta(days=1)
    site_ids = sa.select(Site.id).where(Site.municipality_id == scope.municipality_id)

    def rows(query: sa.Select) -> list[Any]:
        return session.execute(query).all()

    return Rows(
        people=rows(
            sa.select(Person.id, Person.public_ref, Person.birth_date, Person.household_id).where(
                Person.id.in_(people)
            )
        ),
        settings=settings,
        decisions=rows(
            sa.select(Decision.person_id, Decision.month, Decision.decided_at).where(
                Decision.person_id.in_(people),
                Decision.outcome.in_(ASSISTED),
                Decision.month >= _month_key(first_month),
                Decision.month <= _month_key(period_to),
            )
        ),
        assessments=rows(
            sa.select(
                Assessment.id,
                Assessment.person_id,
                Assessment.valid_from,
                Assessment.participation_percent,
                Assessment.requirement_from,
                Assessment.assessed_at,
            ).where(Assessment.person_id.in_(people), Assessment.valid_from <= period_to)
        ),
        statuses=rows(
            sa.select(
                PersonStatus.person_id,
                PersonStatus.kind,
                PersonStatus.from_date,
                PersonStatus.to_date,
                PersonStatus.recorded_at,
            ).where(
                PersonStatus.person_id.in_(people),
                PersonStatus.from_date <= period_to,
                sa.or_(PersonStatus.to_date.is_(None), PersonStatus.to_date >= period_from),
            )
        ),
        children=rows(
            sa.select(Person.id, HouseholdMember.birth_date)
            .join(HouseholdMember, HouseholdMember.household_id == Person.household_id)
            .where(Person.id.in_(people), HouseholdMember.role == MemberRole.CHILD)
        ),
        external=rows(
            sa.select(
                ExternalOccupation.person_id,
                ExternalOccupation.kind,
                ExternalOccupation.hours_per_week,
                ExternalOccupation.from_date,
                ExternalOccupation.to_date,
                ExternalOccupation.recorded_at,
            ).where(
                ExternalOccupation.person_id.in_(people),
                ExternalOccupation.from_date <= period_to,
                sa.or_(
                    ExternalOccupation.to_date.is_(None),
                    ExternalOccupation.to_date >= period_from,
                ),
            )
        ),
        versions=rows(
            sa.select(
                PlanVersion.id,
                PlanVersion.person_id,
                PlanVersion.version,
                PlanVersion.valid_from,
                PlanVersion.created_at,
            ).where(PlanVersion.person_id.in_(people), PlanVersion.valid_from <= period_to)
        ),
        items=rows(
            sa.select(
                PlanItem.plan_version_id,
                PlanItem.activity_id,
                PlanItem.session_ids,
                PlanItem.from_date,
                PlanItem.to_date,
            )
            .join(PlanVersion, PlanVersion.id == PlanItem.plan_version_id)
            .where(
                PlanVersion.person_id.in_(people),
                PlanVersion.valid_from <= period_to,
                PlanItem.from_date <= period_to,
                sa.or_(PlanItem.to_date.is_(None), PlanItem.to_date >= period_from),
            )
        ),
        activities=rows(
            sa.select(
                Activity.id,
                Activity.public_ref,
                Activity.type,
                Activity.from_date,
                Activity.to_date,
            ).where(Activity.site_id.in_(site_ids))
        ),
        sessions=rows(
            sa.select(
                ActivitySession.id,
                ActivitySession.activity_id,
                ActivitySession.weekday,
                ActivitySession.start_time,
                ActivitySession.end_time,
                ActivitySession.valid_from,
                ActivitySession.valid_to,
            )
            .join(Activity, Activity.id == ActivitySession.activity_id)
            .where(
                Activity.site_id.in_(site_ids),
                ActivitySession.weekday <= 5,  # weekend sessions are never counted (§2)
                ActivitySession.valid_from <= period_to,
                sa.or_(ActivitySession.valid_to.is_(None), ActivitySession.valid_to >= period_from),
            )
        ),
        events=_fetch_events(people, start, end, corrections_from),
        absences=rows(
            sa.select(
                AbsenceReport.person_id,
                AbsenceReport.from_at,
                AbsenceReport.to_at,
                AbsenceReport.reason,
                AbsenceReport.decision,
                AbsenceReport.created_at,
                AbsenceReport.decided_at,
            ).where(
                AbsenceReport.person_id.in_(people),
                AbsenceReport.from_at < end,
                AbsenceReport.to_at > start,
            )
        ),
        declined=rows(
            sa.select(
                DeclinedOffer.person_id,
                DeclinedOffer.activity_id,
                DeclinedOffer.date,
                DeclinedOffer.acceptable_reason,
                DeclinedOffer.recorded_at,
            ).where(
                DeclinedOffer.person_id.in_(people),
                DeclinedOffer.date >= period_from,
                DeclinedOffer.date <= period_to,
            )
        ),
    )


_SUPERSEDING = (EventKind.ANNUL, EventKind.CORRECTION)


@contextmanager
def _utc_session() -> Iterator[None]:
    """On PostgreSQL, read timestamps in a UTC session, then restore the session's zone.

    The driver then returns them in datetime.timezone.utc, which compares and formats several
    times faster than a ZoneInfo zone (the instants are the same either way).
    """
    session = db.session
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    zone = session.execute(sa.text("SELECT current_setting('TimeZone')")).scalar_one()
    session.execute(sa.text("SELECT set_config('TimeZone', 'UTC', true)"))
    try:
        yield
    finally:
        session.execute(sa.text("SELECT set_config('TimeZone', :zone, true)"), {"zone": zone})


def _event_columns() -> tuple[sa.ColumnElement, ...]:
    """The event columns visits need, read as plainly as the database allows (in _Event's order).

    The log is by far the largest load, and per-value conversions in Python dominate it:
    codes are read as text (they compare equal to the StrEnums) and, on PostgreSQL, which
    returns aware timestamps itself, the timestamps skip UtcDateTime's conversion. SQLite
    stores naive UTC, so there UtcDateTime still attaches the zone.
    """
    moment = (
        (lambda column: sa.type_coerce(column, sa.DateTime(timezone=True)).label(column.key))
        if db.session.get_bind().dialect.name == "postgresql"
        else (lambda column: column)
    )
    return (
        AttendanceEvent.id,
        AttendanceEvent.person_id,
        AttendanceEvent.activity_id,
        AttendanceEvent.site_id,
        sa.type_coerce(AttendanceEvent.kind, sa.String).label("kind"),
        sa.type_coerce(AttendanceEvent.status, sa.String).label("status"),
        moment(AttendanceEvent.occurred_at),
        AttendanceEvent.supersedes_id,
        moment(AttendanceEvent.received_at),
    )


def _fetch_events(
    people: sa.Select, start: datetime, end: datetime, corrections_from: datetime
) -> list[Any]:
    """Events of the window, and every annulment or correction that may apply to them.

    A correction or annulment is received after the event it supersedes, and that event was
    received after the window opened, so those received since then (less a day for device
    clocks) are all there can be. A correction may also move an event recorded outside the
    window into it: the originals such corrections name are fetched by id afterwards (one more
    query per link of a correction chain, never one per person).
    """
    session = db.session
    columns = _event_columns()
    with _utc_session():
        events = session.execute(
            sa.select(*columns).where(
                AttendanceEvent.person_id.in_(people),
                AttendanceEvent.status != EventStatus.REJECTED,
                sa.or_(
                    sa.and_(
                        AttendanceEvent.occurred_at >= start, AttendanceEvent.occurred_at < end
                    ),
                    sa.and_(
                        AttendanceEvent.kind.in_(_SUPERSEDING),
                        AttendanceEvent.received_at >= corrections_from,
                    ),
                ),
            )
        ).all()
    known = {event.id for event in events}
    wanted = {
        event.supersedes_id
        for event in events
        if event.supersedes_id is not None
        and event.kind == EventKind.CORRECTION
        and event.supersedes_id not in known
    }
    while wanted:
        found = session.execute(
            sa.select(*columns).where(
                AttendanceEvent.id.in_(sorted(wanted)),
                AttendanceEvent.status != EventStatus.REJECTED,
            )
        ).all()
        events.extend(found)
        known.update(event.id for event in found)
        wanted = {
            event.supersedes_id
            for event in found
            if event.kind == EventKind.CORRECTION and event.supersedes_id not in known
        }
    return events
