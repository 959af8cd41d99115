"""The unit's application queue with its service-level timers (first contact, and a plan when
an application starts a new spell of assistance), and the counts on the caseworker's start page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from admin.casework import rules
from admin.casework.rules import NO_TIMER, Timer
from admin.casework.services import LIST_LIMIT, current_month, settings_for, utc_start_of
from portal import access, audit
from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import (
    AbsenceDecision,
    AbsenceReport,
    Application,
    ApplicationState,
    Decision,
    DecisionOutcome,
    MunicipalitySettings,
    Person,
    PlanVersion,
    StaffUser,
    utcnow,
)

#: Decision outcomes that grant assistance for the month (they feed the requirement's trigger).
GRANTING = (DecisionOutcome.APPROVED, DecisionOutcome.PARTLY_APPROVED)
#: Application states a caseworker still has to act on.
OPEN_STATES = (ApplicationState.SUBMITTED, ApplicationState.IN_REVIEW)


@dataclass
class CaseTimers:
    """The service-level timers of one application and whether it is a return to assistance."""

    first_contact: Timer
    plan: Timer
    returning: bool

    @property
    def overdue(self) -> bool:
        return self.first_contact.overdue or self.plan.overdue


@dataclass
class QueueRow:
    """One application in the queue, with its person, age and timers."""

    application: Application
    person: Person
    timers: CaseTimers
    age_minutes: int


@dataclass
class Queue:
    """The unit's applications for one filter, with counts per filter for the tabs."""

    rows: list[QueueRow]
    counts: dict[str, int]
    truncated: bool
    filter: str


QUEUE_FILTERS = ("open", "intake", "overdue", "submitted", "in_review", "decided", "withdrawn")


def approved_months(person_ids: list[int]) -> dict[int, set[str]]:
    rows = db.session.execute(
        sa.select(Decision.person_id, Decision.month).where(
            Decision.person_id.in_(person_ids), Decision.outcome.in_(GRANTING)
        )
    )
    out: dict[int, set[str]] = defaultdict(set)
    for person_id, month in rows:
        out[person_id].add(month)
    return out


def plan_times(person_ids: list[int]) -> dict[int, list[datetime]]:
    rows = db.session.execute(
        sa.select(PlanVersion.person_id, PlanVersion.created_at)
        .where(PlanVersion.person_id.in_(person_ids))
        .order_by(PlanVersion.created_at)
    )
    out: dict[int, list[datetime]] = defaultdict(list)
    for person_id, created in rows:
        out[person_id].append(created)
    return out


def timers_for(
    application: Application,
    settings: MunicipalitySettings,
    approved: set[str],
    plan_times: list[datetime],
    now: datetime,
) -> CaseTimers:
    """The first-contact and plan timers of an application.

    First contact is due for every submitted application. A plan is due only when the
    application starts a new spell of assistance (a first application, or a return after a
    gap): a plan made since that spell began counts, even one made before the application.
    A refused or withdrawn application needs no plan.
    """
    returning = rules.is_returning(application.month, approved)
    if application.submitted_at is None or application.state in (
        ApplicationState.DRAFT,
        ApplicationState.WITHDRAWN,
    ):
        return CaseTimers(NO_TIMER, NO_TIMER, returning)
    first = rules.sla_timer(
        application.submitted_at,
        settings.sla_first_contact_hours,
        application.first_contact_at,
        now,
    )
    refused = application.decision is not None and application.decision.outcome == (
        DecisionOutcome.REFUSED
    )
    spell = rules.spell_start(application.month, approved)
    if refused or spell is None:
        plan = NO_TIMER
    else:
        since = utc_start_of(spell) if spell != date.min else None
        made = [t for t in plan_times if since is None or t >= since]
        plan = rules.sla_timer(
            application.submitted_at, settings.sla_plan_hours, made[0] if made else None, now
        )
    return CaseTimers(first, plan, returning)


def _unit_applications(unit_id: int):
    return (
        sa.select(Application)
        .join(Person, Application.person_id == Person.id)
        .where(Person.unit_id == unit_id, Application.state != ApplicationState.DRAFT)
        .options(selectinload(Application.person), selectinload(Application.decision))
    )


