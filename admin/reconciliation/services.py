"""Reconciliation dashboards: who is fulfilled, pending review or short, and why, down to a scan.

Figures are the stored ComplianceResult rows that :mod:`portal.compliance.reconcile` writes
(nightly, or when a caseworker presses the button). Caseworkers see their own unit; auditors see
counts for the municipality and never a name. Every drill-down into a person is audited.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from checkin.schedule import late_out_end
from portal import access, audit
from portal.attendance import EventFact, Visit, derive_visits, visits_begun_before
from portal.compliance.commands import yesterday
from portal.compliance.day_detail import expand_day
from portal.compliance.periods import month_bounds, week_bounds
from portal.compliance.reconcile import ReconcileSummary, reconcile
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import STOCKHOLM, local_today
from portal.models import (
    Activity,
    AttendanceEvent,
    ComplianceResult,
    Person,
    PlanItem,
    PlanVersion,
    Site,
    StaffRole,
    StaffUser,
    Unit,
)
from portal.services.attendance import events_with_chains

PAGE_SIZE = 50
#: The hour figures of the contract, in the order the tables show them.
FIGURES = (
    "target",
    "external",
    "required_plan",
    "scheduled",
    "attended",
    "excused",
    "pending",
    "unexcused",
)


# --------------------------------------------------------------------------------------------
# Periods


def month_key(day: date) -> str:
    """``2026-09`` for any day of September 2026."""
    return f"{day.year:04d}-{day.month:02d}"


def months_back(today: date, count: int) -> list[date]:
    """The first days of this month and the count - 1 months before it, newest first."""
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return months


def weeks_of_month(month: str) -> list[tuple[str, date]]:
    """The ISO weeks (``2026-W37``, Monday) that have at least one day in the month."""
    start, end = month_bounds(month)
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        year, number, _ = monday.isocalendar()
        weeks.append((f"{year:04d}-W{number:02d}", monday))
        monday += timedelta(days=7)
    return weeks


@dataclass(frozen=True)
class Period:
    """The month shown, and the week of it if one was chosen; start..end is what is stored."""

    month: str
    week: str | None
    start: date
    end: date

    @property
    def args(self) -> dict[str, str]:
        """Query arguments that name this period in links."""
        return {"month": self.month, "week": self.week} if self.week else {"month": self.month}

    @property
    def week_number(self) -> int | None:
        return int(self.week[-2:]) if self.week else None


def period_of(month: str | None, week: str | None = None) -> Period:
    """The period named by a month and an optional week of it.

    Raises DomainError 'invalid_month', or 'invalid_week' for a week outside the month.
    """
    month = month or month_key(local_today())
    start, end = month_bounds(month)
    if not week:
        return Period(month, None, start, end)
    if week not in {name for name, _ in weeks_of_month(month)}:
        raise DomainError("invalid_week", "the week is not in the month", status=404)
    start, end = week_bounds(week)
    return Period(month, week, start, end)


# --------------------------------------------------------------------------------------------
# Whose figures a user sees


def _scope(user: StaffUser) -> sa.ColumnElement[bool]:
    """The people whose results the user may count (portal.access.reconciliation_scope)."""
    return access.reconciliation_scope(user)


def shows_names(user: StaffUser) -> bool:
    """Only caseworkers see who is behind a figure; auditors see aggregates."""
    return access.sees_names(user)


@dataclass
class PersonRow:
    """One person in the list of a status (caseworkers only)."""

    public_ref: str
    name: str
    flags: list[str]
    minutes: dict[str, int]


@dataclass
class Overview:
    """Counts per status and flag for a period, and the people of one status."""

    period: Period
    people_in_scope: int
    reconciled: int
    by_status: dict[str, int]
    by_flag: dict[str, int]
    computed_at: datetime | None
    evaluated_to: date | None
    status: str | None = None
    rows: list[PersonRow] = field(default_factory=list)
    page: int = 1
    has_more: bool = False
    #: The unit and site filters in force, as query arguments for links.
    filter_args: dict[str, str] = field(default_factory=dict)

    @property
    def missing(self) -> int:
        return self.people_in_scope - self.reconciled

    @property
    def args(self) -> dict[str, str]:
        """Query arguments for links that keep the period and the filters."""
        return {**self.period.args, **self.filter_args}


def _minutes(figures: dict[str, Any], names=(*FIGURES, "plan_gap")) -> dict[str, int]:
    """The contract's hours (two decimals) back to whole minutes for the ``hours`` filter."""
    return {name: round(figures.get(f"{name}_hours", 0) * 60) for name in names}


