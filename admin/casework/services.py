"""Casework operations: the application queue with service levels, decisions per month,
assessment records (capacity, statuses, external occupations), absence review, person search
and the case overview. Decision support and the requirement outlook are in ``support.py``.

Services load and change rows and ``flush()``; the request commits once. Every refusal is a
DomainError with a stable code that the views show as a sentence. Audit rows are written here,
next to the read or change they record, so no view can forget one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from admin.casework import rules
from admin.casework.rules import NO_TIMER, Timer
from portal import access, audit
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import STOCKHOLM, local_today
from portal.models import (
    AbsenceDecision,
    AbsenceReport,
    Application,
    ApplicationState,
    Decision,
    DecisionOutcome,
    MunicipalitySettings,
    Person,
    PlanVersion,
    StaffUser,
    utcnow,
)
from portal.services.settings_versions import SettingsInForce, settings_in_force

#: Decision outcomes that grant assistance for the month (they feed the requirement's trigger).
GRANTING = (DecisionOutcome.APPROVED, DecisionOutcome.PARTLY_APPROVED)
#: Application states a caseworker still has to act on.
OPEN_STATES = (ApplicationState.SUBMITTED, ApplicationState.IN_REVIEW)
#: How many rows a long list shows at most; the page says so when there are more.
LIST_LIMIT = 100
#: Shortest written text accepted where the law asks for an assessment.
MIN_ASSESSMENT_CHARS = 20

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
    "activity_unknown": _l("Välj en aktivitet i personens plan."),
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


# --------------------------------------------------------------------------------------------
# The application queue


@dataclass
class CaseTimers:
    """The service-level timers of one application and whether it is a return to assistance."""

    first_contact: Timer
    plan: Timer
    returning: bool

    @property
    def overdue(self) -> bool:
        return self.first_contact.overdue or self.plan.overdue


@dataclass
class QueueRow:
    """One application in the queue, with its person, age and timers."""

    application: Application
    person: Person
    timers: CaseTimers
    age_minutes: int


@dataclass
class Queue:
    """The unit's applications for one filter, with counts per filter for the tabs."""

    rows: list[QueueRow]
    counts: dict[str, int]
    truncated: bool
    filter: str


QUEUE_FILTERS = ("open", "intake", "overdue", "submitted", "in_review", "decided", "withdrawn")


def _approved_months(person_ids: list[int]) -> dict[int, set[str]]:
    rows = db.session.execute(
        sa.select(Decision.person_id, Decision.month).where(
            Decision.person_id.in_(person_ids), Decision.outcome.in_(GRANTING)
        )
    )
    out: dict[int, set[str]] = defaultdict(set)
    for person_id, month in rows:
        out[person_id].add(month)
    return out


def _plan_times(person_ids: list[int]) -> dict[int, list[datetime]]:
    rows = db.session.execute(
        sa.select(PlanVersion.person_id, PlanVersion.created_at)
        .where(PlanVersion.person_id.in_(person_ids))
        .order_by(PlanVersion.created_at)
    )
    out: dict[int, list[datetime]] = defaultdict(list)
    for person_id, created in rows:
        out[person_id].append(created)
    return out


def timers_for(
    application: Application,
    settings: MunicipalitySettings,
    approved: set[str],
    plan_times: list[datetime],
    now: datetime,
) -> CaseTimers:
    """The first-contact and plan timers of an application.

    First contact is due for every submitted application. A plan is due only when the
    application starts a new spell of assistance (a first application, or a return after a
    gap): a plan made since that spell began counts, even one made before the application.
    A refused or withdrawn application needs no plan.
    """
    returning = rules.is_returning(application.month, approved)
    if application.submitted_at is None or application.state in (
        ApplicationState.DRAFT,
        ApplicationState.WITHDRAWN,
    ):
        return CaseTimers(NO_TIMER, NO_TIMER, returning)
    first = rules.sla_timer(
        application.submitted_at,
        settings.sla_first_contact_hours,
        application.first_contact_at,
        now,
    )
    refused = application.decision is not None and application.decision.outcome == (
        DecisionOutcome.REFUSED
    )
    spell = rules.spell_start(application.month, approved)
    if refused or spell is None:
        plan = NO_TIMER
    else:
        since = utc_start_of(spell) if spell != date.min else None
        made = [t for t in plan_times if since is None or t >= since]
        plan = rules.sla_timer(
            application.submitted_at, settings.sla_plan_hours, made[0] if made else None, now
        )
    return CaseTimers(first, plan, returning)


