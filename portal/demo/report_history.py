"""The demo's report history (A8): people whose months give every report figures for the
current and the previous quarter."""

from __future__ import annotations

from datetime import date, time, timedelta

from portal.demo.common import _utc, add_months, month_key
from portal.demo.people import LAST_NAMES
from portal.extensions import db
from portal.models import (
    ActivityType,
    Assessment,
    AssistanceReason,
    Gender,
    Household,
    Person,
    PersonIdentity,
    PlanItem,
    PlanVersion,
    SanctionKind,
)
from portal.refs import new_ref


class _ReportHistory:
    """Report history for two quarters (part of the builder)."""

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
