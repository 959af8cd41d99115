"""Factories for the rows reconciliation reads: decisions, assessments, plans, scans, absences.

They build on tests/factories.py (people, sites, activities, staff) and take local
Europe/Stockholm wall-clock times, as a person at a site would read them.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from portal.extensions import db
from portal.models import (
    AbsenceReport,
    Activity,
    ActivitySession,
    Application,
    ApplicationState,
    Assessment,
    AssistanceReason,
    AttendanceEvent,
    Decision,
    DeclinedOffer,
    ExternalOccupation,
    HouseholdMember,
    Person,
    PersonStatus,
    PlanItem,
    PlanVersion,
    StaffUser,
)
from portal.models.enums import (
    AbsenceDecision,
    AbsenceReason,
    DecisionOutcome,
    EventKind,
    EventSource,
    EventStatus,
    ExternalKind,
    MemberRole,
    StatusKind,
)
from portal.refs import new_ref

STOCKHOLM = ZoneInfo("Europe/Stockholm")
_seq = itertools.count(1)


def local(moment: str) -> datetime:
    """``2026-09-07T09:00`` in Stockholm as an aware UTC datetime."""
    return datetime.fromisoformat(moment).replace(tzinfo=STOCKHOLM).astimezone(UTC)


def assistance(
    person: Person,
    months: list[str],
    by: StaffUser,
    outcome: DecisionOutcome = DecisionOutcome.APPROVED,
) -> list[Decision]:
    """A decided application and its decision for each month."""
    decisions = []
    for month in months:
        application = Application(
            public_ref=new_ref(),
            person_id=person.id,
            household_id=person.household_id,
            month=month,
            state=ApplicationState.DECIDED,
        )
        db.session.add(application)
        db.session.flush()
        decision = Decision(
            application_id=application.id,
            person_id=person.id,
            month=month,
            outcome=outcome,
            amount_sek=None if outcome == DecisionOutcome.REFUSED else 9000,
            reasons="Beslut enligt ansökan.",
            decided_by_id=by.id,
        )
        db.session.add(decision)
        decisions.append(decision)
    db.session.flush()
    return decisions


def assessment(
    person: Person,
    valid_from: date,
    *,
    participation: int = 100,
    requirement_from: date | None = None,
    assessed_at: datetime | None = None,
) -> Assessment:
    row = Assessment(
        person_id=person.id,
        valid_from=valid_from,
        participation_percent=participation,
        work_capacity_percent=participation,
        reason=AssistanceReason.UNEMPLOYMENT,
        requirement_from=requirement_from,
    )
    if assessed_at is not None:
        row.assessed_at = assessed_at
    db.session.add(row)
    db.session.flush()
    return row


def status(person: Person, kind: StatusKind, start: date, end: date | None = None):
    row = PersonStatus(person_id=person.id, kind=kind, from_date=start, to_date=end)
    db.session.add(row)
    db.session.flush()
    return row


def child(person: Person, born: date) -> HouseholdMember:
    row = HouseholdMember(
        household_id=person.household_id, role=MemberRole.CHILD, first_name="Barn", birth_date=born
    )
    db.session.add(row)
    db.session.flush()
    return row


def external(
    person: Person, kind: ExternalKind, hours: str, start: date, end: date | None = None
) -> ExternalOccupation:
    row = ExternalOccupation(
        person_id=person.id,
        kind=kind,
        hours_per_week=Decimal(hours),
        from_date=start,
        to_date=end,
    )
    db.session.add(row)
    db.session.flush()
    return row


def session(
    activity: Activity,
    weekday: int,
    start: str,
    end: str,
    valid_from: date,
    valid_to: date | None = None,
) -> ActivitySession:
    row = ActivitySession(
        activity_id=activity.id,
        weekday=weekday,
        start_time=time.fromisoformat(start),
        end_time=time.fromisoformat(end),
        valid_from=valid_from,
        valid_to=valid_to,
    )
    db.session.add(row)
    db.session.flush()
    return row


def plan(
    person: Person,
    valid_from: date,
    items: list[tuple[Activity, list[int], date, date | None]],
    *,
    version: int | None = None,
) -> PlanVersion:
    """A plan version; items are (activity, session ids or [] for all, from, to)."""
    if version is None:
        version = 1 + db.session.query(PlanVersion).filter_by(person_id=person.id).count()
    row = PlanVersion(
        person_id=person.id,
        version=version,
        valid_from=valid_from,
        purpose="Komma närmare arbete.",
        follow_up_date=valid_from,
    )
    row.items = [
        PlanItem(activity_id=a.id, session_ids=list(ids), from_date=start, to_date=end)
        for a, ids, start, end in items
    ]
    db.session.add(row)
    db.session.flush()
    return row


def event(
    person: Person,
    activity: Activity,
    kind: EventKind,
    when: str,
    *,
    status: EventStatus = EventStatus.ACCEPTED,
    supersedes: AttendanceEvent | None = None,
    source: EventSource = EventSource.STAFF_SCAN,
    note: str = "",
    reason: str | None = None,
    received: str | None = None,
) -> AttendanceEvent:
    """One row of the event log at a local time."""
    occurred = local(when)
    row = AttendanceEvent(
        event_id=str(uuid.uuid4()),
        person_id=person.id,
        site_id=activity.site_id,
        activity_id=activity.id,
        kind=kind,
        source=source,
        occurred_at=occurred,
        received_at=local(received) if received else occurred,
        status=status,
        reason=reason,
        supersedes_id=supersedes.id if supersedes else None,
        note=note,
    )
    db.session.add(row)
    db.session.flush()
    return row


def visit(person: Person, activity: Activity, day: str, start: str, end: str | None):
    """A check-in and, unless end is None, a check-out."""
    came = event(person, activity, EventKind.IN, f"{day}T{start}")
    left = event(person, activity, EventKind.OUT, f"{day}T{end}") if end else None
    return came, left


def absence(
    person: Person,
    start: str,
    end: str,
    decision: AbsenceDecision,
    reason: AbsenceReason = AbsenceReason.SICK,
) -> AbsenceReport:
    row = AbsenceReport(
        public_ref=new_ref(),
        person_id=person.id,
        from_at=local(start),
        to_at=local(end),
        reason=reason,
        decision=decision,
    )
    db.session.add(row)
    db.session.flush()
    return row


def declined(
    person: Person, activity: Activity | None, day: date, acceptable: bool = False
) -> DeclinedOffer:
    row = DeclinedOffer(
        person_id=person.id,
        activity_id=activity.id if activity else None,
        date=day,
        acceptable_reason=acceptable,
    )
    db.session.add(row)
    db.session.flush()
    return row
