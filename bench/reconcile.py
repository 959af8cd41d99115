"""Benchmark: reconcile a month for a synthetic municipality of 8 000 people, then 16 000.

Builds a fresh database (a SQLite file by default; PostgreSQL when BENCH_DATABASE_URL is set,
in a dedicated database whose name is derived from it and which is dropped afterwards), fills it
with bulk inserts, and measures in the same run:

(a) fetch: running the reconciliation's queries and fetching every row, nothing else;
(b) the full reconciliation of the month (scenarios, engine, upsert of the results, commit);
(c) the same at 16 000 people.

The last line is ``reconcile people=8000 events=N seconds=S fetch_seconds=F ratio=S/F
scaling=S16000/S8000``. Targets on PostgreSQL: ratio <= 3, scaling <= 2.2.

The runs are configured as in production: large ones share the engine among forked worker
processes (RECONCILE_WORKERS, default one per core; RECONCILE_PARALLEL_FROM people). The same
8 000 are also reconciled in one process, reported on standard error.

Environment: BENCH_DATABASE_URL, BENCH_PEOPLE (default 8000), BENCH_PROFILE=1 (cProfile of
(b) in one process, top functions on standard error), BENCH_KEEP=1 (keep the database), and
RECONCILE_WORKERS / RECONCILE_PARALLEL_FROM.
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
from decimal import Decimal

import sqlalchemy as sa
from synthetic import BulkRows, after_load, analyse, database, migrated_app, timed, utc

MONTH = "2026-09"
MONTH_START = date(2026, 9, 1)
MONTH_END = date(2026, 9, 30)


# --------------------------------------------------------------------------------------------
# Synthetic data


def _working_days() -> list[date]:
    import holidays

    closed = holidays.Sweden(years=2026, categories=("public", "de_facto"))
    day, days = MONTH_START, []
    while day <= MONTH_END:
        if day.weekday() < 5 and day not in closed:
            days.append(day)
        day += timedelta(days=1)
    return days


class Generator(BulkRows):
    """Rows of a synthetic municipality, inserted in bulk; ids are assigned here."""

    copied = frozenset({"attendance_event"})

    #: (type, weekday, start, end) of each activity kind; two plans of 30 h a week.
    PLANS = {
        "language+jobs": [
            ("language", [(d, "09:00", "12:00") for d in range(1, 6)]),
            ("job_search", [(d, "13:00", "16:00") for d in range(1, 6)]),
        ],
        "workplace+motivation": [
            ("workplace", [(d, "08:00", "16:00") for d in (2, 3, 4)]),
            ("motivation", [(d, "09:00", "12:00") for d in (1, 5)]),
        ],
    }

    def __init__(self, conn: sa.Connection, seed: int = 2026) -> None:
        super().__init__(conn, seed)
        self.events = 0
        self.days = _working_days()

    def organisation(self, units: int = 8, sites: int = 10) -> None:
        from portal.models import Activity, ActivitySession, Site

        self.municipality("9990", utc(date(2026, 1, 1), clock(9)), units)
        site_rows, activity_rows, session_rows = [], [], []
        #: plan name -> per site: [(activity id, site id, [(session id, weekday, start, end)])]
        self.offers: dict[str, list[list[tuple[int, int, list[tuple]]]]] = {
            name: [] for name in self.PLANS
        }
        for _ in range(sites):
            site_id = self.next_id("site")
            site_rows.append(
                {
                    "id": site_id,
                    "public_ref": uuid.uuid4().hex[:16],
                    "municipality_id": self.municipality_id,
                    "name": f"Plats {site_id}",
                    "site_key": uuid.uuid4().hex,
                    "active": True,
                }
            )
            for name, parts in self.PLANS.items():
                offer = []
                for kind, slots in parts:
                    activity_id = self.next_id("activity")
                    activity_rows.append(
                        {
                            "id": activity_id,
                            "public_ref": uuid.uuid4().hex[:16],
                            "site_id": site_id,
                            "name": f"{kind} {activity_id}",
                            "type": kind,
                            "from_date": date(2026, 1, 1),
                            "active": True,
                        }
                    )
                    sessions = []
                    for weekday, start, end in slots:
                        session_id = self.next_id("activity_session")
                        session_rows.append(
                            {
                                "id": session_id,
                                "activity_id": activity_id,
                                "weekday": weekday,
                                "start_time": clock.fromisoformat(start),
                                "end_time": clock.fromisoformat(end),
                                "valid_from": date(2026, 1, 1),
                            }
                        )
                        sessions.append(
                            (
                                session_id,
                                weekday,
                                clock.fromisoformat(start),
                                clock.fromisoformat(end),
                            )
                        )
                    offer.append((activity_id, site_id, sessions))
                self.offers[name].append(offer)
        self.insert(Site.__table__, site_rows)
        self.insert(Activity.__table__, activity_rows)
        self.insert(ActivitySession.__table__, session_rows)

    def people(self, count: int) -> None:
        """``count`` people with decisions, assessments, plans and a month of scans."""
        from portal.models import (
            AbsenceReport,
            Application,
            Assessment,
            AttendanceEvent,
            Decision,
            DeclinedOffer,
            ExternalOccupation,
            Household,
            HouseholdMember,
            Person,
            PersonStatus,
            PlanItem,
            PlanVersion,
        )

        rng = self.rng
        rows: dict[str, list[dict]] = {
            name: []
            for name in (
                "household",
                "member",
                "person",
                "application",
                "decision",
                "assessment",
                "status",
                "external",
                "version",
                "item",
                "absence",
                "declined",
            )
        }
        events: list[dict] = []
        created = utc(date(2026, 6, 1), clock(9))
        for _ in range(count):
            household_id = self.next_id("household")
            rows["household"].append(
                {"id": household_id, "municipality_id": self.municipality_id, "created_at": created}
            )
            person_id = self.next_id("person")
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
                    "gender": rng.choice(["woman", "man"]),
                    "language": "sv",
                    "notify_email": True,
                    "notify_sms": False,
                    "created_at": created,
                }
            )
            if rng.random() < 0.35:
                for _ in range(rng.randint(1, 3)):
                    rows["member"].append(
                        {
                            "id": self.next_id("household_member"),
                            "household_id": household_id,
                            "role": "child",
                            "first_name": "Barn",
                            "birth_date": date(rng.randint(2008, 2026), rng.randint(1, 8), 1),
                            "at_school": False,
                            "lunch_at_preschool": False,
                        }
                    )
            roll = rng.random()
            months = ["2026-07", "2026-08", "2026-09"] if roll < 0.85 else ["2026-09"]
            if roll > 0.97:
                months = ["2026-05"]  # had assistance earlier in the year: not subject now
            for month in months:
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
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                rows["decision"].append(
                    {
                        "id": self.next_id("decision"),
                        "application_id": application_id,
                        "person_id": person_id,
                        "month": month,
                        "outcome": "approved" if rng.random() < 0.97 else "partly_approved",
                        "amount_sek": 9000,
                        "reasons": "Beviljat.",
                        "decided_by_id": self.staff_id,
                        "decided_at": utc(date.fromisoformat(month + "-01"), clock(10)),
                    }
                )
            participation = rng.choice([100] * 8 + [75, 50])
            rows["assessment"].append(
                {
                    "id": self.next_id("assessment"),
                    "person_id": person_id,
                    "valid_from": date(2026, 6, 15),
                    "participation_percent": participation,
                    "work_capacity_percent": participation,
                    "reason": "unemployment",
                    "requirement_from": date(2026, 9, 1) if len(months) == 1 else None,
                    "note": "",
                    "assessed_at": created,
                }
            )
            if rng.random() < 0.04:
                rows["status"].append(
                    {
                        "id": self.next_id("person_status"),
                        "person_id": person_id,
                        "kind": rng.choice(
                            ["parental_leave", "sick_leave", "activity_compensation"]
                        ),
                        "from_date": date(2026, 9, rng.randint(1, 20)),
                        "to_date": None,
                        "note": "",
                        "recorded_at": created,
                    }
                )
            if rng.random() < 0.15:
                rows["external"].append(
                    {
                        "id": self.next_id("external_occupation"),
                        "person_id": person_id,
                        "kind": rng.choice(["work", "studies", "af_programme"]),
                        "hours_per_week": Decimal(rng.choice([5, 10, 12.5, 20])),
                        "from_date": date(2026, 8, 1),
                        "to_date": None,
                        "description": "",
                        "source": "manual",
                        "recorded_at": created,
                    }
                )
            plan_name = rng.choice(list(self.PLANS))
            offer = rng.choice(self.offers[plan_name])
            version_id = self.next_id("plan_version")
            rows["version"].append(
                {
                    "id": version_id,
                    "person_id": person_id,
                    "version": 1,
                    "valid_from": date(2026, 7, 1),
                    "purpose": "Närmare arbete.",
                    "follow_up_date": date(2026, 10, 1),
                    "note": "",
                    "created_at": created,
                }
            )
            plan = [(activity_id, site_id, sessions) for activity_id, site_id, sessions in offer]
            for activity_id, _, _ in plan:
                rows["item"].append(
                    {
                        "id": self.next_id("plan_item"),
                        "plan_version_id": version_id,
                        "activity_id": activity_id,
                        "session_ids": [],
                        "from_date": date(2026, 7, 1),
                        "to_date": None,
                    }
                )
            change = None
            if rng.random() < 0.1:  # a new plan version in the middle of the month
                change = date(2026, 9, 16)
                new_version = self.next_id("plan_version")
                rows["version"].append(
                    {
                        "id": new_version,
                        "person_id": person_id,
                        "version": 2,
                        "valid_from": change,
                        "purpose": "Mer praktik.",
                        "follow_up_date": date(2026, 11, 1),
                        "note": "",
                        "created_at": utc(date(2026, 9, 14), clock(11)),
                    }
                )
                first_activity, _, first_sessions = plan[0]
                kept = [s[0] for s in first_sessions if s[1] in (1, 3, 5)]
                rows["item"].append(
                    {
                        "id": self.next_id("plan_item"),
                        "plan_version_id": new_version,
                        "activity_id": first_activity,
                        "session_ids": kept,
                        "from_date": change,
                        "to_date": None,
                    }
                )
                plan = [(first_activity, plan[0][1], [s for s in first_sessions if s[0] in kept])]
            if rng.random() < 0.02:
                rows["declined"].append(
                    {
                        "id": self.next_id("declined_offer"),
                        "person_id": person_id,
                        "activity_id": offer[-1][0],
                        "date": date(2026, 9, rng.randint(1, 30)),
                        "acceptable_reason": rng.random() < 0.5,
                        "note": "",
                        "recorded_at": created,
                    }
                )
            self._scans(person_id, offer, plan, change, events, rows["absence"])
        self.insert(Household.__table__, rows["household"])
        self.insert(Person.__table__, rows["person"])
        self.insert(HouseholdMember.__table__, rows["member"])
        self.insert(Application.__table__, rows["application"])
        self.insert(Decision.__table__, rows["decision"])
        self.insert(Assessment.__table__, rows["assessment"])
        self.insert(PersonStatus.__table__, rows["status"])
        self.insert(ExternalOccupation.__table__, rows["external"])
        self.insert(PlanVersion.__table__, rows["version"])
        self.insert(PlanItem.__table__, rows["item"])
        self.insert(AbsenceReport.__table__, rows["absence"])
        self.insert(DeclinedOffer.__table__, rows["declined"])
        self.insert(AttendanceEvent.__table__, events)
        self.events += len(events)

    def _scans(self, person_id, offer, plan_after, change, events, absences) -> None:
        """A month of scans with the usual noise: late, early, missing check-outs, absences."""
        rng = self.rng
        for day in self.days:
            plan = offer if change is None or day < change else plan_after
            for activity_id, site_id, sessions in plan:
                for session_id, weekday, start, end in sessions:
                    if weekday != day.isoweekday():
                        continue
                    begins, ends = utc(day, start), utc(day, end)
                    roll = rng.random()
                    if roll < 0.05:  # away; most report it
                        if rng.random() < 0.75:
                            absences.append(
                                {
                                    "id": self.next_id("absence_report"),
                                    "public_ref": uuid.uuid4().hex[:16],
                                    "person_id": person_id,
                                    "from_at": begins,
                                    "to_at": ends,
                                    "reason": rng.choice(["sick", "child_sick", "medical"]),
                                    "description": "",
                                    "decision": rng.choice(
                                        ["approved", "approved", "pending", "rejected"]
                                    ),
                                    "decision_note": "",
                                    "created_at": begins,
                                }
                            )
                        continue
                    late = rng.randint(5, 45) if roll < 0.15 else -rng.randint(0, 10)
                    came = begins + timedelta(minutes=late, seconds=rng.randint(0, 59))
                    scan = self._event(person_id, activity_id, site_id, session_id, "in", came)
                    events.append(scan)
                    if rng.random() < 0.01:  # double scan at the door
                        events.append(
                            self._event(
                                person_id,
                                activity_id,
                                site_id,
                                session_id,
                                "in",
                                came + timedelta(seconds=20),
                            )
                        )
                    if rng.random() < 0.005:  # corrected by staff
                        events.append(
                            self._event(
                                person_id, activity_id, site_id, session_id, "correction",
                                begins, supersedes=scan["id"], source="manual",
                            )
                        )  # fmt: skip
                    if rng.random() < 0.005:  # a rejected scan (revoked card)
                        rejected = self._event(
                            person_id, activity_id, site_id, session_id, "in", came
                        )
                        rejected.update(status="rejected", reason="revoked_card")
                        events.append(rejected)
                    if roll > 0.92:  # forgot to check out: closed at the session's end
                        closing = self._event(
                            person_id, activity_id, site_id, session_id, "auto_close", ends
                        )
                        closing.update(source="auto", status="flagged", reason="missing_checkout")
                        events.append(closing)
                        continue
                    early = rng.randint(10, 60) if roll > 0.88 else -rng.randint(0, 8)
                    left = ends - timedelta(minutes=early, seconds=rng.randint(0, 59))
                    out = self._event(person_id, activity_id, site_id, session_id, "out", left)
                    events.append(out)
                    if rng.random() < 0.002:  # a check-out by mistake, annulled
                        events.append(
                            self._event(
                                person_id, activity_id, site_id, session_id, "annul",
                                left + timedelta(hours=2), supersedes=out["id"], source="manual",
                            )
                        )  # fmt: skip

    def _event(
        self,
        person_id,
        activity_id,
        site_id,
        session_id,
        kind,
        at,
        supersedes=None,
        source="staff_scan",
    ) -> dict:
        return {
            "id": self.next_id("attendance_event"),
            "event_id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)),
            "person_id": person_id,
            "site_id": site_id,
            "activity_id": activity_id,
            "session_id": session_id,
            "kind": kind,
            "source": source,
            "occurred_at": at,
            "received_at": at + timedelta(seconds=1),
            "offline": False,
            "status": "accepted",
            "reason": None,
            "supersedes_id": supersedes,
            "note": "",
        }


# --------------------------------------------------------------------------------------------
# Measuring


def _measure(
    db, municipality_id: int, profile: bool, *, one_process: bool = False
) -> tuple[float, float, int, int]:
    """(reconcile seconds, fetch seconds, people, events) for the month.

    The run is configured as in production (RECONCILE_WORKERS, RECONCILE_PARALLEL_FROM), or
    forced into this one process (one_process, and always when profiling).
    """
    from flask import current_app

    from portal.compliance.fetch import Scope, fetch_rows
    from portal.compliance.reconcile import reconcile
    from portal.models import ComplianceResult

    scope = Scope(municipality_id)
    db.session.execute(sa.delete(ComplianceResult))  # every run starts from no stored results
    db.session.commit()
    fetch_rows(scope, MONTH_START, MONTH_END)  # warm the database's caches
    db.session.rollback()
    fetch_seconds, rows = timed("fetch", lambda: fetch_rows(scope, MONTH_START, MONTH_END))
    del rows
    db.session.rollback()
    config = current_app.config
    configured = config["RECONCILE_PARALLEL_FROM"]
    if one_process or profile:
        config["RECONCILE_PARALLEL_FROM"] = sys.maxsize
    profiler = cProfile.Profile() if profile else None

    def run():
        if profiler:
            profiler.enable()
        summary = reconcile(MONTH_START, MONTH_END, municipality_id=municipality_id)
        db.session.commit()
        if profiler:
            profiler.disable()
        return summary

    try:
        seconds, summary = timed("reconcile", run)
    finally:
        config["RECONCILE_PARALLEL_FROM"] = configured
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue(), file=sys.stderr)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        print(out.getvalue(), file=sys.stderr)
    return seconds, fetch_seconds, summary.people, summary.events


def _workers(people: int) -> str:
    """How the run was shared out, as the reconciliation decides it."""
    from portal.compliance.reconcile import _worker_count

    count = _worker_count(people)
    return "one process" if count == 1 else f"{count} worker processes"


def main() -> int:
    import time

    from portal.extensions import db

    people = int(os.environ.get("BENCH_PEOPLE", "8000"))
    profile = os.environ.get("BENCH_PROFILE") == "1"
    keep = os.environ.get("BENCH_KEEP") == "1"
    base = os.environ.get("BENCH_DATABASE_URL", "").strip()
    with database(base, "reconcile", keep=keep) as target, migrated_app(target).app_context():
        generator = Generator(db.session.connection())
        started = time.perf_counter()
        generator.organisation()
        generator.people(people)
        after_load(db)
        print(
            f"built {people} people, {generator.events} events in {target.where} "
            f"({time.perf_counter() - started:.1f} s)",
            file=sys.stderr,
        )
        seconds, fetch_seconds, counted, events = _measure(db, generator.municipality_id, profile)
        print(
            f"  {counted} people: fetch {fetch_seconds:.2f} s, reconcile {seconds:.2f} s"
            f" ({_workers(counted)})",
            file=sys.stderr,
        )
        alone, alone_fetch, _, _ = _measure(db, generator.municipality_id, False, one_process=True)
        print(
            f"  {counted} people in one process: fetch {alone_fetch:.2f} s, reconcile"
            f" {alone:.2f} s (ratio {alone / alone_fetch:.2f})",
            file=sys.stderr,
        )

        generator.conn = db.session.connection()
        generator.people(people)
        db.session.commit()
        analyse(db)
        double, double_fetch, double_people, double_events = _measure(
            db, generator.municipality_id, False
        )
        print(
            f"  {double_people} people ({double_events} events): fetch {double_fetch:.2f} s,"
            f" reconcile {double:.2f} s",
            file=sys.stderr,
        )
        db.session.remove()
        db.engine.dispose()
    print(
        f"reconcile people={counted} events={events} seconds={seconds:.2f} "
        f"fetch_seconds={fetch_seconds:.2f} ratio={seconds / fetch_seconds:.2f} "
        f"scaling={double / seconds:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
