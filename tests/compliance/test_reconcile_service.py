"""Reconciliation from the database: the scenario built from rows, figures checked by hand,
idempotent storing, scope, and a fixed number of queries whatever the number of people."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from portal.compliance import reconcile as rec
from portal.compliance.day_detail import SLOT_FIELDS, expand_day
from portal.compliance.fetch import Scope, fetch_rows
from portal.compliance.inputs import Inputs
from portal.compliance.periods import month_bounds, period_bounds, week_bounds
from portal.errors import DomainError
from portal.models import ActivityType, ComplianceResult, MunicipalitySettings
from portal.models.enums import (
    AbsenceDecision,
    EventKind,
    EventSource,
    EventStatus,
    ExternalKind,
    StatusKind,
)
from tests import factories
from tests.reconciliation import builders as b
from tests.statements import counted

SEPTEMBER = (date(2026, 9, 1), date(2026, 9, 30))
WEEK_37 = (date(2026, 9, 7), date(2026, 9, 13))
MON_TO_FRI_MORNINGS = tuple((day, "09:00", "12:00") for day in range(1, 6))


def language_course(world, **kw):
    """Swedish for job seekers, Monday to Friday 09:00-12:00 from August 2026."""
    return factories.activity(
        world.site_a, slots=MON_TO_FRI_MORNINGS, from_date=date(2026, 8, 1), **kw
    )


def subject_person(world, *, unit=None, months=("2026-07", "2026-08", "2026-09")):
    """A person with assistance from July, so September is mandatory."""
    person = factories.person(world.municipality, unit=unit or world.unit_a)
    b.assistance(person, list(months), world.caseworker)
    return person


def stored(db, person, period=WEEK_37) -> ComplianceResult:
    return db.session.scalars(
        sa.select(ComplianceResult).where(
            ComplianceResult.person_id == person.id,
            ComplianceResult.period_from == period[0],
            ComplianceResult.period_to == period[1],
        )
    ).one()


def run(world, period=WEEK_37, **kw):
    return rec.reconcile(*period, municipality_id=world.municipality.id, **kw)


# --- periods --------------------------------------------------------------------------------


def test_month_and_week_bounds():
    assert month_bounds("2026-09") == SEPTEMBER
    assert month_bounds("2028-02") == (date(2028, 2, 1), date(2028, 2, 29))
    assert month_bounds("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))
    assert week_bounds("2026-W37") == WEEK_37
    assert week_bounds("2026-W53") == (date(2026, 12, 28), date(2027, 1, 3))
    assert period_bounds("2026-W37") == WEEK_37
    assert period_bounds("2026-09") == SEPTEMBER


@pytest.mark.parametrize("bad", ["2026-13", "2026-9", "26-09", "", "2026-09-01", "0999-01"])
def test_month_bounds_refuse_bad_input(bad):
    with pytest.raises(DomainError) as caught:
        month_bounds(bad)
    assert caught.value.code == "invalid_month"


@pytest.mark.parametrize("bad", ["2026-W00", "2025-W53", "2026-W7", "2026W37"])
def test_week_bounds_refuse_bad_input(bad):
    with pytest.raises(DomainError):
        period_bounds(bad)


def test_a_period_in_progress_counts_up_to_through_and_a_future_one_is_refused(world, db):
    person = subject_person(world)
    summary = run(world, SEPTEMBER, through=date(2026, 9, 10))
    assert summary.evaluated_to == date(2026, 9, 10)
    result = stored(db, person, SEPTEMBER)
    assert result.evaluated_to == date(2026, 9, 10)
    assert [week["week"] for week in result.figures["weeks"]] == ["2026-W36", "2026-W37"]
    assert len(result.days) == 10
    with pytest.raises(DomainError) as caught:
        run(world, SEPTEMBER, through=date(2026, 8, 31))
    assert caught.value.code == "period_not_started"


# --- the scenario built from the database ----------------------------------------------------


def test_the_scenario_is_the_contract_built_from_every_source(world, db):
    settings = db.session.get(MunicipalitySettings, world.municipality.id)
    settings.extra_exemptions = ["activity_compensation"]
    settings.full_time_hours_per_week = 37.5
    lang = language_course(world)
    jobs = factories.activity(
        world.site_b, type=ActivityType.JOB_SEARCH, slots=((2, "13:00", "16:00"),)
    )
    person = factories.person(world.municipality, unit=world.unit_a, birth_date=date(1988, 2, 3))
    b.assistance(person, ["2026-05", "2026-07", "2026-08", "2026-09"], world.caseworker)
    b.assistance(person, ["2026-06"], world.caseworker, outcome="refused")
    b.assessment(person, date(2026, 1, 1), participation=100)
    b.assessment(person, date(2026, 8, 1), participation=75, requirement_from=date(2026, 8, 3))
    b.assessment(person, date(2026, 10, 1), participation=50)  # after the period: not yet valid
    b.status(person, StatusKind.PARENTAL_LEAVE, date(2026, 9, 10))
    b.status(person, StatusKind.SICK_LEAVE, date(2026, 1, 1), date(2026, 2, 1))  # long over
    b.child(person, date(2026, 3, 15))
    b.external(person, ExternalKind.WORK, "12.50", date(2026, 6, 1))
    b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
    b.visit(person, lang, "2026-09-07", "08:55", "12:02")
    b.event(person, lang, EventKind.IN, "2026-09-08T09:05")  # never checked out
    b.event(person, lang, EventKind.IN, "2026-09-09T09:00", status=EventStatus.REJECTED)
    b.visit(person, jobs, "2026-09-08", "13:00", "16:00")  # not in the plan
    b.absence(person, "2026-09-10T00:00", "2026-09-11T00:00", AbsenceDecision.APPROVED)
    b.declined(person, jobs, date(2026, 9, 9))
    b.declined(person, None, date(2026, 9, 11), acceptable=True)
    b.declined(person, jobs, date(2026, 9, 20))  # outside the period
    db.session.commit()

    scenario = rec.scenario_for_person(person, *WEEK_37)

    activities = {activity.pop("id"): activity for activity in scenario.pop("activities")}
    unplanned = {"from": "2026-09-07", "to": "2026-09-13", "slots": []}
    assert activities == {
        f"{jobs.public_ref}~0": {"type": "job_search", **unplanned},
        f"{lang.public_ref}~1": {
            "type": "language",
            "from": "2026-09-07",
            "to": "2026-09-13",
            "slots": [{"weekday": day, "start": "09:00", "end": "12:00"} for day in range(1, 6)],
        },
        "unspecified~0": {"type": "other", **unplanned},
    }
    assert scenario == {
        "period": {"from": "2026-09-07", "to": "2026-09-13"},
        "rules": {
            "full_time_hours_per_week": 37.5,
            "mandatory_after_months": 2,
            "pension_age": 67,
            "missing_checkout": "count_to_slot_end",
            "extra_exemptions": ["activity_compensation"],
            "exempt_if_af_activity": False,
            "shortfall_tolerance_minutes": 0,
        },
        "person": {
            "birth_date": "1988-02-03",
            "participation_percent": 75,
            "statuses": [{"kind": "parental_leave", "from": "2026-09-10", "to": None}],
            "children_birth_dates": ["2026-03-15"],
        },
        "assistance_months": ["2026-07", "2026-08", "2026-09"],
        "requirement_from": "2026-08-03",
        "external": [{"kind": "work", "hours_per_week": 12.5, "from": "2026-06-01", "to": None}],
        "attendance": [
            {
                "activity": f"{lang.public_ref}~1",
                "in": "2026-09-07T06:55:00+00:00",
                "out": "2026-09-07T10:02:00+00:00",
            },
            {"activity": f"{lang.public_ref}~1", "in": "2026-09-08T07:05:00+00:00", "out": None},
            {
                "activity": f"{jobs.public_ref}~0",
                "in": "2026-09-08T11:00:00+00:00",
                "out": "2026-09-08T14:00:00+00:00",
            },
        ],
        "absences": [
            {
                "from": "2026-09-09T22:00:00+00:00",
                "to": "2026-09-10T22:00:00+00:00",
                "reason": "sick",
                "decision": "approved",
            }
        ],
        "declined": [
            {"date": "2026-09-09", "activity": f"{jobs.public_ref}~0", "acceptable_reason": False},
            {"date": "2026-09-11", "activity": "unspecified~0", "acceptable_reason": True},
        ],
    }
    # Through the contract's own parser and the engine: the offer declined on a subject day.
    result = rec.evaluate_person(person, *WEEK_37)
    assert result.status == "shortfall"
    assert "declined_offer" in result.flags
    assert db.session.query(ComplianceResult).count() == 0  # evaluate_person stores nothing


# --- figures by hand -------------------------------------------------------------------------


def test_a_week_of_scans_with_late_correction_annulment_auto_close_and_absences(world, db):
    lang = language_course(world)
    person = subject_person(world)
    b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
    # Monday: on time (a double scan at the door counts once).
    b.visit(person, lang, "2026-09-07", "08:55", "12:02")
    b.event(person, lang, EventKind.IN, "2026-09-07T08:56")
    # Tuesday: 20 minutes late.
    b.visit(person, lang, "2026-09-08", "09:20", "12:00")
    # Wednesday: scanned late at 09:40, staff correct it to 09:00 (the scanner was down).
    wrong, _ = b.visit(person, lang, "2026-09-09", "09:40", "12:00")
    b.event(
        person,
        lang,
        EventKind.CORRECTION,
        "2026-09-09T09:00",
        supersedes=wrong,
        source=EventSource.MANUAL,
        note="Skannern var trasig",
        received="2026-09-09T13:00",
    )
    # Thursday: never checked out; closed automatically at the session's end.
    b.event(person, lang, EventKind.IN, "2026-09-10T09:00")
    b.event(
        person,
        lang,
        EventKind.AUTO_CLOSE,
        "2026-09-10T12:00",
        source=EventSource.AUTO,
        status=EventStatus.FLAGGED,
        reason="missing_checkout",
    )
    # Friday: a scan by mistake, annulled weeks later; 1 h approved, 1 h pending, 1 h nothing.
    mistake, _ = b.visit(person, lang, "2026-09-11", "09:00", "12:00")
    b.event(
        person,
        lang,
        EventKind.ANNUL,
        "2026-10-05T10:00",
        supersedes=mistake,
        source=EventSource.MANUAL,
        note="Fel person skannades",
    )
    b.absence(person, "2026-09-11T09:00", "2026-09-11T10:00", AbsenceDecision.APPROVED)
    b.absence(person, "2026-09-11T10:00", "2026-09-11T11:00", AbsenceDecision.PENDING)
    b.absence(person, "2026-09-11T11:00", "2026-09-11T12:00", AbsenceDecision.REJECTED)
    db.session.commit()

    summary = run(world)
    db.session.commit()

    result = stored(db, person)
    figures = result.figures
    # Scheduled 5 x 180 = 900 min. Attended 180 + 160 + 180 + 180 (to the slot's end) + 0.
    assert figures["scheduled_hours"] == 15.0
    assert figures["attended_hours"] == 11.67  # 700 min
    assert figures["excused_hours"] == 1.0
    assert figures["pending_hours"] == 1.0
    assert figures["unexcused_hours"] == 1.33  # 20 + 60 min
    assert result.unexcused_minutes == 80
    # Target 40 h at 100 %, nothing external: 40 h required, 15 h planned.
    assert (figures["target_hours"], figures["required_plan_hours"]) == (40.0, 40.0)
    assert figures["plan_gap_hours"] == 25.0
    assert result.status == "shortfall"
    assert result.flags == ["missing_checkout", "under_planned"]
    assert summary.by_status == {"not_subject": 2, "shortfall": 1}  # the world's two people too
    assert summary.by_flag == {"missing_checkout": 1, "under_planned": 1}
    assert summary.people == 3
    assert summary.events == 13  # the annulment was made in October, after the period
    thursday = expand_day(result.days[3])
    assert thursday["date"] == date(2026, 9, 10)
    assert thursday["missing_checkout"] and thursday["attended"] == 180
    friday = expand_day(result.days[4])
    assert (friday["excused"], friday["pending"], friday["unexcused"]) == (60, 60, 60)
    assert friday["slots"][0]["activity"] == f"{lang.public_ref}~1"
    sunday = expand_day(result.days[6])
    assert not sunday["working_day"] and sunday["scheduled"] == 0


def test_a_plan_version_and_a_session_change_mid_month(world, db):
    lang = language_course(world)
    friday = next(s for s in lang.sessions if s.weekday == 5)
    friday.valid_to = date(2026, 9, 13)
    late_friday = b.session(lang, 5, "10:00", "13:00", date(2026, 9, 14))
    jobs = factories.activity(
        world.site_a,
        type=ActivityType.JOB_SEARCH,
        slots=((2, "13:00", "16:00"), (4, "13:00", "16:00"), (5, "13:00", "16:00")),
        from_date=date(2026, 8, 1),
    )
    person = subject_person(world)
    b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
    monday, wednesday = (next(s for s in lang.sessions if s.weekday == day).id for day in (1, 3))
    tue_thu = [s.id for s in jobs.sessions if s.weekday in (2, 4)]
    # From Wednesday 16 September: language on Monday and Wednesday only, job search Tue/Thu.
    b.plan(
        person,
        date(2026, 9, 16),
        [
            (lang, [monday, wednesday], date(2026, 9, 16), None),
            (jobs, tue_thu, date(2026, 9, 16), None),
        ],
    )
    b.visit(person, lang, "2026-09-15", "09:00", "12:00")
    b.visit(person, lang, "2026-09-16", "09:00", "12:00")
    b.visit(person, lang, "2026-09-22", "09:00", "12:00")  # no language on Tuesdays any more
    b.visit(person, jobs, "2026-09-22", "13:00", "16:00")
    db.session.commit()

    scenario = rec.scenario_for_person(person, *SEPTEMBER)
    runs = {
        activity["id"]: (activity["from"], activity["to"], activity["slots"])
        for activity in scenario["activities"]
    }
    morning = {"start": "09:00", "end": "12:00"}
    assert runs == {
        f"{lang.public_ref}~1": (
            "2026-09-01",
            "2026-09-13",
            [{"weekday": day, **morning} for day in range(1, 6)],
        ),
        f"{lang.public_ref}~2": (
            "2026-09-14",
            "2026-09-15",
            [{"weekday": day, **morning} for day in range(1, 5)]
            + [{"weekday": 5, "start": "10:00", "end": "13:00"}],
        ),
        f"{lang.public_ref}~3": (
            "2026-09-16",
            "2026-09-30",
            [{"weekday": 1, **morning}, {"weekday": 3, **morning}],
        ),
        f"{jobs.public_ref}~1": (
            "2026-09-16",
            "2026-09-30",
            [
                {"weekday": 2, "start": "13:00", "end": "16:00"},
                {"weekday": 4, "start": "13:00", "end": "16:00"},
            ],
        ),
    }
    assert late_friday.id not in tue_thu
    assert [visit["activity"] for visit in scenario["attendance"]] == [
        f"{lang.public_ref}~2",
        f"{lang.public_ref}~3",
        f"{lang.public_ref}~3",
        f"{jobs.public_ref}~1",
    ]
    run(world, SEPTEMBER)
    figures = stored(db, person, SEPTEMBER).figures
    # 1-15 Sep: 11 working days x 3 h. 16-30 Sep: language on 5 Mon/Wed, job search on 4 Tue/Thu.
    assert figures["scheduled_hours"] == 33.0 + 15.0 + 12.0
    # The Tuesday language visit has no slot: only 15, 16 and the 22nd's job search count.
    assert figures["attended_hours"] == 9.0
    assert [week["scheduled_hours"] for week in figures["weeks"]] == [12.0, 15.0, 12.0, 12.0, 9.0]


def test_a_week_across_the_end_of_summer_time(world, db):
    lang = language_course(world)
    person = subject_person(world, months=("2026-08", "2026-09", "2026-10", "2026-11"))
    b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
    # Clocks go back on Sunday 25 October 2026: 09:00 is 07:00 UTC before and 08:00 after.
    for day in ("2026-10-19", "2026-10-20", "2026-10-21", "2026-10-22", "2026-10-23"):
        b.visit(person, lang, day, "09:00", "12:00")
    for day in ("2026-10-27", "2026-10-28", "2026-10-29", "2026-10-30"):
        b.visit(person, lang, day, "09:00", "12:00")
    # Monday after the change: away, excused from Sunday (a 25-hour day) to Monday noon.
    b.absence(person, "2026-10-25T00:00", "2026-10-26T12:00", AbsenceDecision.APPROVED)
    db.session.commit()

    scenario = rec.scenario_for_person(person, date(2026, 10, 19), date(2026, 11, 1))
    assert scenario["attendance"][0]["in"] == "2026-10-19T07:00:00+00:00"
    assert scenario["attendance"][-1]["in"] == "2026-10-30T08:00:00+00:00"
    assert scenario["absences"][0]["from"] == "2026-10-24T22:00:00+00:00"
    assert scenario["absences"][0]["to"] == "2026-10-26T11:00:00+00:00"

    run(world, (date(2026, 10, 19), date(2026, 11, 1)))
    figures = stored(db, person, (date(2026, 10, 19), date(2026, 11, 1))).figures
    weeks = {week["week"]: week for week in figures["weeks"]}
    assert weeks["2026-W43"]["attended_hours"] == 15.0
    assert weeks["2026-W43"]["unexcused_hours"] == 0.0
    assert weeks["2026-W44"]["attended_hours"] == 12.0
    assert weeks["2026-W44"]["excused_hours"] == 3.0
    assert weeks["2026-W44"]["unexcused_hours"] == 0.0
    assert figures["status"] == "fulfilled"


# --- who is subject ------------------------------------------------------------------------


def test_exemptions_and_people_without_assistance(world, db):
    on_leave = subject_person(world)
    b.status(on_leave, StatusKind.PARENTAL_LEAVE, date(2026, 3, 1))
    b.child(on_leave, date(2026, 2, 20))
    working = subject_person(world)
    b.external(working, ExternalKind.WORK, "40", date(2026, 1, 1))
    early = subject_person(world, months=("2026-09",))
    b.assessment(early, date(2026, 9, 1), requirement_from=date(2026, 9, 9))
    db.session.commit()

    summary = run(world)

    assert stored(db, on_leave).figures["exempt_reasons"] == {"parental_leave_child_under_1": 7}
    assert stored(db, working).status == "exempt"
    assert stored(db, working).figures["exempt_reasons"] == {"full_time_occupied": 7}
    # Voluntary from Wednesday: 5 subject days, none mandatory; nothing planned = under_planned.
    early_figures = stored(db, early).figures
    assert (early_figures["subject_days"], early_figures["mandatory_days"]) == (5, 0)
    assert stored(db, early).flags == ["under_planned"]
    assert stored(db, world.person_a).status == "not_subject"
    assert summary.by_status == {"exempt": 2, "fulfilled": 1, "not_subject": 2}


def test_a_refused_month_is_a_gap_that_restarts_the_count(world, db):
    person = subject_person(world, months=("2026-07", "2026-09"))
    b.assistance(person, ["2026-08"], world.caseworker, outcome="refused")
    db.session.commit()
    run(world)
    assert stored(db, person).status == "not_subject"


# --- storing -------------------------------------------------------------------------------


def test_a_rerun_is_idempotent_and_picks_up_changes(world, db):
    lang = language_course(world)
    person = subject_person(world)
    b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
    for day in ("2026-09-07", "2026-09-08", "2026-09-09", "2026-09-10"):
        b.visit(person, lang, day, "09:00", "12:00")
    db.session.commit()
    run(world)
    db.session.commit()
    first = stored(db, person)
    first_values = (first.id, first.status, first.figures, first.days, first.inputs_at)
    assert first.status == "shortfall" and first.unexcused_minutes == 180

    run(world)
    db.session.commit()
    again = stored(db, person)
    assert (again.id, again.status, again.figures, again.days, again.inputs_at) == first_values
    assert db.session.query(ComplianceResult).count() == 3

    b.absence(person, "2026-09-11T08:00", "2026-09-11T13:00", AbsenceDecision.APPROVED)
    db.session.commit()
    run(world)
    db.session.commit()
    changed = stored(db, person)
    assert changed.id == first.id
    assert changed.status == "fulfilled" and changed.unexcused_minutes == 0
    assert changed.inputs_at > first_values[4]
    assert db.session.query(ComplianceResult).count() == 3


def test_inputs_at_is_the_newest_change_among_the_inputs(world, db):
    settings = db.session.get(MunicipalitySettings, world.municipality.id)
    settings.updated_at = b.local("2026-06-01T12:00")
    with time_machine.travel(b.local("2026-09-01T08:00"), tick=False):
        lang = language_course(world)
        person = subject_person(world)
        b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
        b.absence(person, "2026-09-09T09:00", "2026-09-09T12:00", AbsenceDecision.PENDING)
    came, _ = b.visit(person, lang, "2026-09-07", "09:00", "12:00")
    late = b.event(
        person,
        lang,
        EventKind.IN,
        "2026-09-08T09:00",
        received="2026-09-20T10:00",  # synced late from an offline scanner
    )
    db.session.commit()
    run(world)
    assert stored(db, person).inputs_at == late.received_at
    assert came.received_at < late.received_at


def test_scope_unit_and_person(world, db):
    in_a = subject_person(world)
    in_b = subject_person(world, unit=world.unit_b)
    other = factories.municipality()
    stranger = factories.person(other)
    b.assistance(stranger, ["2026-07", "2026-08", "2026-09"], world.caseworker)
    db.session.commit()

    summary = run(world, unit_id=world.unit_a.id)
    assert summary.people == 2  # in_a and the world's person_a
    assert {r.person_id for r in db.session.query(ComplianceResult)} == {
        in_a.id,
        world.person_a.id,
    }
    summary = run(world, person_id=in_b.id)
    assert summary.people == 1
    assert stored(db, in_b).status == "fulfilled"  # nothing planned: under_planned only
    assert stored(db, in_b).flags == ["under_planned"]
    rec.reconcile(*WEEK_37, municipality_id=world.municipality.id, person_id=stranger.id)
    assert db.session.query(ComplianceResult).filter_by(person_id=stranger.id).count() == 0


def test_a_correction_that_moves_a_scan_into_the_period_is_found(world, db):
    lang = language_course(world)
    person = subject_person(world)
    b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
    # The scanner's clock said August; staff correct both scans to Monday 7 September.
    came, left = b.visit(person, lang, "2026-08-10", "09:00", "12:00")
    for wrong, right in ((came, "09:00"), (left, "12:00")):
        b.event(
            person,
            lang,
            EventKind.CORRECTION,
            f"2026-09-07T{right}",
            supersedes=wrong,
            source=EventSource.MANUAL,
            received="2026-09-07T13:00",
        )
    db.session.commit()
    scenario = rec.scenario_for_person(person, *WEEK_37)
    assert scenario["attendance"] == [
        {
            "activity": f"{lang.public_ref}~1",
            "in": "2026-09-07T07:00:00+00:00",
            "out": "2026-09-07T10:00:00+00:00",
        }
    ]


# --- a fixed number of queries ---------------------------------------------------------------


def _full_case(world, lang, jobs, index: int):
    """A person with every kind of input, so each load returns rows."""
    person = subject_person(world)
    b.assessment(person, date(2026, 8, 1), participation=75)
    b.status(person, StatusKind.SICK_LEAVE, date(2026, 9, 1), date(2026, 9, 2))
    b.child(person, date(2015, 1, 1))
    b.external(person, ExternalKind.STUDIES, "5", date(2026, 8, 1))
    b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
    b.plan(
        person,
        date(2026, 9, 9),
        [(lang, [], date(2026, 8, 1), None), (jobs, [], date(2026, 9, 9), None)],
    )
    came, _ = b.visit(person, lang, "2026-09-07", "09:10", "12:00")
    b.event(person, lang, EventKind.CORRECTION, "2026-09-07T09:00", supersedes=came)
    b.visit(person, lang, "2026-09-08", "09:00", None)
    b.absence(person, "2026-09-10T09:00", "2026-09-10T12:00", AbsenceDecision.PENDING)
    b.declined(person, jobs, date(2026, 9, 11))
    return person


def _statements_while(db, action) -> int:
    with counted(db.engine) as statements:
        action()
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_the_number_of_people(world, db):
    lang = language_course(world)
    jobs = factories.activity(
        world.site_b, type=ActivityType.JOB_SEARCH, from_date=date(2026, 8, 1)
    )
    for index in range(2):
        _full_case(world, lang, jobs, index)
    db.session.commit()
    few = _statements_while(db, lambda: run(world))
    db.session.rollback()
    for index in range(2, 8):
        _full_case(world, lang, jobs, index)
    db.session.commit()
    many = _statements_while(db, lambda: run(world))
    assert db.session.query(ComplianceResult).count() == 10
    assert few == many
    assert many <= 20


# --- the bulk path builds what the contract's parser builds -----------------------------------


def test_the_engine_input_built_directly_equals_the_parsed_contract(world, db):
    """Bulk runs skip JSON: engine_scenario must be exactly parse_scenario(scenario)."""
    import uuid
    from datetime import UTC, datetime

    from portal.compliance.scenario import parse_scenario
    from portal.models import AttendanceEvent

    settings = db.session.get(MunicipalitySettings, world.municipality.id)
    settings.full_time_hours_per_week = 37.5
    settings.extra_exemptions = ["activity_compensation"]
    lang = language_course(world)
    jobs = factories.activity(
        world.site_b, type=ActivityType.JOB_SEARCH, slots=((2, "13:00", "16:00"),)
    )
    months = ("2026-08", "2026-09", "2026-10", "2026-11")
    busy = subject_person(world, months=months)
    b.assessment(busy, date(2026, 8, 1), participation=75, requirement_from=date(2026, 8, 3))
    b.status(busy, StatusKind.PARENTAL_LEAVE, date(2026, 10, 28))
    b.child(busy, date(2026, 3, 15))
    b.external(busy, ExternalKind.WORK, "12.50", date(2026, 6, 1))
    b.plan(busy, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
    b.visit(busy, lang, "2026-10-19", "08:55:31", "12:02:59")
    came, _ = b.visit(busy, lang, "2026-10-20", "09:30", "12:00")
    b.event(busy, lang, EventKind.CORRECTION, "2026-10-20T09:00", supersedes=came)
    b.event(busy, lang, EventKind.IN, "2026-10-21T09:05")  # never checked out
    b.visit(busy, jobs, "2026-10-20", "13:00", "16:00")  # not in the plan
    # In during the first 02:00-03:00 of the autumn night and out during the second.
    b.event(busy, jobs, EventKind.IN, "2026-10-25T02:50")  # summer time: 00:50 UTC
    db.session.add(
        AttendanceEvent(
            event_id=str(uuid.uuid4()),
            person_id=busy.id,
            site_id=jobs.site_id,
            activity_id=jobs.id,
            kind=EventKind.OUT,
            source=EventSource.STAFF_SCAN,
            occurred_at=datetime(2026, 10, 25, 1, 10, tzinfo=UTC),  # 02:10 winter time
            received_at=datetime(2026, 10, 25, 1, 10, tzinfo=UTC),
            status=EventStatus.ACCEPTED,
        )
    )
    b.absence(busy, "2026-10-26T00:00", "2026-10-26T12:00", AbsenceDecision.APPROVED)
    b.absence(busy, "2026-10-27T09:00", "2026-10-27T10:30", AbsenceDecision.PENDING)
    b.declined(busy, jobs, date(2026, 10, 22))
    b.declined(busy, None, date(2026, 10, 23), acceptable=True)
    idle = subject_person(world, months=months)  # no plan, no scans
    db.session.commit()

    period = (date(2026, 10, 19), date(2026, 11, 1))
    inputs = Inputs(fetch_rows(Scope(world.municipality.id), *period), *period)
    people = {row.id: row for row in inputs.rows.people}
    for person in (busy, idle):
        contract, contract_at = inputs.scenario(people[person.id])
        direct, direct_at = inputs.engine_scenario(people[person.id])
        assert direct == parse_scenario(contract)
        assert direct_at == contract_at
    direct, _ = inputs.engine_scenario(people[busy.id])
    assert len(direct.attendance) == 5 and len(direct.absences) == 2
    assert direct.attendance[0].check_in == datetime(2026, 10, 19, 8, 55)
    assert direct.attendance[-1].check_out.fold == 1  # the second 02:10 of the night


def test_a_stored_slot_lists_the_engine_slot_fields_in_their_order():
    from portal.compliance.engine import SlotResult

    assert tuple(name.removesuffix("_minutes") for name in SlotResult._fields) == SLOT_FIELDS


# --- large runs share the engine among forked worker processes -------------------------------


def _stored_figures(db, period):
    rows = db.session.scalars(
        sa.select(ComplianceResult)
        .where(ComplianceResult.period_from == period[0])
        .order_by(ComplianceResult.person_id)
    ).all()
    return [
        (row.person_id, row.status, row.flags, row.figures, row.days, row.unexcused_minutes)
        for row in rows
    ]


def _people_with_a_week_of_scans(world, db, count=5):
    lang = language_course(world)
    for index in range(count):
        person = subject_person(world)
        b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 8, 1), None)])
        for day in ("2026-09-07", "2026-09-08", "2026-09-09")[: index % 3 + 1]:
            b.visit(person, lang, day, "09:0" + str(index), "11:5" + str(index))
        if index == 2:
            b.absence(person, "2026-09-10T09:00", "2026-09-10T12:00", AbsenceDecision.PENDING)
    db.session.commit()


def test_workers_store_exactly_what_one_process_stores(world, db, app, monkeypatch):
    _people_with_a_week_of_scans(world, db)
    app.config.update(RECONCILE_PARALLEL_FROM=10_000)
    alone = run(world)
    db.session.commit()
    expected = _stored_figures(db, WEEK_37)
    db.session.execute(sa.delete(ComplianceResult))
    db.session.commit()

    monkeypatch.setattr(rec, "WORKER_CHUNK", 2)  # three pieces for two workers
    app.config.update(RECONCILE_PARALLEL_FROM=1, RECONCILE_WORKERS=2)
    assert rec._worker_count(5) == 2
    shared = run(world)
    db.session.commit()
    assert _stored_figures(db, WEEK_37) == expected
    assert (shared.by_status, shared.by_flag, shared.people) == (
        alone.by_status,
        alone.by_flag,
        alone.people,
    )
    assert len(expected) == alone.people >= 5
    assert len({str(figures) for _, _, _, figures, _, _ in expected}) >= 4  # different people


def test_a_failure_in_a_worker_stops_the_run_and_stores_nothing(world, db, app, monkeypatch):
    _people_with_a_week_of_scans(world, db, count=3)

    def broken(scenario):
        raise ValueError("broken engine")

    monkeypatch.setattr(rec, "evaluate", broken)  # inherited by the forked workers
    monkeypatch.setattr(rec, "WORKER_CHUNK", 1)
    app.config.update(RECONCILE_PARALLEL_FROM=1, RECONCILE_WORKERS=2)
    with pytest.raises(DomainError) as caught:
        run(world)
    assert caught.value.code == "reconcile_failed"
    assert "ValueError: broken engine" in caught.value.message
    db.session.rollback()
    assert db.session.query(ComplianceResult).count() == 0


def test_web_requests_and_small_runs_stay_in_one_process(app):
    app.config.update(RECONCILE_PARALLEL_FROM=100, RECONCILE_WORKERS=4)
    assert rec._worker_count(99) == 1
    assert rec._worker_count(100) == 1  # one piece of work is not worth a second process
    assert rec._worker_count(5000) == 4
    with app.test_request_context("/"):
        assert rec._worker_count(5000) == 1
