"""The demo municipality gives every report figures for this quarter and the one before."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from admin.reports import services
from admin.reports.periods import quarter_of
from portal import demo
from portal.models import SanctionDecision, StaffRole, StaffUser


@pytest.fixture
def loaded(app, db):
    demo.load()
    db.session.commit()


def test_every_report_has_figures_in_both_quarters(loaded, db):
    admin = db.session.scalar(sa.select(StaffUser).where(StaffUser.role == StaffRole.ADMINISTRATOR))
    today = date.today()
    current = quarter_of(today)
    previous = quarter_of(today.replace(day=1) - timedelta(days=75))
    assert db.session.scalar(sa.select(sa.func.count(SanctionDecision.id))) >= 4
    for period in (previous, current):
        with force_locale("sv"):
            built = {
                name: services.build(services.request_for(admin, name, period, None, today)).json()
                for name in services.NAMES
            }
        ivo = built["ivo-quarter"]
        for field in (
            "voluntary_with_activities",
            "mandatory_with_activities",
            "refused_for_non_participation",
            "reduced_for_non_participation",
        ):
            assert ivo[field]["total"] > 0, (period, field)
        assert ivo["mandatory_with_activities"]["women"] > 0
        assert ivo["mandatory_with_activities"]["men"] > 0
        assert built["returns"]["total"]["returns"]["total"] > 0, period
        plans = built["time-to-plan"]["total"]
        assert plans["people"] > 0 and 0 < plans["within_service_level"] < 1, period
        assert built["under-planning"]["people_affected"]["total"] > 0
        assert built["activities-by-gender"]["by_gender"]["women"]["people"] > 0
        assert built["activities-by-gender"]["by_gender"]["men"]["people"] > 0
        assert any(r["people_planned"] for r in built["capacity"]["rows"])
        assert built["ivo-overview"]["requirements"]["people_subject"]["total"] > 0
