"""Labels, in the reader's language, for every stored code an applicant may see.

Every value of every enum in :mod:`portal.models.enums` has a Swedish label here (marked with
``N_`` for extraction; translate with ``_(label)`` at display time), so no page or PDF needs to
show a code such as "woman" or "decided". ``tests/portal/test_labels.py`` fails when an enum gains
a value without a label. The access log's actions and kinds of data are labelled too.
"""

from __future__ import annotations

from portal.models import enums
from portal.services.vocab import (
    ABSENCE_DECISIONS,
    ABSENCE_REASONS,
    ACTIVITY_TYPES,
    APPLICATION_STATES,
    DECISION_OUTCOMES,
    EXTERNAL_KINDS,
    MEMBER_ROLES,
    N_,
)

#: Labels of each enum's values, by enum class.
ENUM_LABELS: dict[type, dict[str, str]] = {
    enums.StaffRole: {
        "site_staff": N_("Personal på en aktivitet"),
        "caseworker": N_("Handläggare"),
        "administrator": N_("Administratör"),
        "auditor": N_("Granskare"),
    },
    enums.Gender: {
        "woman": N_("Kvinna"),
        "man": N_("Man"),
        "other": N_("Annat"),
        "unknown": N_("Inte angivet"),
    },
    enums.MemberRole: MEMBER_ROLES,
    enums.ApplicationState: APPLICATION_STATES,
    enums.ItemCategory: {
        "income": N_("Inkomst"),
        "cost": N_("Kostnad"),
        "asset": N_("Tillgång"),
    },
    enums.DecisionOutcome: DECISION_OUTCOMES,
    enums.AssistanceReason: {
        "unemployment": N_("Arbetslöshet"),
        "sickness": N_("Sjukdom"),
        "social_medical": N_("Sociala eller medicinska skäl"),
        "other": N_("Annat skäl"),
    },
    enums.StatusKind: {
        "parental_leave": N_("Föräldraledighet"),
        "full_sickness_compensation": N_("Hel sjukersättning"),
        "activity_compensation": N_("Aktivitetsersättning"),
        "sick_leave": N_("Sjukskrivning"),
        "care_of_relative": N_("Vård av närstående"),
        "other": N_("Annat"),
    },
    enums.ExternalKind: EXTERNAL_KINDS,
    enums.ExternalSource: {
        "manual": N_("Registrerad av handläggare"),
        "af": N_("Uppgift från Arbetsförmedlingen"),
    },
    enums.ActivityType: ACTIVITY_TYPES,
    enums.EnrolmentStatus: {
        "enrolled": N_("Inskriven"),
        "waiting": N_("Väntar på plats"),
        "ended": N_("Avslutad"),
    },
    enums.EventKind: {
        "in": N_("Incheckning"),
        "out": N_("Utcheckning"),
        "annul": N_("Struken registrering"),
        "correction": N_("Rättelse"),
        "auto_close": N_("Utcheckad automatiskt"),
    },
    enums.EventSource: {
        "staff_scan": N_("Personalen skannade"),
        "self_scan": N_("Du skannade själv"),
        "manual": N_("Registrerad för hand"),
        "auto": N_("Automatiskt"),
    },
    enums.EventStatus: {
        "accepted": N_("Godkänd"),
        "flagged": N_("Ska kontrolleras"),
        "rejected": N_("Inte godkänd"),
    },
    enums.AbsenceReason: ABSENCE_REASONS,
    enums.AbsenceDecision: ABSENCE_DECISIONS,
    enums.SanctionKind: {
        "no_action": N_("Ingen åtgärd"),
        "reduction": N_("Minskat försörjningsstöd"),
        "refusal": N_("Vägrat försörjningsstöd"),
    },
    enums.ComplianceStatus: {
        "not_subject": N_("Inget aktivitetskrav"),
        "exempt": N_("Undantagen från aktivitetskravet"),
        "shortfall": N_("För få timmar"),
        "pending_review": N_("Väntar på bedömning"),
        "fulfilled": N_("Uppfyllt"),
    },
    enums.Channel: {"email": N_("E-post"), "sms": N_("Sms")},
    enums.OutboxStatus: {
        "queued": N_("Väntar på att skickas"),
        "sent": N_("Skickat"),
        "failed": N_("Kunde inte skickas"),
    },
    enums.MissingCheckoutPolicy: {
        "count_to_slot_end": N_("Räknas till passets slut"),
        "count_nothing": N_("Räknas inte"),
    },
    enums.NormStatus: {"official": N_("Fastställd"), "example": N_("Exempel")},
}

