"""Casework ground the modules of this package share: every refusal code with its sentence,
months and days in Stockholm time, the municipality's settings in force, and the length of a
long list.

The operations are by subject: the unit's queue and its service-level timers (``queue.py``), one
application and its decision (``applications.py``), assessments, statuses and external
occupations (``assessments.py``), absence review (``absences.py``), person search and the case
overview (``search.py``), taking and moving a case (``intake.py``). Decision support and the
requirement outlook are in ``support.py``, negative decisions in ``sanctions.py``.

Services load and change rows and ``flush()``; the request commits once. Every refusal is a
DomainError with a stable code that the views show as a sentence. Audit rows are written in the
services, next to the read or change they record, so no view can forget one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import STOCKHOLM, local_today
from portal.models import MunicipalitySettings
from portal.services.settings_versions import SettingsInForce, settings_in_force

#: How many rows a long list shows at most; the page says so when there are more.
LIST_LIMIT = 100

#: Every refusal a casework service can raise, as a sentence for the user.
MESSAGES = {
    "not_open": _l("Ansökan är inte inskickad eller är redan avslutad."),
    "already_contacted": _l("Första kontakt är redan registrerad."),
    "not_decidable": _l("Det går bara att fatta beslut om en inskickad ansökan."),
    "already_decided": _l("Ansökan har redan ett beslut."),
    "amount_required": _l("Skriv beloppet som beviljas."),
    "amount_not_allowed": _l("Ett avslag har inget belopp. Ta bort beloppet."),
    "reasons_required": _l("Skriv skälen för beslutet så att den sökande förstår dem."),
    "dates_ordered": _l("Slutdatum kan inte vara före startdatum."),
    "already_ended": _l("Den är redan avslutad tidigare än det datumet."),
    "af_source": _l("Uppgifter från Arbetsförmedlingen ändras genom en ny import från AF."),
    "absence_decided": _l("Frånvaroanmälan är redan bedömd."),
    "note_required": _l("Skriv varför frånvaron inte godtas. Den sökande får läsa det."),
    "individual_assessment_required": _l(
        "En individuell bedömning krävs, minst 20 tecken. Ingenting har sparats."
    ),
    "child_impact_required": _l(
        "Hushållet har barn. En barnkonsekvensanalys krävs innan du kan minska eller "
        "vägra bistånd, minst 20 tecken. Ingenting har sparats."
    ),
    "no_shortfall": _l(
        "Underlaget för månaden visar ingen brist i deltagandet. Bistånd kan inte minskas "
        "eller vägras på grund av aktivitetskravet."
    ),
    "reduction_amount_required": _l("Skriv med hur många kronor biståndet minskas."),
    "sanction_amount_not_allowed": _l(
        "Belopp anges bara vid en minskning. Ta bort beloppet eller välj minskning."
    ),
    "unit_unknown": _l("Välj en annan enhet i kommunen."),
    "bad_month": _l("Månaden ska skrivas som ÅÅÅÅ-MM, till exempel 2026-09."),
    "no_granted_assistance": _l(
        "Inget bistånd är beviljat för månaden. Det finns inget att minska eller vägra."
    ),
    "reduction_over_granted": _l(
        "Minskningen kan inte vara större än det beviljade beloppet för månaden."
    ),
    "absence_unassessed": _l(
        "Det finns frånvaroanmälningar för månaden som inte är bedömda. Bedöm dem först."
    ),
    "notice_required": _l(
        "Skicka först ett meddelande om planerat beslut så att personen kan svara "
        "(kommunicering enligt förvaltningslagen 25 §)."
    ),
    "reply_period_open": _l(
        "Personen har fortfarande tid att svara på meddelandet om planerat beslut. "
        "Vänta tills svarstiden har gått ut eller personen har svarat."
    ),
    "harsher_than_notice": _l(
        "Beslutet är strängare än det som kommunicerades. Skicka ett nytt meddelande om "
        "planerat beslut först."
    ),
    "notice_kind_required": _l("Välj om biståndet planeras att minskas eller vägras."),
    "notice_message_required": _l(
        "Skriv minst 20 tecken till personen: vad beslutet gäller och varför."
    ),
    "notice_already_open": _l(
        "Ett meddelande om planerat beslut för månaden väntar redan på svar."
    ),
    "activity_unknown": _l("Välj en aktivitet som kommunen erbjuder."),
    "percent_range": _l("Skriv ett tal från 0 till 100."),
    "hours_range": _l("Skriv ett tal från 0 till 80."),
    "month_not_started": _l("Månaden har inte börjat. Det finns inget underlag än."),
    "not_found": _l(
        "Vi hittar inte sidan du söker. Kontrollera adressen eller gå till startsidan."
    ),
}


def message(code: str) -> str:
    """The user-facing sentence for a service error code."""
    return str(MESSAGES.get(code, code))


def refusal(code: str, status: int = 400) -> DomainError:
    error = DomainError(code, status=status)
    # Set after construction: the lazy message is translated when shown, not here, so the
    # services also work outside a request (CLI, tests).
    error.message = MESSAGES.get(code, code)
    return error


# --------------------------------------------------------------------------------------------
# Time helpers


def utc_start_of(day: date) -> datetime:
    """The UTC moment at which a Stockholm calendar day begins."""
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def current_month(today: date | None = None) -> str:
    """This month in Stockholm as "YYYY-MM"."""
    today = today or local_today()
    return f"{today.year:04d}-{today.month:02d}"


def default_basis_month(today: date | None = None) -> str:
    """The month decision support opens on: this month, or last month on its first day."""
    today = today or local_today()
    if today.day == 1:
        return current_month(today - timedelta(days=1))
    return current_month(today)


def parse_month(text: str | None) -> str:
    """Validate a "YYYY-MM" month; raise DomainError('bad_month') otherwise."""
    text = (text or "").strip()
    try:
        year, mon = text.split("-")
        if len(year) != 4 or len(mon) != 2 or not 1 <= int(mon) <= 12 or int(year) < 2000:
            raise ValueError
    except ValueError:
        raise refusal("bad_month") from None
    return text


def settings_for(person_or_unit_municipality_id: int) -> MunicipalitySettings | SettingsInForce:
    """The municipality's settings in force today (defaults when no row exists yet)."""
    settings = settings_in_force(db.session, person_or_unit_municipality_id, local_today())
    return settings or MunicipalitySettings(sla_first_contact_hours=48, sla_plan_hours=48)
