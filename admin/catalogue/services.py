"""The activity catalogue: sites, activities, recurring sessions, and enrolments with a queue.

Plain functions that add and flush; the request commits. Every refusal is a DomainError with a
stable code. Which sessions occur on a day is the one rule of ``portal/occurrence.py``: on its
weekday, inside its own and its activity's dates, and not on a public or de-facto holiday unless
the activity is open on holidays.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import cache

import holidays
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal import occurrence
from portal.compliance.engine import iso_week_label
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Activity,
    ActivitySession,
    ActivityType,
    Enrolment,
    EnrolmentStatus,
    Person,
    PlanItem,
    Site,
)
from portal.refs import new_ref

#: The calendar shows at most this many weeks at once (a quarter).
MAX_CALENDAR_WEEKS = 13

#: Enrolments that hold a place or a place in the queue.
ACTIVE_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITING)


# --------------------------------------------------------------------------------------------
# Sites


@dataclass
class SiteData:
    """What an administrator enters about a site."""

    name: str
    provider: str = ""
    address: str = ""
    postal_code: str = ""
    city: str = ""
    latitude: float | None = None
    longitude: float | None = None
    opening_hours: str = ""
    active: bool = True


def list_sites(municipality_id: int) -> list[Site]:
    """The municipality's sites, active first, by name."""
    return list(
        db.session.scalars(
            sa.select(Site)
            .where(Site.municipality_id == municipality_id)
            .order_by(Site.active.desc(), Site.name)
        )
    )


def get_site(municipality_id: int, public_ref: str) -> Site | None:
    """A site of the municipality by its public reference, or None."""
    return db.session.scalar(
        sa.select(Site).where(
            Site.public_ref == public_ref, Site.municipality_id == municipality_id
        )
    )


def _check_site(data: SiteData) -> None:
    if (data.latitude is None) != (data.longitude is None):
        raise DomainError(
            "coordinates_incomplete", _l("Fyll i både latitud och longitud, eller ingen av dem.")
        )


def create_site(municipality_id: int, data: SiteData) -> Site:
    """Create a site with a fresh random key for its rotating self check-in code."""
    _check_site(data)
    site = Site(
        public_ref=new_ref(),
        municipality_id=municipality_id,
        # 256 random bits; the key signs the site's check-in codes and is never shown.
        site_key=secrets.token_hex(32),
        **_site_fields(data),
    )
    db.session.add(site)
    db.session.flush()
    return site


def update_site(site: Site, data: SiteData) -> Site:
    """Change a site's details; its key is kept so printed codes keep working."""
    _check_site(data)
    for name, value in _site_fields(data).items():
        setattr(site, name, value)
    db.session.flush()
    return site


def _site_fields(data: SiteData) -> dict:
    return {
        "name": data.name.strip(),
        "address": data.address.strip(),
        "postal_code": data.postal_code.strip(),
        "city": data.city.strip(),
        "latitude": data.latitude,
        "longitude": data.longitude,
        "opening_hours": data.opening_hours.strip(),
        "provider": data.provider.strip(),
        "active": data.active,
    }


# --------------------------------------------------------------------------------------------
# Activities


@dataclass
class ActivityData:
    """What an administrator enters about an activity."""

    site: Site
    name: str
    type: ActivityType
    from_date: date
    to_date: date | None = None
    capacity: int | None = None
    description: str = ""
    what_to_bring: str = ""
    active: bool = True
    open_on_holidays: bool = False


def list_activities(
    municipality_id: int,
    *,
    type: ActivityType | None = None,
    site_id: int | None = None,
    only_active: bool = False,
    running_on: date | None = None,
) -> list[Activity]:
    """The municipality's activities, optionally filtered, by type and name."""
    query = (
        sa.select(Activity)
        .join(Site)
        .where(Site.municipality_id == municipality_id)
        .order_by(Activity.type, Activity.name)
    )
    if type is not None:
        query = query.where(Activity.type == type)
    if site_id is not None:
        query = query.where(Activity.site_id == site_id)
    if only_active:
        query = query.where(Activity.active.is_(True), Site.active.is_(True))
    if running_on is not None:
        query = query.where(sa.or_(Activity.to_date.is_(None), Activity.to_date >= running_on))
    return list(db.session.scalars(query))


def get_activity(municipality_id: int, public_ref: str) -> Activity | None:
    """An activity of the municipality by its public reference, or None."""
    return db.session.scalar(
        sa.select(Activity)
        .join(Site)
        .where(Activity.public_ref == public_ref, Site.municipality_id == municipality_id)
    )


