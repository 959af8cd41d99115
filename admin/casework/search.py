"""Finding a person of the unit by name or personnummer, showing a full personnummer on an
explicit request, and the case overview: everything the case page shows about one person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from admin.casework import rules
from admin.casework.assessments import current_assessment, externals, statuses
from admin.casework.queue import approved_months
from portal import access, audit
from portal.extensions import db
from portal.i18n import local_today
from portal.models import (
    AbsenceReport,
    Application,
    ApplicationState,
    Assessment,
    DeclinedOffer,
    ExternalOccupation,
    HouseholdMember,
    MemberRole,
    Person,
    PersonIdentity,
    PersonStatus,
    PlanItem,
    PlanVersion,
    SanctionDecision,
    StaffUser,
)


@dataclass
class SearchResult:
    people: list[Person]
    by_personnummer: bool
    truncated: bool


def search_people(user: StaffUser, query: str) -> SearchResult:
    """Find people of the caseworker's unit by name or personnummer (audited per hit).

    A query that is a valid personnummer matches that number exactly; a birth date
    (ÅÅÅÅMMDD or ÅÅMMDD) or a number without the century (ÅÅMMDDNNNN) matches the personnummer
    it begins or ends; anything else matches every word against first and last names.
    """
    from portal.personnummer import InvalidPersonnummer, parse

    query = (query or "").strip()
    base = sa.select(Person).where(access.case_scope(user))
    try:
        pnr = parse(query, local_today())
        by_pnr = True
        stmt = base.join(PersonIdentity).where(PersonIdentity.personnummer == pnr)
    except InvalidPersonnummer:
        pattern = _partial_personnummer(query)
        by_pnr = pattern is not None
        if by_pnr:
            stmt = base.join(PersonIdentity).where(PersonIdentity.personnummer.like(pattern))
            return _search_result(stmt, by_pnr)
        words = [w for w in query.split() if w][:4]
        if not words:
            return SearchResult([], False, False)
        stmt = base
        for word in words:
            pattern = f"%{_escape_like(word.lower())}%"
            stmt = stmt.where(
                sa.or_(
                    sa.func.lower(Person.first_name).like(pattern, escape="\\"),
                    sa.func.lower(Person.last_name).like(pattern, escape="\\"),
                )
            )
    return _search_result(stmt, by_pnr)


def _partial_personnummer(query: str) -> str | None:
    """A LIKE pattern for part of a personnummer: a birth date, or the number without century."""
    digits = query.replace("-", "").replace("+", "").replace(" ", "")
    if not digits.isdigit():
        return None
    return {8: f"{digits}%", 6: f"__{digits}%", 10: f"__{digits}"}.get(len(digits))


def _search_result(stmt, by_pnr: bool) -> SearchResult:
    people = list(db.session.scalars(stmt.order_by(Person.last_name, Person.first_name).limit(51)))
    for person in people[:50]:
        audit.record(
            "search", "person", person=person, object_ref=person.public_ref,
            why="personnummer" if by_pnr else "name",
        )  # fmt: skip
    return SearchResult(people[:50], by_pnr, len(people) > 50)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def reveal_personnummer(user: StaffUser, person: Person) -> str:
    """The full personnummer, shown only on an explicit request (audited)."""
    audit.record("read", "personnummer", person=person, object_ref=person.public_ref)
    return person.identity.personnummer


@dataclass
class CaseOverview:
    """The case page: identity, household, applications, assessment and what follows."""

    person: Person
    masked_personnummer: str
    returning: bool
    children: list[HouseholdMember]
    adults: list[HouseholdMember]
    co_applicants: list[Person]
    applications: list[Application]
    assessment: Assessment | None
    statuses: list[PersonStatus]
    externals: list[ExternalOccupation]
    plan: PlanVersion | None
    absences: list[AbsenceReport]
    sanctions: list[SanctionDecision]
    declined: list[DeclinedOffer] = field(default_factory=list)


def case_overview(user: StaffUser, person: Person) -> CaseOverview:
    """Everything the case page shows about one person (audited as one read)."""
    from portal.personnummer import masked

    household = person.household
    members = household.members if household else []
    applications = list(
        db.session.scalars(
            sa.select(Application)
            .where(Application.person_id == person.id, Application.state != ApplicationState.DRAFT)
            .options(selectinload(Application.decision))
            .order_by(Application.month.desc())
            .limit(24)
        )
    )
    approved = approved_months([person.id])[person.id]
    returning = bool(applications) and rules.is_returning(applications[0].month, approved)
    plan = db.session.scalar(
        sa.select(PlanVersion)
        .where(PlanVersion.person_id == person.id)
        .options(selectinload(PlanVersion.items).selectinload(PlanItem.activity))
        .order_by(PlanVersion.version.desc())
        .limit(1)
    )
    absences = list(
        db.session.scalars(
            sa.select(AbsenceReport)
            .where(AbsenceReport.person_id == person.id)
            .order_by(AbsenceReport.from_at.desc())
            .limit(20)
        )
    )
    sanctions = list(
        db.session.scalars(
            sa.select(SanctionDecision)
            .where(SanctionDecision.person_id == person.id)
            .order_by(SanctionDecision.decided_at.desc())
        )
    )
    audit.record("read", "case", person=person, object_ref=person.public_ref)
    return CaseOverview(
        person=person,
        masked_personnummer=masked(person.identity.personnummer),
        returning=returning,
        children=[m for m in members if m.role == MemberRole.CHILD],
        adults=[m for m in members if m.role != MemberRole.CHILD],
        co_applicants=[p for p in (household.people if household else []) if p.id != person.id],
        applications=applications,
        assessment=current_assessment(person),
        statuses=statuses(person),
        externals=externals(person),
        plan=plan,
        absences=absences,
        sanctions=sanctions,
    )
