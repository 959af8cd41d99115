"""``load()`` and the builder that makes the demo municipality, subject after subject in a
fixed order (so the database writes and the seeded random draws keep their order)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import holidays
import sqlalchemy as sa

from portal.demo.activities import _Activities
from portal.demo.any_day import _AnyDay
from portal.demo.attendance import _Attendance
from portal.demo.organisation import _Organisation
from portal.demo.people import PROFILES, _People
from portal.demo.report_history import _ReportHistory
from portal.extensions import db
from portal.i18n import local_today
from portal.models import Municipality, MunicipalitySettings, Unit


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


class _Builder(_Organisation, _Activities, _People, _Attendance, _AnyDay, _ReportHistory):
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
