"""Decision support (A7) and the requirement outlook (A2): what the rules engine says about
one person, declined offers, and the sanction decisions that need the law's written
assessments. Nothing here reduces anything: decisions are only recorded when a caseworker makes
them.

Like every casework service, these flush and never commit, raise DomainError with a stable
code, and write the audit rows for what they read or change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from admin.casework import rules
from admin.casework.assessments import (
    assessments,
    current_assessment,
    exemption_effect,
    externals,
    statuses,
)
from admin.casework.services import current_month, parse_month, refusal, settings_for
from portal import audit
from portal.extensions import db
from portal.i18n import local_today
from portal.models import (
    Activity,
    Assessment,
    DeclinedOffer,
    ExternalOccupation,
    MemberRole,
    Person,
    PersonStatus,
    PlanItem,
    PlanVersion,
    SanctionDecision,
    Site,
    StaffUser,
    utcnow,
)

# --------------------------------------------------------------------------------------------
# Declined offers and sanctions


def household_has_children(person: Person) -> bool:
    """Whether a child belongs to the person's household (a child impact assessment is due)."""
    household = person.household
    return bool(household and any(m.role == MemberRole.CHILD for m in household.members))


def offerable_activities(person: Person) -> list[Activity]:
    """What a declined offer may name: the activities of the person's plan versions, and every
    activity the municipality runs. An offer that was declined never became part of the plan
    (compliance-rules.md, "declined"), so the plan alone is not enough."""
    in_plans = (
        sa.select(PlanItem.activity_id)
        .join(PlanVersion, PlanItem.plan_version_id == PlanVersion.id)
        .where(PlanVersion.person_id == person.id)
    )
    return list(
        db.session.scalars(
            sa.select(Activity)
            .join(Site, Activity.site_id == Site.id)
            .where(
                Site.municipality_id == person.municipality_id,
                sa.or_(
                    sa.and_(Activity.active.is_(True), Site.active.is_(True)),
                    Activity.id.in_(in_plans),
                ),
            )
            .options(orm.contains_eager(Activity.site))
            .order_by(Activity.name, Activity.id)
        )
    )


