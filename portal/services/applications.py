"""The monthly e-application (P2): drafts step by step, the household, lines, submission.

An application is edited only while it is a draft. Every step saves at once, so a person who
closes the phone finds the draft where they left it. The household members are the household's
own (the caseworker sees them too); at submission the application keeps a copy of the
household as it was declared, and the preliminary estimate it showed.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from portal import personnummer as pnr
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Application,
    ApplicationItem,
    ApplicationState,
    Household,
    HouseholdMember,
    ItemCategory,
    MemberRole,
    NormStatus,
    NormYear,
    Person,
    utcnow,
)
from portal.refs import new_ref
from portal.services import intake, norm
from portal.services.vocab import (
    ASSET_KINDS,
    COST_KINDS,
    HOUSING_TYPES,
    INCOME_KINDS,
    KINDS_WITH_DESCRIPTION,
)

STEPS = ("household", "incomes", "costs", "assets", "attachments", "declaration", "review")
#: Steps that must be saved before submitting; documents may be sent in afterwards.
REQUIRED_STEPS = ("household", "incomes", "costs", "assets", "declaration")
KINDS = {
    ItemCategory.INCOME: INCOME_KINDS,
    ItemCategory.COST: COST_KINDS,
    ItemCategory.ASSET: ASSET_KINDS,
}
#: Allowed state changes. The applicant submits; a caseworker takes up, decides or records a
#: withdrawal. Decided and withdrawn applications are final.
ALLOWED_TRANSITIONS: dict[ApplicationState, frozenset[ApplicationState]] = {
    ApplicationState.DRAFT: frozenset({ApplicationState.SUBMITTED, ApplicationState.WITHDRAWN}),
    ApplicationState.SUBMITTED: frozenset(
        {ApplicationState.IN_REVIEW, ApplicationState.DECIDED, ApplicationState.WITHDRAWN}
    ),
    ApplicationState.IN_REVIEW: frozenset({ApplicationState.DECIDED, ApplicationState.WITHDRAWN}),
    ApplicationState.DECIDED: frozenset(),
    ApplicationState.WITHDRAWN: frozenset(),
}
#: Amounts above this are typing mistakes, not incomes, costs or assets of an applicant.
MAX_AMOUNT_SEK = 99_999_999
CHILD_MAX_AGE = 20
ADULT_MIN_AGE = 18


# --- months ----------------------------------------------------------------------------------


def month_key(day: date) -> str:
    """'YYYY-MM' of a date."""
    return f"{day.year:04d}-{day.month:02d}"


def month_start(key: str) -> date:
    """The first day of a 'YYYY-MM' month; DomainError('bad_month') if it is not one."""
    try:
        year, month = key.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(key)
        return date(int(year), int(month), 1)
    except (ValueError, AttributeError):
        raise DomainError("bad_month", "bad_month") from None


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def open_months(person: Person, today: date) -> list[str]:
    """The months the person may start an application for: this one and the next, if new."""
    wanted = [month_key(today), month_key(next_month(today))]
    taken = set(
        db.session.scalars(
            sa.select(Application.month).where(
                Application.person_id == person.id, Application.month.in_(wanted)
            )
        )
    )
    return [m for m in wanted if m not in taken]


def applications_of(person: Person) -> list[Application]:
    """The person's applications, newest month first."""
    return list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.person_id == person.id)
            .order_by(Application.month.desc())
        )
    )


def previous_application(person: Person, before: str) -> Application | None:
    """The newest application before month ``before`` that can be copied (not withdrawn)."""
    return db.session.scalar(
        sa.select(Application)
        .where(
            Application.person_id == person.id,
            Application.month < before,
            Application.state != ApplicationState.WITHDRAWN,
        )
        .order_by(Application.month.desc())
        .limit(1)
    )


def start_application(
    person: Person, month: str, *, today: date, copy_previous: bool = False
) -> Application:
    """Create a draft for ``month``, optionally starting from the previous month's lines.

    Raises DomainError('month_not_open') unless the month is this one or the next and has no
    application yet.
    """
    if month not in open_months(person, today):
        raise DomainError("month_not_open", "month_not_open", 409)
    if person.household is None:
        person.household = Household(municipality_id=person.municipality_id)
        db.session.flush()
    application = Application(
        public_ref=new_ref(),
        person_id=person.id,
        household_id=person.household_id,
        month=month,
        state=ApplicationState.DRAFT,
        current_step=STEPS[0],
        answers={"completed": []},
    )
    previous = previous_application(person, month) if copy_previous else None
    if previous is not None:
        application.copied_from_id = previous.id
        application.items = [
            ApplicationItem(
                category=item.category,
                kind=item.kind,
                description=item.description,
                amount_sek=item.amount_sek,
            )
            for item in previous.items
        ]
        if "housing" in (previous.answers or {}):
            application.answers = {
                "completed": [],
                "housing": copy.deepcopy(previous.answers["housing"]),
            }
    try:
        # A savepoint: a second tab submitting the same month loses on the unique constraint
        # and gets the same refusal as above, not a server error.
        with db.session.begin_nested():
            db.session.add(application)
    except sa.exc.IntegrityError:
        raise DomainError("month_not_open", "month_not_open", 409) from None
    return application