@dataclass
class Filters:
    """The units and sites a user may narrow the dashboard to (id, name)."""

    units: list[tuple[int, str]]
    sites: list[tuple[int, str]]


def filter_choices(user: StaffUser) -> Filters:
    """Units (auditors: every unit of the municipality) and the municipality's sites."""
    units = []
    if user.role == StaffRole.AUDITOR:
        units = db.session.execute(
            sa.select(Unit.id, Unit.name)
            .where(Unit.municipality_id == user.municipality_id)
            .order_by(Unit.name)
        ).all()
    sites = db.session.execute(
        sa.select(Site.id, Site.name)
        .where(Site.municipality_id == user.municipality_id)
        .order_by(Site.name)
    ).all()
    return Filters([tuple(u) for u in units], [tuple(s) for s in sites])


def _filtered(
    scope: sa.ColumnElement[bool], period: Period, unit_id: int | None, site_id: int | None
) -> sa.ColumnElement[bool]:
    """The scope narrowed to a unit, and to people planned at a site in the period."""
    if unit_id is not None:
        scope = sa.and_(scope, Person.unit_id == unit_id)
    if site_id is not None:
        scope = sa.and_(scope, Person.id.in_(_planned_at(site_id, period)))
    return scope


def _planned_at(site_id: int, period: Period) -> sa.Select:
    """The people whose plan, as in force on some day of the period, has an activity at the
    site on some day of it: a version counts from its ``valid_from`` until a later version
    (by valid_from, then version; as reconciliation orders them) begins, and an item for its
    own dates. An old version that named the site but was replaced before the period does not.
    """
    later = aliased(PlanVersion)
    replaced_before = (
        sa.select(later.id)
        .where(
            later.person_id == PlanVersion.person_id,
            later.valid_from <= period.start,
            sa.or_(
                later.valid_from > PlanVersion.valid_from,
                sa.and_(
                    later.valid_from == PlanVersion.valid_from,
                    later.version > PlanVersion.version,
                ),
            ),
        )
        .exists()
    )
    return (
        sa.select(PlanVersion.person_id)
        .join(PlanItem, PlanItem.plan_version_id == PlanVersion.id)
        .join(Activity, Activity.id == PlanItem.activity_id)
        .where(
            Activity.site_id == site_id,
            PlanVersion.valid_from <= period.end,
            ~replaced_before,
            PlanItem.from_date <= period.end,
            sa.or_(PlanItem.to_date.is_(None), PlanItem.to_date >= period.start),
        )
    )


