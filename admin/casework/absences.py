"""Absence review: the unit's absence reports waiting for a decision, one report and its
attachments, and the decision (acceptable reason or not) with the note the applicant reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from admin.casework.services import LIST_LIMIT, refusal
from portal import access, audit
from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import AbsenceDecision, AbsenceReport, Attachment, Person, StaffUser, utcnow
from portal.notices import notify


@dataclass
class AbsenceRow:
    report: AbsenceReport
    person: Person


def waiting_absences(user: StaffUser) -> tuple[list[AbsenceRow], bool]:
    """The unit's absence reports waiting for a decision, oldest first (audited per person)."""
    rows = db.session.execute(
        sa.select(AbsenceReport, Person)
        .join(Person, AbsenceReport.person_id == Person.id)
        .where(
            access.case_scope(user),
            AbsenceReport.decision == AbsenceDecision.PENDING,
        )
        .order_by(AbsenceReport.created_at, AbsenceReport.id)
        .limit(LIST_LIMIT + 1)
    ).all()
    out = [AbsenceRow(report, person) for report, person in rows[:LIST_LIMIT]]
    for row in out:
        audit.record("list", "absence_report", person=row.person, object_ref=row.report.public_ref)
    return out, len(rows) > LIST_LIMIT


def _case_absence(user: StaffUser, ref: str) -> AbsenceReport:
    report = db.session.scalar(
        sa.select(AbsenceReport)
        .join(Person, AbsenceReport.person_id == Person.id)
        .where(AbsenceReport.public_ref == ref, access.case_scope(user))
    )
    if report is None or user.unit_id is None:
        raise refusal("not_found", 404)
    return report


def open_absence(user: StaffUser, ref: str) -> tuple[AbsenceReport, Person]:
    """An absence report of the unit for review (audited)."""
    report = _case_absence(user, ref)
    person = db.session.get(Person, report.person_id)
    audit.record("read", "absence_report", person=person, object_ref=report.public_ref)
    return report, person


def absence_attachment(user: StaffUser, ref: str, attachment_ref: str) -> Attachment:
    """An attachment of an absence report in the unit, or 404 (audited as a download)."""
    report = _case_absence(user, ref)
    found = next((a for a in report.attachments if a.public_ref == attachment_ref), None)
    if found is None:
        raise refusal("not_found", 404)
    person = db.session.get(Person, report.person_id)
    audit.record("download", "attachment", person=person, object_ref=found.public_ref)
    return found


def decide_absence(
    user: StaffUser, ref: str, approve: bool, note: str, now: datetime | None = None
) -> AbsenceReport:
    """Accept (godtagbart skäl) or reject an absence report; the applicant sees the note."""
    report = _case_absence(user, ref)
    if report.decision != AbsenceDecision.PENDING:
        raise refusal("absence_decided")
    note = (note or "").strip()
    if not approve and not note:
        raise refusal("note_required")
    report.decision = AbsenceDecision.APPROVED if approve else AbsenceDecision.REJECTED
    report.decision_note = note
    report.decided_by_id = user.id
    report.decided_at = now or utcnow()
    db.session.flush()
    person = db.session.get(Person, report.person_id)
    audit.record(
        "decide", "absence_report", person=person, object_ref=ref, why=str(report.decision)
    )
    notify(
        None, person, "absence_decision", key=ref, date=report.from_at.astimezone(STOCKHOLM).date()
    )
    return report