def record_declined_offer(
    user: StaffUser,
    person: Person,
    day: date,
    activity_id: int | None,
    acceptable_reason: bool,
    note: str,
) -> DeclinedOffer:
    """Record an offered activity the person declined, with or without acceptable reason."""
    if activity_id is not None and activity_id not in {a.id for a in offerable_activities(person)}:
        raise refusal("activity_unknown")
    row = DeclinedOffer(
        person_id=person.id,
        activity_id=activity_id,
        date=day,
        acceptable_reason=acceptable_reason,
        note=(note or "").strip(),
        recorded_by_id=user.id,
        recorded_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("create", "declined_offer", person=person, object_ref=str(row.id))
    return row


def declined_offers(person: Person, start: date, end: date) -> list[DeclinedOffer]:
    """The person's declined offers between two days, inclusive."""
    return list(
        db.session.scalars(
            sa.select(DeclinedOffer)
            .where(
                DeclinedOffer.person_id == person.id,
                DeclinedOffer.date >= start,
                DeclinedOffer.date <= end,
            )
            .order_by(DeclinedOffer.date)
        )
    )


def sanctions_for_month(person: Person, month: str) -> list[SanctionDecision]:
    """Decisions already recorded on a month's basis, newest first."""
    return list(
        db.session.scalars(
            sa.select(SanctionDecision)
            .where(SanctionDecision.person_id == person.id, SanctionDecision.month == month)
            .order_by(SanctionDecision.decided_at.desc(), SanctionDecision.id.desc())
        )
    )


# --------------------------------------------------------------------------------------------
# The requirement from the rules engine


#: How far ahead the assessment page looks, in whole ISO weeks from this week's Monday.
OUTLOOK_WEEKS = 8


@dataclass
class Segment:
    """A run of consecutive days on which the requirement stands the same way."""

    start: date
    end: date
    #: not_subject, mandatory, voluntary or exempt
    state: str
    exempt_reason: str | None = None


@dataclass
class WeekOutlook:
    """One ISO week of the outlook (figures in minutes)."""

    week: str
    monday: date
    subject_working_days: int
    target: int
    external: int
    required_plan: int
    scheduled: int
    plan_gap: int
    over_full_time: bool


@dataclass
class RequirementOutlook:
    """Whether and from when the activity requirement applies, and what the plan must fill."""

    today: date
    #: How the requirement stands today: not_subject, mandatory, voluntary or exempt.
    now: Segment
    #: The first day after today on which it stands differently, if within the outlook.
    next_change: Segment | None
    month: str
    month_segments: list[Segment]
    month_required_plan: int
    segments: list[Segment]
    weeks: list[WeekOutlook]


def _segments(days) -> list[Segment]:
    out: list[Segment] = []
    for day in days:
        if day.exempt_reason:
            state, reason = "exempt", day.exempt_reason
        elif day.mandatory:
            state, reason = "mandatory", None
        elif day.voluntary:
            state, reason = "voluntary", None
        else:
            state, reason = "not_subject", None
        last = out[-1] if out else None
        if last and last.state == state and last.exempt_reason == reason:
            last.end = day.day
        else:
            out.append(Segment(day.day, day.day, state, reason))
    return out


def _months_between(start: date, end: date) -> list[str]:
    months, index = [], rules.month_index(current_month(start))
    while index <= rules.month_index(current_month(end)):
        months.append(f"{index // 12:04d}-{index % 12 + 1:02d}")
        index += 1
    return months


def requirement_outlook(person: Person, today: date | None = None) -> RequirementOutlook:
    """The requirement for this month and the coming eight weeks, from the rules engine.

    One evaluation covers this month and the eight ISO weeks from this week's Monday, over the
    recorded assistance months only (never assumed ones): the plan builder, the applicant's
    plan and reconciliation read the same engine the same way.
    """
    from portal.compliance.periods import month_bounds
    from portal.compliance.reconcile import evaluate_person

    today = today or local_today()
    month = current_month(today)
    m_start, m_end = month_bounds(month)
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(weeks=OUTLOOK_WEEKS) - timedelta(days=1)
    start, end = min(m_start, monday), max(m_end, sunday)
    result = evaluate_person(person, start, end)
    weeks = []
    for week in result.weeks:
        year, number = week.week.split("-W")
        week_monday = date.fromisocalendar(int(year), int(number), 1)
        if not monday <= week_monday <= sunday:
            continue
        weeks.append(
            WeekOutlook(
                week=week.week,
                monday=week_monday,
                subject_working_days=week.subject_working_days,
                target=week.target_minutes,
                external=week.external_minutes,
                required_plan=week.required_plan_minutes,
                scheduled=week.scheduled_minutes,
                plan_gap=week.plan_gap_minutes,
                over_full_time=week.over_full_time,
            )
        )
    ahead = _segments(d for d in result.days if d.day >= today)
    return RequirementOutlook(
        today=today,
        now=ahead[0],
        next_change=ahead[1] if len(ahead) > 1 else None,
        month=month,
        month_segments=_segments(d for d in result.days if m_start <= d.day <= m_end),
        month_required_plan=sum(
            d.required_plan_minutes for d in result.days if m_start <= d.day <= m_end
        ),
        segments=_segments(d for d in result.days if monday <= d.day <= sunday),
        weeks=weeks,
    )


@dataclass
class AssessmentPage:
    """The assessment page: assessments, statuses, externals and the requirement outlook."""

    person: Person
    current: Assessment | None
    history: list[Assessment]
    statuses: list[PersonStatus]
    status_effects: dict[int, str]
    externals: list[ExternalOccupation]
    outlook: RequirementOutlook


def assessment_page(user: StaffUser, person: Person, today: date | None = None) -> AssessmentPage:
    """Everything the assessment page shows (audited as one read)."""
    settings = settings_for(person.municipality_id)
    rows = statuses(person)
    audit.record("read", "assessment", person=person, object_ref=person.public_ref)
    return AssessmentPage(
        person=person,
        current=current_assessment(person, today),
        history=assessments(person),
        statuses=rows,
        status_effects={row.id: exemption_effect(row.kind, settings) for row in rows},
        externals=externals(person),
        outlook=requirement_outlook(person, today),
    )


# --------------------------------------------------------------------------------------------
# Decision support: a month's basis


@dataclass
class SessionLine:
    """One planned session on one day, as the basis shows it (minutes)."""

    day: date
    activity: str
    activity_name: str
    start: time
    end: time
    scheduled: int
    attended: int
    excused: int
    pending: int
    unexcused: int
    missing_checkout: bool


@dataclass
class MonthBasis:
    """What a caseworker decides on for one person and month. Never a decision by itself."""

    person: Person
    month: str
    period_from: date
    period_to: date
    result: object
    unexcused: list[SessionLine]
    pending: list[SessionLine]
    missing_checkouts: list[SessionLine]
    declined: list[DeclinedOffer]
    declined_days: list[date]
    sanctions: list[SanctionDecision]
    has_children: bool
    activity_names: dict[int, str]

    @property
    def under_planned(self) -> bool:
        return "under_planned" in self.result.flags


def _activity_names(result) -> dict[str, str]:
    refs = {slot.activity.split("~")[0] for day in result.days for slot in day.slots}
    rows = db.session.execute(
        sa.select(Activity.public_ref, Activity.name).where(Activity.public_ref.in_(refs))
    ).all()
    return dict(rows)


def basis_period(month: str, today: date | None = None) -> tuple[date, date]:
    """The days of a month that have passed: the month, or up to yesterday while it runs.

    Slots still to come are not absences, so the basis never counts beyond yesterday.
    Raises DomainError('month_not_started') for a month with no day passed yet.
    """
    from portal.compliance.periods import month_bounds

    start, end = month_bounds(parse_month(month))
    end = min(end, (today or local_today()) - timedelta(days=1))
    if end < start:
        raise refusal("month_not_started")
    return start, end


def month_basis(user: StaffUser, person: Person, month: str) -> MonthBasis:
    """The month's basis from reconciliation, with the sessions behind each figure (audited)."""
    from portal.compliance.reconcile import evaluate_person

    month = parse_month(month)

    start, end = basis_period(month)
    result = evaluate_person(person, start, end)
    names = _activity_names(result)
    unexcused, pending, missing = [], [], []
    for day in result.days:
        for slot in day.slots:
            line = SessionLine(
                day=day.day,
                activity=slot.activity,
                activity_name=names.get(slot.activity.split("~")[0], ""),
                start=slot.start,
                end=slot.end,
                scheduled=slot.scheduled_minutes,
                attended=slot.attended_minutes,
                excused=slot.excused_minutes,
                pending=slot.pending_minutes,
                unexcused=slot.unexcused_minutes,
                missing_checkout=slot.missing_checkout,
            )
            if line.unexcused:
                unexcused.append(line)
            if line.pending:
                pending.append(line)
            if line.missing_checkout:
                missing.append(line)
    offers = declined_offers(person, start, end)
    activity_ids = {o.activity_id for o in offers if o.activity_id}
    activity_names = dict(
        db.session.execute(
            sa.select(Activity.id, Activity.name).where(Activity.id.in_(activity_ids))
        ).all()
    )
    audit.record("read", "decision_support", person=person, object_ref=month)
    return MonthBasis(
        person=person,
        month=month,
        period_from=start,
        period_to=end,
        result=result,
        unexcused=unexcused,
        pending=pending,
        missing_checkouts=missing,
        declined=offers,
        declined_days=[d.day for d in result.days if d.declined_offer],
        sanctions=sanctions_for_month(person, month),
        has_children=household_has_children(person),
        activity_names=activity_names,
    )
