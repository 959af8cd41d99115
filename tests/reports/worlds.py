"""Helpers for the reports' hand-built worlds: people of a chosen gender, sanctions, reports."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from flask_babel import force_locale

from admin.reports import services
from admin.reports.periods import parse_period
from portal.extensions import db
from portal.models import Person, SanctionDecision, StaffUser
from portal.models.enums import SanctionKind
from portal.personnummer import with_check_digit
from tests import factories

TODAY = date(2026, 12, 6)
_serial = itertools.count(10)


def personnummer(birth: date, gender: str) -> str:
    """A valid personnummer whose second-to-last digit gives the gender (odd: man)."""
    n = next(_serial) % 100
    digit = 3 if gender == "man" else 4
    nine = birth.strftime("%y%m%d") + f"{n:02d}{digit}"
    return birth.strftime("%Y")[:2] + with_check_digit(nine)


def person(world, gender: str, *, unit=None, birth=date(1988, 3, 2), **kw) -> Person:
    """A person in unit A (or ``unit``) whose personnummer says ``gender``; ``none``: no pnr.

    Born on another day than tests/factories.py's people, so their numbers never collide.
    """
    p = factories.person(
        world.municipality,
        unit=unit or world.unit_a,
        birth_date=birth,
        personnummer=personnummer(birth, "man" if gender == "none" else gender),
        **kw,
    )
    if gender == "none":
        db.session.delete(p.identity)
        db.session.flush()
        db.session.expire(p)
    return p


def sanction(person: Person, by: StaffUser, kind: SanctionKind, at: datetime) -> SanctionDecision:
    row = SanctionDecision(
        person_id=person.id,
        month=f"{at.year:04d}-{at.month:02d}",
        kind=kind,
        amount_sek=1000 if kind == SanctionKind.REDUCTION else None,
        individual_assessment="Individuell bedömning gjord av handläggaren.",
        decided_by_id=by.id,
        decided_at=at,
    )
    db.session.add(row)
    db.session.flush()
    return row


def report(world, name: str, period: str, *, user=None, unit=None, today=TODAY):
    """The report as ``user`` (default: the administrator) would get it."""
    user = user or world.admin
    request = services.request_for(user, name, period, unit.id if unit else None, today)
    with force_locale("sv"):
        return services.build(request)


def period(text: str):
    return parse_period(text)
