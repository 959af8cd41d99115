"""The individual plan builder (A4): required hours, a draft of activities, checks, versions.

The required hours come from the rule book's engine, fed with the person's own scenario from
the database (``reconcile.scenario_for_person``) in which the plan is replaced by the draft, so
the builder's totals are exactly what reconciliation will later count: the same working days,
holidays, exemptions, participation percentage and external occupations.

A draft is a list of :class:`DraftItem` (an activity, optionally limited to some sessions). It
lives in the builder's form, so adding and removing writes nothing; saving creates a new
:class:`PlanVersion` and brings the person's enrolments in line with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from admin.catalogue import services as catalogue
from portal.compliance import reconcile
from portal.compliance.engine import Result, evaluate
from portal.compliance.scenario import ScenarioError, parse_scenario
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Activity,
    ActivitySession,
    Enrolment,
    EnrolmentStatus,
    ExternalKind,
    ExternalOccupation,
    Person,
    PlanItem,
    PlanVersion,
)
from portal.notices import notify
from portal.services.settings_versions import settings_in_force

#: Weeks the builder shows from the plan's first day.
PLAN_WEEKS = 4
#: Longest purpose and note the builder accepts (the form says the same).
MAX_TEXT = 4000
#: A plan is made for the coming weeks; a start further ahead than this is a typing error.
MAX_DAYS_AHEAD = 366


# --------------------------------------------------------------------------------------------
# The draft


@dataclass
class DraftItem:
    """An activity in a draft plan; ``session_ids`` empty means every session."""

    activity: Activity
    session_ids: list[int] = field(default_factory=list)

    @property
    def sessions(self) -> list[ActivitySession]:
        """The sessions the person attends."""
        chosen = set(self.session_ids)
        return [s for s in self.activity.sessions if not chosen or s.id in chosen]

    @property
    def weekly_minutes(self) -> int:
        """Minutes in a full week of the chosen sessions (before holidays)."""
        return sum(s.minutes for s in self.sessions)

    @property
    def token(self) -> str:
        """How the item travels in the builder form: ``<activity ref>:<session ids>``."""
        return f"{self.activity.public_ref}:{','.join(str(i) for i in self.session_ids)}"


def parse_draft(tokens: Iterable[str], municipality_id: int) -> list[DraftItem]:
    """Rebuild a draft from the form's tokens; unknown activities or sessions are dropped.

    The tokens come from the browser, so each activity is looked up within the municipality
    and each session id must belong to that activity.
    """
    items: list[DraftItem] = []
    seen: set[int] = set()
    for token in tokens:
        ref, _sep, ids = (token or "").partition(":")
        activity = catalogue.get_activity(municipality_id, ref.strip())
        if activity is None or activity.id in seen:
            continue
        own = {s.id for s in activity.sessions}
        chosen = sorted({int(i) for i in ids.split(",") if i.strip().isdigit()} & own)
        seen.add(activity.id)
        items.append(DraftItem(activity, chosen if len(chosen) < len(own) else []))
    return items


def add_item(
    items: list[DraftItem], activity: Activity, session_ids: Iterable[int], person: Person
) -> list[DraftItem]:
    """Add an activity to the draft, refusing one that is full for this person.

    A full activity is refused with code ``activity_full`` unless the person already holds a
    place; the builder then offers the waiting list instead.
    """
    if any(item.activity.id == activity.id for item in items):
        raise DomainError("already_in_plan", _l("Aktiviteten finns redan i planen."))
    if not activity.active or not activity.site.active:
        raise DomainError("activity_inactive", _l("Aktiviteten erbjuds inte just nu."))
    own = {s.id for s in activity.sessions}
    if not own:
        raise DomainError("no_sessions", _l("Aktiviteten har inga pass att planera."))
    chosen = sorted(set(session_ids) & own)
    if not _holds_place(person, activity) and catalogue.occupancy([activity.id])[activity.id].full:
        raise DomainError(
            "activity_full",
            _l("%(name)s är full. Du kan ställa personen i kö i stället.", name=activity.name),
        )
    return [*items, DraftItem(activity, chosen if len(chosen) < len(own) else [])]


def remove_item(items: list[DraftItem], activity_ref: str) -> list[DraftItem]:
    """The draft without the named activity."""
    return [item for item in items if item.activity.public_ref != activity_ref]


def _holds_place(person: Person, activity: Activity) -> bool:
    enrolment = catalogue.current_enrolment(person, activity)
    return enrolment is not None and enrolment.status == EnrolmentStatus.ENROLLED


def draft_from_version(version: PlanVersion | None, valid_from: date | None) -> list[DraftItem]:
    """A version's items as a draft; with valid_from, activities ended by then are left out."""
    if version is None:
        return []
    return [
        DraftItem(item.activity, list(item.session_ids or []))
        for item in version.items
        if valid_from is None
        or item.activity.to_date is None
        or item.activity.to_date >= valid_from
    ]


