"""The demo applicants: one profile per kind of case, each with a household, applications
and decisions, an assessment, statuses, a plan and chosen notice channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal

from portal.demo.common import _utc, add_months, month_key
from portal.extensions import db
from portal.models import (
    ActivityType,
    AfActionPlan,
    Application,
    ApplicationItem,
    ApplicationState,
    Assessment,
    AssistanceReason,
    Decision,
    DecisionOutcome,
    DeclinedOffer,
    Enrolment,
    ExternalKind,
    ExternalOccupation,
    ExternalSource,
    Gender,
    Household,
    HouseholdMember,
    ItemCategory,
    MemberRole,
    Person,
    PersonIdentity,
    PersonStatus,
    PlanItem,
    PlanVersion,
    StatusKind,
    utcnow,
)
from portal.personnummer import with_check_digit
from portal.refs import new_ref

FIRST_NAMES_F = [
    "Amina",
    "Sara",
    "Fatima",
    "Maria",
    "Leila",
    "Anna",
    "Hodan",
    "Elin",
    "Noor",
    "Johanna",
    "Zeynep",
    "Emma",
    "Rana",
    "Sofia",
    "Ayan",
    "Linnea",
]
FIRST_NAMES_M = [
    "Ahmed",
    "Johan",
    "Mohamed",
    "Erik",
    "Ali",
    "Karl",
    "Yusuf",
    "Mikael",
    "Omar",
    "Lars",
    "Hassan",
    "Daniel",
    "Abdi",
    "Peter",
    "Samir",
    "Oskar",
]
LAST_NAMES = [
    "Andersson",
    "Hassan",
    "Johansson",
    "Ali",
    "Karlsson",
    "Mohamud",
    "Nilsson",
    "Yilmaz",
    "Eriksson",
    "Abdullahi",
    "Larsson",
    "Persson",
    "Haddad",
    "Svensson",
    "Warsame",
    "Lindberg",
    "Osman",
    "Berg",
]


@dataclass(frozen=True)
class Profile:
    """What kind of demo applicant to make."""

    kind: str
    count: int


PROFILES = [
    Profile("applying", 8),  # a first application, not yet decided
    Profile("new_decided", 6),  # assistance for 1–2 months: not yet mandatory
    Profile("voluntary", 3),  # municipality requires activity before it is mandatory
    Profile("subject", 24),  # mandatory, with a plan and a month of attendance
    Profile("subject_af", 6),  # mandatory, part of the week at an AF programme
    Profile("exempt_parental", 2),
    Profile("exempt_sickness", 2),
    Profile("exempt_pension", 1),
    Profile("exempt_activity_comp", 1),
    Profile("exempt_full_time_work", 1),
    Profile("returning", 3),  # back on assistance within 12 months
    Profile("ended", 2),  # had assistance earlier in the year, not now
]


class _People:
    """Applicants, their cases and plans (part of the builder)."""

    # --- people ------------------------------------------------------------------------------

    def _notice_channels(self) -> None:
        """Demo applicants' chosen channels (verified example addresses) and plan notices."""
        from portal.notices.demo import choose_channels

        choose_channels(self.municipality.id)

    def _person(self, kind: str, index: int) -> None:
        rng = self.rng
        woman = rng.random() < 0.52
        first = rng.choice(FIRST_NAMES_F if woman else FIRST_NAMES_M)
        last = rng.choice(LAST_NAMES)
        age = 67 + rng.randint(0, 2) if kind == "exempt_pension" else rng.randint(20, 60)
        birth = date(self.today.year - age, rng.randint(1, 12), rng.randint(1, 28))
        unit_name = "Enhet Norr" if (index + len(kind)) % 3 else "Enhet Söder"
        household = Household(municipality_id=self.municipality.id)
        person = Person(
            public_ref=new_ref(),
            municipality_id=self.municipality.id,
            household=household,
            unit=self.units[unit_name],
            caseworker=self.staff[unit_name],
            first_name=first,
            last_name=last,
            birth_date=birth,
            gender=Gender.WOMAN if woman else Gender.MAN,
            email=f"{first.lower()}.{last.lower()}{self.serial}@example.se".replace("å", "a")
            .replace("ä", "a")
            .replace("ö", "o"),
            phone=f"070-{rng.randint(100, 999)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            identity=PersonIdentity(personnummer=self._personnummer(birth, woman)),
        )
        db.session.add(person)
        # subject #1 is the household with children whose month shows a shortfall, so the
        # child impact assessment rule shows in decision support.
        children = (
            rng.random() < 0.35 or kind == "exempt_parental" or (kind, index) == ("subject", 1)
        )
        if children:
            n = 1 if kind == "exempt_parental" else rng.randint(1, 3)
            for c in range(n):
                if kind == "exempt_parental" and c == 0:
                    child_birth = self.today - timedelta(days=rng.randint(60, 250))
                else:
                    child_birth = date(
                        self.today.year - rng.randint(1, 15), rng.randint(1, 12), rng.randint(1, 28)
                    )
                household.members.append(
                    HouseholdMember(
                        role=MemberRole.CHILD,
                        first_name=rng.choice(FIRST_NAMES_F + FIRST_NAMES_M),
                        birth_date=child_birth,
                        lunch_at_preschool=child_birth.year >= self.today.year - 6,
                    )
                )
        db.session.flush()
        months = self._assistance_months(kind, index)
        for i, month_start in enumerate(months):
            last_month = i == len(months) - 1
            # One returning applicant has this month's application waiting in the queue.
            decided = not (
                last_month and (kind == "applying" or (kind == "returning" and index == 0))
            )
            self._application(person, month_start, decided=decided, first=i == 0, index=index)
        if kind in ("applying", "ended"):
            return
        reason = (
            AssistanceReason.SICKNESS
            if kind == "exempt_sickness"
            else rng.choice([AssistanceReason.UNEMPLOYMENT] * 4 + [AssistanceReason.SOCIAL_MEDICAL])
        )
        participation = 100 if rng.random() < 0.8 else rng.choice([50, 75])
        assessment = Assessment(
            person_id=person.id,
            valid_from=months[0],
            participation_percent=participation,
            work_capacity_percent=participation,
            reason=reason,
            requirement_from=months[-1] + timedelta(days=2) if kind == "voluntary" else None,
            note="Bedömd i samtal.",
            assessed_by_id=self.staff[unit_name].id,
        )
        db.session.add(assessment)
        self._statuses_and_externals(person, kind)
        if kind in ("subject", "subject_af", "voluntary", "returning"):
            af_hours = 10 if kind == "subject_af" else 0
            plan = self._plan(person, participation, af_hours, unit_name)
            self._attendance(person, plan, no_show_first_day=(kind, index) == ("subject", 1))
            if kind == "subject_af":
                db.session.add(
                    AfActionPlan(
                        person_id=person.id,
                        af_reference=f"HP-{person.public_ref[:8]}",
                        obligations=[
                            "Söka minst sex arbeten i månaden och redovisa dem.",
                            "Delta i Rusta och matcha tio timmar i veckan.",
                        ],
                        hours_per_week_needed=Decimal(40),
                        part_time_reason="",
                    )
                )
            if index == 0 and kind == "subject":
                db.session.add(
                    DeclinedOffer(
                        person_id=person.id,
                        activity_id=self.activities[ActivityType.WORKPLACE].id,
                        date=self.today - timedelta(days=9),
                        acceptable_reason=False,
                        note="Tackade nej till arbetsträning utan att ange skäl.",
                        recorded_by_id=self.staff[unit_name].id,
                    )
                )

    def _personnummer(self, birth: date, woman: bool) -> str:
        """A personnummer whose second-to-last digit agrees with the gender (even: woman)."""
        self.serial += 1
        serial = 900 + (self.serial % 50) * 2 + (0 if woman else 1)
        nine = birth.strftime("%y%m%d") + f"{serial:03d}"
        return birth.strftime("%Y")[:2] + with_check_digit(nine)

    def _assistance_months(self, kind: str, index: int) -> list[date]:
        m = self.this_month
        if kind == "applying":
            return [m]
        if kind == "new_decided":
            return [add_months(m, -1), m] if index % 2 else [m]
        if kind == "voluntary":
            return [add_months(m, -1), m]
        if kind == "returning":
            return [add_months(m, -9), add_months(m, -8), add_months(m, -2), add_months(m, -1), m]
        if kind == "ended":
            return [add_months(m, -8), add_months(m, -7)]
        return [add_months(m, k) for k in range(-4, 1)]

    def _application(
        self, person: Person, month_start: date, decided: bool, first: bool, index: int
    ) -> None:
        rng = self.rng
        submitted = _utc(month_start - timedelta(days=10), time(10, 15))
        if month_start == self.this_month and not decided:
            submitted = utcnow() - timedelta(hours=6 + 20 * index)
        app = Application(
            public_ref=new_ref(),
            person_id=person.id,
            household_id=person.household_id,
            month=month_key(month_start),
            created_at=submitted - timedelta(days=2, hours=3),
            state=ApplicationState.DECIDED
            if decided
            else (ApplicationState.DRAFT if index % 4 == 3 else ApplicationState.SUBMITTED),
            current_step="review",
            submitted_at=None if (not decided and index % 4 == 3) else submitted,
            declaration_at=None if (not decided and index % 4 == 3) else submitted,
            first_contact_at=submitted + timedelta(hours=20) if decided else None,
            answers={"housing": {"type": rng.choice(["rental", "sublet", "lodger"])}},
        )
        rent = rng.choice([5200, 6400, 7100, 8300, 9400])
        app.items = [
            ApplicationItem(
                category=ItemCategory.COST, kind="rent", description="Hyra", amount_sek=rent
            ),
            ApplicationItem(
                category=ItemCategory.COST,
                kind="electricity",
                description="Hushållsel",
                amount_sek=rng.choice([250, 400, 600]),
            ),
            ApplicationItem(
                category=ItemCategory.COST,
                kind="home_insurance",
                description="Hemförsäkring",
                amount_sek=150,
            ),
        ]
        if rng.random() < 0.3:
            app.items.append(
                ApplicationItem(
                    category=ItemCategory.INCOME,
                    kind="child_allowance",
                    description="Barnbidrag",
                    amount_sek=1250,
                )
            )
        db.session.add(app)
        if decided:
            db.session.flush()
            db.session.add(
                Decision(
                    application_id=app.id,
                    person_id=person.id,
                    month=app.month,
                    outcome=DecisionOutcome.APPROVED,
                    amount_sek=rng.randint(4000, 14000),
                    reasons="Du har rätt till försörjningsstöd för månaden enligt riksnormen "
                    "och dina "
                    "skäliga kostnader för boende.",
                    decided_by_id=person.caseworker_id,
                    decided_at=submitted + timedelta(days=3),
                )
            )

    def _statuses_and_externals(self, person: Person, kind: str) -> None:
        start = add_months(self.this_month, -4)
        if kind == "exempt_parental":
            db.session.add(
                PersonStatus(person_id=person.id, kind=StatusKind.PARENTAL_LEAVE, from_date=start)
            )
        elif kind == "exempt_sickness":
            db.session.add(
                PersonStatus(
                    person_id=person.id, kind=StatusKind.FULL_SICKNESS_COMPENSATION, from_date=start
                )
            )
        elif kind == "exempt_activity_comp":
            db.session.add(
                PersonStatus(
                    person_id=person.id, kind=StatusKind.ACTIVITY_COMPENSATION, from_date=start
                )
            )
        elif kind == "exempt_full_time_work":
            db.session.add(
                ExternalOccupation(
                    person_id=person.id,
                    kind=ExternalKind.WORK,
                    hours_per_week=Decimal(40),
                    from_date=start,
                    description="Visstidsanställning, heltid",
                )
            )
        elif kind == "subject_af":
            db.session.add(
                ExternalOccupation(
                    person_id=person.id,
                    kind=ExternalKind.AF_PROGRAMME,
                    hours_per_week=Decimal(10),
                    from_date=start,
                    description="Arbetsförmedlingen: Rusta och matcha",
                    source=ExternalSource.AF,
                    af_reference=f"AF-{person.public_ref[:8]}",
                )
            )

    def _plan(
        self, person: Person, participation: int, af_hours: int, unit_name: str
    ) -> PlanVersion:
        start = add_months(self.this_month, -2)
        plan = PlanVersion(
            person_id=person.id,
            version=1,
            valid_from=start,
            purpose="Stärka svenskan och komma närmare arbete inom service.",
            follow_up_date=self.today + timedelta(days=30),
            created_by_id=self.staff[unit_name].id,
            acknowledged_at=utcnow() if self.rng.random() < 0.85 else None,
        )
        lang = self.activities[ActivityType.LANGUAGE]
        jobs = self.activities[ActivityType.JOB_SEARCH]
        park = self.activities[ActivityType.WORKPLACE]
        friday = [s.id for s in park.sessions if s.weekday == 5]
        if participation < 100 or af_hours:
            plan.items = [
                PlanItem(activity=lang, from_date=start),
                PlanItem(activity=park, session_ids=friday, from_date=start),
            ]
        else:
            plan.items = [
                PlanItem(activity=lang, from_date=start),
                PlanItem(activity=jobs, from_date=start),
                PlanItem(activity=park, session_ids=friday, from_date=start),
            ]
        for item in plan.items:
            if item.session_ids:
                continue  # an enrolment takes every session: the park's Friday afternoon only
            db.session.add(Enrolment(person_id=person.id, activity=item.activity, from_date=start))
        db.session.add(plan)
        db.session.flush()
        return plan
