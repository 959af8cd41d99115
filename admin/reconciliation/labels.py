"""Swedish labels of the rule book's and the event log's codes, as the dashboards show them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: Outcomes in the order a caseworker works through them: what needs attention first.
STATUS_ORDER = ("shortfall", "pending_review", "fulfilled", "exempt", "not_subject")

STATUSES = {
    "shortfall": _l("Brister"),
    "pending_review": _l("Väntar på prövning"),
    "fulfilled": _l("Uppfyllt"),
    "exempt": _l("Undantagen"),
    "not_subject": _l("Omfattas inte"),
}
#: CSS tag class per outcome; the label always says it in words too.
STATUS_TAGS = {
    "shortfall": "tag-bad",
    "pending_review": "tag-warn",
    "fulfilled": "tag-ok",
    "exempt": "tag-info",
    "not_subject": "",
}
STATUS_HINTS = {
    "shortfall": _l("Ogiltig frånvaro, eller ett erbjudande som avböjts utan godtagbart skäl."),
    "pending_review": _l("Frånvaro som ännu inte har bedömts."),
    "fulfilled": _l("Deltog i allt som var planerat, eller hade giltig frånvaro."),
    "exempt": _l("Undantagen från kravet alla dagar i perioden."),
    "not_subject": _l("Inget aktivitetskrav i perioden."),
}

FLAG_ORDER = ("declined_offer", "missing_checkout", "over_full_time", "under_planned")
FLAGS = {
    "declined_offer": _l("Tackade nej till erbjudande"),
    "missing_checkout": _l("Saknad utcheckning"),
    "over_full_time": _l("Mer än heltid"),
    "under_planned": _l("Kommunen har planerat för lite"),
}

EXEMPT_REASONS = {
    "pension_age": _l("Har nått pensionsåldern"),
    "full_sickness_compensation": _l("Hel sjukersättning"),
    "parental_leave_child_under_1": _l("Föräldraledig med barn under ett år"),
    "activity_compensation": _l("Aktivitetsersättning"),
    "af_activity": _l("Aktivitet hos Arbetsförmedlingen"),
    "full_time_occupied": _l("Sysselsatt på heltid"),
    "parental_leave": _l("Föräldraledighet"),
    "sick_leave": _l("Sjukskrivning"),
    "care_of_relative": _l("Vård av närstående"),
    "other": _l("Annat skäl"),
}

EVENT_KINDS = {
    "in": _l("Incheckning"),
    "out": _l("Utcheckning"),
    "annul": _l("Makulering"),
    "correction": _l("Rättelse"),
    "auto_close": _l("Avslutad automatiskt"),
}
EVENT_SOURCES = {
    "staff_scan": _l("Skannad av personal"),
    "self_scan": _l("Egen skanning"),
    "manual": _l("Registrerad för hand"),
    "auto": _l("Automatiskt"),
}
EVENT_STATUSES = {
    "accepted": _l("Godtagen"),
    "flagged": _l("Flaggad"),
    "rejected": _l("Avvisad"),
}
EVENT_STATUS_TAGS = {"accepted": "tag-ok", "flagged": "tag-warn", "rejected": "tag-bad"}

WEEKDAYS = (
    _l("måndag"),
    _l("tisdag"),
    _l("onsdag"),
    _l("torsdag"),
    _l("fredag"),
    _l("lördag"),
    _l("söndag"),
)


def label(table: dict, code: str | None) -> str:
    """The label of a code, or the code itself if it is new (never a blank cell)."""
    if code is None:
        return ""
    return str(table.get(code, code))