def queue_for(person: Person, activity: Activity, today: date) -> Enrolment:
    """Put the person in the activity's queue (or give a place if one has come free)."""
    return catalogue.enrol(person, activity, max(today, activity.from_date), today)


# --------------------------------------------------------------------------------------------
# Checking a draft against the required hours


@dataclass
class WeekLine:
    """One week of the builder's table (minutes)."""

    week: str
    monday: date
    subject_working_days: int
    target: int
    external: int
    required: int
    planned: int
    gap: int
    over_full_time: bool
    af_programme: bool
    #: Why nothing is required this week (exempt, no assistance, not yet required), or "".
    no_requirement_reason: str = ""

    @property
    def number(self) -> int:
        return int(self.week.split("-W")[1])


@dataclass
class Clash:
    """Two planned sessions at the same time on the same weekday."""

    first: Activity
    first_session: ActivitySession
    second: Activity
    second_session: ActivitySession


@dataclass
class PlanCheck:
    """The draft's totals per week and what the caseworker should look at."""

    valid_from: date
    weeks: list[WeekLine]
    clashes: list[Clash]
    full_time_minutes_per_week: int
    #: The first day of the period on which the requirement applies (recorded months only).
    requirement_from: date | None
    ending: list[DraftItem]

    @property
    def over_full_time(self) -> list[WeekLine]:
        return [w for w in self.weeks if w.over_full_time]

    @property
    def under_planned(self) -> list[WeekLine]:
        return [w for w in self.weeks if w.gap > 0]

    @property
    def required_total(self) -> int:
        return sum(w.required for w in self.weeks)

    @property
    def planned_total(self) -> int:
        return sum(w.planned for w in self.weeks)

    @property
    def filled(self) -> bool:
        """Every week's required hours are planned and no week is over full time."""
        return not self.under_planned and not self.over_full_time


def calculation_start(valid_from: date | None, today: date) -> date:
    """The first day the builder calculates from: the plan's start if it is sensible, else today.

    Past weeks are shown (to compare with an earlier plan); dates years away are not.
    """
    if valid_from is None or abs((valid_from - today).days) > MAX_DAYS_AHEAD:
        return today
    return valid_from


def planning_period(valid_from: date, weeks: int = PLAN_WEEKS) -> tuple[date, date]:
    """From the plan's first day to the Sunday ``weeks`` ISO weeks on."""
    monday = catalogue.monday_of(valid_from)
    return valid_from, monday + timedelta(weeks=weeks, days=-1)


