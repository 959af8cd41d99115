"""A believable demo municipality: sites, activities, ~60 applicants in every state, a month
of attendance with the usual mess, and one staff user per role.

Everything is derived from a fixed seed and today's date, so a fresh database always gets the
same kind of picture. ``load()`` does nothing when the database already holds a municipality.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import holidays
import sqlalchemy as sa

from portal.auth.services import hash_password
from portal.extensions import db
from portal.i18n import STOCKHOLM, local_today
from portal.models import (
    AbsenceDecision,
    AbsenceReason,
    AbsenceReport,
    Activity,
    ActivitySession,
    ActivityType,
    AfActionPlan,
    Application,
    ApplicationItem,
    ApplicationState,
    Assessment,
    AssistanceReason,
    AttendanceEvent,
    Decision,
    DecisionOutcome,
    DeclinedOffer,
    Device,
    Enrolment,
    EnrolmentStatus,
    EventKind,
    EventSource,
    EventStatus,
    ExternalKind,
    ExternalOccupation,
    ExternalSource,
    Gender,
    Household,
    HouseholdMember,
    ItemCategory,
    MemberRole,
    Municipality,
    MunicipalitySettings,
    NormAmount,
    NormStatus,
    NormYear,
    Person,
    PersonIdentity,
    PersonStatus,
    PlanItem,
    PlanVersion,
    SanctionKind,
    Site,
    StaffRole,
    StaffUser,
    StatusKind,
    Unit,
    utcnow,
)
from portal.personnummer import with_check_digit
from portal.refs import new_ref

DEMO_PASSWORD = "Demo-losen-2026"  # noqa: S105 - published demo password, dev only
#: The token of the demo's enrolled scanner at Centrumhuset (printed by `flask demo logins`).
DEMO_DEVICE_TOKEN = "demo-skanner-centrumhuset-2026"  # noqa: S105 - published, dev only
#: The activity whose session runs whenever the demo is loaded, so a scan can be tried any day.
DEMO_OPEN_ACTIVITY = "Öppen verkstad (demo)"
#: How many demo people are enrolled in it.
DEMO_OPEN_ENROLLED = 6
#: Fixed TOTP secrets so `flask demo totp EMAIL` can print the current code in development.
DEMO_STAFF = [
    ("admin@demo.aktivitetsportalen.se", "Ada Administratör", StaffRole.ADMINISTRATOR, None),
    (
        "handlaggare@demo.aktivitetsportalen.se",
        "Hanna Handläggare",
        StaffRole.CASEWORKER,
        "Enhet Norr",
    ),
    (
        "handlaggare.soder@demo.aktivitetsportalen.se",
        "Sami Söder",
        StaffRole.CASEWORKER,
        "Enhet Söder",
    ),
    ("anordnare@demo.aktivitetsportalen.se", "Anders Anordnare", StaffRole.SITE_STAFF, None),
    ("analytiker@demo.aktivitetsportalen.se", "Alva Analytiker", StaffRole.AUDITOR, None),
]
DEMO_TOTP_SECRETS = {
    "admin@demo.aktivitetsportalen.se": "JBSWY3DPEHPK3PXPADMINAAA",
    "handlaggare@demo.aktivitetsportalen.se": "JBSWY3DPEHPK3PXPCASEAAAA",
    "handlaggare.soder@demo.aktivitetsportalen.se": "JBSWY3DPEHPK3PXPCASEBBBB",
    "anordnare@demo.aktivitetsportalen.se": "JBSWY3DPEHPK3PXPSITEAAAA",
    "analytiker@demo.aktivitetsportalen.se": "JBSWY3DPEHPK3PXPAUDITAAA",
}

#: Socialstyrelsen's published 2019 norm (spec/norm.md), verified there.
NORM_2019 = {
    "child": {
        "0": 2130,
        "1-2": 2380,
        "3": 2120,
        "4-6": 2380,
        "7-10": 2990,
        "11-14": 3440,
        "15-18": 3880,
        "19-20": 3910,
    },
    "child_no_lunch": {"0": 2000, "1-2": 2190, "3": 1940, "4-6": 2120},
    "adult": {"single": 3090, "couple": 5570},
    "household_common": {
        "1": 990,
        "2": 1100,
        "3": 1380,
        "4": 1570,
        "5": 1810,
        "6": 2050,
        "7": 2220,
        "extra": 170,
    },
}

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


def month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def _utc(d: date, t: time) -> datetime:
    return datetime.combine(d, t, tzinfo=STOCKHOLM).astimezone(UTC)


def load(today: date | None = None, seed: int = 2026) -> bool:
    """Create the demo municipality; returns False (and does nothing) if data exists."""
    if db.session.scalar(sa.select(sa.func.count(Municipality.id))):
        return False
    today = today or local_today()
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    builder = _Builder(today, rng)
    builder.build()
    db.session.flush()
    return True


class _Builder:
    def __init__(self, today: date, rng: random.Random):
        self.today = today
        self.rng = rng
        self.this_month = date(today.year, today.month, 1)
        self.serial = 0
        years = range(today.year - 1, today.year + 2)
        self.holidays = holidays.Sweden(years=years, categories=("public", "de_facto"))

    # --- organisation ------------------------------------------------------------------------

    def build(self) -> None:
        self.municipality = Municipality(code="9999", name="Demokommun")
        db.session.add(self.municipality)
        db.session.flush()
        db.session.add(
            MunicipalitySettings(
                municipality_id=self.municipality.id,
                full_time_hours_per_week=Decimal(40),
                extra_exemptions=["activity_compensation"],
                # A few minutes late now and then is not a shortfall (compliance-rules.md §3).
                shortfall_tolerance_minutes=60,
                norm_year=self.today.year,
            )
        )
        self._norms()
        self.units = {
            name: Unit(municipality_id=self.municipality.id, name=name)
            for name in ("Enhet Norr", "Enhet Söder")
        }
        db.session.add_all(self.units.values())
        db.session.flush()
        self._sites_and_activities()
        self._staff()
        for profile in PROFILES:
            for i in range(profile.count):
                self._person(profile.kind, i)
        self._full_activity_with_waiting_list()
        self._session_running_now()
        self._report_history()
        self._notice_channels()
        self._reconcile_recent_months()

    def _notice_channels(self) -> None:
        """Demo applicants' chosen channels (verified example addresses) and plan notices."""
        from portal.notices.demo import choose_channels

        choose_channels(self.municipality.id)

    def _full_activity_with_waiting_list(self) -> None:
        """The study circle has four places: four people have them and two wait."""
        circle = self.activities[ActivityType.EDUCATION]
        people = db.session.scalars(
            sa.select(Person)
            .where(Person.municipality_id == self.municipality.id)
            .order_by(Person.id)
            .limit(6)
        ).all()
        start = add_months(self.this_month, -1)
        for i, person in enumerate(people):
            status = EnrolmentStatus.ENROLLED if i < 4 else EnrolmentStatus.WAITING
            db.session.add(
                Enrolment(person_id=person.id, activity=circle, status=status, from_date=start)
            )

    def _reconcile_recent_months(self) -> None:
        """Reconcile last month and this month up to yesterday, as the nightly run would, so
        dashboards, the shortfalls and the settings page's what-if have figures at once."""
        from portal.compliance.reconcile import reconcile

        db.session.flush()
        last_month = add_months(self.this_month, -1)
        periods = [(last_month, self.this_month - timedelta(days=1))]
        if self.today > self.this_month:
            periods.append((self.this_month, add_months(self.this_month, 1) - timedelta(days=1)))
        for start, end in periods:
            reconcile(
                start,
                end,
                municipality_id=self.municipality.id,
                through=self.today - timedelta(days=1),
            )

    def _session_running_now(self) -> None:
        """A drop-in session at Centrumhuset running at the moment of loading, whatever the
        weekday and hour, with demo people enrolled, so a newcomer can scan at once. On a
        weekend or holiday it is scanned like any other; reconciliation never counts it."""
        now = datetime.now(STOCKHOLM)
        if now.date() != self.today:
            now = datetime.combine(self.today, time(10, 0), tzinfo=STOCKHOLM)
        start = time(max(now.hour - 1, 0), 0)
        end = time(min(now.hour + 3, 23), 59)
        activity = Activity(
            public_ref=new_ref(),
            site=self.sites[0],
            name=DEMO_OPEN_ACTIVITY,
            type=ActivityType.OTHER,
            capacity=None,
            from_date=self.today,
            what_to_bring="",
            description="Ett pass som pågår när demodatan laddas, så att skanning kan provas "
            "vilken dag och tid som helst.",
            open_on_holidays=True,
        )
        activity.sessions = [
            ActivitySession(
                weekday=self.today.isoweekday(),
                start_time=start,
                end_time=end,
                valid_from=self.today,
            )
        ]
        db.session.add(activity)
        people = db.session.scalars(
            sa.select(Person)
            .join(PlanVersion, PlanVersion.person_id == Person.id)
            .where(Person.municipality_id == self.municipality.id)
            .order_by(Person.id)
            .limit(DEMO_OPEN_ENROLLED)
        ).all()
        for person in people:
            db.session.add(Enrolment(person_id=person.id, activity=activity, from_date=self.today))
        db.session.flush()

    def _norms(self) -> None:
        official = NormYear(
            year=2019,
            status=NormStatus.OFFICIAL,
            source_note="Socialstyrelsen, riksnormen 2019 (verifierad).",
        )
        official.amounts = _amounts(2019, NORM_2019, 1.0)
        db.session.add(official)
        for year, factor in ((self.today.year - 1, 1.24), (self.today.year, 1.27)):
            example = NormYear(
                year=year,
                status=NormStatus.EXAMPLE,
                source_note="Exempelbelopp för demo – inte Socialstyrelsens siffror. "
                "En administratör ska föra in och kontrollera årets riksnorm.",
            )
            example.amounts = _amounts(year, NORM_2019, factor)
            db.session.add(example)

    def _sites_and_activities(self) -> None:
        m = self.municipality.id
        sites = [
            Site(
                public_ref=new_ref(),
                municipality_id=m,
                name="Centrumhuset",
                provider="Demokommunens arbetsmarknadsförvaltning",
                address="Storgatan 12",
                postal_code="123 45",
                city="Demostad",
                latitude=59.3326,
                longitude=18.0649,
                opening_hours="Mån–fre 08.00–17.00",
                site_key=new_ref() + new_ref(),
            ),
            Site(
                public_ref=new_ref(),
                municipality_id=m,
                name="Arbetsmarknadsenheten Norr",
                provider="Demokommunens arbetsmarknadsförvaltning",
                address="Norra vägen 3",
                postal_code="123 50",
                city="Demostad",
                latitude=59.3493,
                longitude=18.0560,
                opening_hours="Mån–fre 08.30–16.30",
                site_key=new_ref() + new_ref(),
            ),
            Site(
                public_ref=new_ref(),
                municipality_id=m,
                name="Parkförvaltningens förråd",
                provider="Demokommunens parkförvaltning",
                address="Parkgatan 40",
                postal_code="123 60",
                city="Demostad",
                latitude=59.3201,
                longitude=18.0803,
                opening_hours="Mån–fre 07.00–16.00",
                site_key=new_ref() + new_ref(),
            ),
            Site(
                public_ref=new_ref(),
                municipality_id=m,
                name="Lärcentrum Söder",
                address="Skolvägen 8",
                postal_code="123 70",
                city="Demostad",
                latitude=59.3105,
                longitude=18.0712,
                opening_hours="Mån–fre 08.00–20.00",
                site_key=new_ref() + new_ref(),
            ),
        ]
        db.session.add_all(sites)
        start = add_months(self.this_month, -6)
        spec = [
            (
                0,
                "Svenska för arbetslivet",
                ActivityType.LANGUAGE,
                30,
                [(d, "09:00", "12:00") for d in range(1, 6)],
                "Anteckningsblock och penna.",
            ),
            (
                1,
                "Jobbsökarverkstan",
                ActivityType.JOB_SEARCH,
                20,
                [(d, "13:00", "16:00") for d in range(1, 5)],
                "Ditt CV om du har ett, och mobilladdare.",
            ),
            (
                2,
                "Arbetsträning i parken",
                ActivityType.WORKPLACE,
                12,
                [(5, "13:00", "16:00"), (1, "07:30", "11:30"), (3, "07:30", "11:30")],
                "Oömma kläder och skor. Arbetskläder finns på plats.",
            ),
            (
                1,
                "Motivationsgruppen",
                ActivityType.MOTIVATION,
                10,
                [(2, "09:00", "11:00"), (4, "09:00", "11:00")],
                "",
            ),
            (
                3,
                "Digital vardag – studiecirkel",
                ActivityType.EDUCATION,
                4,
                [(3, "13:00", "15:00")],
                "Egen mobil eller surfplatta om du har.",
            ),
            (3, "Språkcafé", ActivityType.OTHER, None, [(5, "09:00", "11:00")], ""),
        ]
        self.activities = {}
        for site_index, name, kind, capacity, sessions, bring in spec:
            activity = Activity(
                public_ref=new_ref(),
                site=sites[site_index],
                name=name,
                type=kind,
                capacity=capacity,
                from_date=start,
                what_to_bring=bring,
                description=_DESCRIPTIONS[kind],
            )
            activity.sessions = [
                ActivitySession(
                    weekday=wd,
                    start_time=time.fromisoformat(a),
                    end_time=time.fromisoformat(b),
                    valid_from=start,
                )
                for wd, a, b in sessions
            ]
            self.activities[kind] = activity
            db.session.add(activity)
        self.sites = sites
        db.session.flush()
        self.devices = {}
        for site in sites:
            device = Device(
                public_ref=new_ref(),
                site_id=site.id,
                name=f"Skanner {site.name}",
                enrolled_at=utcnow(),
            )
            db.session.add(device)
            self.devices[site.id] = device
        # Centrumhuset's scanner is enrolled with the published demo token.
        self.devices[sites[0].id].token_hash = hashlib.sha256(
            DEMO_DEVICE_TOKEN.encode("utf-8")
        ).hexdigest()
        db.session.flush()

    def _staff(self) -> None:
        password_hash = hash_password(DEMO_PASSWORD)
        self.staff = {}
        for email, name, role, unit_name in DEMO_STAFF:
            user = StaffUser(
                municipality_id=self.municipality.id,
                email=email,
                name=name,
                role=role,
                unit=self.units.get(unit_name) if unit_name else None,
                password_hash=password_hash,
                totp_secret=DEMO_TOTP_SECRETS[email],
                totp_confirmed_at=utcnow(),
            )
            if role == StaffRole.SITE_STAFF:
                user.sites = self.sites[:2]
            db.session.add(user)
            self.staff[role if role != StaffRole.CASEWORKER else unit_name] = user
        db.session.flush()

    # --- people ------------------------------------------------------------------------------

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

    def _attendance(
        self, person: Person, plan: PlanVersion, no_show_first_day: bool = False
    ) -> None:
        """Scans from the plan's start until yesterday: mostly on time, some late, a few missing
        check-outs and absences. ``no_show_first_day`` makes this month's first session an
        unreported absence (an unexcused shortfall)."""
        rng = self.rng
        day = plan.valid_from
        forced = False
        while day < self.today:
            if day.weekday() < 5 and day not in self.holidays:
                for item in plan.items:
                    for session in item.activity.sessions:
                        if session.weekday != day.isoweekday():
                            continue
                        if item.session_ids and session.id not in item.session_ids:
                            continue
                        roll = rng.random()
                        if no_show_first_day and not forced and day >= self.this_month:
                            forced = True
                            continue
                        self._visit(person, item.activity, session, day, roll)
            day += timedelta(days=1)

    def _visit(
        self, person: Person, activity: Activity, session: ActivitySession, day: date, roll: float
    ) -> None:
        rng = self.rng
        device = self.devices[activity.site_id]
        start = datetime.combine(day, session.start_time, tzinfo=STOCKHOLM)
        end = datetime.combine(day, session.end_time, tzinfo=STOCKHOLM)
        if roll < 0.06:  # absent; most report it
            if rng.random() < 0.75:
                decision = rng.choice(
                    [
                        AbsenceDecision.APPROVED,
                        AbsenceDecision.APPROVED,
                        AbsenceDecision.PENDING,
                        AbsenceDecision.REJECTED,
                    ]
                )
                db.session.add(
                    AbsenceReport(
                        public_ref=new_ref(),
                        person_id=person.id,
                        from_at=start.astimezone(UTC),
                        to_at=end.astimezone(UTC),
                        reason=rng.choice(
                            [
                                AbsenceReason.SICK,
                                AbsenceReason.CHILD_SICK,
                                AbsenceReason.MEDICAL,
                                AbsenceReason.JOB_INTERVIEW,
                            ]
                        ),
                        description="Anmäld via portalen.",
                        decision=decision,
                        decided_by_id=person.caseworker_id
                        if decision != AbsenceDecision.PENDING
                        else None,
                        decided_at=utcnow() if decision != AbsenceDecision.PENDING else None,
                        decision_note=""
                        if decision == AbsenceDecision.PENDING
                        else (
                            "Godtagbart skäl."
                            if decision == AbsenceDecision.APPROVED
                            else "Inte godtagbart skäl: anmäld i efterhand utan förklaring."
                        ),
                    )
                )
            return
        late = rng.randint(10, 45) if roll < 0.14 else -rng.randint(0, 8)
        checkin = start + timedelta(minutes=late, seconds=rng.randint(0, 59))
        self._event(person, activity, session, device, EventKind.IN, checkin)
        if roll < 0.18:  # forgot to check out: the session's end closes the visit
            self._event(
                person,
                activity,
                session,
                device,
                EventKind.AUTO_CLOSE,
                end,
                source=EventSource.AUTO,
                status=EventStatus.FLAGGED,
                reason="missing_checkout",
            )
            return
        early = rng.randint(15, 50) if roll > 0.96 else -rng.randint(0, 6)
        self._event(
            person,
            activity,
            session,
            device,
            EventKind.OUT,
            end - timedelta(minutes=early, seconds=rng.randint(0, 59)),
        )

    def _event(
        self,
        person,
        activity,
        session,
        device,
        kind,
        when,
        *,
        source=EventSource.STAFF_SCAN,
        status=EventStatus.ACCEPTED,
        reason=None,
    ) -> None:
        occurred = when.astimezone(UTC)
        db.session.add(
            AttendanceEvent(
                event_id=str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
                person_id=person.id,
                site_id=activity.site_id,
                activity_id=activity.id,
                session_id=session.id,
                device_id=device.id if source != EventSource.AUTO else None,
                kind=kind,
                source=source,
                occurred_at=occurred,
                received_at=occurred + timedelta(seconds=1),
                status=status,
                reason=reason,
            )
        )

    # --- report history (A8) ----------------------------------------------------------------

    def _report_history(self) -> None:
        """Give every report non-trivial figures for the current and the previous quarter.

        Voluntary then mandatory requirements, plans made within and past 48 hours of the first
        application, returns within a year, and reductions and refusals recorded through the
        casework service (which checks the month's shortfall) in both quarters.
        """
        from admin.casework.sanctions import record_sanction, send_notice

        previous = add_months(_quarter_start(self.today), -3)
        language = self.activities[ActivityType.LANGUAGE]
        jobs = self.activities[ActivityType.JOB_SEARCH]
        absent = []
        for first, woman, unit_name, offsets, voluntary, attends, hours in REPORT_PEOPLE:
            months = [
                add_months(previous, k)
                for k in offsets
                if add_months(previous, k) <= self.this_month
            ]
            birth = date(self.today.year - self.rng.randint(22, 58), self.rng.randint(1, 12), 15)
            person = Person(
                public_ref=new_ref(),
                municipality_id=self.municipality.id,
                household=Household(municipality_id=self.municipality.id),
                unit=self.units[unit_name],
                caseworker=self.staff[unit_name],
                first_name=first,
                last_name=self.rng.choice(LAST_NAMES),
                birth_date=birth,
                gender=Gender.WOMAN if woman else Gender.MAN,
                identity=PersonIdentity(personnummer=self._personnummer(birth, woman)),
            )
            db.session.add(person)
            db.session.flush()
            for i, month_start in enumerate(months):
                self._application(person, month_start, decided=True, first=i == 0, index=i)
            # The spell the plan belongs to starts with the first month after the last gap.
            spell = [m for i, m in enumerate(months) if i == 0 or add_months(months[i - 1], 1) != m]
            start = max(spell[-1], previous)
            db.session.add(
                Assessment(
                    person_id=person.id,
                    valid_from=months[0],
                    reason=AssistanceReason.UNEMPLOYMENT,
                    requirement_from=start + timedelta(days=3) if voluntary else None,
                    note="Bedömd i samtal.",
                    assessed_by_id=self.staff[unit_name].id,
                )
            )
            plan = PlanVersion(
                person_id=person.id,
                version=1,
                valid_from=start + timedelta(days=3),
                purpose="Komma närmare arbete genom språk och jobbsökande.",
                follow_up_date=start + timedelta(days=75),
                created_by_id=self.staff[unit_name].id,
                created_at=_utc(spell[-1] - timedelta(days=10), time(10, 15))
                + timedelta(hours=hours),
            )
            plan.items = [
                PlanItem(activity=language, from_date=plan.valid_from),
                PlanItem(activity=jobs, from_date=plan.valid_from),
            ]
            db.session.add(plan)
            db.session.flush()
            if attends:
                self._attendance(person, plan)
            else:
                absent.append(person)
        # Nobody came: the months show a shortfall, and the caseworker decided on them.
        decided_in_previous = add_months(previous, 2) + timedelta(days=9)
        decided_now = max(self.today - timedelta(days=1), _quarter_start(self.today))
        for person, kind, month, when in (
            (absent[0], SanctionKind.REDUCTION, add_months(previous, 1), decided_in_previous),
            (absent[1], SanctionKind.REFUSAL, add_months(previous, 1), decided_in_previous),
            (absent[0], SanctionKind.REFUSAL, add_months(self.this_month, -1), decided_now),
            (absent[1], SanctionKind.REDUCTION, add_months(self.this_month, -1), decided_now),
        ):
            db.session.flush()
            caseworker = self.staff[person.unit.name]
            amount = 1500 if kind == SanctionKind.REDUCTION else None
            # Kommunicering first: the person is told the basis and answers before the decision.
            notice = send_notice(
                caseworker,
                person,
                month_key(month),
                kind,
                amount,
                "Du har inte kommit till dina aktiviteter under månaden och inte anmält frånvaro.",
                now=_utc(when - timedelta(days=3), time(10, 0)),
            )
            notice.reply = "Jag har haft det svårt men förstår att jag behöver komma."
            notice.read_at = notice.replied_at = _utc(when - timedelta(days=2), time(18, 0))
            record_sanction(
                caseworker,
                person,
                month_key(month),
                kind,
                amount,
                "Personen har inte deltagit i planerade aktiviteter och inte hört av sig trots "
                "påminnelser; inga godtagbara skäl har framkommit i samtal.",
                "",
                now=_utc(when, time(14, 0)),
            )