def applicant_application(person: Person, ref: str) -> Application:
    """The person's own application by public reference, else DomainError('not_found', 404)."""
    application = db.session.scalar(sa.select(Application).where(Application.public_ref == ref))
    if application is None or application.person_id != person.id:
        raise DomainError("not_found", "not_found", 404)
    return application


def ensure_draft(application: Application) -> None:
    """Refuse changes to an application that has been submitted (DomainError 'not_draft')."""
    if application.state != ApplicationState.DRAFT:
        raise DomainError("not_draft", "not_draft", 409)


# --- steps -----------------------------------------------------------------------------------


def next_step(step: str) -> str:
    """The step after ``step`` (review is the last)."""
    index = STEPS.index(step)
    return STEPS[min(index + 1, len(STEPS) - 1)]


def previous_step(step: str) -> str | None:
    """The step before ``step``, or None for the first."""
    index = STEPS.index(step)
    return STEPS[index - 1] if index else None


def completed_steps(application: Application) -> list[str]:
    """The steps the applicant has saved."""
    return list((application.answers or {}).get("completed", []))


def _set_answers(application: Application, **changes) -> None:
    # answers is plain JSON: assign a new dict so the change is noticed and saved.
    answers = copy.deepcopy(application.answers or {})
    answers.update(changes)
    application.answers = answers


def mark_step_done(application: Application, step: str) -> None:
    """Record that ``step`` was saved and move the draft's bookmark to the next step."""
    ensure_draft(application)
    done = completed_steps(application)
    if step not in done:
        done.append(step)
    _set_answers(application, completed=done)
    application.current_step = next_step(step)
    db.session.flush()


def missing_steps(application: Application) -> list[str]:
    """Required steps not yet saved, in order."""
    done = set(completed_steps(application))
    return [step for step in REQUIRED_STEPS if step not in done]


# --- lines -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    """What the applicant typed for one kind: an amount (None = left empty) and a text."""

    amount: int | None
    description: str = ""


def lines_by_kind(application: Application, category: ItemCategory) -> dict[str, ApplicationItem]:
    """The application's lines of one category, by kind."""
    return {item.kind: item for item in application.items if item.category == category}


def save_lines(
    application: Application, category: ItemCategory, values: dict[str, LineInput]
) -> None:
    """Replace the lines of ``category`` with the non-zero amounts given, then mark the step.

    Raises DomainError('bad_line') for an unknown kind, an amount out of range or an "other"
    line without a description.
    """
    ensure_draft(application)
    kinds = KINDS[category]
    new_items = []
    for kind, value in values.items():
        if kind not in kinds:
            raise DomainError("bad_line", kind)
        if value.amount is None or value.amount == 0:
            continue
        if not 0 < value.amount <= MAX_AMOUNT_SEK:
            raise DomainError("bad_line", kind)
        text = value.description.strip()
        if kind in KINDS_WITH_DESCRIPTION and not text:
            raise DomainError("bad_line", kind)
        new_items.append(
            ApplicationItem(
                category=category,
                kind=kind,
                description=(text if kind in KINDS_WITH_DESCRIPTION else kinds[kind])[:200],
                amount_sek=value.amount,
            )
        )
    application.items = [i for i in application.items if i.category != category] + new_items
    step = {ItemCategory.INCOME: "incomes", ItemCategory.COST: "costs"}.get(category, "assets")
    mark_step_done(application, step)


def housing_type(application: Application) -> str | None:
    """The housing type the applicant chose, if any."""
    return (application.answers or {}).get("housing", {}).get("type")


def home_postcode(application: Application) -> str | None:
    """The postcode given with the housing, or the one the person gave before."""
    given = (application.answers or {}).get("housing", {}).get("postcode")
    return given or application.person.postcode