def check_plan(person: Person, items: list[DraftItem], valid_from: date, today: date) -> PlanCheck:
    """Required, external and planned hours per week for the draft, with warnings.

    Runs the engine on the person's scenario with the draft as the plan, over the recorded
    assistance months only (never assumed ones), so the builder, the assessment page, the
    applicant's plan and reconciliation agree on when the requirement applies.
    """
    period_from, period_to = planning_period(valid_from)
    scenario = reconcile.scenario_for_person(person, period_from, period_to)
    scenario["activities"] = _engine_activities(items, valid_from)
    # Attendance and absences belong to the saved plan's activities and do not matter here.
    scenario["attendance"], scenario["absences"], scenario["declined"] = [], [], []
    try:
        result = evaluate(parse_scenario(scenario))
    except ScenarioError as error:  # the database holds something the rules cannot read
        raise DomainError("invalid_input", str(error), status=500) from None
    full_time = _full_time_minutes(person.municipality_id, period_from)
    return PlanCheck(
        valid_from=valid_from,
        weeks=_week_lines(result, _af_weeks(person, period_from, period_to)),
        clashes=find_clashes(items, valid_from),
        full_time_minutes_per_week=full_time,
        requirement_from=next((d.day for d in result.days if d.subject), None),
        ending=[
            item
            for item in items
            if item.activity.to_date is not None and item.activity.to_date < period_to
        ],
    )


def _engine_activities(items: list[DraftItem], valid_from: date) -> list[dict]:
    """The draft as the contract's activities: one per session, each with its own dates."""
    activities = []
    for item in items:
        act = item.activity
        for session in item.sessions:
            start = max(valid_from, act.from_date, session.valid_from)
            ends = [d for d in (act.to_date, session.valid_to) if d is not None]
            end = min(ends) if ends else None
            if end is not None and end < start:
                continue
            activities.append(
                {
                    "id": f"{act.public_ref}~s{session.id}",
                    "type": str(act.type),
                    "from": start.isoformat(),
                    "to": end.isoformat() if end else None,
                    "slots": [
                        {
                            "weekday": session.weekday,
                            "start": session.start_time.strftime("%H:%M"),
                            "end": session.end_time.strftime("%H:%M"),
                        }
                    ],
                }
            )
    return activities


def _full_time_minutes(municipality_id: int, day: date) -> int:
    settings = settings_in_force(db.session, municipality_id, day)
    hours = settings.full_time_hours_per_week if settings else None
    return int(Decimal(hours if hours is not None else 40) * 60)


def _af_weeks(person: Person, period_from: date, period_to: date) -> set[date]:
    """Mondays of the weeks in which an AF programme (which has no times) is active."""
    rows = db.session.execute(
        sa.select(ExternalOccupation.from_date, ExternalOccupation.to_date).where(
            ExternalOccupation.person_id == person.id,
            ExternalOccupation.kind == ExternalKind.AF_PROGRAMME,
            ExternalOccupation.from_date <= period_to,
            sa.or_(ExternalOccupation.to_date.is_(None), ExternalOccupation.to_date >= period_from),
        )
    ).all()
    mondays = set()
    monday = catalogue.monday_of(period_from)
    while monday <= period_to:
        sunday = monday + timedelta(days=6)
        if any(r.from_date <= sunday and (r.to_date is None or r.to_date >= monday) for r in rows):
            mondays.add(monday)
        monday += timedelta(weeks=1)
    return mondays


_NO_REQUIREMENT = {
    "exempt": _l("Undantagen från kravet"),
    "no_assistance": _l("Inget beviljat försörjningsstöd"),
    "not_yet": _l("Kravet gäller inte ännu"),
    "no_working_day": _l("Inga arbetsdagar"),
}


def _week_lines(result: Result, af_mondays: set[date]) -> list[WeekLine]:
    days_by_week: dict[str, list] = {}
    for day in result.days:
        year, week, _weekday = day.day.isocalendar()
        days_by_week.setdefault(f"{year}-W{week:02d}", []).append(day)
    lines = []
    for week in result.weeks:
        days = days_by_week.get(week.week, [])
        year, number = week.week.split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
        lines.append(
            WeekLine(
                week=week.week,
                monday=monday,
                subject_working_days=week.subject_working_days,
                target=week.target_minutes,
                external=week.external_minutes,
                required=week.required_plan_minutes,
                planned=week.scheduled_minutes,
                gap=week.plan_gap_minutes,
                over_full_time=week.over_full_time,
                af_programme=monday in af_mondays,
                no_requirement_reason=(
                    "" if week.subject_working_days else str(_no_requirement(days))
                ),
            )
        )
    return lines


