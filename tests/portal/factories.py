"""Test data for the applicant portal, built on tests.factories (never hand-built in tests)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import (
    AbsenceReport,
    Application,
    ApplicationItem,
    ApplicationState,
    AttendanceEvent,
    Decision,
    DecisionOutcome,
    EventKind,
    EventSource,
    EventStatus,
    ItemCategory,
    NormAmount,
    NormStatus,
    NormYear,
    PlanItem,
    PlanVersion,
    utcnow,
)
from portal.refs import new_ref

#: Socialstyrelsen's 2019 norm, as spec/norm.md gives it.
NORM_2019 = {
    "child": {
        "0": 2130,
        "1-2": 2380,
        "3": 2120,
        "4-6": 2380,
        "7-10": 2990,
        "11-14": 3440,
        "15-18": 3880,
        "19-20": 3910,
    },
    "child_no_lunch": {"0": 2000, "1-2": 2190, "3": 1940, "4-6": 2120},
    "adult": {"single": 3090, "couple": 5570},
    "household_common": {
        "1": 990,
        "2": 1100,
        "3": 1380,
        "4": 1570,
        "5": 1810,
        "6": 2050,
        "7": 2220,
        "extra": 170,
    },
}

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
HEIC_BYTES = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 16


def norm_year(year: int = 2019, status=NormStatus.OFFICIAL, table=None, *, drop=()) -> NormYear:
    """A norm table (2019's figures unless given); ``drop`` leaves (category, key) pairs out."""
    row = NormYear(year=year, status=status, source_note="test")
    row.amounts = [
        NormAmount(year=year, category=category, key=key, amount_sek=amount)
        for category, amounts in (table or NORM_2019).items()
        for key, amount in amounts.items()
        if (category, key) not in drop
    ]
    db.session.add(row)
    db.session.flush()
    return row


def application(
    person,
    month: str = "2026-03",
    *,
    state=ApplicationState.DRAFT,
    items=(),
    answers=None,
    submitted_at: datetime | None = None,
) -> Application:
    """An application with (category, kind, amount) lines."""
    app = Application(
        public_ref=new_ref(),
        person_id=person.id,
        household_id=person.household_id,
        month=month,
        state=state,
        answers=answers if answers is not None else {"completed": []},
        submitted_at=submitted_at
        or (None if state == ApplicationState.DRAFT else utcnow() - timedelta(days=2)),
    )
    app.items = [
        ApplicationItem(category=ItemCategory(c), kind=k, description=k, amount_sek=a)
        for c, k, a in items
    ]
    db.session.add(app)
    db.session.flush()
    return app


def decision(app: Application, by, *, outcome=DecisionOutcome.APPROVED, amount=5000, reasons=None):
    """A decision on an application (and the application marked decided)."""
    d = Decision(
        application_id=app.id,
        person_id=app.person_id,
        month=app.month,
        outcome=outcome,
        amount_sek=amount,
        reasons=reasons or "Du har rätt till försörjningsstöd enligt riksnormen.",
        decided_by_id=by.id,
    )
    app.state = ApplicationState.DECIDED
    db.session.add(d)
    db.session.flush()
    return d


def plan(
    person,
    activities,
    *,
    version: int = 1,
    valid_from: date = date(2026, 1, 1),
    follow_up: date = date(2026, 6, 1),
    purpose: str = "Att lära dig svenska för arbetslivet.",
    acknowledged: bool = False,
    by=None,
) -> PlanVersion:
    """A plan version with every session of each activity."""
    pv = PlanVersion(
        person_id=person.id,
        version=version,
        valid_from=valid_from,
        purpose=purpose,
        follow_up_date=follow_up,
        created_by_id=by.id if by else None,
        acknowledged_at=utcnow() if acknowledged else None,
    )
    pv.items = [
        PlanItem(activity_id=a.id, session_ids=[], from_date=valid_from) for a in activities
    ]
    db.session.add(pv)
    db.session.flush()
    return pv


def local(day: date, clock: str) -> datetime:
    """A Stockholm wall-clock moment as an aware UTC datetime."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=STOCKHOLM).astimezone(UTC)


def event(
    person, activity, kind: str, at: datetime, *, status=EventStatus.ACCEPTED, supersedes=None
):
    """One attendance event (append-only log row)."""
    row = AttendanceEvent(
        event_id=str(uuid.uuid4()),
        person_id=person.id,
        site_id=activity.site_id,
        activity_id=activity.id,
        kind=EventKind(kind),
        source=EventSource.STAFF_SCAN,
        occurred_at=at,
        status=status,
        supersedes_id=supersedes.id if supersedes else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def absence(person, start: datetime, end: datetime, *, reason="sick", decision="pending"):
    """An absence report."""
    row = AbsenceReport(
        public_ref=new_ref(),
        person_id=person.id,
        from_at=start,
        to_at=end,
        reason=reason,
        decision=decision,
    )
    db.session.add(row)
    db.session.flush()
    return row