def _check_activity(data: ActivityData) -> None:
    if data.to_date is not None and data.to_date < data.from_date:
        raise DomainError("dates_reversed", _l("Slutdatum kan inte vara före startdatum."))
    if data.capacity is not None and data.capacity < 1:
        raise DomainError("capacity", _l("Antalet platser måste vara minst 1."))


def create_activity(data: ActivityData) -> Activity:
    """Create an activity at a site; sessions are added afterwards."""
    _check_activity(data)
    activity = Activity(public_ref=new_ref(), **_activity_fields(data))
    db.session.add(activity)
    db.session.flush()
    return activity


def update_activity(activity: Activity, data: ActivityData, today: date) -> list[Enrolment]:
    """Change an activity; returns the queued enrolments that got a place when it grew.

    Sessions keep their own dates; they only occur within the activity's dates.
    """
    _check_activity(data)
    taken = taken_places(activity)
    if data.capacity is not None and data.capacity < taken:
        raise DomainError(
            "capacity_below_enrolled",
            _l("Antalet platser kan inte vara färre än de %(n)d som redan är inskrivna.", n=taken),
        )
    for name, value in _activity_fields(data).items():
        setattr(activity, name, value)
    db.session.flush()
    return _fill_from_queue(activity, today)


def _activity_fields(data: ActivityData) -> dict:
    return {
        "site": data.site,
        "name": data.name.strip(),
        "type": data.type,
        "from_date": data.from_date,
        "to_date": data.to_date,
        "capacity": data.capacity,
        "description": data.description.strip(),
        "what_to_bring": data.what_to_bring.strip(),
        "active": data.active,
        "open_on_holidays": data.open_on_holidays,
    }


