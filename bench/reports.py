"""Benchmark: the IVO quarter and the returns report for a synthetic municipality of 41 000.

Builds a fresh database (PostgreSQL when BENCH_DATABASE_URL is set, in a dedicated database
whose name is derived from it and which is dropped afterwards; a SQLite file otherwise) with a
year of assistance months (applications and decisions, with gaps, so that people return),
assessments (some with a voluntary requirement), plans, sanctions, and a month of stored
reconciliation results (the quarter's first month, computed by the real reconciliation). Then
it measures in the same run:

(a) fetch: running the queries both reports read and fetching every row, nothing else;
(b) the IVO quarterly figures (``ivo-quarter``) for 2026-Q3, as the page builds them;
(c) the returns report (``returns``) for the same quarter.

The last line is ``reports people=41000 ivo_seconds=S returns_seconds=R fetch_seconds=F
ratio=max(S,R)/F``. Target on PostgreSQL: ratio <= 3.

Environment: BENCH_DATABASE_URL, BENCH_PEOPLE (default 41000), BENCH_KEEP=1 (keep the
database), BENCH_PROFILE=1 (cProfile of (b) on standard error).
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import sys
import uuid
from datetime import date, timedelta
from datetime import time as clock

import sqlalchemy as sa
from synthetic import BulkRows, after_load, analyse, database, migrated_app, timed, utc

QUARTER = "2026-Q3"
STORED_MONTH = (date(2026, 7, 1), date(2026, 7, 31))
#: The year of assistance months: 2025-10 .. 2026-09 (indices 0..11).
MONTHS = [f"{2025 + (9 + i) // 12:04d}-{(9 + i) % 12 + 1:02d}" for i in range(12)]
TODAY = date(2026, 12, 6)


def _personnummer(born: date, serial: int, woman: bool) -> str:
    """A unique valid personnummer for the serial-th person born that day (even: woman)."""
    from portal.personnummer import with_check_digit

    nine = born.strftime("%y%m%d") + f"{serial:02d}{2 * (serial % 5) + (0 if woman else 1)}"
    return born.strftime("%Y")[:2] + with_check_digit(nine)


class Generator(BulkRows):
    """Rows of a synthetic municipality, inserted in bulk (COPY on PostgreSQL)."""

    #: (type, slots) of the two activities every plan has, at each site.
    OFFER = [
        ("language", [(d, "09:00", "12:00") for d in range(1, 6)]),
        ("job_search", [(d, "13:00", "15:00") for d in (1, 3, 5)]),
    ]

    def organisation(self, units: int = 8, sites: int = 10) -> None:
        from portal.models import Activity, ActivitySession, Site

        self.municipality("9991", utc(date(2025, 1, 1), clock(9)), units)
        sites_rows, activities, sessions = [], [], []
        self.offers: list[list[int]] = []
        for _ in range(sites):
            site_id = self.next_id("site")
            sites_rows.append(
                {
                    "id": site_id,
                    "public_ref": uuid.uuid4().hex[:16],
                    "municipality_id": self.municipality_id,
                    "name": f"Plats {site_id}",
                    "address": "",
                    "postal_code": "",
                    "city": "",
                    "opening_hours": "",
                    "site_key": uuid.uuid4().hex,
                    "active": True,
                }
            )
            offer = []
            for kind, slots in self.OFFER:
                activity_id = self.next_id("activity")
                offer.append(activity_id)
                activities.append(
                    {
                        "id": activity_id,
                        "public_ref": uuid.uuid4().hex[:16],
                        "site_id": site_id,
                        "name": f"{kind} {activity_id}",
                        "type": kind,
                        "description": "",
                        "what_to_bring": "",
                        "capacity": 400,
                        "from_date": date(2025, 1, 1),
                        "active": True,
                    }
                )
                for weekday, start, end in slots:
                    sessions.append(
                        {
                            "id": self.next_id("activity_session"),
                            "activity_id": activity_id,
                            "weekday": weekday,
                            "start_time": clock.fromisoformat(start),
                            "end_time": clock.fromisoformat(end),
                            "valid_from": date(2025, 1, 1),
                        }
                    )
            self.offers.append(offer)
        self.insert(Site.__table__, sites_rows)
        self.insert(Activity.__table__, activities)
        self.insert(ActivitySession.__table__, sessions)

    def people(self, count: int) -> None:
        """People with a year of assistance months, assessments, plans and some sanctions."""
        from portal.models import (
            Application,
            Assessment,
            Decision,
            Household,
            Person,
            PersonIdentity,
            PlanItem,
            PlanVersion,
            SanctionDecision,
        )

        rng = self.rng
        rows: dict[str, list[dict]] = {
            name: []
            for name in (
                "household",
                "person",
                "identity",
                "application",
                "decision",
                "assessment",
                "version",
                "item",
                "sanction",
            )
        }
        created = utc(date(2025, 6, 1), clock(9))
        born_today: dict[date, int] = {}
        for _ in range(count):
            household_id = self.next_id("household")
            rows["household"].append(
                {"id": household_id, "municipality_id": self.municipality_id, "created_at": created}
            )
            person_id = self.next_id("person")
            woman = rng.random() < 0.5
            born = date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
            rows["person"].append(
                {
                    "id": person_id,
                    "public_ref": uuid.uuid4().hex[:16],
                    "municipality_id": self.municipality_id,
                    "household_id": household_id,
                    "unit_id": rng.choice(self.unit_ids),
                    "first_name": "Person",
                    "last_name": str(person_id),
                    "birth_date": born,
                    "gender": "woman" if woman else "man",
                    "language": "sv",
                    "notify_email": True,
                    "notify_sms": False,
                    "created_at": created,
                }
            )
            if rng.random() < 0.98:  # a few without a personnummer (coordination pending)
                same_day = born_today[born] = born_today.get(born, -1) + 1
                rows["identity"].append(
                    {"person_id": person_id, "personnummer": _personnummer(born, same_day, woman)}
                )
            # A year of months: a continuous spell from a random start, and for a fifth a gap
            # of 1 to 6 months, so that some come back within the year.
            start = rng.choice([0, 0, 0, 2, 4, 6, 7, 8, 9, 10])
            held = set(range(start, 12))
            if rng.random() < 0.2 and start < 6:
                gap = rng.randint(start + 1, 9)
                held -= set(range(gap, min(12, gap + rng.randint(1, 6))))
            for index in sorted(held):
                month = MONTHS[index]
                first = date(int(month[:4]), int(month[5:]), 1)
                submitted = utc(first, clock(10)) - timedelta(days=10)
                application_id = self.next_id("application")
                rows["application"].append(
                    {
                        "id": application_id,
                        "public_ref": uuid.uuid4().hex[:16],
                        "person_id": person_id,
                        "household_id": household_id,
                        "month": month,
                        "state": "decided",
                        "current_step": "review",
                        "answers": {},
                        "created_at": submitted,
                        "updated_at": submitted,
                        "submitted_at": submitted,
                    }
                )
                rows["decision"].append(
                    {
                        "id": self.next_id("decision"),
                        "application_id": application_id,
                        "person_id": person_id,
                        "month": month,
                        "outcome": "approved",
                        "amount_sek": 9000,
                        "reasons": "Beviljat.",
                        "decided_by_id": self.staff_id,
                        "decided_at": submitted,
                    }
                )
            rows["assessment"].append(
                {
                    "id": self.next_id("assessment"),
                    "person_id": person_id,
                    "valid_from": date(2025, 10, 1),
                    "participation_percent": rng.choice([100, 100, 100, 100, 50]),
                    "work_capacity_percent": 100,
                    "reason": "unemployment",
                    "requirement_from": date(2026, 7, 6) if rng.random() < 0.3 else None,
                    "note": "",
                    "assessed_at": created,
                }
            )
            if rng.random() < 0.85:
                version_id = self.next_id("plan_version")
                made = (
                    utc(date(2026, 6, 1), clock(9))
                    if start < 9
                    else utc(date(2026, 7 + start - 9, 3), clock(9))
                )
                rows["version"].append(
                    {
                        "id": version_id,
                        "person_id": person_id,
                        "version": 1,
                        "valid_from": made.date(),
                        "purpose": "Närmare arbete.",
                        "follow_up_date": date(2026, 10, 1),
                        "note": "",
                        "created_at": made,
                    }
                )
                for activity_id in rng.choice(self.offers):
                    rows["item"].append(
                        {
                            "id": self.next_id("plan_item"),
                            "plan_version_id": version_id,
                            "activity_id": activity_id,
                            "session_ids": [],
                            "from_date": made.date(),
                            "to_date": None,
                        }
                    )
            if rng.random() < 0.01:
                rows["sanction"].append(
                    {
                        "id": self.next_id("sanction_decision"),
                        "person_id": person_id,
                        "month": "2026-08",
                        "kind": rng.choice(["reduction", "refusal"]),
                        "amount_sek": None,
                        "individual_assessment": "Individuell bedömning gjord i samtal.",
                        "decided_by_id": self.staff_id,
                        "decided_at": utc(date(2026, 9, 10), clock(14)),
                    }
                )
        for table, name in (
            (Household.__table__, "household"),
            (Person.__table__, "person"),
            (PersonIdentity.__table__, "identity"),
            (Application.__table__, "application"),
            (Decision.__table__, "decision"),
            (Assessment.__table__, "assessment"),
            (PlanVersion.__table__, "version"),
            (PlanItem.__table__, "item"),
            (SanctionDecision.__table__, "sanction"),
        ):
            self.insert(table, rows[name])
        self.rows = {name: len(found) for name, found in rows.items()}


def _fetch_inputs(request) -> int:
    """Run the queries the two reports read and fetch every row; nothing is computed."""
    from admin.reports import data as d
    from portal.compliance.fetch import ASSISTED, fetch_rows
    from portal.extensions import db
    from portal.models import Decision, SanctionDecision

    scope, fetched = request.scope, 0
    fetched += len(d.people_facts(scope))
    for key, first, last in request.period.months():
        fetched += len(d._assisted(scope, key))
        stored = d._stored(scope, key, first, last, last, with_figures=False)
        fetched += len(stored)
        if not stored:  # the months without stored results: the engine's inputs
            rows = fetch_rows(scope.reconcile_scope, first, last)
            fetched += len(rows.people) + len(rows.decisions) + len(rows.versions)
    first, after = d.local_bounds(request.period.start, request.period.end)
    fetched += len(
        db.session.execute(
            sa.select(SanctionDecision.person_id, SanctionDecision.kind).where(
                SanctionDecision.decided_at >= first,
                SanctionDecision.decided_at < after,
                SanctionDecision.person_id.in_(scope.people()),
            )
        ).all()
    )
    fetched += len(
        db.session.execute(
            sa.select(Decision.person_id, Decision.month).where(
                Decision.outcome.in_(ASSISTED),
                Decision.month >= "2025-06",
                Decision.month <= "2026-09",
                Decision.person_id.in_(scope.people()),
            )
        ).all()
    )
    return fetched


def main() -> int:
    import time

    from flask_babel import force_locale

    from admin.reports import services
    from admin.reports.periods import parse_period
    from portal.compliance.reconcile import reconcile
    from portal.extensions import db
    from portal.models import Municipality

    people = int(os.environ.get("BENCH_PEOPLE", "41000"))
    keep = os.environ.get("BENCH_KEEP") == "1"
    profile = os.environ.get("BENCH_PROFILE") == "1"
    base = os.environ.get("BENCH_DATABASE_URL", "").strip()
    with (
        database(base, "reports", keep=keep) as target,
        migrated_app(target).app_context(),
        force_locale("sv"),
    ):
        generator = Generator(db.session.connection())
        started = time.perf_counter()
        generator.organisation()
        generator.people(people)
        after_load(db)
        print(
            f"built {people} people {generator.rows} in {target.where} "
            f"({time.perf_counter() - started:.1f} s)",
            file=sys.stderr,
        )
        timed(
            "stored results for 2026-07 (the real reconciliation, not measured)",
            lambda: reconcile(*STORED_MONTH, municipality_id=generator.municipality_id),
        )
        db.session.commit()
        analyse(db)
        municipality = db.session.get(Municipality, generator.municipality_id)

        def request(name: str):
            return services.Request(name, parse_period(QUARTER), municipality, None, False, TODAY)

        _fetch_inputs(request("ivo-quarter"))  # warm the database's caches
        db.session.rollback()
        fetch_seconds, rows = timed("fetch", lambda: _fetch_inputs(request("ivo-quarter")))
        db.session.rollback()
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        ivo_seconds, ivo = timed("ivo-quarter", lambda: services.build(request("ivo-quarter")))
        if profiler:
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
            print(out.getvalue(), file=sys.stderr)
        db.session.rollback()
        returns_seconds, returns = timed("returns", lambda: services.build(request("returns")))
        db.session.rollback()
        print(f"  fetched {rows} rows", file=sys.stderr)
        print(
            "  ivo: "
            + ", ".join(f"{field}={ivo.data[field]['total']}" for field in services.IVO_FIELDS),
            file=sys.stderr,
        )
        print(
            f"  returns: {returns.data['total']['returns']['total']} of "
            f"{returns.data['total']['new_spells']['total']} new spells",
            file=sys.stderr,
        )
        db.session.remove()
        db.engine.dispose()
    ratio = max(ivo_seconds, returns_seconds) / fetch_seconds
    print(
        f"reports people={people} ivo_seconds={ivo_seconds:.2f} "
        f"returns_seconds={returns_seconds:.2f} fetch_seconds={fetch_seconds:.2f} "
        f"ratio={ratio:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