def _amounts(year: int, table: dict, factor: float) -> list[NormAmount]:
    return [
        NormAmount(
            year=year, category=category, key=key, amount_sek=int(round(value * factor / 10) * 10)
        )
        for category, rows in table.items()
        for key, value in rows.items()
    ]


_DESCRIPTIONS = {
    ActivityType.LANGUAGE: "Svenska med fokus på ord och situationer i arbetslivet.",
    ActivityType.JOB_SEARCH: "Vi hjälper dig med CV, personligt brev och att söka jobb.",
    ActivityType.WORKPLACE: "Arbetsträning i kommunens parker med handledare.",
    ActivityType.MOTIVATION: "Samtal i grupp om mål, hälsa och vägen till arbete.",
    ActivityType.EDUCATION: "Lär dig e-legitimation, 1177, Arbetsförmedlingen och banken "
    "i mobilen.",
    ActivityType.OTHER: "Träffa andra och öva svenska under enkla former.",
}


def logins_text(base_url: str = "http://127.0.0.1:5000") -> str:
    """How to sign in as each demo role (printed by `make run`)."""
    lines = [
        "Demo sign-ins (development only):",
        f"  Applicants: {base_url}/auth/dev  — pick a demo person, or make a new one",
        f"  Staff: {base_url}/auth/staff  — password for all: {DEMO_PASSWORD}",
    ]
    for email, name, role, unit in DEMO_STAFF:
        where = f", {unit}" if unit else ""
        lines.append(f"    {role.value:<14} {email}  ({name}{where})")
    lines.append(
        "  Second factor: run  .venv/bin/flask --app wsgi demo totp EMAIL  for the current code,"
    )
    lines.append(
        "  or add the secret to an authenticator app: "
        + ", ".join(f"{e.split('@')[0]}={s}" for e, s in DEMO_TOTP_SECRETS.items())
    )
    lines.extend(_scanner_lines(base_url))
    return "\n".join(lines)


