"""Rows the casework tests need beyond tests/factories.py: applications, decisions, plans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import (
    AbsenceDecision,
    AbsenceReason,
    AbsenceReport,
    Application,
    ApplicationItem,
    ApplicationState,
    Decision,
    DecisionOutcome,
    HouseholdMember,
    ItemCategory,
    MemberRole,
    PlanItem,
    PlanVersion,
    utcnow,
)
from portal.refs import new_ref


def local(text: str) -> datetime:
    """A Stockholm wall-clock time ("2026-03-28 10:00") as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM).astimezone(UTC)


def application(
    person,
    month: str,
    *,
    state: ApplicationState = ApplicationState.SUBMITTED,
    submitted_at: datetime | None = None,
    first_contact_at: datetime | None = None,
) -> Application:
    app = Application(
        public_ref=new_ref(),
        person_id=person.id,
        household_id=person.household_id,
        month=month,
        state=state,
        current_step="review",
        answers={"housing": {"type": "rental"}},
        submitted_at=submitted_at or utcnow() - timedelta(hours=1),
        declaration_at=submitted_at or utcnow() - timedelta(hours=1),
        first_contact_at=first_contact_at,
    )
    app.items = [
        ApplicationItem(
            category=ItemCategory.COST, kind="rent", description="Hyra", amount_sek=6400
        ),
        ApplicationItem(
            category=ItemCategory.INCOME,
            kind="child_allowance",
            description="Barnbidrag",
            amount_sek=1250,
        ),
    ]
    db.session.add(app)
    db.session.flush()
    return app


def decided(person, month: str, outcome=DecisionOutcome.APPROVED, by=None) -> Application:
    """An application for a month with its decision (a month with assistance if granting)."""
    app = application(person, month, state=ApplicationState.DECIDED)
    db.session.add(
        Decision(
            application_id=app.id,
            person_id=person.id,
            month=month,
            outcome=outcome,
            amount_sek=None if outcome == DecisionOutcome.REFUSED else 5000,
            reasons="Skäl som den sökande läser.",
            decided_by_id=by.id,
        )
    )
    db.session.flush()
    return app


def plan(person, activity, *, valid_from: date, created_at: datetime | None = None, by=None):
    version = PlanVersion(
        person_id=person.id,
        version=1 + len(db.session.query(PlanVersion).filter_by(person_id=person.id).all()),
        valid_from=valid_from,
        purpose="Stärka svenskan.",
        follow_up_date=valid_from + timedelta(days=60),
        created_by_id=by.id if by else None,
        created_at=created_at or utcnow(),
    )
    version.items = [PlanItem(activity=activity, from_date=valid_from)]
    db.session.add(version)
    db.session.flush()
    return version


def mandatory_in_september(world):
    """Alma, assisted July to September (so mandatory in September) with the language course
    planned from August; not committed."""
    person, cw = world.person_a, world.caseworker
    for month in ("2026-07", "2026-08", "2026-09"):
        decided(person, month, by=cw)
    plan(person, world.activity_a, valid_from=date(2026, 8, 1))
    return person


def child(person, born: date, name: str = "Liv") -> HouseholdMember:
    member = HouseholdMember(
        household_id=person.household_id, role=MemberRole.CHILD, first_name=name, birth_date=born
    )
    db.session.add(member)
    db.session.flush()
    db.session.refresh(person.household)
    return member


def absence(person, start: str, end: str, reason=AbsenceReason.SICK) -> AbsenceReport:
    report = AbsenceReport(
        public_ref=new_ref(),
        person_id=person.id,
        from_at=local(start),
        to_at=local(end),
        reason=reason,
        description="Feber.",
        decision=AbsenceDecision.PENDING,
    )
    db.session.add(report)
    db.session.flush()
    return report


def scan(person, activity, kind: str, when: str):
    """An accepted staff scan at an activity (``when`` is Stockholm wall-clock time)."""
    import uuid

    from portal.models import AttendanceEvent, EventKind, EventSource, EventStatus

    event = AttendanceEvent(
        event_id=str(uuid.uuid4()),
        person_id=person.id,
        site_id=activity.site_id,
        activity_id=activity.id,
        kind=EventKind(kind),
        source=EventSource.STAFF_SCAN,
        occurred_at=local(when),
        status=EventStatus.ACCEPTED,
    )
    db.session.add(event)
    db.session.flush()
    return event


def audit_rows(person=None, action=None, object_type=None):
    """The audit rows written so far, optionally filtered."""
    from portal.models import AuditEntry

    rows = db.session.query(AuditEntry).order_by(AuditEntry.id).all()
    return [
        r
        for r in rows
        if (person is None or r.person_id == person.id)
        and (action is None or r.action == action)
        and (object_type is None or r.object_type == object_type)
    ]


#: (method, path template) of every page about one person's case.
CASE_PAGES = [
    ("GET", "/admin/people/{person}"),
    ("POST", "/admin/people/{person}/personnummer"),
    ("GET", "/admin/cases/applications/{application}"),
    ("POST", "/admin/cases/applications/{application}/first-contact"),
    ("GET", "/admin/cases/applications/{application}/decision"),
    ("POST", "/admin/cases/applications/{application}/decision"),
    ("GET", "/admin/cases/applications/{application}/attachments/x"),
    ("GET", "/admin/cases/people/{person}/assessment"),
    ("GET", "/admin/cases/people/{person}/assessment/new"),
    ("POST", "/admin/cases/people/{person}/assessment/new"),
    ("GET", "/admin/cases/people/{person}/statuses/new"),
    ("POST", "/admin/cases/people/{person}/statuses/new"),
    ("GET", "/admin/cases/people/{person}/statuses/{status}/end"),
    ("POST", "/admin/cases/people/{person}/statuses/{status}/end"),
    ("GET", "/admin/cases/people/{person}/externals/new"),
    ("POST", "/admin/cases/people/{person}/externals/new"),
    ("GET", "/admin/cases/people/{person}/externals/{external}/end"),
    ("POST", "/admin/cases/people/{person}/externals/{external}/end"),
    ("GET", "/admin/cases/absences/{absence}"),
    ("POST", "/admin/cases/absences/{absence}"),
    ("GET", "/admin/cases/absences/{absence}/attachments/x"),
    ("GET", "/admin/cases/people/{person}/support"),
    ("GET", "/admin/cases/people/{person}/support/2026-09/declined"),
    ("POST", "/admin/cases/people/{person}/support/2026-09/declined"),
    ("GET", "/admin/cases/people/{person}/support/2026-09/decision"),
    ("POST", "/admin/cases/people/{person}/support/2026-09/decision"),
    ("GET", "/admin/cases/people/{person}/support/2026-09/notice"),
    ("POST", "/admin/cases/people/{person}/support/2026-09/notice"),
]
#: Pages that list the unit's work rather than one case.
UNIT_PAGES = [
    ("GET", "/admin/cases/"),
    ("GET", "/admin/cases/absences"),
    ("GET", "/admin/cases/search"),
    ("POST", "/admin/cases/search"),
]
