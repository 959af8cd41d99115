"""My plan (P4): the plan in force, a week's schedule, required and planned hours, acknowledging.

A plan version holds from its ``valid_from`` until the next version's (the order reconciliation
uses too: by ``valid_from``, then ``version``). A week's schedule lists the sessions of the
activities in the plan in force that occur on each day (portal/occurrence.py); holidays are named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import holidays
import sqlalchemy as sa

from portal import occurrence
from portal.compliance.engine import is_working_day
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import (
    AbsenceDecision,
    AbsenceReport,
    Activity,
    ActivitySession,
    Assessment,
    Person,
    PlanVersion,
    Site,
    utcnow,
)
from portal.services.settings_versions import settings_in_force

DEFAULT_FULL_TIME = Decimal(40)


def versions_of(person: Person) -> list[PlanVersion]:
    """All of the person's plan versions, newest first."""
    return list(
        db.session.scalars(
            sa.select(PlanVersion)
            .where(PlanVersion.person_id == person.id)
            .order_by(PlanVersion.version.desc())
        )
    )


def version_in_force(versions: list[PlanVersion], day: date) -> PlanVersion | None:
    """The version in force on ``day``: the latest by (valid_from, version) that has begun."""
    started = [v for v in versions if v.valid_from <= day]
    return max(started, key=lambda v: (v.valid_from, v.version), default=None)


def current_plan(person: Person, today: date) -> PlanVersion | None:
    """The plan in force today, else the next one to come, else None."""
    versions = versions_of(person)
    in_force = version_in_force(versions, today)
    if in_force is not None:
        return in_force
    upcoming = [v for v in versions if v.valid_from > today]
    return min(upcoming, key=lambda v: (v.valid_from, v.version), default=None)


def version_of(person: Person, number: int) -> PlanVersion:
    """The person's own plan version by its number, else DomainError('not_found', 404)."""
    version = db.session.scalar(
        sa.select(PlanVersion).where(
            PlanVersion.person_id == person.id, PlanVersion.version == number
        )
    )
    if version is None:
        raise DomainError("not_found", "not_found", 404)
    return version


def acknowledge(person: Person, version: PlanVersion) -> bool:
    """Record that the person has read the plan version; False if it was already done."""
    if version.person_id != person.id:
        raise DomainError("not_found", "not_found", 404)
    if version.acknowledged_at is not None:
        return False
    version.acknowledged_at = utcnow()
    db.session.flush()
    return True


# --- schedule --------------------------------------------------------------------------------


def map_link(site: Site) -> str | None:
    """A plain openstreetmap.org link to the site's coordinates (no embedded map)."""
    if site.latitude is None or site.longitude is None:
        return None
    lat, lon = f"{site.latitude:.5f}", f"{site.longitude:.5f}"
    query = urlencode({"mlat": lat, "mlon": lon})
    return f"https://www.openstreetmap.org/?{query}#map=17/{lat}/{lon}"


@dataclass(frozen=True)
class Entry:
    """One session on one day: the activity, where, when, and whether absence was reported."""

    activity: Activity
    site: Site
    day: date
    start: time
    end: time
    absence: AbsenceDecision | None = None

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    @property
    def starts_at(self) -> datetime:
        """The start as an aware Stockholm datetime."""
        return datetime.combine(self.day, self.start, tzinfo=STOCKHOLM)

    @property
    def ends_at(self) -> datetime:
        return datetime.combine(self.day, self.end, tzinfo=STOCKHOLM)


@dataclass
class Day:
    """A day of the schedule: its sessions, and the holiday's name on a day that counts no hours
    (empty for a weekend day)."""

    day: date
    holiday: str | None = None
    entries: list[Entry] = field(default_factory=list)


def week_of(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def _sessions_on(version: PlanVersion, day: date) -> list[tuple[Activity, ActivitySession]]:
    """The plan's sessions that occur on day (portal/occurrence.py), in time order."""
    found = [
        (item.activity, session)
        for item in version.items
        if occurrence.covers(item, day)
        for session in item.activity.sessions
        if occurrence.chosen(session.id, item.session_ids)
        and occurrence.occurs(item.activity, session, day)
    ]
    return sorted(found, key=lambda pair: (pair[1].start_time, pair[0].name))


def _absences(person: Person, start: date, end: date) -> list[AbsenceReport]:
    lo = datetime.combine(start, time(0), tzinfo=STOCKHOLM)
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=STOCKHOLM)
    return list(
        db.session.scalars(
            sa.select(AbsenceReport).where(
                AbsenceReport.person_id == person.id,
                AbsenceReport.from_at < hi,
                AbsenceReport.to_at > lo,
                AbsenceReport.decision != AbsenceDecision.REJECTED,
            )
        )
    )


