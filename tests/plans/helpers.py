"""Shared set-up for plan tests: a person subject to the requirement and some activities."""

from __future__ import annotations

from datetime import date

from portal.models import ActivityType
from tests import factories
from tests.reconciliation import builders as b

#: Monday of ISO week 37, 2026: September is the person's third month with assistance.
TODAY = date(2026, 9, 7)
MORNINGS = tuple((day, "09:00", "12:00") for day in range(1, 6))
AFTERNOONS = tuple((day, "13:00", "16:00") for day in range(1, 6))
EVENINGS = tuple((day, "16:00", "18:00") for day in range(1, 6))


def subject_person(world, unit=None, months=("2026-07", "2026-08", "2026-09")):
    """A person of unit A with assistance from July (September and on are mandatory)."""
    person = factories.person(world.municipality, unit=unit or world.unit_a, first_name="Sana")
    b.assistance(person, list(months), world.caseworker)
    return person


def activities(world):
    """Swedish mornings (15 h), job search afternoons (15 h) and a 10 h evening workshop."""
    return {
        "lang": factories.activity(
            world.site_a, slots=MORNINGS, from_date=date(2026, 8, 1), name="Svenska"
        ),
        "jobs": factories.activity(
            world.site_b,
            type=ActivityType.JOB_SEARCH,
            slots=AFTERNOONS,
            from_date=date(2026, 8, 1),
            name="Jobbklubb",
        ),
        "evening": factories.activity(
            world.site_a,
            type=ActivityType.MOTIVATION,
            slots=EVENINGS,
            from_date=date(2026, 8, 1),
            name="Kvällsverkstad",
        ),
    }