def running_demo_session(now: datetime | None = None) -> tuple[Activity, ActivitySession] | None:
    """The demo's drop-in session if it runs at ``now`` (Europe/Stockholm), else None."""
    now = (now or datetime.now(UTC)).astimezone(STOCKHOLM)
    row = db.session.execute(
        sa.select(Activity, ActivitySession)
        .join(ActivitySession, ActivitySession.activity_id == Activity.id)
        .where(
            Activity.name == DEMO_OPEN_ACTIVITY,
            ActivitySession.weekday == now.isoweekday(),
            ActivitySession.start_time <= now.time(),
            ActivitySession.end_time > now.time(),
            ActivitySession.valid_from <= now.date(),
        )
    ).first()
    return (row[0], row[1]) if row else None


def demo_device() -> Device | None:
    """The demo's enrolled scanner (the one whose token is DEMO_DEVICE_TOKEN), if loaded."""
    token_hash = hashlib.sha256(DEMO_DEVICE_TOKEN.encode("utf-8")).hexdigest()
    return db.session.scalar(
        sa.select(Device).where(Device.token_hash == token_hash, Device.revoked_at.is_(None))
    )


def _scanner_lines(base_url: str) -> list[str]:
    device = demo_device()
    if device is None:
        return []
    stored = {
        "token": DEMO_DEVICE_TOKEN,
        "device": {"ref": device.public_ref, "name": device.name},
        "site": {"ref": device.site.public_ref, "name": device.site.name},
    }
    lines = [
        f"  Scanner: {device.name} is enrolled with the device token {DEMO_DEVICE_TOKEN}",
        "    (API: Authorization: Bearer <token>). To use it in a browser, open "
        f"{base_url}/checkin/skanner and run in the console:",
        f"    localStorage.setItem('checkin.device', '{json.dumps(stored, ensure_ascii=False)}')"
        "; location.reload()",
        f"    Or sign in as anordnare@ and register by hand at {base_url}/checkin/",
    ]
    running = running_demo_session()
    if running is not None:
        activity, session = running
        lines.append(
            f"  Running now: {activity.name} at {device.site.name}, "
            f"{session.start_time:%H:%M}-{session.end_time:%H:%M} today, with "
            f"{DEMO_OPEN_ENROLLED} demo people enrolled (their QR code: sign in at "
            f"{base_url}/auth/dev, then Min kod)."
        )
    return lines


#: People whose months give every report figures for this quarter and the one before:
#: (first name, woman, unit, months of assistance relative to the previous quarter's first
#: month, voluntary requirement, attends, hours from application to plan).
REPORT_PEOPLE = [
    ("Amina", True, "Enhet Norr", range(0, 6), True, True, 30),
    ("Jonas", False, "Enhet Söder", range(0, 6), True, True, 70),
    ("Leila", True, "Enhet Söder", range(-2, 6), False, True, 20),
    ("Erik", False, "Enhet Norr", range(-2, 6), False, True, 52),
    ("Sofia", True, "Enhet Norr", range(-2, 6), False, False, 44),
    ("Ahmed", False, "Enhet Söder", range(-2, 6), False, False, 96),
    ("Maria", True, "Enhet Söder", (-6, -5, 1, 2, 3, 4, 5), False, True, 40),
    ("Omar", False, "Enhet Norr", (-7, -6, 1, 2, 3, 4, 5), False, True, 60),
    ("Nadia", True, "Enhet Norr", (4, 5), False, True, 26),
]


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
