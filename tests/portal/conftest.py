"""Fixtures for the applicant portal's tests."""

from datetime import UTC, datetime

import pytest

from tests.portal import factories as pf

#: Tuesday 10 March 2026, 11:00 in Stockholm: a working day in a month with a plan.
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture
def now(time_machine):
    """Freeze the clock (ticking) at NOW before anyone signs in."""
    time_machine.move_to(NOW, tick=True)
    return NOW


@pytest.fixture
def norm2019(world):
    """The 2019 norm table, set as the municipality's estimate year."""
    table = pf.norm_year(2019)
    world.municipality.settings.norm_year = 2019
    from portal.extensions import db

    db.session.commit()
    return table


@pytest.fixture
def alma(now, world, login):
    """person_a, signed in (at NOW)."""
    login(world.person_a)
    return world.person_a