def _unit_applications(unit_id: int):
    return (
        sa.select(Application)
        .join(Person, Application.person_id == Person.id)
        .where(Person.unit_id == unit_id, Application.state != ApplicationState.DRAFT)
        .options(selectinload(Application.person), selectinload(Application.decision))
    )


def _intake_applications(unit_id: int):
    """Open applications of the unit's people who have no caseworker yet (the intake queue)."""
    return _unit_applications(unit_id).where(
        Application.state.in_(OPEN_STATES), Person.caseworker_id.is_(None)
    )


def _overdue_candidates(unit_id: int, today: date):
    """Applications whose timers can still run: open ones, and recent decided ones."""
    recent = rules.month_before(current_month(today))
    return _unit_applications(unit_id).where(
        sa.or_(
            Application.state.in_(OPEN_STATES),
            sa.and_(Application.state == ApplicationState.DECIDED, Application.month >= recent),
        )
    )


def _rows(apps: list[Application], settings, now: datetime) -> list[QueueRow]:
    ids = list({a.person_id for a in apps})
    approved = _approved_months(ids)
    plans = _plan_times(ids)
    rows = []
    for app in apps:
        timers = timers_for(app, settings, approved[app.person_id], plans[app.person_id], now)
        start = app.submitted_at or app.created_at
        age = int((now - start).total_seconds() // 60)
        rows.append(QueueRow(app, app.person, timers, age))
    return rows


def application_queue(user: StaffUser, filter_: str = "open", now: datetime | None = None) -> Queue:
    """The caseworker's unit's applications for a filter, oldest first; audited per person.

    Filters: open (submitted or in review), overdue (a timer has run out), submitted,
    in_review, decided, withdrawn. Drafts are the applicant's own and never listed.
    """
    now = now or utcnow()
    if filter_ not in QUEUE_FILTERS:
        filter_ = "open"
    settings = settings_for(user.municipality_id)
    today = now.astimezone(STOCKHOLM).date()
    overdue_rows = [
        r
        for r in _rows(
            list(db.session.scalars(_overdue_candidates(user.unit_id, today))), settings, now
        )
        if r.timers.overdue
    ]
    counts = dict(
        db.session.execute(
            sa.select(Application.state, sa.func.count())
            .join(Person, Application.person_id == Person.id)
            .where(access.case_scope(user))
            .group_by(Application.state)
        ).all()
    )
    counts = {str(k): v for k, v in counts.items()}
    counts["open"] = sum(counts.get(str(s), 0) for s in OPEN_STATES)
    counts["overdue"] = len(overdue_rows)
    counts["intake"] = db.session.scalar(
        sa.select(sa.func.count()).select_from(_intake_applications(user.unit_id).subquery())
    )
    truncated = False
    if filter_ == "overdue":
        rows = overdue_rows
    else:
        query = _unit_applications(user.unit_id)
        if filter_ == "intake":
            query = _intake_applications(user.unit_id).order_by(
                Application.submitted_at, Application.id
            )
        elif filter_ == "open":
            query = query.where(Application.state.in_(OPEN_STATES)).order_by(
                Application.submitted_at, Application.id
            )
        else:
            query = query.where(Application.state == ApplicationState(filter_)).order_by(
                Application.submitted_at.desc(), Application.id.desc()
            )
        apps = list(db.session.scalars(query.limit(LIST_LIMIT + 1)))
        truncated = len(apps) > LIST_LIMIT
        rows = _rows(apps[:LIST_LIMIT], settings, now)
    rows.sort(key=lambda r: (not r.timers.overdue, -r.age_minutes))
    if filter_ in ("decided", "withdrawn"):
        rows.sort(key=lambda r: r.age_minutes)
    for row in rows:
        audit.record(
            "list", "application", person=row.person, object_ref=row.application.public_ref
        )
    return Queue(rows, counts, truncated, filter_)


def caseworker_counts(user: StaffUser, now: datetime | None = None) -> dict[str, int]:
    """Counts for the caseworker's start page: open applications, overdue, absences waiting."""
    now = now or utcnow()
    settings = settings_for(user.municipality_id)
    today = now.astimezone(STOCKHOLM).date()
    apps = list(db.session.scalars(_overdue_candidates(user.unit_id, today)))
    rows = _rows(apps, settings, now)
    return {
        "open": sum(1 for r in rows if r.application.state in OPEN_STATES),
        "overdue": sum(1 for r in rows if r.timers.overdue),
        "absences": db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AbsenceReport)
            .join(Person, AbsenceReport.person_id == Person.id)
            .where(
                access.case_scope(user),
                AbsenceReport.decision == AbsenceDecision.PENDING,
            )
        ),
    }
