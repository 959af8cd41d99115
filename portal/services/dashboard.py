"""The applicant's start page: this month's application, the next activity, this week's hours
and the things waiting for the applicant."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app

from portal.errors import DomainError
from portal.models import Application, ApplicationState, Person, PlanVersion
from portal.services import absences, applications, attendance, plans


@dataclass
class Dashboard:
    """What the start page shows."""

    this_month: str
    next_month: str
    application: Application | None
    next_application: Application | None
    open_months: list[str]
    draft: Application | None
    next_entry: plans.Entry | None
    week: attendance.Period | None
    plan: PlanVersion | None
    plan_to_acknowledge: PlanVersion | None
    #: (application, missing document types) for applications not yet decided.
    missing_documents: list[tuple[Application, list[str]]] = field(default_factory=list)
    pending_absences: int = 0


def build(person: Person, today: date, now: datetime) -> Dashboard:
    """Gather the start page's facts for ``person``."""
    this_month = applications.month_key(today)
    next_month = applications.month_key(applications.next_month(today))
    mine = applications.applications_of(person)
    by_month = {a.month: a for a in mine}
    drafts = [a for a in mine if a.state == ApplicationState.DRAFT]
    missing = [
        (a, applications.missing_documents(a))
        for a in mine
        if a.state in (ApplicationState.SUBMITTED, ApplicationState.IN_REVIEW)
    ]
    plan = plans.current_plan(person, today)
    try:
        week = attendance.week_period(person, today)
    except DomainError:
        # The start page still works if the figures cannot be computed; the attendance page
        # shows the error.
        current_app.logger.exception("week figures failed for ref=%s", person.public_ref)
        week = None
    return Dashboard(
        this_month=this_month,
        next_month=next_month,
        application=by_month.get(this_month),
        next_application=by_month.get(next_month),
        open_months=applications.open_months(person, today),
        draft=drafts[0] if drafts else None,
        next_entry=plans.next_entry(person, now),
        week=week,
        plan=plan,
        plan_to_acknowledge=plan if plan is not None and plan.acknowledged_at is None else None,
        missing_documents=[(a, kinds) for a, kinds in missing if kinds],
        pending_absences=absences.pending_count(person),
    )