def _no_requirement(days) -> object:
    working = [d for d in days if d.working_day]
    if not working:
        return _NO_REQUIREMENT["no_working_day"]
    if any(d.exempt_reason for d in working):
        return _NO_REQUIREMENT["exempt"]
    if not any(d.assistance for d in working):
        return _NO_REQUIREMENT["no_assistance"]
    return _NO_REQUIREMENT["not_yet"]


def find_clashes(items: list[DraftItem], valid_from: date) -> list[Clash]:
    """Pairs of planned sessions that can fall at the same time from valid_from on."""
    planned = [
        (item.activity, s)
        for item in items
        for s in item.sessions
        if (s.valid_to is None or s.valid_to >= valid_from)
        and (item.activity.to_date is None or item.activity.to_date >= valid_from)
    ]
    clashes = []
    for i, (a, sa_) in enumerate(planned):
        for b, sb in planned[i + 1 :]:
            if catalogue.sessions_clash(sa_, sb) and _activities_overlap(a, b):
                clashes.append(Clash(a, sa_, b, sb))
    return clashes


def _activities_overlap(a: Activity, b: Activity) -> bool:
    return (a.to_date is None or b.from_date <= a.to_date) and (
        b.to_date is None or a.from_date <= b.to_date
    )


# --------------------------------------------------------------------------------------------
# Versions


def versions(person: Person) -> list[PlanVersion]:
    """Every version of the person's plan, newest first."""
    return list(
        db.session.scalars(
            sa.select(PlanVersion)
            .where(PlanVersion.person_id == person.id)
            .order_by(PlanVersion.version.desc())
        )
    )


def current_version(person: Person) -> PlanVersion | None:
    """The newest version of the person's plan."""
    return db.session.scalar(
        sa.select(PlanVersion)
        .where(PlanVersion.person_id == person.id)
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )


def get_version(person: Person, number: int) -> PlanVersion | None:
    """One version of the person's plan by its number."""
    return db.session.scalar(
        sa.select(PlanVersion).where(
            PlanVersion.person_id == person.id, PlanVersion.version == number
        )
    )


@dataclass
class PlanInput:
    """What the caseworker writes about a plan."""

    valid_from: date
    follow_up_date: date
    purpose: str
    note: str = ""
    #: The caseworker confirmed saving a plan with fewer hours than the requirement.
    accept_under_planned: bool = False