def save_costs(
    application: Application,
    housing: str,
    values: dict[str, LineInput],
    postcode: str | None = None,
) -> None:
    """Save the housing type, the home's postcode and the cost lines ("Boende och kostnader").

    The postcode routes a new applicant's case to the right unit (portal/services/intake.py).
    """
    ensure_draft(application)
    if housing not in HOUSING_TYPES:
        raise DomainError("bad_housing", "bad_housing")
    code = intake.normalise_postcode(postcode)
    _set_answers(application, housing={"type": housing, "postcode": code})
    if code:
        application.person.postcode = code
    save_lines(application, ItemCategory.COST, values)


def declaration_accepted(application: Application) -> bool:
    """Whether the applicant has confirmed that the information is true and complete."""
    return bool((application.answers or {}).get("declaration", {}).get("accepted"))


def save_declaration(application: Application, accepted: bool, now: datetime | None = None) -> None:
    """Record the truthfulness declaration (DomainError 'declaration_required' if not given)."""
    ensure_draft(application)
    if not accepted:
        raise DomainError("declaration_required", "declaration_required")
    moment = now or utcnow()
    _set_answers(application, declaration={"accepted": True, "at": moment.isoformat()})
    mark_step_done(application, "declaration")


def sum_of(application: Application, category: ItemCategory) -> int:
    """The total of one category's lines, in kronor."""
    return sum(i.amount_sek for i in application.items if i.category == category)


# --- household -------------------------------------------------------------------------------


def household_members(person: Person) -> list[HouseholdMember]:
    """The people the applicant lives with (not the applicant), in the order added."""
    return list(person.household.members) if person.household else []


def member_of(person: Person, member_id: int) -> HouseholdMember:
    """A member of the person's own household, else DomainError('not_found', 404)."""
    member = db.session.get(HouseholdMember, member_id)
    if member is None or person.household_id is None or member.household_id != person.household_id:
        raise DomainError("not_found", "not_found", 404)
    return member


@dataclass(frozen=True)
class MemberInput:
    """A household member as typed: role, first name and personnummer, plus the norm's flags."""

    role: str
    first_name: str
    personnummer: str
    at_school: bool = False
    lunch_at_preschool: bool = False


def save_member(
    application: Application,
    person: Person,
    data: MemberInput,
    *,
    member: HouseholdMember | None = None,
    today: date | None = None,
) -> HouseholdMember:
    """Add a member to the applicant's household, or change ``member``.

    Raises DomainError with code ``invalid_personnummer`` (message: the reason),
    ``partner_exists``, ``member_exists``, ``child_too_old``, ``adult_too_young`` or
    ``bad_role``.
    """
    ensure_draft(application)
    try:
        role = MemberRole(data.role)
    except ValueError:
        raise DomainError("bad_role", "bad_role") from None
    try:
        number = pnr.parse(data.personnummer, today=today)
    except pnr.InvalidPersonnummer as exc:
        raise DomainError("invalid_personnummer", exc.reason) from None
    others = [m for m in household_members(person) if member is None or m.id != member.id]
    if role == MemberRole.PARTNER and any(m.role == MemberRole.PARTNER for m in others):
        raise DomainError("partner_exists", "partner_exists")
    own_number = person.identity.personnummer if person.identity else None
    if number == own_number or any(m.personnummer == number for m in others):
        raise DomainError("member_exists", "member_exists")
    born = pnr.birth_date(number[:8])
    age = norm.age_on(born, month_start(application.month))
    if role == MemberRole.CHILD and age > CHILD_MAX_AGE:
        raise DomainError("child_too_old", "child_too_old")
    if role != MemberRole.CHILD and age < ADULT_MIN_AGE:
        raise DomainError("adult_too_young", "adult_too_young")
    if member is None:
        if person.household is None:
            person.household = Household(municipality_id=person.municipality_id)
        member = HouseholdMember(role=role, first_name="", birth_date=born)
        person.household.members.append(member)
    member.role = role
    member.first_name = data.first_name.strip()[:100]
    member.personnummer = number
    member.birth_date = born
    # The flags only mean something in their age band; elsewhere they would mislead.
    member.at_school = bool(data.at_school) and role == MemberRole.CHILD and age >= 19
    member.lunch_at_preschool = (
        bool(data.lunch_at_preschool) and role == MemberRole.CHILD and (age <= 6)
    )
    db.session.flush()
    return member


def remove_member(application: Application, person: Person, member_id: int) -> None:
    """Remove someone from the applicant's household (while the application is a draft)."""
    ensure_draft(application)
    member = member_of(person, member_id)
    person.household.members.remove(member)
    db.session.flush()