# --------------------------------------------------------------------------------------------
# Sessions and the calendar


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def add_session(
    activity: Activity,
    *,
    weekday: int,
    start_time: time,
    end_time: time,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> ActivitySession:
    """Add a weekly session; it must lie within the activity's dates and not overlap another."""
    valid_from = valid_from or activity.from_date
    if weekday not in range(1, 8):
        raise DomainError("weekday", _l("Välj en veckodag från måndag till söndag."))
    if _minutes(end_time) <= _minutes(start_time):
        raise DomainError("times_reversed", _l("Passet måste sluta efter att det börjar."))
    if valid_to is not None and valid_to < valid_from:
        raise DomainError("dates_reversed", _l("Slutdatum kan inte vara före startdatum."))
    outside = _l("Passet måste ligga inom aktivitetens datum.")
    if valid_from < activity.from_date:
        raise DomainError("outside_activity", outside)
    if activity.to_date is not None:
        if valid_from > activity.to_date or (valid_to is not None and valid_to > activity.to_date):
            raise DomainError("outside_activity", outside)
        # "Until further notice" means until the activity ends.
        valid_to = valid_to or activity.to_date
    candidate = ActivitySession(
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    for other in activity.sessions:
        if sessions_clash(candidate, other):
            raise DomainError(
                "session_overlap",
                _l("Aktiviteten har redan ett pass den tiden. Välj en annan tid eller dag."),
            )
    activity.sessions.append(candidate)
    db.session.flush()
    return candidate


def end_session(activity: Activity, session: ActivitySession, today: date) -> str:
    """Stop a session from today on; return 'ended' or 'deleted'.

    Past occurrences are kept (they are what people were scheduled for). A session that has
    not started yet is removed, unless someone's plan names it.
    """
    if session.valid_to is not None and session.valid_to < today:
        raise DomainError("session_already_ended", _l("Passet har redan avslutats."))
    if session.valid_from < today:
        session.valid_to = today - timedelta(days=1)
        db.session.flush()
        return "ended"
    if _session_in_plans(activity.id, session.id):
        raise DomainError(
            "session_planned",
            _l(
                "Passet har inte börjat men finns redan i planer. "
                "Be handläggarna ändra planerna först."
            ),
        )
    activity.sessions.remove(session)
    db.session.flush()
    return "deleted"


def _session_in_plans(activity_id: int, session_id: int) -> bool:
    rows = db.session.scalars(
        sa.select(PlanItem.session_ids).where(PlanItem.activity_id == activity_id)
    )
    return any(session_id in (ids or []) for ids in rows)


def _ranges_overlap(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return (a_to is None or b_from <= a_to) and (b_to is None or a_from <= b_to)


def sessions_clash(a: ActivitySession, b: ActivitySession) -> bool:
    """Whether two weekly sessions can fall at the same time on some day."""
    return (
        a.weekday == b.weekday
        and _minutes(a.start_time) < _minutes(b.end_time)
        and _minutes(b.start_time) < _minutes(a.end_time)
        and _ranges_overlap(a.valid_from, a.valid_to, b.valid_from, b.valid_to)
    )


@cache
def _holiday_names(year: int, language: str) -> dict[date, str]:
    calendar = holidays.Sweden(years=year, categories=("public", "de_facto"), language=language)
    return {d: name for d, name in calendar.items() if d.weekday() < 5}


def holiday_name(day: date, locale: str = "sv") -> str | None:
    """The name of a weekday holiday (public or de-facto) in the user's language, or None."""
    language = "sv" if locale == "sv" else "en_US"
    return _holiday_names(day.year, language).get(day)


@dataclass
class CalendarDay:
    """One weekday in the calendar: its holiday (if any) and the sessions that occur."""

    day: date
    holiday: str | None
    sessions: list[tuple[Activity, ActivitySession]] = field(default_factory=list)


@dataclass
class CalendarWeek:
    """Monday to Friday of one ISO week."""

    label: str
    monday: date
    days: list[CalendarDay]

    @property
    def number(self) -> int:
        """The ISO week number."""
        return self.monday.isocalendar()[1]

    @property
    def year(self) -> int:
        """The ISO year the week belongs to."""
        return self.monday.isocalendar()[0]


def monday_of(day: date) -> date:
    """The Monday of day's ISO week."""
    return day - timedelta(days=day.weekday())


def session_calendar(
    activities: Iterable[Activity], start: date, weeks: int, locale: str = "sv"
) -> list[CalendarWeek]:
    """Weeks from start's Monday, each weekday with its holiday and the sessions that occur."""
    weeks = max(1, min(weeks, MAX_CALENDAR_WEEKS))
    activities = list(activities)
    monday = monday_of(start)
    out = []
    for w in range(weeks):
        week_monday = monday + timedelta(weeks=w)
        days = []
        for offset in range(7):
            day = week_monday + timedelta(days=offset)
            entry = CalendarDay(day=day, holiday=holiday_name(day, locale))
            for activity in activities:
                for session in activity.sessions:
                    if occurrence.occurs(activity, session, day):
                        entry.sessions.append((activity, session))
            entry.sessions.sort(key=lambda pair: (pair[1].start_time, pair[0].name))
            if offset < 5 or entry.sessions:  # a weekend day only when something runs
                days.append(entry)
        out.append(CalendarWeek(label=iso_week_label(week_monday), monday=week_monday, days=days))
    return out


def weekly_minutes(activity: Activity, session_ids: Iterable[int] = ()) -> int:
    """Minutes a week of the chosen sessions (all when none chosen) that are valid at all."""
    chosen = set(session_ids)
    return sum(s.minutes for s in activity.sessions if not chosen or s.id in chosen)


# --------------------------------------------------------------------------------------------
# Enrolments and the waiting list


@dataclass(frozen=True)
class Occupancy:
    """Places taken, the queue, and the capacity (None = no limit)."""

    enrolled: int
    waiting: int
    capacity: int | None

    @property
    def full(self) -> bool:
        return self.capacity is not None and self.enrolled >= self.capacity

    @property
    def free(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.enrolled)


def occupancy(activity_ids: Iterable[int]) -> dict[int, Occupancy]:
    """Enrolled and waiting counts per activity, in one query."""
    ids = list(activity_ids)
    if not ids:
        return {}
    counts = {(a, s): n for a, s, n in _count_rows(ids)}
    capacities = {
        row.id: row.capacity
        for row in db.session.execute(
            sa.select(Activity.id, Activity.capacity).where(Activity.id.in_(ids))
        )
    }
    return {
        a: Occupancy(
            enrolled=counts.get((a, EnrolmentStatus.ENROLLED), 0),
            waiting=counts.get((a, EnrolmentStatus.WAITING), 0),
            capacity=capacities.get(a),
        )
        for a in ids
    }


def _count_rows(ids: list[int]):
    return db.session.execute(
        sa.select(Enrolment.activity_id, Enrolment.status, sa.func.count())
        .where(Enrolment.activity_id.in_(ids), Enrolment.status.in_(ACTIVE_STATUSES))
        .group_by(Enrolment.activity_id, Enrolment.status)
    )


def taken_places(activity: Activity) -> int:
    """Places taken now."""
    return occupancy([activity.id])[activity.id].enrolled


def current_enrolment(person: Person, activity: Activity) -> Enrolment | None:
    """The person's place or place in the queue at the activity, if any."""
    return db.session.scalar(
        sa.select(Enrolment).where(
            Enrolment.person_id == person.id,
            Enrolment.activity_id == activity.id,
            Enrolment.status.in_(ACTIVE_STATUSES),
        )
    )


def active_enrolments(activity: Activity) -> list[Enrolment]:
    """Enrolled people, then the queue in order of arrival."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.activity_id == activity.id, Enrolment.status.in_(ACTIVE_STATUSES))
            .order_by(
                sa.case((Enrolment.status == EnrolmentStatus.ENROLLED, 0), else_=1),
                Enrolment.created_at,
                Enrolment.id,
            )
        )
    )


def person_enrolments(person: Person) -> list[Enrolment]:
    """The person's places and queue places."""
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.person_id == person.id, Enrolment.status.in_(ACTIVE_STATUSES))
            .order_by(Enrolment.from_date)
        )
    )