def overview(
    user: StaffUser,
    period: Period,
    status: str | None = None,
    page: int = 1,
    unit_id: int | None = None,
    site_id: int | None = None,
) -> Overview:
    """Counts for the user's scope; for caseworkers also the people of one status, paged.

    The list shows the chosen status, else the first of shortfall, pending review, ... that
    has anyone in it, ranked by unexcused hours (most first) so real cases come first. The
    unit and site filters narrow counts and list alike.
    """
    from admin.reconciliation.labels import STATUS_ORDER

    scope = _filtered(_scope(user), period, unit_id, site_id)
    in_period = sa.and_(
        ComplianceResult.period_from == period.start, ComplianceResult.period_to == period.end
    )
    people = db.session.scalar(sa.select(sa.func.count(Person.id)).where(scope)) or 0
    results = db.session.execute(
        sa.select(
            ComplianceResult.status,
            ComplianceResult.flags,
            ComplianceResult.computed_at,
            ComplianceResult.evaluated_to,
        )
        .join(Person, Person.id == ComplianceResult.person_id)
        .where(in_period, scope)
    ).all()
    statuses = Counter(str(row.status) for row in results)
    flags = Counter(flag for row in results for flag in row.flags or ())
    found = Overview(
        period=period,
        people_in_scope=people,
        reconciled=len(results),
        by_status={name: statuses[name] for name in STATUS_ORDER},
        by_flag=dict(sorted(flags.items())),
        computed_at=max((row.computed_at for row in results), default=None),
        evaluated_to=max((row.evaluated_to for row in results if row.evaluated_to), default=None),
        filter_args={
            key: str(value)
            for key, value in (("unit", unit_id), ("site", site_id))
            if value is not None
        },
    )
    if not shows_names(user) or not results:
        return found
    if status not in STATUS_ORDER:
        status = next((name for name in STATUS_ORDER if statuses[name]), STATUS_ORDER[0])
    page = max(page, 1)
    rows = db.session.execute(
        sa.select(
            Person.id,
            Person.public_ref,
            Person.first_name,
            Person.last_name,
            ComplianceResult.flags,
            ComplianceResult.figures,
        )
        .join(Person, Person.id == ComplianceResult.person_id)
        .where(in_period, scope, ComplianceResult.status == status)
        .order_by(
            ComplianceResult.unexcused_minutes.desc(),
            Person.last_name,
            Person.first_name,
            Person.id,
        )
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    found.status = status
    found.page = page
    found.has_more = len(rows) > PAGE_SIZE
    found.rows = [
        PersonRow(
            row.public_ref,
            f"{row.first_name} {row.last_name}",
            list(row.flags or ()),
            _minutes(row.figures),
        )
        for row in rows[:PAGE_SIZE]
    ]
    # The list names people and their shortfall: a read of each listed person's case.
    audit.record_people(
        "list",
        "compliance_result",
        [row.id for row in rows[:PAGE_SIZE]],
        object_ref=period.week or period.month,
        why=f"reconciliation.index {status}",
    )
    return found


# --------------------------------------------------------------------------------------------
# Running


def run_for_unit(user: StaffUser, period: Period) -> ReconcileSummary:
    """Reconcile the caseworker's unit for the period, counting up to yesterday (audited)."""
    _scope(user)
    if user.role != StaffRole.CASEWORKER:
        raise DomainError("forbidden", "only caseworkers run reconciliation", status=403)
    summary = reconcile(
        period.start,
        period.end,
        municipality_id=user.municipality_id,
        unit_id=user.unit_id,
        through=yesterday(),
    )
    audit.record(
        "reconcile",
        "compliance_result",
        object_ref=period.week or period.month,
        why=f"unit {user.unit_id}, {summary.people} people",
    )
    return summary


def run_for_person(user: StaffUser, person: Person, period: Period) -> ReconcileSummary:
    """Reconcile one person of the caseworker's unit for the period (audited)."""
    summary = reconcile(
        period.start,
        period.end,
        municipality_id=person.municipality_id,
        person_id=person.id,
        through=yesterday(),
    )
    audit.record(
        "reconcile", "compliance_result", person=person, object_ref=period.week or period.month
    )
    return summary


# --------------------------------------------------------------------------------------------
# A person's weeks and days


@dataclass
class WeekRows:
    """A week's totals and its days, for the person page."""

    week: str
    minutes: dict[str, int]
    days: list[dict[str, Any]]


@dataclass
class PersonDetail:
    """A person's stored result for a period, weeks and days in minutes."""

    person: Person
    period: Period
    result: ComplianceResult | None
    totals: dict[str, int] = field(default_factory=dict)
    weeks: list[WeekRows] = field(default_factory=list)


def _stored(person: Person, period: Period) -> ComplianceResult | None:
    return db.session.scalar(
        sa.select(ComplianceResult).where(
            ComplianceResult.person_id == person.id,
            ComplianceResult.period_from == period.start,
            ComplianceResult.period_to == period.end,
        )
    )


def person_detail(person: Person, period: Period) -> PersonDetail:
    """The stored weeks and days of one person (the caller has checked the unit; audited)."""
    audit.record("read", "compliance_result", person=person, object_ref=period.week or period.month)
    result = _stored(person, period)
    detail = PersonDetail(person, period, result)
    if result is None:
        return detail
    detail.totals = _minutes(result.figures)
    days_by_week: dict[str, list[dict[str, Any]]] = {}
    for stored_day in result.days:
        day = expand_day(stored_day)
        year, number, _ = day["date"].isocalendar()
        days_by_week.setdefault(f"{year:04d}-W{number:02d}", []).append(day)
    detail.weeks = [
        WeekRows(week["week"], _minutes(week), days_by_week.get(week["week"], []))
        for week in result.figures.get("weeks", ())
    ]
    return detail


# --------------------------------------------------------------------------------------------
# The scans behind a day


@dataclass
class EventRow:
    """One row of the event log with what it means and what later rows did to it."""

    event: AttendanceEvent
    site: str
    activity: str
    actor: str | None
    #: Later rows that correct or annul this one.
    superseded_by: list[AttendanceEvent] = field(default_factory=list)
    #: The row this one corrects or annuls.
    supersedes: AttendanceEvent | None = None
    #: Whether it happened on the day shown (a time is enough) or on another (date and time).
    same_day: bool = True


@dataclass
class DayScans:
    """A day of a person's stored result and the event log behind it."""

    person: Person
    period: Period
    day: date
    detail: dict[str, Any] | None
    events: list[EventRow]
    visits: list[tuple[Visit, str]]
    activity_names: dict[str, str]


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def _events_of_day(person: Person, day: date) -> list[AttendanceEvent]:
    """The day's events, the rows correcting or annulling them, and the rows those name; and
    the check-outs after midnight (within the allowance) that close the day's visits."""
    end = _local_midnight(day + timedelta(days=1))
    events = events_with_chains(
        AttendanceEvent.person_id == person.id,
        AttendanceEvent.occurred_at >= _local_midnight(day),
        AttendanceEvent.occurred_at < late_out_end(day),
    )
    events.sort(key=lambda e: (e.occurred_at, e.id))
    return visits_begun_before(events, end)[0]


def day_scans(person: Person, period: Period, day: date) -> DayScans:
    """The scans behind one day of a person's result (the caller has checked the unit; audited).

    Raises DomainError 'day_outside_period' (404) for a day the period does not contain.
    """
    if not period.start <= day <= period.end:
        raise DomainError("day_outside_period", "the day is not in the period", status=404)
    audit.record("read", "attendance", person=person, object_ref=day.isoformat())
    result = _stored(person, period)
    detail = None
    if result is not None:
        detail = next(
            (expand_day(d) for d in result.days if d["date"] == day.isoformat()),
            None,
        )
    events = _events_of_day(person, day)
    activity_ids = {e.activity_id for e in events if e.activity_id}
    refs = {slot["activity"].split("~", 1)[0] for slot in (detail or {}).get("slots", ())}
    activities = db.session.scalars(
        sa.select(Activity).where(
            sa.or_(Activity.id.in_(activity_ids), Activity.public_ref.in_(refs))
        )
    ).all()
    by_id = {a.id: a for a in activities}
    names = {a.public_ref: a.name for a in activities}
    site_ids = {e.site_id for e in events if e.site_id}
    sites = {s.id: s.name for s in db.session.scalars(sa.select(Site).where(Site.id.in_(site_ids)))}
    actor_ids = {e.actor_user_id for e in events if e.actor_user_id}
    actors = {
        u.id: u.name
        for u in db.session.scalars(sa.select(StaffUser).where(StaffUser.id.in_(actor_ids)))
    }
    rows = {
        e.id: EventRow(
            e,
            sites.get(e.site_id, ""),
            by_id[e.activity_id].name if e.activity_id in by_id else "",
            actors.get(e.actor_user_id),
            same_day=e.occurred_at.astimezone(STOCKHOLM).date() == day,
        )
        for e in events
    }
    for row in rows.values():
        target = rows.get(row.event.supersedes_id) if row.event.supersedes_id else None
        if target is not None:
            target.superseded_by.append(row.event)
            row.supersedes = target.event
    visits = [
        (visit, by_id[visit.activity_id].name if visit.activity_id in by_id else "")
        for visit in derive_visits(EventFact.of(e) for e in events)
        if visit.in_at.astimezone(STOCKHOLM).date() == day
    ]
    return DayScans(person, period, day, detail, list(rows.values()), visits, names)