def _intake_applications(unit_id: int):
    """Open applications of the unit's people who have no caseworker yet (the intake queue)."""
    return _unit_applications(unit_id).where(
        Application.state.in_(OPEN_STATES), Person.caseworker_id.is_(None)
    )


def _overdue_candidates(unit_id: int, today: date):
    """Applications whose timers can still run: open ones, and recent decided ones."""
    recent = rules.month_before(current_month(today))
    return _unit_applications(unit_id).where(
        sa.or_(
            Application.state.in_(OPEN_STATES),
            sa.and_(Application.state == ApplicationState.DECIDED, Application.month >= recent),
        )
    )


def _rows(apps: list[Application], settings, now: datetime) -> list[QueueRow]:
    ids = list({a.person_id for a in apps})
    approved = approved_months(ids)
    plans = plan_times(ids)
    rows = []
    for app in apps:
        timers = timers_for(app, settings, approved[app.person_id], plans[app.person_id], now)
        start = app.submitted_at or app.created_at
        age = int((now - start).total_seconds() // 60)
        rows.append(QueueRow(app, app.person, timers, age))
    return rows


def application_queue(user: StaffUser, filter_: str = "open", now: datetime | None = None) -> Queue:
    """The caseworker's unit's applications for a filter, oldest first; audited per person.

    Filters: open (submitted or in review), overdue (a timer has run out), submitted,
    in_review, decided, withdrawn. Drafts are the applicant's own and never listed.
    """
    now = now or utcnow()
    if filter_ not in QUEUE_FILTERS:
        filter_ = "open"
    settings = settings_for(user.municipality_id)
    today = now.astimezone(STOCKHOLM).date()
    overdue_rows = [
        r
        for r in _rows(
            list(db.session.scalars(_overdue_candidates(user.unit_id, today))), settings, now
        )
        if r.timers.overdue
    ]
    counts = dict(
        db.session.execute(
            sa.select(Application.state, sa.func.count())
            .join(Person, Application.person_id == Person.id)
            .where(access.case_scope(user))
            .group_by(Application.state)
        ).all()
    )
    counts = {str(k): v for k, v in counts.items()}
    counts["open"] = sum(counts.get(str(s), 0) for s in OPEN_STATES)
    counts["overdue"] = len(overdue_rows)
    counts["intake"] = db.session.scalar(
        sa.select(sa.func.count()).select_from(_intake_applications(user.unit_id).subquery())
    )
    truncated = False
    if filter_ == "overdue":
        rows = overdue_rows
    else:
        query = _unit_applications(user.unit_id)
        if filter_ == "intake":
            query = _intake_applications(user.unit_id).order_by(
                Application.submitted_at, Application.id
            )
        elif filter_ == "open":
            query = query.where(Application.state.in_(OPEN_STATES)).order_by(
                Application.submitted_at, Application.id
            )
        else:
            query = query.where(Application.state == ApplicationState(filter_)).order_by(
                Application.submitted_at.desc(), Application.id.desc()
            )
        apps = list(db.session.scalars(query.limit(LIST_LIMIT + 1)))
        truncated = len(apps) > LIST_LIMIT
        rows = _rows(apps[:LIST_LIMIT], settings, now)
    rows.sort(key=lambda r: (not r.timers.overdue, -r.age_minutes))
    if filter_ in ("decided", "withdrawn"):
        rows.sort(key=lambda r: r.age_minutes)
    for row in rows:
        audit.record(
            "list", "application", person=row.person, object_ref=row.application.public_ref
        )
    return Queue(rows, counts, truncated, filter_)


def caseworker_counts(user: StaffUser, now: datetime | None = None) -> dict[str, int]:
    """Counts for the caseworker's start page: open applications, overdue, absences waiting."""
    now = now or utcnow()
    settings = settings_for(user.municipality_id)
    today = now.astimezone(STOCKHOLM).date()
    apps = list(db.session.scalars(_overdue_candidates(user.unit_id, today)))
    rows = _rows(apps, settings, now)
    return {
        "open": sum(1 for r in rows if r.application.state in OPEN_STATES),
        "overdue": sum(1 for r in rows if r.timers.overdue),
        "absences": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AbsenceReport)
            .join(Person, AbsenceReport.person_id == Person.id)
            .where(
                access.case_scope(user),
                AbsenceReport.decision == AbsenceDecision.PENDING,
            )
        ),
    }
