"""My data (P8): everything held about the signed-in person, as JSON and as a readable PDF.

GDPR art. 15. Only the person's own rows are read (by ``person_id``), and staff identities are
left out: a decision says when it was made, not by whom, and the access log gives the role.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from fpdf import FPDF

from portal.extensions import db
from portal.i18n import to_local
from portal.models import (
    AbsenceReport,
    Activity,
    Application,
    Assessment,
    Attachment,
    AttendanceEvent,
    AuditEntry,
    ComplianceResult,
    Decision,
    DeclinedOffer,
    ExternalOccupation,
    OutboxMessage,
    Person,
    PersonalCard,
    PersonStatus,
    PlanVersion,
    SanctionDecision,
    Site,
    utcnow,
)
from portal.services.vocab import (
    ABSENCE_DECISIONS,
    ABSENCE_REASONS,
    APPLICATION_STATES,
    DECISION_OUTCOMES,
    DOCUMENT_TYPES,
    MEMBER_ROLES,
    N_,
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
        "personal_cards": [
            _row(c, ("serial", "issued_at", "revoked_at", "revoked_reason"))
            for c in _all(PersonalCard, person, PersonalCard.serial)
        ],
        "access_log": [
            _row(a, ("at", "actor_role", "action", "object_type", "why"))
            for a in _all(AuditEntry, person, AuditEntry.at)
        ],
    }


# --- PDF -------------------------------------------------------------------------------------

SECTION_TITLES = {
    "person": N_("Om dig"),
    "household_members": N_("Ditt hushåll"),
    "applications": N_("Ansökningar"),
    "attachments": N_("Bilagor (uppgifter om filerna)"),
    "decisions": N_("Beslut om försörjningsstöd"),
    "assessments": N_("Bedömningar"),
    "statuses": N_("Tillstånd med datum (till exempel föräldraledighet)"),
    "external_occupations": N_("Arbete, studier och program"),
    "plans": N_("Planer"),
    "attendance_events": N_("Registrerad närvaro"),
    "absences": N_("Frånvaroanmälningar"),
    "declined_offers": N_("Erbjudanden du har tackat nej till"),
    "sanction_decisions": N_("Beslut om nedsättning eller avslag"),
    "compliance_results": N_("Uppföljning av aktivitetskravet"),
    "notices": N_("Meddelanden till dig"),
    "personal_cards": N_("Personliga koder och kort"),
    "access_log": N_("Personal som har läst eller ändrat i ditt ärende"),
}
#: The PDF's labels of the JSON fields.
FIELD_LABELS = {
    "public_ref": N_("Referens"),
    "first_name": N_("Förnamn"),
    "last_name": N_("Efternamn"),
    "birth_date": N_("Födelsedatum"),
    "gender": N_("Kön"),
    "email": N_("E-post"),
    "phone": N_("Telefon"),
    "language": N_("Språk"),
    "notify_email": N_("Meddelanden med e-post"),
    "notify_sms": N_("Meddelanden med sms"),
    "created_at": N_("Skapad"),
    "personnummer": N_("Personnummer"),
    "unit": N_("Enhet som har ditt ärende"),
    "role": N_("Roll"),
    "at_school": N_("Går i gymnasieskolan"),
    "lunch_at_preschool": N_("Äter lunch på förskolan"),
    "month": N_("Månad"),
    "state": N_("Läge"),
    "current_step": N_("Senaste steg"),
    "estimate_sek": N_("Preliminär beräkning (kr)"),
    "updated_at": N_("Ändrad"),
    "submitted_at": N_("Skickad"),
    "declaration_at": N_("Intygad"),
    "first_contact_at": N_("Första kontakt"),
    "copied_from_month": N_("Utgick från ansökan för"),
    "lines": N_("Belopp"),
    "category": N_("Typ"),
    "kind": N_("Slag"),
    "description": N_("Beskrivning"),
    "amount_sek": N_("Belopp (kr)"),
    "filename": N_("Filnamn"),
    "content_type": N_("Filtyp"),
    "size_bytes": N_("Storlek (byte)"),
    "document_type": N_("Dokument"),
    "uploaded_at": N_("Uppladdad"),
    "application_month": N_("Hör till ansökan för"),
    "absence_report": N_("Hör till frånvaroanmälan"),
    "outcome": N_("Beslut"),
    "reasons": N_("Skäl"),
    "decided_at": N_("Beslutad"),
    "valid_from": N_("Gäller från"),
    "participation_percent": N_("Deltagande (%)"),
    "work_capacity_percent": N_("Arbetsförmåga (%)"),
    "reason": N_("Skäl"),
    "requirement_from": N_("Krav på aktivitet från"),
    "note": N_("Anteckning"),
    "assessed_at": N_("Bedömd"),
    "from_date": N_("Från"),
    "to_date": N_("Till"),
    "recorded_at": N_("Registrerad"),
    "hours_per_week": N_("Timmar per vecka"),
    "source": N_("Källa"),
    "version": N_("Version"),
    "purpose": N_("Syfte"),
    "follow_up_date": N_("Uppföljning"),
    "acknowledged_at": N_("Du bekräftade"),
    "activities": N_("Aktiviteter"),
    "activity": N_("Aktivitet"),
    "site": N_("Plats"),
    "status": N_("Status"),
    "occurred_at": N_("Tidpunkt"),
    "received_at": N_("Mottagen"),
    "offline": N_("Registrerad utan nät"),
    "latitude": N_("Latitud"),
    "longitude": N_("Longitud"),
    "distance_m": N_("Avstånd till platsen (m)"),
    "from_at": N_("Från"),
    "to_at": N_("Till"),
    "decision": N_("Bedömning"),
    "decision_note": N_("Handläggarens kommentar"),
    "date": N_("Datum"),
    "acceptable_reason": N_("Godtagbart skäl"),
    "individual_assessment": N_("Individuell bedömning"),
    "child_impact_assessment": N_("Barnkonsekvensanalys"),
    "period_from": N_("Från"),
    "period_to": N_("Till"),
    "flags": N_("Markeringar"),
    "computed_at": N_("Beräknad"),
    "channel": N_("Kanal"),
    "recipient": N_("Mottagare"),
    "subject": N_("Ämne"),
    "body": N_("Text"),
    "sent_at": N_("Skickad"),
    "serial": N_("Nummer"),
    "issued_at": N_("Utfärdad"),
    "revoked_at": N_("Spärrad"),
    "revoked_reason": N_("Skäl för spärr"),
    "at": N_("Tidpunkt"),
    "actor_role": N_("Personalens roll"),
    "action": N_("Vad"),
    "object_type": N_("Uppgift"),
    "why": N_("Varför"),
}
#: Coded values shown with their label in the PDF, by (section, field).
VALUE_LABELS = {
    ("applications", "state"): APPLICATION_STATES,
    ("decisions", "outcome"): DECISION_OUTCOMES,
    ("absences", "reason"): ABSENCE_REASONS,
    ("absences", "decision"): ABSENCE_DECISIONS,
    ("attachments", "document_type"): DOCUMENT_TYPES,
    ("household_members", "role"): MEMBER_ROLES,
}
#: Fields left out of the PDF: machine detail that the JSON file carries in full.
PDF_SKIP = {"days", "figures", "answers", "sha256", "event_id", "supersedes", "format_version"}
_REPLACE = str.maketrans(
    {
        "–": "-",
        "—": "-",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "…": "...",
        "−": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "→": "->",
        "×": "x",
        "÷": "/",
    }
)


def _latin1(text: str) -> str:
    """Text the PDF core fonts can print (Swedish letters are in Latin-1; the rest is '?')."""
    return text.translate(_REPLACE).encode("latin-1", "replace").decode("latin-1")


def _display(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T":
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return to_local(moment).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, list):
        return ", ".join(_display(v) for v in value) or "-"
    return str(value)


class _Pdf(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, _latin1(_("Sida %(page)s", page=self.page_no())), align="C")


def to_pdf(data: dict[str, Any], language: str = "sv") -> bytes:
    """A readable PDF of ``data`` (from :func:`collect`), headings in ``language``."""
    # The core fonts have no Arabic letters; Arabic readers get the Swedish text.
    with force_locale(language if language in ("sv", "en") else "sv"):
        return _render(data)


def _render(data: dict[str, Any]) -> bytes:
    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_title(_latin1(_("Mina uppgifter i Aktivitetsportalen")))
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    title = _latin1(_("Mina uppgifter i Aktivitetsportalen"))
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(
        0,
        5,
        _latin1(
            _(
                "Det här är allt vi har sparat om dig, %(date)s. Samma uppgifter finns i "
                "JSON-filen, som också innehåller tekniska detaljer.",
                date=_display(data["generated_at"]),
            )
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for key, title in SECTION_TITLES.items():
        section = data.get(key)
        pdf.ln(3)
        pdf.set_font("Helvetica", style="B", size=13)
        pdf.multi_cell(0, 7, _latin1(_(title)), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        records = section if isinstance(section, list) else [section]
        if not records or records == [None]:
            pdf.multi_cell(0, 5, _latin1(_("Inga uppgifter.")), new_x="LMARGIN", new_y="NEXT")
            continue
        for record in records:
            _record(pdf, record, 0, key)
            pdf.ln(2)
    return bytes(pdf.output())


def _record(pdf: FPDF, record: dict[str, Any], indent: int, section: str) -> None:
    for name, value in record.items():
        if name in PDF_SKIP:
            continue
        pdf.set_x(pdf.l_margin + indent)
        label = _(FIELD_LABELS[name]) if name in FIELD_LABELS else name
        if isinstance(value, list) and value and isinstance(value[0], dict):
            pdf.multi_cell(0, 5, _latin1(f"{label}:"), new_x="LMARGIN", new_y="NEXT")
            for item in value:
                _record(pdf, item, indent + 6, f"{section}.{name}")
                pdf.ln(1)
            continue
        labels = VALUE_LABELS.get(name, ABSENCE_REASONS if name == "reason" else {})
        if (
            isinstance(value, str)
            and value in labels
            and not (name == "reason" and "from_at" not in record)
        ):
            value = _(labels[value])
        text = f"{label}: {_display(value)}"
        pdf.multi_cell(
            pdf.w - pdf.r_margin - pdf.l_margin - indent,
            5,
            _latin1(text),
            new_x="LMARGIN",
            new_y="NEXT",
        )
