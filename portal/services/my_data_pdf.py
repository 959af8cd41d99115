"""My data (P8) as a readable PDF: a table of contents, a section with a heading for each kind
of data, labels instead of codes, dates and amounts formatted for the reader's language, Arabic
shaped right to left (see portal/pdf.py). The data is what :func:`portal.services.my_data.collect`
gathers; the JSON file holds the same, with the technical detail the PDF leaves out.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import force_locale, format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF

from portal.formatting import sek
from portal.i18n import LANGUAGE_NAMES, to_local
from portal.models import (
    enums,
)
from portal.notices.kinds import portal_text
from portal.pdf import align, is_rtl, needs_shaping, unicode_font
from portal.services.labels import (
    AUDIT_ACTIONS,
    AUDIT_OBJECTS,
    ENUM_LABELS,
    EVENT_REASONS,
    FLAG_LABELS,
    OTHER_ACTION,
    OTHER_OBJECT,
    OTHER_REASON,
)
from portal.services.vocab import (
    ALL_DOCUMENT_TYPES,
    ASSET_KINDS,
    COST_KINDS,
    INCOME_KINDS,
    KINDS_WITH_DESCRIPTION,
    N_,
    STEP_LABELS,
)

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
    "enrolments": N_("Anmälningar till aktiviteter"),
    "attendance_events": N_("Registrerad närvaro"),
    "absences": N_("Frånvaroanmälningar"),
    "declined_offers": N_("Erbjudanden du har tackat nej till"),
    "decision_notices": N_("Underrättelser innan beslut om nedsättning eller avslag"),
    "sanction_decisions": N_("Beslut om nedsättning eller avslag"),
    "compliance_results": N_("Uppföljning av aktivitetskravet"),
    "notices": N_("Meddelanden till dig"),
    "portal_messages": N_("Meddelanden i portalen"),
    "contact_verifications": N_("Kontrollerade kontaktuppgifter"),
    "af_action_plans": N_("Arbetsförmedlingens handlingsplan"),
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
    "message": N_("Meddelande"),
    "reply_by": N_("Svara senast"),
    "read_at": N_("Läst"),
    "reply": N_("Ditt svar"),
    "replied_at": N_("Du svarade"),
    "title": N_("Rubrik"),
    "address": N_("Adress eller nummer"),
    "verified_at": N_("Kontrollerad"),
    "af_reference": N_("Arbetsförmedlingens referens"),
    "obligations": N_("Åtaganden"),
    "hours_per_week_needed": N_("Timmar per vecka enligt Arbetsförmedlingen"),
    "part_time_reason": N_("Skäl till deltid"),
    "imported_at": N_("Hämtad"),
}
#: Coded values shown with their label, by (section, field); a section inside a record is
#: "section.field" (e.g. "applications.lines").
VALUE_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("person", "gender"): ENUM_LABELS[enums.Gender],
    ("household_members", "role"): ENUM_LABELS[enums.MemberRole],
    ("applications", "state"): ENUM_LABELS[enums.ApplicationState],
    ("applications", "current_step"): STEP_LABELS,
    ("applications.lines", "category"): ENUM_LABELS[enums.ItemCategory],
    ("applications.lines", "kind"): {**INCOME_KINDS, **COST_KINDS, **ASSET_KINDS},
    ("attachments", "document_type"): ALL_DOCUMENT_TYPES,
    ("decisions", "outcome"): ENUM_LABELS[enums.DecisionOutcome],
    ("assessments", "reason"): ENUM_LABELS[enums.AssistanceReason],
    ("statuses", "kind"): ENUM_LABELS[enums.StatusKind],
    ("external_occupations", "kind"): ENUM_LABELS[enums.ExternalKind],
    ("external_occupations", "source"): ENUM_LABELS[enums.ExternalSource],
    ("attendance_events", "kind"): ENUM_LABELS[enums.EventKind],
    ("attendance_events", "source"): ENUM_LABELS[enums.EventSource],
    ("attendance_events", "status"): ENUM_LABELS[enums.EventStatus],
    ("attendance_events", "reason"): EVENT_REASONS,
    ("absences", "reason"): ENUM_LABELS[enums.AbsenceReason],
    ("absences", "decision"): ENUM_LABELS[enums.AbsenceDecision],
    ("sanction_decisions", "kind"): ENUM_LABELS[enums.SanctionKind],
    ("decision_notices", "kind"): ENUM_LABELS[enums.SanctionKind],
    ("enrolments", "status"): ENUM_LABELS[enums.EnrolmentStatus],
    ("contact_verifications", "channel"): ENUM_LABELS[enums.Channel],
    ("compliance_results", "status"): ENUM_LABELS[enums.ComplianceStatus],
    ("compliance_results", "flags"): FLAG_LABELS,
    ("notices", "channel"): ENUM_LABELS[enums.Channel],
    ("notices", "status"): ENUM_LABELS[enums.OutboxStatus],
    ("access_log", "actor_role"): {**ENUM_LABELS[enums.StaffRole], "system": N_("Systemet")},
    ("access_log", "action"): AUDIT_ACTIONS,
    ("access_log", "object_type"): AUDIT_OBJECTS,
}
#: The label of a code that a labelled field holds but that has no label of its own.
VALUE_FALLBACK = {
    ("access_log", "action"): OTHER_ACTION,
    ("access_log", "object_type"): OTHER_OBJECT,
    ("attendance_events", "reason"): OTHER_REASON,
}
#: Fields left out of the PDF: machine detail that the JSON file carries in full.
PDF_SKIP = {
    "days",
    "figures",
    "answers",
    "sha256",
    "event_id",
    "supersedes",
    "format_version",
    "basis",
    "params",
}
#: Fields left out of one section of the PDF (the notice's subject says what its kind is; the
#: access log's purpose is the page's internal name unless staff wrote one).
PDF_SKIP_IN = {("notices", "kind"), ("person", "language"), ("portal_messages", "kind")}
#: Sections shown as one table with a row per record, and their columns.
TABLES = {
    "attendance_events": ("occurred_at", "kind", "activity", "site", "status", "reason"),
    "access_log": ("at", "actor_role", "action", "object_type"),
    "personal_cards": ("serial", "issued_at", "revoked_at", "revoked_reason"),
    "notices": ("created_at", "channel", "subject", "status"),
    "portal_messages": ("created_at", "title", "read_at"),
    "contact_verifications": ("created_at", "channel", "address", "verified_at"),
}
#: Fields that hold amounts in kronor.
AMOUNTS = {"amount_sek", "estimate_sek"}
_ENDPOINT = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def _display(value: Any, section: str = "", name: str = "") -> str:
    """``value`` of field ``name`` as the reader reads it, in the current locale."""
    labels = VALUE_LABELS.get((section, name))
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, list):
        return ", ".join(_display(v, section, name) for v in value)
    if labels is not None and isinstance(value, str):
        label = labels.get(value) or VALUE_FALLBACK.get((section, name))
        return _(label) if label else "–"
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    if name in AMOUNTS:
        return sek(Decimal(str(value)))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_decimal(value)
    if isinstance(value, str):
        if name == "why" and _ENDPOINT.match(value):
            return "–"
        if _MONTH.match(value) and name in {"month", "copied_from_month", "application_month"}:
            return format_date(date.fromisoformat(f"{value}-01"), "LLLL yyyy")
        if _DATE.match(value):
            return format_date(date.fromisoformat(value), "medium")
        if len(value) >= 19 and value[10:11] == "T":
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            return format_datetime(to_local(moment), "short")
        if name == "language":
            return LANGUAGE_NAMES.get(value, value)
    return str(value)


class _Pdf(FPDF):
    family = "DejaVu"
    side = "L"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.cell(0, 6, _("Sida %(page)s", page=format_decimal(self.page_no())), align="C")


def to_pdf(data: dict[str, Any], language: str = "sv") -> bytes:
    """A readable PDF of ``data`` (from :func:`collect`) in ``language``: a table of contents,
    a section with a heading for each kind of data, labels instead of codes, dates and amounts
    formatted for the language, Arabic shaped right to left (see portal/pdf.py)."""
    with force_locale(language):
        return _render(_with_message_titles(data), language)


def _with_message_titles(data: dict[str, Any]) -> dict[str, Any]:
    """The portal messages with their titles in the current language (the JSON file keeps
    their kind and values, from which the portal writes them in the reader's language)."""
    messages = [
        {"title": portal_text(m["kind"], m["params"] or {}, None).title, **m}
        for m in data.get("portal_messages", [])
    ]
    return {**data, "portal_messages": messages}


def _render(data: dict[str, Any], language: str) -> bytes:
    pdf = _Pdf(format="A4")
    pdf.family = unicode_font(
        pdf, shaping=needs_shaping(language, json.dumps(data, ensure_ascii=False, default=str))
    )
    pdf.side = align(language)
    rtl = is_rtl(language)
    pdf.set_lang(language)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_margins(18, 16, 18)
    pdf.set_title(_("Mina uppgifter i Aktivitetsportalen"))
    pdf.set_author(_("Aktivitetsportalen"))
    pdf.add_page()
    data_date = _display(data["generated_at"])
    pdf.set_font(pdf.family, style="B", size=16)
    title = _("Mina uppgifter i Aktivitetsportalen")
    pdf.multi_cell(0, 8, title, align=pdf.side, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, size=10)
    pdf.multi_cell(
        0,
        5,
        _(
            "Det här är allt vi har sparat om dig, %(date)s. Samma uppgifter finns i "
            "JSON-filen, som också innehåller tekniska detaljer.",
            date=data_date,
        ),
        align=pdf.side,
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(4)
    pdf.insert_toc_placeholder(_toc, pages=1)
    for key, section_title in SECTION_TITLES.items():
        section = data.get(key)
        records = section if isinstance(section, list) else [section]
        records = [r for r in records if r]
        if pdf.will_page_break(30):
            pdf.add_page()
        pdf.start_section(_(section_title))
        pdf.ln(2)
        pdf.set_font(pdf.family, style="B", size=13)
        pdf.multi_cell(0, 7, _(section_title), align=pdf.side, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.family, size=9)
        if not records:
            pdf.multi_cell(
                0, 5, _("Inga uppgifter."), align=pdf.side, new_x="LMARGIN", new_y="NEXT"
            )
            continue
        if key in TABLES:
            _table(pdf, key, TABLES[key], records, rtl)
            continue
        for record in records:
            _record(pdf, key, record, rtl)
            pdf.ln(3)
    return bytes(pdf.output())


def _toc(pdf: _Pdf, outline: list) -> None:
    """The table of contents on the first page: each section's heading and its page."""
    pdf.set_x(pdf.l_margin)
    pdf.set_font(pdf.family, style="B", size=13)
    pdf.multi_cell(0, 7, _("Innehåll"), align=pdf.side, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font(pdf.family, size=10)
    for entry in outline:
        page = format_decimal(entry.page_number)
        link = pdf.add_link(page=entry.page_number)
        if pdf.side == "R":
            pdf.cell(20, 6, page, align="L", link=link)
            pdf.cell(0, 6, entry.name, align="R", link=link, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.cell(pdf.epw - 20, 6, entry.name, link=link)
            pdf.cell(20, 6, page, align="R", link=link, new_x="LMARGIN", new_y="NEXT")


def _cells(row: list[str], rtl: bool) -> list[str]:
    return list(reversed(row)) if rtl else row


def _table(pdf: _Pdf, key: str, columns: tuple[str, ...], records: list[dict], rtl: bool) -> None:
    """Records of one kind as a table with a row each."""
    with pdf.table(text_align=pdf.side, line_height=5, first_row_as_headings=True) as table:
        table.row(_cells([_(FIELD_LABELS[c]) for c in columns], rtl))
        for record in records:
            table.row(_cells([_display(record.get(c), key, c) for c in columns], rtl))


def _record(pdf: _Pdf, section: str, record: dict[str, Any], rtl: bool) -> None:
    """One record as a two-column table of labels and values; lists of records nest below."""
    nested: list[tuple[str, list[dict]]] = []
    rows: list[tuple[str, str]] = []
    for name, value in record.items():
        if name in PDF_SKIP or (section, name) in PDF_SKIP_IN:
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            nested.append((name, [dict(item) for item in value]))
            continue
        rows.append((_(FIELD_LABELS[name]), _display(value, section, name)))
    for _name, items in nested:
        for item in items:
            if "description" in item and item.get("kind") in KINDS_WITH_DESCRIPTION:
                continue
            if "description" in item and "category" in item:
                # A fixed kind's description is its Swedish label: the label column says it.
                item["description"] = None
    widths = (40, 60) if not rtl else (60, 40)
    with pdf.table(
        col_widths=widths, text_align=pdf.side, line_height=5, first_row_as_headings=False
    ) as table:
        for label, value in rows:
            table.row(_cells([label, value], rtl))
    for name, items in nested:
        pdf.ln(1)
        pdf.set_font(pdf.family, style="B", size=10)
        pdf.multi_cell(0, 5, _(FIELD_LABELS[name]), align=pdf.side, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.family, size=9)
        columns = list(dict.fromkeys(c for item in items for c in item))
        _table(pdf, f"{section}.{name}", tuple(columns), items, rtl)