# --- documents -------------------------------------------------------------------------------


def expected_documents(application: Application) -> list[str]:
    """The document types a caseworker will ask for, given the lines of the application."""
    kinds = {item.kind for item in application.items}
    categories = {item.category for item in application.items}
    expected = []
    if "rent" in kinds:
        expected.append("rent")
    if ItemCategory.INCOME in categories:
        expected.append("income")
    expected.append("bank")
    return expected


def missing_documents(application: Application) -> list[str]:
    """Expected document types with no attachment yet."""
    have = {a.document_type for a in application.attachments}
    return [kind for kind in expected_documents(application) if kind not in have]


# --- estimate --------------------------------------------------------------------------------


@dataclass(frozen=True)
class EstimateOutcome:
    """The estimate, or why there is none: 'no_table' or 'norm_incomplete'.

    ``year`` is the norm year used; ``wanted_year`` the application's year (they differ when
    that year's norm is not entered yet, and the estimate says so).
    """

    estimate: norm.Estimate | None
    problem: str | None
    year: int
    wanted_year: int | None = None

    @property
    def other_year(self) -> bool:
        return self.wanted_year is not None and self.year != self.wanted_year


def norm_table(municipality_id: int, month: str) -> norm.NormTable | None:
    """The norm table of the application month's year, else of the nearest year entered
    (norm.choose_year); None when no year is entered."""
    years = db.session.scalars(sa.select(NormYear.year)).all()
    year = norm.choose_year(month_start(month).year, years)
    row = db.session.get(NormYear, year) if year is not None else None
    if row is None:
        return None
    return norm.NormTable(
        year=row.year,
        example=row.status == NormStatus.EXAMPLE,
        amounts={(a.category, a.key): a.amount_sek for a in row.amounts},
    )


def norm_members(person: Person) -> list[norm.Member]:
    """The applicant and the household members, as the norm calculation sees them."""
    members = [norm.Member("applicant", person.birth_date, person.first_name)]
    members += [
        norm.Member(str(m.role), m.birth_date, m.first_name, m.at_school, m.lunch_at_preschool)
        for m in household_members(person)
    ]
    return members


def estimate_for(application: Application, person: Person) -> EstimateOutcome:
    """The preliminary estimate for a draft: household norm + costs − incomes."""
    table = norm_table(person.municipality_id, application.month)
    start = month_start(application.month)
    if table is None:
        return EstimateOutcome(None, "no_table", start.year, start.year)
    try:
        result = norm.estimate(
            table,
            norm_members(person),
            start,
            costs_sek=sum_of(application, ItemCategory.COST),
            incomes_sek=sum_of(application, ItemCategory.INCOME),
        )
    except norm.NormTableError:
        return EstimateOutcome(None, "norm_incomplete", table.year, start.year)
    return EstimateOutcome(result, None, table.year, start.year)


# --- states ----------------------------------------------------------------------------------


def transition(
    application: Application, to_state: ApplicationState, now: datetime | None = None
) -> None:
    """Move an application to ``to_state`` if the rules allow it (DomainError 'bad_transition').

    Submitting stamps ``submitted_at`` and ``declaration_at``.
    """
    if to_state not in ALLOWED_TRANSITIONS[ApplicationState(application.state)]:
        raise DomainError("bad_transition", "bad_transition", 409)
    moment = now or utcnow()
    if to_state == ApplicationState.SUBMITTED:
        application.submitted_at = moment
        application.declaration_at = moment
    application.state = to_state
    db.session.flush()


def submit(application: Application, person: Person, now: datetime | None = None) -> None:
    """Submit a complete draft: keep the household as declared and the estimate shown.

    Raises DomainError 'not_draft', 'incomplete' (steps missing) or 'declaration_required'.
    """
    ensure_draft(application)
    if missing_steps(application):
        raise DomainError("incomplete", "incomplete")
    if not declaration_accepted(application):
        raise DomainError("declaration_required", "declaration_required")
    outcome = estimate_for(application, person)
    application.estimate_sek = outcome.estimate.payable_sek if outcome.estimate else None
    _set_answers(
        application,
        household=[
            {
                "role": str(m.role),
                "first_name": m.first_name,
                "birth_date": m.birth_date.isoformat(),
                "at_school": m.at_school,
                "lunch_at_preschool": m.lunch_at_preschool,
            }
            for m in household_members(person)
        ],
        estimate={"year": outcome.year, "problem": outcome.problem},
    )
    application.current_step = "review"
    transition(application, ApplicationState.SUBMITTED, now)
    intake.route_to_intake(person)
