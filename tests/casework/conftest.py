"""Fixtures of the casework tests."""

from datetime import date

import pytest

from portal.extensions import db
from portal.models import ExternalKind, ExternalOccupation, PersonStatus, StatusKind
from tests.casework import builders as b


@pytest.fixture
def refs(world):
    """References of one case of unit A with a row of every kind the case pages address."""
    person = world.person_a
    status = PersonStatus(person_id=person.id, kind=StatusKind.OTHER, from_date=date(2026, 1, 1))
    external = ExternalOccupation(
        person_id=person.id, kind=ExternalKind.WORK, hours_per_week=5, from_date=date(2026, 1, 1)
    )
    db.session.add_all([status, external])
    application = b.application(person, "2026-09")
    absence = b.absence(person, "2026-09-07 09:00", "2026-09-07 12:00")
    db.session.commit()
    return {
        "person": person.public_ref,
        "application": application.public_ref,
        "absence": absence.public_ref,
        "status": status.id,
        "external": external.id,
    }