def week_schedule(person: Person, monday: date, language: str = "sv") -> list[Day]:
    """Monday to Friday of the week starting ``monday`` (and a weekend day that has a session),
    with the sessions of the plan in force that occur each day (portal/occurrence.py).

    Holidays are named in ``language`` (English, else Swedish); a session on a holiday or a
    weekend is shown, and the page says that such days count no hours.
    """
    versions = versions_of(person)
    sunday = monday + timedelta(days=6)
    absences = _absences(person, monday, sunday)
    names = holidays.Sweden(
        years={monday.year, sunday.year},
        categories=("public", "de_facto"),
        language="en_US" if language == "en" else "sv",
    )
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        holiday = None if is_working_day(day) else (names.get(day) or "")
        version = version_in_force(versions, day)
        entries = []
        for activity, session in _sessions_on(version, day) if version else []:
            entry = Entry(activity, activity.site, day, session.start_time, session.end_time)
            covering = [
                a for a in absences if a.from_at < entry.ends_at and a.to_at > entry.starts_at
            ]
            if covering:
                entry = Entry(
                    activity,
                    activity.site,
                    day,
                    session.start_time,
                    session.end_time,
                    absence=AbsenceDecision(covering[0].decision),
                )
            entries.append(entry)
        if offset < 5 or entries:
            days.append(Day(day, holiday=holiday, entries=entries))
    return days


def next_entry(person: Person, now: datetime) -> Entry | None:
    """The next session that has not started yet, looking two weeks ahead."""
    local_now = now.astimezone(STOCKHOLM)
    monday = week_of(local_now.date())
    for week in (monday, monday + timedelta(days=7), monday + timedelta(days=14)):
        for day in week_schedule(person, week):
            for entry in day.entries:
                if entry.starts_at > local_now:
                    return entry
    return None


# --- hours -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hours:
    """Required and planned hours a week, with what they are made of (hours as Decimal)."""

    full_time: Decimal
    participation_percent: int
    assessed: bool
    external: Decimal
    #: Hours a week the plan must fill once the requirement applies (0 when it does not).
    required: Decimal
    planned: Decimal
    #: The first working day on which the requirement applies, from today on; None if it does
    #: not apply within the weeks ahead (by the recorded assistance months, as the engine says).
    requirement_from: date | None = None
    #: The requirement applies only from a later week than this one.
    applies_later: bool = False

    @property
    def short(self) -> Decimal:
        """How many planned hours are missing (the municipality's task, not the person's)."""
        if self.requirement_from is None:
            return Decimal(0)
        return max(Decimal(0), self.required - self.planned)


#: How far ahead the plan page looks for the day the requirement starts to apply.
REQUIREMENT_LOOKAHEAD = timedelta(weeks=8)


def weekly_hours(person: Person, plan: PlanVersion | None, today: date) -> Hours:
    """How many hours a week the person should be in activity, and how many the plan has.

    Whether and from when the requirement applies, and the hours it asks for, come from the
    rules engine over the recorded assistance months: the same answer as the caseworker's
    assessment page, the plan builder and reconciliation.
    """
    from portal.compliance.reconcile import evaluate_person

    settings = settings_in_force(db.session, person.municipality_id, today)
    full_time = Decimal(settings.full_time_hours_per_week) if settings else DEFAULT_FULL_TIME
    assessment = db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.person_id == person.id, Assessment.valid_from <= today)
        .order_by(Assessment.valid_from.desc(), Assessment.assessed_at.desc())
        .limit(1)
    )
    result = evaluate_person(person, today, today + REQUIREMENT_LOOKAHEAD)
    first = next((d for d in result.days if d.subject and d.working_day), None)
    # A subject working day's figures times five: a whole week's hours.
    required = Decimal(first.required_plan_minutes * 5) / 60 if first else Decimal(0)
    reference = first or next((d for d in result.days if d.working_day), None)
    external = Decimal(reference.external_minutes * 5) / 60 if reference else Decimal(0)
    planned = Decimal(0)
    if plan is not None:
        # A typical week: every weekday's sessions, whether or not a holiday falls in it.
        monday = week_of(max(today, plan.valid_from))
        minutes = sum(
            session.minutes
            for offset in range(5)
            for _, session in _sessions_on(plan, monday + timedelta(days=offset))
        )
        planned = Decimal(minutes) / 60
    return Hours(
        full_time=full_time,
        participation_percent=assessment.participation_percent if assessment else 100,
        assessed=assessment is not None,
        external=external.quantize(Decimal("0.01")),
        required=required.quantize(Decimal("0.01")),
        planned=planned.quantize(Decimal("0.01")),
        requirement_from=first.day if first else None,
        applies_later=first is not None and first.day > week_of(today) + timedelta(days=6),
    )
