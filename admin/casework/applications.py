"""One application at the caseworker's end: reading it with its timers, recording the first
contact, deciding the month (approve, partly approve, refuse) and downloading its attachments.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from admin.casework.queue import (
    GRANTING,
    OPEN_STATES,
    CaseTimers,
    approved_months,
    plan_times,
    timers_for,
)
from admin.casework.services import refusal, settings_for
from portal import access, audit
from portal.extensions import db
from portal.models import (
    Application,
    ApplicationState,
    Attachment,
    Decision,
    DecisionOutcome,
    Person,
    StaffUser,
    utcnow,
)
from portal.notices import notify
from portal.services.applications import transition

MIN_REASON_CHARS = 10


def _case_application(user: StaffUser, ref: str) -> Application:
    """An application of the caseworker's unit, or 404 (never reveal another unit's)."""
    app = db.session.scalar(
        sa.select(Application)
        .join(Person, Application.person_id == Person.id)
        .where(
            Application.public_ref == ref,
            access.case_scope(user),
            Application.state != ApplicationState.DRAFT,
        )
    )
    if app is None or user.unit_id is None:
        raise refusal("not_found", 404)
    return app


@dataclass
class ApplicationView:
    """Everything the application page shows."""

    application: Application
    person: Person
    timers: CaseTimers
    totals: dict[str, int]
    items: dict[str, list]
    earlier: list[Decision]
    #: The household as declared at submission (role, first_name, birth_date), else as now.
    household: list[dict]
    co_applicants: list[Person]
    housing_type: str | None
    missing_documents: list[str]


def open_application(user: StaffUser, ref: str, now: datetime | None = None) -> ApplicationView:
    """Load an application for reading (audited)."""
    now = now or utcnow()
    app = _case_application(user, ref)
    person = app.person
    approved = approved_months([person.id])[person.id]
    plans = plan_times([person.id])[person.id]
    timers = timers_for(app, settings_for(person.municipality_id), approved, plans, now)
    items: dict[str, list] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for item in app.items:
        items[str(item.category)].append(item)
        totals[str(item.category)] += item.amount_sek
    earlier = list(
        db.session.scalars(
            sa.select(Decision)
            .where(Decision.person_id == person.id, Decision.application_id != app.id)
            .order_by(Decision.month.desc())
            .limit(12)
        )
    )
    from portal.services.applications import housing_type, missing_documents

    household = person.household
    declared = (app.answers or {}).get("household")
    if declared is None:
        declared = [
            {"role": str(m.role), "first_name": m.first_name, "birth_date": m.birth_date}
            for m in (household.members if household else [])
        ]
    else:
        declared = [
            {**m, "birth_date": date.fromisoformat(m["birth_date"])}
            for m in declared
            if m.get("birth_date")
        ]
    co_applicants = [p for p in (household.people if household else []) if p.id != person.id]
    audit.record("read", "application", person=person, object_ref=app.public_ref)
    return ApplicationView(
        application=app,
        person=person,
        timers=timers,
        totals=dict(totals),
        items=dict(items),
        earlier=earlier,
        household=declared,
        co_applicants=co_applicants,
        housing_type=housing_type(app),
        missing_documents=missing_documents(app),
    )


def record_first_contact(user: StaffUser, ref: str, now: datetime | None = None) -> Application:
    """Record that the caseworker has contacted the applicant; the application is in review."""
    app = _case_application(user, ref)
    if app.state not in OPEN_STATES:
        raise refusal("not_open")
    if app.first_contact_at is not None:
        raise refusal("already_contacted")
    app.first_contact_at = now or utcnow()
    transition(app, ApplicationState.IN_REVIEW, now)
    audit.record(
        "update", "application", person=app.person, object_ref=app.public_ref, why="first_contact"
    )
    return app


def decide_application(
    user: StaffUser,
    ref: str,
    outcome: DecisionOutcome,
    amount_sek: int | None,
    reasons: str,
    now: datetime | None = None,
) -> Decision:
    """Decide one month's application: approve, partly approve or refuse, with reasons.

    A granting decision makes the month count towards the activity requirement. A decision is
    also a contact, so a missing first contact is recorded now.
    """
    now = now or utcnow()
    app = _case_application(user, ref)
    if app.decision is not None or app.state == ApplicationState.DECIDED:
        raise refusal("already_decided")
    if app.state not in OPEN_STATES:
        raise refusal("not_decidable")
    reasons = (reasons or "").strip()
    if len(reasons) < MIN_REASON_CHARS:
        raise refusal("reasons_required")
    if outcome in GRANTING and amount_sek is None:
        raise refusal("amount_required")
    if outcome == DecisionOutcome.REFUSED and amount_sek:
        raise refusal("amount_not_allowed")
    decision = Decision(
        application_id=app.id,
        person_id=app.person_id,
        month=app.month,
        outcome=outcome,
        amount_sek=amount_sek if outcome in GRANTING else None,
        reasons=reasons,
        decided_by_id=user.id,
        decided_at=now,
    )
    db.session.add(decision)
    if app.first_contact_at is None:
        app.first_contact_at = now
    app.decision = decision
    transition(app, ApplicationState.DECIDED, now)
    audit.record(
        "decide", "decision", person=app.person, object_ref=app.public_ref, why=str(outcome)
    )
    notify(
        None,
        app.person,
        "application_decision",
        key=app.public_ref,
        ref=app.public_ref,
        letter_kind="ansokan",
        month=app.month,
    )
    return decision


def application_attachment(user: StaffUser, app_ref: str, attachment_ref: str) -> Attachment:
    """An attachment of an application in the unit, or 404."""
    app = _case_application(user, app_ref)
    found = next((a for a in app.attachments if a.public_ref == attachment_ref), None)
    if found is None:
        raise refusal("not_found", 404)
    audit.record("download", "attachment", person=app.person, object_ref=found.public_ref)
    return found