#: The follow-up's markings (portal.compliance.engine.FLAGS).
FLAG_LABELS = {
    "declined_offer": N_("Tackade nej till ett erbjudande"),
    "missing_checkout": N_("Utcheckning saknas"),
    "over_full_time": N_("Mer än heltid"),
    "under_planned": N_("Planen har färre timmar än kravet"),
}

#: What a staff member did, in the access log.
AUDIT_ACTIONS = {
    "read": N_("Läste"),
    "list": N_("Såg i en lista"),
    "search": N_("Sökte"),
    "create": N_("Registrerade"),
    "update": N_("Ändrade"),
    "correct": N_("Rättade"),
    "decide": N_("Beslutade"),
    "download": N_("Laddade ner"),
    "export": N_("Tog ut"),
    "end": N_("Avslutade"),
    "revoke": N_("Spärrade"),
    "register": N_("Registrerade"),
    "transfer": N_("Flyttade"),
    "take": N_("Tog över"),
    "reconcile": N_("Stämde av"),
}
#: The kind of data the access concerned, in the access log.
AUDIT_OBJECTS = {
    "person": N_("Dina personuppgifter"),
    "personnummer": N_("Ditt personnummer"),
    "name": N_("Ditt namn"),
    "case": N_("Ditt ärende"),
    "application": N_("Ansökan"),
    "attachment": N_("Bilaga"),
    "decision": N_("Beslut"),
    "decision_notice": N_("Underrättelse före beslut"),
    "decision_support": N_("Beslutsunderlag"),
    "sanction_decision": N_("Beslut om nedsättning eller avslag"),
    "plan": N_("Plan"),
    "enrolment": N_("Plats på en aktivitet"),
    "enrolment_code": N_("Kod för incheckning"),
    "attendance_event": N_("Närvaro"),
    "site_attendance": N_("Närvaro på en plats"),
    "absence_report": N_("Frånvaroanmälan"),
    "assessment": N_("Bedömning"),
    "person_status": N_("Tillstånd med datum"),
    "external_occupation": N_("Arbete, studier eller program"),
    "compliance_result": N_("Uppföljning av aktivitetskravet"),
    "compliance_scenario": N_("Beräkning av aktivitetskravet"),
    "declined_offer": N_("Erbjudande du tackade nej till"),
    "first_contact": N_("Första kontakt"),
    "device": N_("Enhet för incheckning"),
}
#: A generic label for an action or kind of data that has no label of its own.
OTHER_ACTION = N_("Annan åtgärd")
OTHER_OBJECT = N_("Uppgifter i ditt ärende")


def enum_label(enum_cls: type, code: str | None) -> str | None:
    """The (untranslated, Swedish) label of ``code`` in ``enum_cls``, or ``None``."""
    if code is None:
        return None
    return ENUM_LABELS.get(enum_cls, {}).get(str(code))


#: Why a check-in was flagged or refused (AttendanceEvent.reason).
EVENT_REASONS = {
    "revoked_card": N_("Kortet var spärrat"),
    "expired_code": N_("Koden hade gått ut"),
    "wrong_site": N_("Fel plats"),
    "not_enrolled": N_("Inte inskriven på aktiviteten"),
    "refused_offline": N_("Kunde inte godkännas utan nät"),
    "missing_checkout": N_("Utcheckning saknas"),
}
OTHER_REASON = N_("Annat skäl")
