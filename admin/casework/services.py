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
from decimal import Decimal

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
    Assessment,
    AssistanceReason,
    Decision,
    DecisionOutcome,
    ExternalKind,
    ExternalOccupation,
    ExternalSource,
    MunicipalitySettings,
    Person,
    PersonStatus,
    PlanVersion,
    StaffUser,
    StatusKind,
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


# --------------------------------------------------------------------------------------------
# Assessment, statuses and external occupations


def current_assessment(person: Person, day: date | None = None) -> Assessment | None:
    """The assessment that applies on ``day``: the newest one valid from that day or before."""
    day = day or local_today()
    return db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.person_id == person.id, Assessment.valid_from <= day)
        .order_by(Assessment.valid_from.desc(), Assessment.assessed_at.desc(), Assessment.id.desc())
        .limit(1)
    )


def assessments(person: Person) -> list[Assessment]:
    """Every assessment of a person, newest first."""
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .where(Assessment.person_id == person.id)
            .order_by(Assessment.valid_from.desc(), Assessment.id.desc())
        )
    )


def record_assessment(
    user: StaffUser,
    person: Person,
    *,
    valid_from: date,
    participation_percent: int,
    work_capacity_percent: int,
    reason: AssistanceReason,
    requirement_from: date | None,
    note: str = "",
) -> Assessment:
    """Record a new assessment; it applies from ``valid_from`` until a newer one."""
    for value in (participation_percent, work_capacity_percent):
        if not 0 <= value <= 100:
            raise refusal("percent_range")
    row = Assessment(
        person_id=person.id,
        valid_from=valid_from,
        participation_percent=participation_percent,
        work_capacity_percent=work_capacity_percent,
        reason=reason,
        requirement_from=requirement_from,
        note=(note or "").strip(),
        assessed_by_id=user.id,
        assessed_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("create", "assessment", person=person, object_ref=str(row.id))
    return row


#: The rule book's own exemption kinds (compliance-rules.md §1.4).
RULE_BOOK_EXEMPTIONS = {
    StatusKind.FULL_SICKNESS_COMPENSATION: "always",
    StatusKind.PARENTAL_LEAVE: "child_under_1",
}


def exemption_effect(kind: StatusKind, settings: MunicipalitySettings) -> str:
    """How a status kind affects the requirement: always, child_under_1, municipality, none."""
    if kind in RULE_BOOK_EXEMPTIONS:
        return RULE_BOOK_EXEMPTIONS[kind]
    if str(kind) in (settings.extra_exemptions or []):
        return "municipality"
    return "none"


def statuses(person: Person) -> list[PersonStatus]:
    """A person's statuses, current and ended, newest first."""
    return list(
        db.session.scalars(
            sa.select(PersonStatus)
            .where(PersonStatus.person_id == person.id)
            .order_by(PersonStatus.from_date.desc(), PersonStatus.id.desc())
        )
    )


def externals(person: Person) -> list[ExternalOccupation]:
    """A person's external occupations, newest first."""
    return list(
        db.session.scalars(
            sa.select(ExternalOccupation)
            .where(ExternalOccupation.person_id == person.id)
            .order_by(ExternalOccupation.from_date.desc(), ExternalOccupation.id.desc())
        )
    )


def _check_dates(start: date, end: date | None) -> None:
    if end is not None and end < start:
        raise refusal("dates_ordered")


def add_status(
    user: StaffUser,
    person: Person,
    kind: StatusKind,
    from_date: date,
    to_date: date | None,
    note: str = "",
) -> PersonStatus:
    """Record a dated status such as parental leave or full sickness compensation."""
    _check_dates(from_date, to_date)
    row = PersonStatus(
        person_id=person.id,
        kind=kind,
        from_date=from_date,
        to_date=to_date,
        note=(note or "").strip(),
        recorded_by_id=user.id,
        recorded_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("create", "person_status", person=person, object_ref=str(row.id), why=str(kind))
    return row


def person_status(person: Person, status_id: int) -> PersonStatus:
    """One of the person's statuses, or 404."""
    row = db.session.get(PersonStatus, status_id)
    if row is None or row.person_id != person.id:
        raise refusal("not_found", 404)
    return row


def end_status(user: StaffUser, person: Person, status_id: int, to_date: date) -> PersonStatus:
    """End a status on ``to_date`` (inclusive)."""
    row = person_status(person, status_id)
    _check_dates(row.from_date, to_date)
    if row.to_date is not None and row.to_date < to_date:
        raise refusal("already_ended")
    row.to_date = to_date
    db.session.flush()
    audit.record("update", "person_status", person=person, object_ref=str(row.id), why="end")
    return row


def add_external(
    user: StaffUser,
    person: Person,
    kind: ExternalKind,
    hours_per_week: Decimal,
    from_date: date,
    to_date: date | None,
    description: str = "",
) -> ExternalOccupation:
    """Record work, studies or an AF programme entered by hand (source manual)."""
    _check_dates(from_date, to_date)
    if not Decimal(0) <= hours_per_week <= Decimal(80):
        raise refusal("hours_range")
    row = ExternalOccupation(
        person_id=person.id,
        kind=kind,
        hours_per_week=hours_per_week,
        from_date=from_date,
        to_date=to_date,
        description=(description or "").strip(),
        source=ExternalSource.MANUAL,
        recorded_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "create", "external_occupation", person=person, object_ref=str(row.id), why=str(kind)
    )
    return row


def external_occupation(person: Person, external_id: int) -> ExternalOccupation:
    """One of the person's external occupations, or 404."""
    row = db.session.get(ExternalOccupation, external_id)
    if row is None or row.person_id != person.id:
        raise refusal("not_found", 404)
    return row


def end_external(
    user: StaffUser, person: Person, external_id: int, to_date: date
) -> ExternalOccupation:
    """End a manually entered external occupation on ``to_date`` (AF's rows come from AF)."""
    row = external_occupation(person, external_id)
    if row.source != ExternalSource.MANUAL:
        raise refusal("af_source")
    _check_dates(row.from_date, to_date)
    if row.to_date is not None and row.to_date < to_date:
        raise refusal("already_ended")
    row.to_date = to_date
    db.session.flush()
    audit.record("update", "external_occupation", person=person, object_ref=str(row.id), why="end")
    return row
