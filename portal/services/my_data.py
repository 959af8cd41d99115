"""My data (P8): everything held about the signed-in person, as JSON (the PDF of the same is
:mod:`portal.services.my_data_pdf`).

GDPR art. 15. Only the person's own rows are read (by ``person_id``), and staff identities are
left out: a decision says when it was made, not by whom, and the access log gives the role.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    AbsenceReport,
    Activity,
    AfActionPlan,
    Application,
    Assessment,
    Attachment,
    AttendanceEvent,
    AuditEntry,
    ComplianceResult,
    ContactVerification,
    Decision,
    DecisionNotice,
    DeclinedOffer,
    Enrolment,
    ExternalOccupation,
    OutboxMessage,
    Person,
    PersonalCard,
    PersonStatus,
    PlanVersion,
    PortalMessage,
    SanctionDecision,
    Site,
    utcnow,
)

FORMAT_VERSION = 1


def _value(value: Any) -> Any:
    """A JSON-ready value: UTC instants and dates in ISO 8601, decimals as strings."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    return value


def _row(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _value(getattr(obj, name)) for name in fields}


def _all(model, person: Person, *order) -> list[Any]:
    return list(
        db.session.scalars(sa.select(model).where(model.person_id == person.id).order_by(*order))
    )


def collect(person: Person) -> dict[str, Any]:
    """Everything held about ``person``, JSON-ready, grouped by kind."""
    activities = {a.id: a for a in db.session.scalars(sa.select(Activity))}
    sites = {s.id: s for s in db.session.scalars(sa.select(Site))}

    def activity_name(activity_id: int | None) -> str | None:
        return activities[activity_id].name if activity_id in activities else None

    def site_name(site_id: int | None) -> str | None:
        return sites[site_id].name if site_id in sites else None

    applications = _all(Application, person, Application.month)
    by_id = {a.id: a for a in applications}
    absences = _all(AbsenceReport, person, AbsenceReport.from_at)
    absence_refs = {a.id: a.public_ref for a in absences}
    events = _all(AttendanceEvent, person, AttendanceEvent.occurred_at, AttendanceEvent.id)
    event_refs = {e.id: e.event_id for e in events}
    household = person.household
    return {
        "format_version": FORMAT_VERSION,
        "generated_at": _value(utcnow()),
        "person": {
            **_row(
                person,
                (
                    "public_ref",
                    "first_name",
                    "last_name",
                    "birth_date",
                    "gender",
                    "email",
                    "phone",
                    "language",
                    "notify_email",
                    "notify_sms",
                    "created_at",
                ),
            ),
            "personnummer": person.identity.personnummer if person.identity else None,
            "unit": person.unit.name if person.unit else None,
        },
        "household_members": [
            _row(
                m,
                (
                    "role",
                    "first_name",
                    "personnummer",
                    "birth_date",
                    "at_school",
                    "lunch_at_preschool",
                ),
            )
            for m in (household.members if household else [])
        ],
        "applications": [
            {
                **_row(
                    a,
                    (
                        "public_ref",
                        "month",
                        "state",
                        "current_step",
                        "estimate_sek",
                        "created_at",
                        "updated_at",
                        "submitted_at",
                        "declaration_at",
                        "first_contact_at",
                    ),
                ),
                "copied_from_month": by_id[a.copied_from_id].month
                if a.copied_from_id in by_id
                else None,
                "answers": a.answers or {},
                "lines": [
                    _row(i, ("category", "kind", "description", "amount_sek")) for i in a.items
                ],
            }
            for a in applications
        ],
        "attachments": [
            {
                **_row(
                    f,
                    (
                        "public_ref",
                        "filename",
                        "content_type",
                        "size_bytes",
                        "document_type",
                        "sha256",
                        "uploaded_at",
                    ),
                ),
                "application_month": by_id[f.application_id].month
                if f.application_id in by_id
                else None,
                "absence_report": absence_refs.get(f.absence_report_id),
            }
            for f in _all(Attachment, person, Attachment.uploaded_at)
        ],
        "decisions": [
            _row(d, ("month", "outcome", "amount_sek", "reasons", "decided_at"))
            for d in _all(Decision, person, Decision.month)
        ],
        "assessments": [
            _row(
                a,
                (
                    "valid_from",
                    "participation_percent",
                    "work_capacity_percent",
                    "reason",
                    "requirement_from",
                    "note",
                    "assessed_at",
                ),
            )
            for a in _all(Assessment, person, Assessment.valid_from)
        ],
        "statuses": [
            _row(s, ("kind", "from_date", "to_date", "note", "recorded_at"))
            for s in _all(PersonStatus, person, PersonStatus.from_date)
        ],
        "external_occupations": [
            _row(
                o,
                (
                    "kind",
                    "hours_per_week",
                    "from_date",
                    "to_date",
                    "description",
                    "source",
                    "recorded_at",
                ),
            )
            for o in _all(ExternalOccupation, person, ExternalOccupation.from_date)
        ],
        "plans": [
            {
                **_row(
                    p,
                    (
                        "version",
                        "valid_from",
                        "purpose",
                        "follow_up_date",
                        "note",
                        "created_at",
                        "acknowledged_at",
                    ),
                ),
                "activities": [
                    {
                        "activity": activity_name(i.activity_id),
                        "site": site_name(activities[i.activity_id].site_id)
                        if i.activity_id in activities
                        else None,
                        "from_date": _value(i.from_date),
                        "to_date": _value(i.to_date),
                    }
                    for i in p.items
                ],
            }
            for p in _all(PlanVersion, person, PlanVersion.version)
        ],
        "enrolments": [
            {
                "activity": activity_name(e.activity_id),
                "site": site_name(activities[e.activity_id].site_id)
                if e.activity_id in activities
                else None,
                **_row(e, ("status", "from_date", "to_date", "created_at")),
            }
            for e in _all(Enrolment, person, Enrolment.from_date, Enrolment.id)
        ],
        "attendance_events": [
            {
                "event_id": e.event_id,
                **_row(
                    e,
                    (
                        "kind",
                        "source",
                        "status",
                        "reason",
                        "occurred_at",
                        "received_at",
                        "offline",
                        "note",
                        "latitude",
                        "longitude",
                        "distance_m",
                    ),
                ),
                "activity": activity_name(e.activity_id),
                "site": site_name(e.site_id),
                "supersedes": event_refs.get(e.supersedes_id),
            }
            for e in events
        ],
        "absences": [
            _row(
                a,
                (
                    "public_ref",
                    "from_at",
                    "to_at",
                    "reason",
                    "description",
                    "decision",
                    "decision_note",
                    "decided_at",
                    "created_at",
                ),
            )
            for a in absences
        ],
        "declined_offers": [
            {
                **_row(d, ("date", "acceptable_reason", "note", "recorded_at")),
                "activity": activity_name(d.activity_id),
            }
            for d in _all(DeclinedOffer, person, DeclinedOffer.date)
        ],
        "sanction_decisions": [
            _row(
                s,
                (
                    "month",
                    "kind",
                    "amount_sek",
                    "individual_assessment",
                    "child_impact_assessment",
                    "decided_at",
                ),
            )
            for s in _all(SanctionDecision, person, SanctionDecision.month)
        ],
        "decision_notices": [
            _row(
                n,
                (
                    "public_ref",
                    "month",
                    "kind",
                    "amount_sek",
                    "message",
                    "basis",
                    "reply_by",
                    "sent_at",
                    "read_at",
                    "reply",
                    "replied_at",
                ),
            )
            for n in _all(DecisionNotice, person, DecisionNotice.sent_at)
        ],
        "compliance_results": [
            _row(
                c,
                ("period_from", "period_to", "status", "flags", "figures", "days", "computed_at"),
            )
            for c in _all(ComplianceResult, person, ComplianceResult.period_from)
        ],
        "notices": [
            _row(
                n,
                (
                    "channel",
                    "kind",
                    "recipient",
                    "subject",
                    "body",
                    "status",
                    "created_at",
                    "sent_at",
                ),
            )
            for n in _all(OutboxMessage, person, OutboxMessage.created_at)
        ],
        "portal_messages": [
            _row(m, ("kind", "params", "created_at", "read_at"))
            for m in _all(PortalMessage, person, PortalMessage.created_at, PortalMessage.id)
        ],
        "contact_verifications": [
            _row(v, ("channel", "address", "created_at", "verified_at"))
            for v in _all(ContactVerification, person, ContactVerification.created_at)
        ],
        "af_action_plans": [
            _row(
                a,
                (
                    "af_reference",
                    "obligations",
                    "hours_per_week_needed",
                    "part_time_reason",
                    "imported_at",
                ),
            )
            for a in _all(AfActionPlan, person)
        ],
        "personal_cards": [
            _row(c, ("serial", "issued_at", "revoked_at", "revoked_reason"))
            for c in _all(PersonalCard, person, PersonalCard.serial)
        ],
        "access_log": [
            _row(a, ("at", "actor_role", "action", "object_type", "why"))
            for a in _all(AuditEntry, person, AuditEntry.at)
        ],
    }