def save_plan(
    person: Person, items: list[DraftItem], data: PlanInput, *, actor_id: int, today: date
) -> PlanVersion:
    """Save the draft as the person's next plan version and align their enrolments.

    Every check runs before anything is written. A plan with fewer hours than the requirement
    in any week needs the caseworker's confirmation (``under_planned``). Planned activities get
    a place (an activity that became full meanwhile is refused with ``activity_full``);
    activities dropped since the previous version end the day before the new one applies, and
    their places go to the queue.
    """
    purpose = data.purpose.strip()
    if not purpose:
        raise DomainError("purpose_missing", _l("Skriv planens syfte."))
    if len(purpose) > MAX_TEXT or len(data.note) > MAX_TEXT:
        raise DomainError("text_too_long", _l("Texten är för lång."))
    if data.valid_from < today:
        raise DomainError("valid_from_past", _l("Planen kan inte börja gälla före i dag."))
    if data.valid_from > today + timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError("valid_from_far", _l("Planen kan börja gälla högst ett år fram i tiden."))
    if data.follow_up_date <= data.valid_from:
        raise DomainError(
            "follow_up_too_early", _l("Uppföljningen måste vara efter att planen börjar gälla.")
        )
    if not data.accept_under_planned:
        short = check_plan(person, items, data.valid_from, today).under_planned
        if short:
            raise DomainError(
                "under_planned",
                _l(
                    "Planen har färre timmar än kravet vecka %(weeks)s. Kryssa i rutan om du "
                    "vill spara den ändå.",
                    weeks=", ".join(str(week.number) for week in short),
                ),
            )
    _lock_person(person)
    previous = current_version(person)
    if previous is not None and data.valid_from < previous.valid_from:
        raise DomainError(
            "before_previous",
            _l(
                "Planen kan inte börja före den förra versionen (%(date)s).",
                date=previous.valid_from.isoformat(),
            ),
        )
    for item in items:
        if not item.activity.active or not item.activity.site.active:
            raise DomainError(
                "activity_inactive",
                _l("%(name)s erbjuds inte längre. Ta bort den ur planen.", name=item.activity.name),
            )
        if not _holds_place(person, item.activity) and _full(item.activity):
            raise DomainError(
                "activity_full",
                _l(
                    "%(name)s blev full innan planen sparades. Ta bort den eller ställ "
                    "personen i kö.",
                    name=item.activity.name,
                ),
            )
    version = PlanVersion(
        person_id=person.id,
        version=(previous.version + 1) if previous else 1,
        valid_from=data.valid_from,
        purpose=purpose,
        follow_up_date=data.follow_up_date,
        note=data.note.strip(),
        created_by_id=actor_id,
        items=[
            PlanItem(
                activity_id=item.activity.id,
                session_ids=sorted(item.session_ids),
                from_date=max(data.valid_from, item.activity.from_date),
                to_date=item.activity.to_date,
            )
            for item in items
        ],
    )
    db.session.add(version)
    db.session.flush()
    _align_enrolments(person, items, previous, data.valid_from, today)
    notify(
        None,
        person,
        "plan_to_acknowledge",
        key=str(version.version),
        version=version.version,
        valid_from=version.valid_from,
    )
    return version


def _lock_person(person: Person) -> None:
    """Serialise saves of one person's plan, so two versions never get the same number."""
    db.session.execute(sa.select(Person.id).where(Person.id == person.id).with_for_update()).all()


def _full(activity: Activity) -> bool:
    return catalogue.occupancy([activity.id])[activity.id].full


def _align_enrolments(
    person: Person,
    items: list[DraftItem],
    previous: PlanVersion | None,
    valid_from: date,
    today: date,
) -> None:
    planned = {item.activity.id for item in items}
    for item in items:
        enrolment = catalogue.current_enrolment(person, item.activity)
        if enrolment is None:
            start = max(valid_from, today, item.activity.from_date)
            catalogue.enrol(person, item.activity, start, today)
    dropped = {i.activity_id for i in previous.items} - planned if previous else set()
    for activity_id in sorted(dropped):
        enrolment = db.session.scalar(
            sa.select(Enrolment).where(
                Enrolment.person_id == person.id,
                Enrolment.activity_id == activity_id,
                Enrolment.status == EnrolmentStatus.ENROLLED,
            )
        )
        if enrolment is not None:
            catalogue.end_enrolment(enrolment, valid_from - timedelta(days=1))


def catalogue_for_builder(
    municipality_id: int, valid_from: date, type_filter=None
) -> list[Activity]:
    """Activities that can be planned from valid_from: offered, at an open site, not ended."""
    return [
        a
        for a in catalogue.list_activities(
            municipality_id, type=type_filter, only_active=True, running_on=valid_from
        )
        if a.sessions
    ]


def unit_people_with_plans(unit_id: int, page: int, per_page: int = 50):
    """A page of the unit's people with their newest plan version (or None)."""
    newest = (
        sa.select(PlanVersion.person_id, sa.func.max(PlanVersion.version).label("version"))
        .group_by(PlanVersion.person_id)
        .subquery()
    )
    query = (
        sa.select(Person, PlanVersion)
        .outerjoin(newest, newest.c.person_id == Person.id)
        .outerjoin(
            PlanVersion,
            sa.and_(PlanVersion.person_id == Person.id, PlanVersion.version == newest.c.version),
        )
        .where(Person.unit_id == unit_id)
        .order_by(Person.last_name, Person.first_name, Person.id)
    )
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Person).where(Person.unit_id == unit_id)
    )
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total