def _lock(activity: Activity) -> None:
    """Serialise enrolments of one activity, so two caseworkers cannot take the last place."""
    db.session.execute(
        sa.select(Activity.id).where(Activity.id == activity.id).with_for_update()
    ).all()


def enrol(person: Person, activity: Activity, from_date: date, today: date) -> Enrolment:
    """Give the person a place, or a place in the queue when the activity is full.

    Returns the enrolment; its status says which. Refuses a second place for the same
    activity, an activity that has ended or is not offered, and dates in the past.
    """
    if person.municipality_id != activity.site.municipality_id:
        raise DomainError("other_municipality", _l("Aktiviteten hör till en annan kommun."))
    if not activity.active or not activity.site.active:
        raise DomainError("activity_inactive", _l("Aktiviteten erbjuds inte just nu."))
    if from_date < today:
        raise DomainError("date_past", _l("Startdatum kan inte ha passerat."))
    if activity.to_date is not None and from_date > activity.to_date:
        raise DomainError("activity_ended", _l("Aktiviteten har slutat före det datumet."))
    _lock(activity)
    if current_enrolment(person, activity) is not None:
        raise DomainError(
            "already_enrolled", _l("Personen har redan en plats eller står i kö till aktiviteten.")
        )
    full = occupancy([activity.id])[activity.id].full
    enrolment = Enrolment(
        person_id=person.id,
        activity_id=activity.id,
        status=EnrolmentStatus.WAITING if full else EnrolmentStatus.ENROLLED,
        from_date=max(from_date, activity.from_date),
    )
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def end_enrolment(enrolment: Enrolment, end_date: date) -> Enrolment | None:
    """End a place (or leave the queue); a freed place goes to the first in the queue.

    Returns the enrolment that got the place, if any.
    """
    if enrolment.status == EnrolmentStatus.ENDED:
        raise DomainError("already_ended", _l("Platsen är redan avslutad."))
    activity = enrolment.activity
    _lock(activity)
    held_place = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.ENDED
    enrolment.to_date = max(end_date, enrolment.from_date)
    db.session.flush()
    if not held_place:
        return None
    promoted = _fill_from_queue(activity, enrolment.to_date + timedelta(days=1))
    return promoted[0] if promoted else None


def _fill_from_queue(activity: Activity, earliest: date) -> list[Enrolment]:
    """Offer free places to the queue in order of arrival; return who got one."""
    occ = occupancy([activity.id])[activity.id]
    free = occ.waiting if occ.capacity is None else min(occ.free or 0, occ.waiting)
    if free <= 0:
        return []
    queue = db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.activity_id == activity.id, Enrolment.status == EnrolmentStatus.WAITING)
        .order_by(Enrolment.created_at, Enrolment.id)
        .limit(free)
    ).all()
    for waiting in queue:
        waiting.status = EnrolmentStatus.ENROLLED
        waiting.from_date = max(waiting.from_date, earliest)
    db.session.flush()
    return list(queue)


def queue_position(enrolment: Enrolment) -> int | None:
    """1 for the first in the queue; None for someone who holds a place."""
    if enrolment.status != EnrolmentStatus.WAITING:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count()).where(
            Enrolment.activity_id == enrolment.activity_id,
            Enrolment.status == EnrolmentStatus.WAITING,
            sa.or_(
                Enrolment.created_at < enrolment.created_at,
                sa.and_(Enrolment.created_at == enrolment.created_at, Enrolment.id < enrolment.id),
            ),
        )
    )
    return (ahead or 0) + 1


def unit_people(unit_id: int) -> list[Person]:
    """The people whose cases a unit handles, by name (for choosing whom to enrol)."""
    return list(
        db.session.scalars(
            sa.select(Person)
            .where(Person.unit_id == unit_id)
            .order_by(Person.last_name, Person.first_name)
        )
    )
