"""Who is expected where and when: the sessions of a person's plan and enrolments on a day.

A person is expected at a session when it occurs that day and the person has either an
enrolment (status enrolled) or an item in their current plan version for the activity (limited
to its chosen sessions, if any): the rule of ``portal/occurrence.py``, in SQL here. Sessions occur
on any day they are scheduled, weekends and holidays included, and are scanned like any other;
reconciliation counts only working days (compliance-rules.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

import sqlalchemy as sa

from portal import occurrence
from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import (
    Activity,
    ActivitySession,
    Enrolment,
    EnrolmentStatus,
    Person,
    PlanItem,
    PlanVersion,
)

#: A check-in is matched to a session from this long before it starts …
EARLY = timedelta(minutes=60)
#: … until its end; a check-out (with no open visit to close) until this long after the end.
LATE_OUT = timedelta(minutes=120)


@dataclass(frozen=True)
class Expected:
    """One person expected at one session of an activity on a day."""

    person_id: int
    activity: Activity
    session: ActivitySession
    day: date

    @property
    def starts_at(self) -> datetime:
        return local_moment(self.day, self.session.start_time)

    @property
    def ends_at(self) -> datetime:
        return local_moment(self.day, self.session.end_time)


def local_moment(day: date, clock) -> datetime:
    """A Stockholm wall-clock time on a day, as UTC (DST-aware)."""
    return datetime.combine(day, clock, tzinfo=STOCKHOLM).astimezone(UTC)


def local_day(moment: datetime) -> date:
    """The Stockholm date of a UTC moment."""
    return moment.astimezone(STOCKHOLM).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC start and end of a Stockholm day (23 or 25 hours long at DST changes)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=STOCKHOLM)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=STOCKHOLM)
    return start.astimezone(UTC), end.astimezone(UTC)


def late_out_end(day: date) -> datetime:
    """Until when (UTC) an event may still close a visit begun on a Stockholm day."""
    return day_bounds(day)[1] + LATE_OUT


@dataclass(frozen=True)
class Slot:
    """One session a person is expected at on a day, as plain values (see expected_slots)."""

    activity_id: int
    site_id: int
    session_id: int
    activity_name: str
    day: date
    start_time: object
    end_time: object

    @property
    def starts_at(self) -> datetime:
        return local_moment(self.day, self.start_time)

    @property
    def ends_at(self) -> datetime:
        return local_moment(self.day, self.end_time)


def person_parameter(by_ref: bool) -> sa.ColumnElement:
    """One person as a statement parameter: ``person_id``, or with ``by_ref`` the person of the
    public reference ``ref`` (a scan has only its code's)."""
    if by_ref:
        return (
            sa.select(Person.__table__.c.id)
            .where(Person.__table__.c.public_ref == sa.bindparam("ref", type_=sa.String))
            .scalar_subquery()
        )
    return sa.bindparam("person_id", type_=sa.Integer)


@cache
def _expected_query(
    by_person: bool, by_site: bool, plain: bool = False, by_ref: bool = False
) -> sa.Select:
    """The day's sessions joined to the union of enrolments and current plan items.

    Built once per shape with bound parameters (day, weekday, ids): a scan runs it for every
    check-in, and building the statement costs more than running it.
    """
    day = sa.bindparam("day", type_=sa.Date)
    enrolled = sa.select(
        Enrolment.person_id.label("person_id"),
        Enrolment.activity_id.label("activity_id"),
        sa.cast(sa.null(), sa.JSON).label("session_ids"),
    ).where(
        Enrolment.status == EnrolmentStatus.ENROLLED,
        occurrence.covers_sql(Enrolment.from_date, Enrolment.to_date, day),
    )
    latest = (
        sa.select(PlanVersion.person_id, sa.func.max(PlanVersion.version).label("version"))
        .where(PlanVersion.valid_from <= day)
        .group_by(PlanVersion.person_id)
    )
    if by_person and plain:
        # One person: a plain parameter (an expanding IN is re-rendered on every execution),
        # or the person of a public reference (for a scan, which has only the code's).
        person_id = person_parameter(by_ref)
        enrolled = enrolled.where(Enrolment.person_id == person_id)
        latest = latest.where(PlanVersion.person_id == person_id)
    elif by_person:
        person_ids = sa.bindparam("person_ids", expanding=True)
        enrolled = enrolled.where(Enrolment.person_id.in_(person_ids))
        latest = latest.where(PlanVersion.person_id.in_(person_ids))
    latest = latest.subquery()
    planned = (
        sa.select(PlanVersion.person_id, PlanItem.activity_id, PlanItem.session_ids)
        .join(PlanVersion, PlanItem.plan_version_id == PlanVersion.id)
        .join(
            latest,
            sa.and_(
                latest.c.person_id == PlanVersion.person_id,
                latest.c.version == PlanVersion.version,
            ),
        )
        .where(occurrence.covers_sql(PlanItem.from_date, PlanItem.to_date, day))
    )
    source = sa.union_all(enrolled, planned).subquery()
    if plain:  # columns, not entities: no ORM loading for a scan
        sessions, activities = ActivitySession.__table__.c, Activity.__table__.c
        columns = (
            sessions.id.label("session_id"),
            sessions.activity_id,
            sessions.start_time,
            sessions.end_time,
            activities.site_id,
            activities.name.label("activity_name"),
        )
    else:
        columns = (ActivitySession, Activity)
    query = (
        sa.select(*columns, source.c.person_id, source.c.session_ids)
        .join(Activity, ActivitySession.activity_id == Activity.id)
        .join(source, source.c.activity_id == Activity.id)
        .where(
            occurrence.occurs_sql(
                day,
                sa.bindparam("weekday", type_=sa.Integer),
                sa.bindparam("holiday", type_=sa.Boolean),
            )
        )
    )
    if by_site:
        query = query.where(Activity.site_id.in_(sa.bindparam("site_ids", expanding=True)))
    return query


def expected_on(
    day: date, *, site_ids: set[int] | None = None, person_ids: set[int] | None = None
) -> list[Expected]:
    """Everyone expected on a day, optionally limited to some sites and/or people (one query)."""
    if site_ids == set() or person_ids == set():
        return []
    params: dict = occurrence.day_params(day)
    if person_ids is not None:
        params["person_ids"] = sorted(person_ids)
    if site_ids is not None:
        params["site_ids"] = sorted(site_ids)
    query = _expected_query(person_ids is not None, site_ids is not None)

    # (person, activity) -> the sessions they attend; None = every session of the activity.
    wanted: dict[tuple[int, int], set[int] | None] = {}
    sessions: dict[int, ActivitySession] = {}
    for session, _activity, person_id, session_ids in db.session.execute(query, params):
        sessions[session.id] = session
        key = (person_id, session.activity_id)
        if key in wanted and wanted[key] is None:
            continue
        if not session_ids:  # an enrolment, or a plan item with every session
            wanted[key] = None
        else:
            wanted[key] = (wanted.get(key) or set()) | {int(s) for s in session_ids}
    people_of: dict[int, list[tuple[int, set[int] | None]]] = {}
    for (person_id, activity_id), only in wanted.items():
        people_of.setdefault(activity_id, []).append((person_id, only))
    rows = [
        Expected(person_id, session.activity, session, day)
        for session in sessions.values()
        for person_id, only in people_of.get(session.activity_id, [])
        if only is None or session.id in only
    ]
    rows.sort(key=lambda e: (e.session.start_time, e.activity.name, e.person_id))
    return rows


def expected_slots(day: date, person_id: int) -> list[Slot]:
    """The sessions one person is expected at on a day, like ``expected_on`` (one query).

    Plain values instead of ORM objects: a scan runs this for every check-in.
    """
    params = {**occurrence.day_params(day), "person_id": person_id}
    rows = db.session.execute(_expected_query(True, False, True), params).all()
    return slots_of(rows, day)


def slot_query() -> sa.Subquery:
    """The rows of ``expected_slots`` for the person of a public reference (parameter ``ref``,
    and those of ``portal.occurrence.day_params``), as a subquery to join into a statement."""
    return _expected_query(True, False, True, True).subquery("slot")


def slots_of(rows, day: date) -> list[Slot]:
    """Slots from rows of the plain query (session_id, activity_id, start_time, end_time,
    site_id, activity_name, session_ids); rows without a session are skipped."""
    rows = [row for row in rows if row.session_id is not None]
    # activity -> the sessions attended; None = every session of the activity.
    wanted: dict[int, set[int] | None] = {}
    for row in rows:
        activity_id, session_ids = row.activity_id, row.session_ids
        if activity_id in wanted and wanted[activity_id] is None:
            continue
        if not session_ids:  # an enrolment, or a plan item with every session
            wanted[activity_id] = None
        else:
            wanted[activity_id] = (wanted.get(activity_id) or set()) | {int(s) for s in session_ids}
    slots = {
        row.session_id: Slot(
            row.activity_id,
            row.site_id,
            row.session_id,
            row.activity_name,
            day,
            row.start_time,
            row.end_time,
        )
        for row in rows
        if wanted[row.activity_id] is None or row.session_id in wanted[row.activity_id]
    }
    # The order of expected_on, so that closest() breaks ties the same way.
    return sorted(slots.values(), key=lambda e: (e.start_time, e.activity_name))


def distance(expected: Expected | Slot, moment: datetime) -> timedelta:
    """How far a moment lies outside a session (zero inside it)."""
    if moment < expected.starts_at:
        return expected.starts_at - moment
    if moment > expected.ends_at:
        return moment - expected.ends_at
    return timedelta(0)


def closest(
    candidates: list, moment: datetime, *, before: timedelta, after: timedelta
) -> Expected | Slot | None:
    """The session closest in time to a moment, if one lies within the allowed margins."""
    fitting = [e for e in candidates if e.starts_at - before <= moment <= e.ends_at + after]
    if not fitting:
        return None
    return min(fitting, key=lambda e: (distance(e, moment), e.starts_at))
