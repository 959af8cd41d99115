"""The rule book, rule by rule and edge by edge (engine only: no app, no database)."""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from portal.compliance.engine import (
    Absence,
    Attendance,
    ExternalOccupation,
    Rules,
    age_on,
    half_up,
    is_working_day,
    iso_week_label,
    minutes_to_hours,
)
from tests.compliance.compliance_builders import (
    absence,
    activity,
    day_of,
    run,
    scenario,
    visit,
    visits_on,
    weekdays,
)

WEEK = weekdays("2026-09-07", "2026-09-11")


def week_rows(result) -> dict[str, dict[str, float]]:
    """The contract's week rows by label."""
    return {row["week"]: row for row in result.to_contract()["weeks"]}


# --------------------------------------------------------------------------------------------
# Arithmetic and calendar helpers


@pytest.mark.parametrize(
    ("value", "rounded"),
    [(Fraction(0), 0), (Fraction(1, 2), 1), (Fraction(3, 2), 2), (Fraction(5, 2), 3),
     (Fraction(7, 3), 2), (Fraction(8, 3), 3), (Fraction(675, 2), 338)],
)  # fmt: skip
def test_half_up_rounds_halves_up(value, rounded):
    assert half_up(value) == rounded


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [(0, 0.0), (1, 0.02), (3, 0.05), (30, 0.5), (80, 1.33), (100, 1.67), (1690, 28.17),
     (2400, 40.0)],
)  # fmt: skip
def test_minutes_to_hours_rounds_to_two_decimals(minutes, hours):
    assert minutes_to_hours(minutes) == hours


@pytest.mark.parametrize(
    ("iso", "working"),
    [
        ("2026-09-07", True),  # an ordinary Monday
        ("2026-09-12", False),  # Saturday
        ("2026-09-13", False),  # Sunday
        ("2026-01-01", False),  # New Year's Day
        ("2026-01-06", False),  # Epiphany
        ("2026-04-02", True),  # Maundy Thursday is a working day
        ("2026-04-03", False),  # Good Friday
        ("2026-04-06", False),  # Easter Monday
        ("2026-05-01", False),  # May Day
        ("2026-05-13", True),
        ("2026-05-14", False),  # Ascension Day
        ("2025-06-06", False),  # National Day on a Friday
        ("2026-06-18", True),
        ("2026-06-19", False),  # Midsummer Eve (de facto)
        ("2026-12-23", True),
        ("2026-12-24", False),  # Christmas Eve (de facto)
        ("2026-12-25", False),  # Christmas Day
        ("2025-12-26", False),  # Boxing Day on a Friday
        ("2026-12-31", False),  # New Year's Eve (de facto)
    ],
)
def test_working_days_follow_the_swedish_calendar(iso, working):
    assert is_working_day(date.fromisoformat(iso)) is working


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        ("1960-02-29", "2026-02-28", 65),
        ("1960-02-29", "2026-03-01", 66),  # common year: the birthday is 1 March
        ("1960-02-29", "2024-02-28", 63),
        ("1960-02-29", "2024-02-29", 64),
        ("1959-09-10", "2026-09-09", 66),
        ("1959-09-10", "2026-09-10", 67),
    ],
)
def test_age_on_day(born, on, age):
    assert age_on(date.fromisoformat(born), date.fromisoformat(on)) == age


@pytest.mark.parametrize(
    ("iso", "label"),
    [("2026-09-07", "2026-W37"), ("2025-12-29", "2026-W01"), ("2027-01-03", "2026-W53"),
     ("2027-01-04", "2027-W01")],
)  # fmt: skip
def test_iso_week_label(iso, label):
    assert iso_week_label(date.fromisoformat(iso)) == label


# --------------------------------------------------------------------------------------------
# Section 1: who is subject


def test_third_month_in_a_row_is_mandatory():
    result = run(scenario(attendance=visits_on(WEEK)))
    assert (result.status, result.subject_days, result.mandatory_days) == ("fulfilled", 7, 7)


def test_gap_month_restarts_the_count():
    data = scenario(
        period={"from": "2026-08-01", "to": "2026-10-31"},
        assistance_months=["2026-05", "2026-06", "2026-08", "2026-09", "2026-10"],
    )
    result = run(data)
    assert result.mandatory_days == result.subject_days == 31
    assert not day_of(result, "2026-09-30").mandatory
    assert day_of(result, "2026-10-01").mandatory


def test_requirement_counts_across_a_year_end():
    whole_january = run(
        scenario(
            period={"from": "2026-01-01", "to": "2026-01-31"},
            assistance_months=["2025-11", "2025-12", "2026-01"],
        )
    )
    assert whole_january.mandatory_days == 31
    turn_of_month = run(
        scenario(
            period={"from": "2026-01-26", "to": "2026-02-08"},
            assistance_months=["2025-12", "2026-01", "2026-02"],
        )
    )
    assert turn_of_month.subject_days == turn_of_month.mandatory_days == 8
    assert not day_of(turn_of_month, "2026-01-31").subject
    assert day_of(turn_of_month, "2026-02-01").mandatory


@pytest.mark.parametrize(
    ("after", "months", "mandatory_days"),
    [(0, ["2026-09"], 7), (1, ["2026-08", "2026-09"], 7), (1, ["2026-09"], 0),
     (3, ["2026-07", "2026-08", "2026-09"], 0)],
)  # fmt: skip
def test_mandatory_after_months_is_a_setting(after, months, mandatory_days):
    data = scenario(rules={"mandatory_after_months": after}, assistance_months=months)
    assert run(data).mandatory_days == mandatory_days


def test_voluntary_requirement_from_a_date():
    data = scenario(assistance_months=["2026-09"], requirement_from="2026-09-09")
    result = run(data)
    assert (result.subject_days, result.mandatory_days) == (5, 0)
    assert not day_of(result, "2026-09-08").subject
    assert day_of(result, "2026-09-09").voluntary
    assert result.target_minutes == 3 * 480


def test_voluntary_needs_assistance_in_the_month():
    data = scenario(assistance_months=["2026-08"], requirement_from="2026-08-01")
    assert run(data).status == "not_subject"


def test_requirement_from_after_the_period_changes_nothing():
    data = scenario(assistance_months=["2026-09"], requirement_from="2026-09-14")
    assert run(data).status == "not_subject"


def test_voluntary_month_then_mandatory_month():
    data = scenario(
        period={"from": "2026-09-28", "to": "2026-10-04"},
        assistance_months=["2026-08", "2026-09", "2026-10"],
        requirement_from="2026-09-01",
    )
    result = run(data)
    assert (result.subject_days, result.mandatory_days) == (7, 4)
    assert day_of(result, "2026-09-30").voluntary
    assert day_of(result, "2026-10-01").mandatory


def test_mandatory_wins_over_voluntary():
    result = run(scenario(requirement_from="2026-01-01"))
    assert result.mandatory_days == 7
    assert not any(day.voluntary for day in result.days)


# --------------------------------------------------------------------------------------------
# Section 1.4: exemptions


def test_pension_age_reached_mid_period():
    data = scenario(person={"birth_date": "1959-09-10"}, attendance=visits_on(WEEK))
    result = run(data)
    assert (result.subject_days, result.exempt_days) == (3, 4)
    assert result.exempt_reasons == {"pension_age": 4}
    assert day_of(result, "2026-09-09").subject
    assert day_of(result, "2026-09-10").exempt_reason == "pension_age"
    assert result.target_minutes == 3 * 480
    assert result.scheduled_minutes == result.attended_minutes == 3 * 180


def test_pension_age_is_a_setting():
    data = scenario(person={"birth_date": "1960-05-01"}, rules={"pension_age": 66})
    result = run(data)
    assert (result.status, result.exempt_reasons) == ("exempt", {"pension_age": 7})


def test_pension_age_of_someone_born_on_29_february():
    common_year = run(
        scenario(
            period={"from": "2026-02-23", "to": "2026-03-08"},
            assistance_months=["2025-12", "2026-01", "2026-02", "2026-03"],
            person={"birth_date": "1960-02-29"},
            rules={"pension_age": 66},
        )
    )
    assert day_of(common_year, "2026-02-28").subject
    assert day_of(common_year, "2026-03-01").exempt_reason == "pension_age"
    assert (common_year.subject_days, common_year.exempt_days) == (6, 8)
    leap_year = run(
        scenario(
            period={"from": "2024-02-26", "to": "2024-03-03"},
            assistance_months=["2023-12", "2024-01", "2024-02", "2024-03"],
            person={"birth_date": "1960-02-29"},
            rules={"pension_age": 64},
        )
    )
    assert day_of(leap_year, "2024-02-28").subject
    assert day_of(leap_year, "2024-02-29").exempt_reason == "pension_age"


def test_full_sickness_compensation_on_its_days_only():
    status = {"kind": "full_sickness_compensation", "from": "2026-09-09", "to": "2026-09-10"}
    data = scenario(person={"birth_date": "1990-05-01", "statuses": [status]})
    result = run(data)
    assert result.exempt_reasons == {"full_sickness_compensation": 2}
    assert day_of(result, "2026-09-10").exempt_reason == "full_sickness_compensation"
    assert day_of(result, "2026-09-11").subject
    assert result.scheduled_minutes == 3 * 180


def parental(child: str, leave_from: str = "2025-01-01", leave_to: str | None = None) -> dict:
    """A person on parental leave with one child."""
    return {
        "birth_date": "1990-05-01",
        "statuses": [{"kind": "parental_leave", "from": leave_from, "to": leave_to}],
        "children_birth_dates": [child],
    }


def test_childs_first_birthday_mid_period_ends_the_exemption():
    result = run(scenario(person=parental("2025-09-10")))
    assert result.exempt_reasons == {"parental_leave_child_under_1": 3}
    assert day_of(result, "2026-09-09").exempt_reason == "parental_leave_child_under_1"
    assert day_of(result, "2026-09-10").subject


def test_child_born_29_february_turns_one_on_1_march():
    data = scenario(
        period={"from": "2025-02-24", "to": "2025-03-02"},
        assistance_months=["2024-12", "2025-01", "2025-02", "2025-03"],
        person=parental("2024-02-29"),
    )
    result = run(data)
    assert result.exempt_days == 5
    assert day_of(result, "2025-02-28").exempt_reason == "parental_leave_child_under_1"
    assert day_of(result, "2025-03-01").subject


def test_child_born_mid_period_starts_the_exemption():
    result = run(scenario(person=parental("2026-09-09")))
    assert day_of(result, "2026-09-08").subject
    assert result.exempt_reasons == {"parental_leave_child_under_1": 5}


def test_parental_leave_ending_mid_period():
    result = run(scenario(person=parental("2026-03-15", leave_to="2026-09-08")))
    assert result.exempt_days == 2
    assert day_of(result, "2026-09-09").subject


def test_parental_leave_needs_a_child_under_one_and_the_leave():
    older_child = run(scenario(person=parental("2024-03-15")))
    assert older_child.exempt_days == 0
    no_leave = run(
        scenario(person={"birth_date": "1990-05-01", "children_birth_dates": ["2026-03-15"]})
    )
    assert no_leave.exempt_days == 0


def test_extra_exemptions_report_the_status_kind():
    status = {"kind": "activity_compensation", "from": "2026-01-01", "to": None}
    person = {"birth_date": "1990-05-01", "statuses": [status]}
    without = run(scenario(person=person))
    assert without.exempt_days == 0
    stockholm = run(scenario(person=person, rules={"extra_exemptions": ["activity_compensation"]}))
    assert (stockholm.status, stockholm.exempt_reasons) == (
        "exempt",
        {"activity_compensation": 7},
    )


def test_extra_exemptions_are_tried_in_the_settings_order():
    statuses = [{"kind": kind, "from": "2026-01-01"} for kind in ("alpha", "beta")]
    data = scenario(
        person={"birth_date": "1990-05-01", "statuses": statuses},
        rules={"extra_exemptions": ["beta", "alpha"]},
    )
    assert run(data).exempt_reasons == {"beta": 7}


@pytest.mark.parametrize(
    ("person", "rules", "reason"),
    [
        (
            {
                "birth_date": "1950-01-01",
                "statuses": [{"kind": "full_sickness_compensation", "from": "2026-01-01"}],
            },
            {},
            "pension_age",
        ),
        (
            {
                **parental("2026-03-15"),
                "statuses": [
                    {"kind": "parental_leave", "from": "2026-01-01"},
                    {"kind": "full_sickness_compensation", "from": "2026-01-01"},
                ],
            },
            {},
            "full_sickness_compensation",
        ),
        (
            {
                **parental("2026-03-15"),
                "statuses": [
                    {"kind": "parental_leave", "from": "2026-01-01"},
                    {"kind": "activity_compensation", "from": "2026-01-01"},
                ],
            },
            {"extra_exemptions": ["activity_compensation"]},
            "parental_leave_child_under_1",
        ),
        (
            {
                "birth_date": "1990-05-01",
                "statuses": [{"kind": "activity_compensation", "from": "2026-01-01"}],
            },
            {"extra_exemptions": ["activity_compensation"], "exempt_if_af_activity": True},
            "activity_compensation",
        ),
        ({"birth_date": "1990-05-01"}, {"exempt_if_af_activity": True}, "af_activity"),
    ],
)
def test_first_exemption_in_the_rule_books_order_wins(person, rules, reason):
    af_full_time = [{"kind": "af_programme", "hours_per_week": 40, "from": "2026-01-01"}]
    result = run(scenario(person=person, rules=rules, external=af_full_time))
    assert result.exempt_reasons == {reason: 7}


def test_af_activity_exemption_is_a_setting():
    programme = [{"kind": "af_programme", "hours_per_week": 10, "from": "2026-08-01", "to": None}]
    assert run(scenario(external=programme)).exempt_days == 0
    exempted = run(scenario(external=programme, rules={"exempt_if_af_activity": True}))
    assert exempted.exempt_reasons == {"af_activity": 7}


def test_af_activity_exemption_needs_an_active_af_programme():
    rules = {"exempt_if_af_activity": True}
    ended = [
        {"kind": "af_programme", "hours_per_week": 10, "from": "2026-01-01", "to": "2026-09-06"}
    ]
    assert run(scenario(external=ended, rules=rules)).exempt_days == 0
    work = [{"kind": "work", "hours_per_week": 10, "from": "2026-01-01"}]
    assert run(scenario(external=work, rules=rules)).exempt_days == 0


def test_external_occupations_adding_up_to_full_time():
    jobs = [
        {"kind": "work", "hours_per_week": 30, "from": "2026-01-01"},
        {"kind": "studies", "hours_per_week": 10, "from": "2026-01-01"},
    ]
    assert run(scenario(external=jobs)).exempt_reasons == {"full_time_occupied": 7}
    jobs[1]["hours_per_week"] = 9.5
    almost = run(scenario(external=jobs))
    assert almost.exempt_days == 0
    assert almost.external_minutes == 5 * 474  # 39.5 h * 60 / 5
    assert almost.required_plan_minutes == 5 * 6


def test_full_time_occupied_against_a_37_5_hour_week():
    job = [{"kind": "work", "hours_per_week": 37.5, "from": "2026-01-01"}]
    assert run(scenario(external=job)).exempt_days == 0
    result = run(scenario(external=job, rules={"full_time_hours_per_week": 37.5}))
    assert result.exempt_reasons == {"full_time_occupied": 7}


def test_job_starting_mid_week_exempts_from_that_day():
    job = [{"kind": "work", "hours_per_week": 40, "from": "2026-09-10"}]
    result = run(scenario(external=job))
    assert (result.subject_days, result.exempt_days) == (3, 4)
    assert day_of(result, "2026-09-10").exempt_reason == "full_time_occupied"


def test_exemptions_only_count_on_requirement_days():
    data = scenario(person={"birth_date": "1950-01-01"}, assistance_months=["2026-09"])
    result = run(data)
    assert (result.status, result.exempt_days) == ("not_subject", 0)


def test_exempt_and_subject_days_mixed_judge_the_subject_days():
    result = run(scenario(person=parental("2025-09-10")))
    assert result.status == "shortfall"
    assert result.unexcused_minutes == 2 * 180


# --------------------------------------------------------------------------------------------
# Section 2: working days and targets


def test_midsummer_eve_is_not_a_working_day():
    data = scenario(
        period={"from": "2026-06-15", "to": "2026-06-21"},
        assistance_months=["2026-04", "2026-05", "2026-06"],
        attendance=visits_on(weekdays("2026-06-15", "2026-06-18")),
    )
    result = run(data)
    assert (result.status, result.flags) == ("fulfilled", ("under_planned",))
    assert result.target_minutes == 4 * 480
    assert result.scheduled_minutes == result.attended_minutes == 4 * 180
    midsummer_eve = day_of(result, "2026-06-19")
    assert midsummer_eve.subject and not midsummer_eve.working_day
    assert midsummer_eve.scheduled_minutes == 0 and midsummer_eve.slots == ()


def test_christmas_week_has_three_working_days():
    data = scenario(
        period={"from": "2026-12-21", "to": "2026-12-27"},
        assistance_months=["2026-10", "2026-11", "2026-12"],
    )
    result = run(data)
    assert result.target_minutes == 3 * 480
    assert result.unexcused_minutes == 3 * 180
    assert result.status == "shortfall"


def test_new_years_week_is_iso_week_53_with_three_working_days():
    data = scenario(
        period={"from": "2026-12-28", "to": "2027-01-03"},
        assistance_months=["2026-10", "2026-11", "2026-12", "2027-01"],
        attendance=visits_on(weekdays("2026-12-28", "2026-12-30")),
    )
    result = run(data)
    assert [week.week for week in result.weeks] == ["2026-W53"]
    assert result.target_minutes == 3 * 480
    assert not day_of(result, "2026-12-31").working_day
    assert not day_of(result, "2027-01-01").working_day
    assert result.unexcused_minutes == 0


def test_ascension_day_slot_is_not_scheduled():
    data = scenario(
        period={"from": "2026-05-11", "to": "2026-05-17"},
        assistance_months=["2026-03", "2026-04", "2026-05"],
    )
    result = run(data)
    assert result.scheduled_minutes == 4 * 180
    assert day_of(result, "2026-05-14").scheduled_minutes == 0


def test_37_5_hours_at_75_percent_rounds_half_up():
    data = scenario(
        rules={"full_time_hours_per_week": 37.5},
        person={"birth_date": "1990-05-01", "participation_percent": 75},
        attendance=visits_on(WEEK),
    )
    result = run(data)
    assert day_of(result, "2026-09-07").target_minutes == 338  # 337.5 rounds up
    assert result.target_minutes == 1690
    assert result.plan_gap_minutes == 1690 - 900
    contract = result.to_contract()
    assert contract["target_hours"] == 28.17
    assert contract["plan_gap_hours"] == 13.17


def test_75_percent_of_40_hours():
    data = scenario(person={"birth_date": "1990-05-01", "participation_percent": 75})
    assert run(data).to_contract()["target_hours"] == 30.0


def test_zero_participation_has_no_target_and_no_gap():
    data = scenario(
        person={"birth_date": "1990-05-01", "participation_percent": 0},
        attendance=visits_on(WEEK),
    )
    result = run(data)
    assert (result.target_minutes, result.required_plan_minutes, result.plan_gap_minutes) == (
        0,
        0,
        0,
    )
    assert result.scheduled_minutes == 900
    assert (result.status, result.flags) == ("fulfilled", ())


@pytest.mark.parametrize(
    ("hours", "per_day"), [(10, 120), (7.5, 90), (7.3, 88), (0.125, 2), (0.1, 1)]
)
def test_external_minutes_per_day_round_half_up(hours, per_day):
    job = [{"kind": "studies", "hours_per_week": hours, "from": "2026-01-01"}]
    result = run(scenario(external=job))
    assert day_of(result, "2026-09-07").external_minutes == per_day
    assert day_of(result, "2026-09-07").required_plan_minutes == 480 - per_day
    assert result.external_minutes == 5 * per_day


def test_external_hours_are_summed_before_rounding():
    jobs = [{"kind": "other", "hours_per_week": 0.125, "from": "2026-01-01"}] * 2
    assert day_of(run(scenario(external=jobs)), "2026-09-07").external_minutes == 3


def test_external_above_target_leaves_no_required_plan():
    data = scenario(
        person={"birth_date": "1990-05-01", "participation_percent": 50},
        external=[{"kind": "work", "hours_per_week": 38, "from": "2026-01-01"}],
        attendance=visits_on(WEEK),
    )
    result = run(data)
    assert result.required_plan_minutes == 0
    assert result.plan_gap_minutes == 0
    assert result.flags == ("over_full_time",)


# --------------------------------------------------------------------------------------------
# Section 2: attendance


def test_double_and_overlapping_scans_count_once():
    visits = [
        visit("lang", "2026-09-07T09:00", "2026-09-07T12:00"),
        visit("lang", "2026-09-07T09:00", "2026-09-07T12:00"),
        visit("lang", "2026-09-08T08:50", "2026-09-08T10:30"),
        visit("lang", "2026-09-08T10:00", "2026-09-08T12:05"),
        visit("lang", "2026-09-09T09:00", "2026-09-09T10:00"),
        visit("lang", "2026-09-09T10:00", "2026-09-09T12:00"),
    ]
    result = run(scenario(attendance=visits))
    for iso in ("2026-09-07", "2026-09-08", "2026-09-09"):
        assert day_of(result, iso).attended_minutes == 180
    assert result.attended_minutes == 540


def test_time_outside_a_slot_never_counts():
    visits = [
        visit("lang", "2026-09-07T07:00", "2026-09-07T08:59"),
        visit("lang", "2026-09-07T12:01", "2026-09-07T15:00"),
    ]
    monday = day_of(run(scenario(attendance=visits)), "2026-09-07")
    assert (monday.attended_minutes, monday.unexcused_minutes) == (0, 180)


def test_check_in_counts_only_for_its_own_activity():
    jobs = activity("jobs", [(1, "13:00", "16:00")])
    visits = [visit("jobs", "2026-09-07T08:00", "2026-09-07T17:00")]
    result = run(scenario(activities=[*scenario()["activities"], jobs], attendance=visits))
    monday = day_of(result, "2026-09-07")
    by_activity = {slot.activity: slot for slot in monday.slots}
    assert by_activity["jobs"].attended_minutes == 180
    assert by_activity["lang"].attended_minutes == 0
    assert by_activity["lang"].unexcused_minutes == 180


def test_check_in_spanning_midnight():
    visits = [visit("lang", "2026-09-07T20:00", "2026-09-08T10:00")]
    result = run(scenario(attendance=visits))
    assert day_of(result, "2026-09-07").attended_minutes == 0
    assert day_of(result, "2026-09-08").attended_minutes == 60


def test_seconds_are_truncated_to_the_minute():
    visits = [visit("lang", "2026-09-07T09:00:59", "2026-09-07T11:59:59")]
    monday = day_of(run(scenario(attendance=visits)), "2026-09-07")
    assert (monday.attended_minutes, monday.unexcused_minutes) == (179, 1)


def test_utc_check_ins_across_the_spring_clock_change():
    before = weekdays("2026-03-23", "2026-03-27")  # CET, UTC+1
    after = weekdays("2026-03-30", "2026-04-02")  # CEST, UTC+2 (Good Friday 3 April)
    data = scenario(
        period={"from": "2026-03-23", "to": "2026-04-05"},
        assistance_months=["2026-01", "2026-02", "2026-03", "2026-04"],
        activities=[activity("lang", [(day, "09:00", "12:00") for day in range(1, 6)])],
        attendance=[visit("lang", f"{day}T08:00Z", f"{day}T11:00Z") for day in before]
        + [visit("lang", f"{day}T07:00Z", f"{day}T10:00Z") for day in after],
    )
    result = run(data)
    assert result.scheduled_minutes == result.attended_minutes == 9 * 180
    assert [week.week for week in result.weeks] == ["2026-W13", "2026-W14"]
    assert result.status == "fulfilled"


def test_utc_check_ins_across_the_autumn_clock_change():
    before = weekdays("2026-10-19", "2026-10-23")  # CEST, UTC+2
    after = weekdays("2026-10-26", "2026-10-30")  # CET, UTC+1
    data = scenario(
        period={"from": "2026-10-19", "to": "2026-11-01"},
        assistance_months=["2026-08", "2026-09", "2026-10", "2026-11"],
        activities=[activity("lang", [(day, "09:00", "12:00") for day in range(1, 6)])],
        attendance=[visit("lang", f"{day}T07:00Z", f"{day}T10:00Z") for day in before]
        + [visit("lang", f"{day}T10:00+02:00", f"{day}T11:00Z") for day in after],
    )
    result = run(data)
    assert result.scheduled_minutes == result.attended_minutes == 10 * 180


def test_utc_time_read_with_the_wrong_offset_would_show():
    # 08:00Z is 10:00 in Stockholm summer time: an hour late.
    visits = [visit("lang", "2026-09-07T08:00Z", "2026-09-07T10:00Z")]
    monday = day_of(run(scenario(attendance=visits)), "2026-09-07")
    assert (monday.attended_minutes, monday.unexcused_minutes) == (120, 60)


# --------------------------------------------------------------------------------------------
# Section 2: missing check-out


def monday_with(visits, policy="count_to_slot_end", **changes):
    """The result and the Monday row of the base week with these check-ins."""
    result = run(scenario(attendance=visits, rules={"missing_checkout": policy}, **changes))
    return result, day_of(result, "2026-09-07")


@pytest.mark.parametrize(
    ("check_in", "policy", "attended"),
    [
        ("09:30", "count_to_slot_end", 150),
        ("09:30", "count_nothing", 0),
        ("08:55", "count_to_slot_end", 180),
        ("08:55", "count_nothing", 0),
    ],
)
def test_open_check_in_with_a_slot_of_its_own(check_in, policy, attended):
    result, monday = monday_with([visit("lang", f"2026-09-07T{check_in}", None)], policy)
    assert monday.attended_minutes == attended
    assert monday.unexcused_minutes == 180 - attended
    assert monday.missing_checkout and monday.slots[0].missing_checkout
    assert "missing_checkout" in result.flags


@pytest.mark.parametrize("check_in", ["12:00", "12:30", "23:00"])
def test_open_check_in_after_the_last_slot_counts_nothing_and_no_flag(check_in):
    result, monday = monday_with([visit("lang", f"2026-09-07T{check_in}", None)])
    assert monday.attended_minutes == 0
    assert not monday.missing_checkout
    assert result.flags == ("under_planned",)


def test_open_check_in_between_slots_belongs_to_the_next_slot():
    split = activity("lang", [(1, "09:00", "10:00"), (1, "13:00", "15:00")])
    result, monday = monday_with(
        [visit("lang", "2026-09-07T11:00", None)],
        activities=[split],
    )
    morning, afternoon = monday.slots
    assert (morning.attended_minutes, morning.missing_checkout) == (0, False)
    assert (afternoon.attended_minutes, afternoon.missing_checkout) == (120, True)


def test_open_check_in_stops_at_the_end_of_its_slot():
    touching = activity("lang", [(1, "09:00", "10:00"), (1, "10:00", "11:00")])
    _, monday = monday_with([visit("lang", "2026-09-07T09:30", None)], activities=[touching])
    assert [slot.attended_minutes for slot in monday.slots] == [30, 0]
    assert [slot.missing_checkout for slot in monday.slots] == [True, False]


def test_open_check_in_adds_to_a_closed_one():
    visits = [
        visit("lang", "2026-09-07T09:00", "2026-09-07T10:00"),
        visit("lang", "2026-09-07T10:30", None),
    ]
    assert monday_with(visits)[1].attended_minutes == 150
    assert monday_with(visits, "count_nothing")[1].attended_minutes == 60


def test_open_check_in_on_a_holiday_counts_nothing_and_no_flag():
    data = scenario(
        period={"from": "2026-05-11", "to": "2026-05-17"},
        assistance_months=["2026-03", "2026-04", "2026-05"],
        attendance=[visit("lang", "2026-05-14T08:55", None)],
    )
    assert run(data).flags == ("under_planned",)


@pytest.mark.parametrize(
    ("check_in", "changes"),
    [
        ("2026-09-12T10:00", {}),  # Saturday
        ("2026-09-07T08:55", {"period": {"from": "2026-09-08", "to": "2026-09-13"}}),  # before
        ("2026-09-07T08:55", {"assistance_months": ["2026-08", "2026-09"]}),  # not subject
        ("2026-09-07T08:55", {"person": parental("2026-03-15")}),  # exempt
        (
            "2026-09-07T08:55",
            {"activities": [activity("lang", [(1, "09:00", "12:00")], end="2026-09-06")]},
        ),  # activity over
    ],
)
def test_open_check_in_without_a_subject_working_day_slot_raises_no_flag(check_in, changes):
    result = run(scenario(attendance=[visit("lang", check_in, None)], **changes))
    assert "missing_checkout" not in result.flags
    assert result.attended_minutes == 0


def test_open_check_in_at_an_activity_without_a_slot_that_day():
    jobs = activity("jobs", [(2, "13:00", "16:00")])
    data = scenario(
        activities=[*scenario()["activities"], jobs],
        attendance=[visit("jobs", "2026-09-07T09:30", None)],
    )
    result = run(data)
    assert "missing_checkout" not in result.flags
    assert day_of(result, "2026-09-07").attended_minutes == 0


# --------------------------------------------------------------------------------------------
# Section 2: absences


def test_approved_beats_pending_beats_rejected():
    reports = [
        absence("2026-09-07T09:00", "2026-09-07T12:00", "rejected"),
        absence("2026-09-07T10:00", "2026-09-07T12:00", "pending", "child_sick"),
        absence("2026-09-07T11:00", "2026-09-07T12:00", "approved", "medical"),
    ]
    result = run(scenario(absences=reports, attendance=visits_on(WEEK[1:])))
    monday = day_of(result, "2026-09-07")
    assert (monday.excused_minutes, monday.pending_minutes, monday.unexcused_minutes) == (
        60,
        60,
        60,
    )
    assert result.status == "shortfall"
    assert run(scenario(absences=reports[::-1], attendance=visits_on(WEEK[1:]))) == result


def test_absence_covers_only_what_was_not_attended():
    data = scenario(
        attendance=[visit("lang", "2026-09-07T09:00", "2026-09-07T10:30")],
        absences=[absence("2026-09-07T10:00", "2026-09-07T11:00", "approved")],
    )
    monday = day_of(run(data), "2026-09-07")
    assert (monday.attended_minutes, monday.excused_minutes, monday.unexcused_minutes) == (
        90,
        30,
        60,
    )


def test_absence_spanning_days_and_midnight():
    visits = visits_on([WEEK[0], WEEK[1], WEEK[4]]) + [
        visit("lang", "2026-09-10T10:00", "2026-09-10T12:00")
    ]
    data = scenario(
        attendance=visits,
        absences=[absence("2026-09-08T18:00", "2026-09-10T10:00", "approved")],
    )
    result = run(data)
    assert day_of(result, "2026-09-09").excused_minutes == 180
    assert day_of(result, "2026-09-10").excused_minutes == 60
    assert (result.excused_minutes, result.unexcused_minutes, result.status) == (
        240,
        0,
        "fulfilled",
    )


def test_absence_given_in_utc():
    data = scenario(
        attendance=visits_on([WEEK[0], WEEK[1], WEEK[3], WEEK[4]]),
        absences=[absence("2026-09-09T07:00Z", "2026-09-09T10:00Z", "approved")],
    )
    assert run(data).excused_minutes == 180


def test_pending_only_needs_review():
    data = scenario(
        attendance=visits_on(WEEK[1:]),
        absences=[absence("2026-09-07T00:00", "2026-09-07T23:59", "pending")],
    )
    result = run(data)
    assert (result.status, result.pending_minutes) == ("pending_review", 180)


def test_rejected_absence_is_unexcused():
    data = scenario(
        attendance=visits_on(WEEK[1:]),
        absences=[absence("2026-09-07T00:00", "2026-09-07T23:59", "rejected")],
    )
    result = run(data)
    assert (result.status, result.unexcused_minutes) == ("shortfall", 180)


# --------------------------------------------------------------------------------------------
# Section 3: declined offers


def declined(day: str, acceptable: bool) -> list[dict]:
    """One declined offer of the language course."""
    return [{"date": day, "activity": "lang", "acceptable_reason": acceptable}]


def test_offer_declined_without_acceptable_reason_is_a_shortfall():
    result = run(scenario(attendance=visits_on(WEEK), declined=declined("2026-09-08", False)))
    assert (result.status, result.flags) == ("shortfall", ("declined_offer", "under_planned"))
    assert result.unexcused_minutes == 0
    assert day_of(result, "2026-09-08").declined_offer


def test_offer_declined_with_acceptable_reason_changes_nothing():
    result = run(scenario(attendance=visits_on(WEEK), declined=declined("2026-09-08", True)))
    assert (result.status, result.flags) == ("fulfilled", ("under_planned",))


def test_offer_declined_on_a_weekend_subject_day_counts():
    result = run(scenario(attendance=visits_on(WEEK), declined=declined("2026-09-12", False)))
    assert result.status == "shortfall"


@pytest.mark.parametrize(
    ("day", "changes"),
    [
        ("2026-09-14", {}),  # after the period
        ("2026-09-08", {"person": parental("2026-03-15", leave_to="2026-09-08")}),  # exempt day
        ("2026-09-08", {"assistance_months": ["2026-09"]}),  # not subject
    ],
)
def test_offer_declined_outside_subject_days_is_ignored(day, changes):
    data = scenario(attendance=visits_on(WEEK), declined=declined(day, False), **changes)
    assert "declined_offer" not in run(data).flags


def test_offer_declined_of_an_activity_outside_the_plan_counts():
    """An offer that was declined never became part of the plan, so it names no planned activity."""
    offer = [{"date": "2026-09-08", "activity": "jobs-club", "acceptable_reason": False}]
    result = run(scenario(attendance=visits_on(WEEK), declined=offer))
    assert (result.status, result.flags) == ("shortfall", ("declined_offer", "under_planned"))
    assert result.scheduled_minutes == 5 * 180


# --------------------------------------------------------------------------------------------
# Section 3: the shortfall tolerance


def late_by(minutes: int) -> list[dict]:
    """A week of visits, Monday's check-in late by minutes."""
    return [
        visit("lang", f"2026-09-07T09:{minutes:02d}", "2026-09-07T12:00"),
        *visits_on(WEEK[1:]),
    ]


@pytest.mark.parametrize(
    ("late", "tolerance", "status"),
    [
        (15, 15, "fulfilled"),  # at the tolerance
        (16, 15, "shortfall"),  # one minute over it
        (1, 0, "shortfall"),  # the rule book's default: no tolerance
        (0, 0, "fulfilled"),
        (59, 60, "fulfilled"),
    ],
)
def test_unexcused_minutes_at_or_under_the_tolerance_are_no_shortfall(late, tolerance, status):
    data = scenario(attendance=late_by(late), rules={"shortfall_tolerance_minutes": tolerance})
    result = run(data)
    assert result.status == status
    # The minutes are still reported in full.
    assert result.unexcused_minutes == late


def test_the_tolerance_applies_to_the_period_not_to_each_day():
    attendance = [visit("lang", f"{day}T09:10", f"{day}T12:00") for day in WEEK]
    data = scenario(attendance=attendance, rules={"shortfall_tolerance_minutes": 45})
    result = run(data)
    assert (result.status, result.unexcused_minutes) == ("shortfall", 50)


def test_the_tolerance_does_not_excuse_a_declined_offer():
    data = scenario(
        attendance=visits_on(WEEK),
        declined=declined("2026-09-08", False),
        rules={"shortfall_tolerance_minutes": 600},
    )
    assert run(data).status == "shortfall"


def test_pending_minutes_within_the_tolerance_still_need_review():
    data = scenario(
        attendance=late_by(10),
        absences=[absence("2026-09-08T09:00", "2026-09-08T12:00", "pending")],
        rules={"shortfall_tolerance_minutes": 30},
    )
    attendance = [a for a in data["attendance"] if not a["in"].startswith("2026-09-08")]
    data["attendance"] = attendance
    assert run(data).status == "pending_review"


def test_flags_are_sorted():
    data = scenario(
        attendance=[*visits_on(WEEK[1:]), visit("lang", "2026-09-07T08:55", None)],
        declined=declined("2026-09-08", False),
    )
    assert run(data).flags == ("declined_offer", "missing_checkout", "under_planned")


# --------------------------------------------------------------------------------------------
# Activities, full time and weeks


def test_activity_starting_and_ending_mid_week():
    short = activity("lang", [(day, "09:00", "12:00") for day in range(1, 6)], "2026-09-09")
    short["to"] = "2026-09-10"
    result = run(scenario(activities=[short]))
    assert result.scheduled_minutes == 360
    assert [day.scheduled_minutes for day in result.days[:5]] == [0, 0, 180, 180, 0]


def test_activity_over_before_the_period_leaves_the_plan_empty():
    ended = activity("lang", [(1, "09:00", "12:00")], "2026-01-01", "2026-09-06")
    result = run(scenario(activities=[ended]))
    assert (result.status, result.flags) == ("fulfilled", ("under_planned",))
    assert result.plan_gap_minutes == 2400


def test_over_full_time_when_external_and_plan_exceed_a_full_week():
    jobs = activity("jobs", [(day, "13:00", "17:00") for day in range(1, 6)])
    work = [{"kind": "work", "hours_per_week": 20, "from": "2026-01-01"}]
    data = scenario(activities=[*scenario()["activities"], jobs], external=work)
    assert "over_full_time" in run(data).flags


def test_exactly_full_time_is_not_over():
    work = [{"kind": "work", "hours_per_week": 25, "from": "2026-01-01"}]
    assert run(scenario(external=work)).flags == ()


@pytest.mark.parametrize(("end", "over"), [("13:00", False), ("13:01", True)])
def test_over_full_time_counts_only_the_weeks_working_days(end, over):
    # Ascension week: 4 working days, so full time is 4 x 480 minutes.
    data = scenario(
        period={"from": "2026-05-11", "to": "2026-05-17"},
        assistance_months=["2026-03", "2026-04", "2026-05"],
        external=[{"kind": "work", "hours_per_week": 20, "from": "2026-01-01"}],
        activities=[activity("lang", [(day, "09:00", end) for day in range(1, 6)])],
    )
    assert ("over_full_time" in run(data).flags) is over


@pytest.mark.parametrize(("end", "over"), [("16:30", False), ("16:31", True)])
def test_over_full_time_with_a_37_5_hour_week(end, over):
    data = scenario(
        rules={"full_time_hours_per_week": 37.5},
        activities=[activity("lang", [(day, "09:00", end) for day in range(1, 6)])],
    )
    assert ("over_full_time" in run(data).flags) is over


def test_weeks_across_two_months_and_a_cut_week():
    data = scenario(
        period={"from": "2026-09-24", "to": "2026-10-06"},
        attendance=visits_on(weekdays("2026-09-24", "2026-10-06")),
    )
    result = run(data)
    rows = week_rows(result)
    assert list(rows) == ["2026-W39", "2026-W40", "2026-W41"]
    assert rows["2026-W39"]["target_hours"] == 16.0
    assert rows["2026-W40"]["target_hours"] == 24.0
    assert rows["2026-W41"]["target_hours"] == 0.0
    assert rows["2026-W40"]["plan_gap_hours"] == 15.0
    assert result.subject_days == 7
    assert result.plan_gap_minutes == 600 + 900
    for name in ("target", "scheduled", "attended", "plan_gap"):
        total = getattr(result, f"{name}_minutes")
        assert total == sum(getattr(week, f"{name}_minutes") for week in result.weeks)


def test_plan_gap_is_not_netted_between_weeks():
    busy = activity("lang", [(day, "09:00", "15:00") for day in range(1, 6)], end="2026-09-13")
    data = scenario(
        period={"from": "2026-09-07", "to": "2026-09-20"},
        person={"birth_date": "1990-05-01", "participation_percent": 50},
        activities=[busy],
    )
    result = run(data)
    assert result.required_plan_minutes == 2400
    assert result.scheduled_minutes == 1800
    assert [week.plan_gap_minutes for week in result.weeks] == [0, 1200]
    assert result.plan_gap_minutes == 1200


def test_iso_weeks_at_a_year_end():
    data = scenario(
        period={"from": "2027-01-01", "to": "2027-01-04"},
        assistance_months=["2026-11", "2026-12", "2027-01"],
    )
    assert [week.week for week in run(data).weeks] == ["2026-W53", "2027-W01"]


# --------------------------------------------------------------------------------------------
# The contract and the drill-down


def test_contract_has_exactly_the_rule_books_fields():
    contract = run(scenario()).to_contract()
    hours = [
        f"{name}_hours"
        for name in (
            "target",
            "external",
            "required_plan",
            "scheduled",
            "attended",
            "excused",
            "pending",
            "unexcused",
        )
    ]
    assert list(contract) == [
        "status",
        "flags",
        "subject_days",
        "mandatory_days",
        "exempt_days",
        "exempt_reasons",
        *hours,
        "plan_gap_hours",
        "weeks",
    ]
    assert list(contract["weeks"][0]) == ["week", *hours, "plan_gap_hours"]


def test_days_drill_down_to_the_slot():
    data = scenario(
        activities=[*scenario()["activities"], activity("jobs", [(1, "13:00", "16:00")])],
        attendance=[
            visit("lang", "2026-09-07T09:20", "2026-09-07T12:00"),
            visit("jobs", "2026-09-07T12:55", None),
        ],
    )
    result = run(data)
    assert len(result.days) == 7
    monday = result.to_contract(include_days=True)["days"][0]
    assert monday["date"] == "2026-09-07"
    assert (monday["subject"], monday["working_day"], monday["exempt_reason"]) == (
        True,
        True,
        None,
    )
    assert monday["missing_checkout"] is True
    assert monday["slots"] == [
        {
            "activity": "lang",
            "start": "09:00",
            "end": "12:00",
            "scheduled_hours": 3.0,
            "attended_hours": 2.67,
            "excused_hours": 0.0,
            "pending_hours": 0.0,
            "unexcused_hours": 0.33,
            "missing_checkout": False,
        },
        {
            "activity": "jobs",
            "start": "13:00",
            "end": "16:00",
            "scheduled_hours": 3.0,
            "attended_hours": 3.0,
            "excused_hours": 0.0,
            "pending_hours": 0.0,
            "unexcused_hours": 0.0,
            "missing_checkout": True,
        },
    ]
    sunday = result.to_contract(include_days=True)["days"][6]
    assert (sunday["working_day"], sunday["slots"]) == (False, [])


# --------------------------------------------------------------------------------------------
# The engine as the admin side calls it


def test_engine_input_takes_aware_datetimes_and_float_hours():
    check_in = datetime(2026, 9, 7, 7, 0, 30, tzinfo=UTC)
    visit_at = Attendance("lang", check_in, check_in + timedelta(hours=3))
    assert (visit_at.check_in, visit_at.check_out) == (
        datetime(2026, 9, 7, 9, 0),
        datetime(2026, 9, 7, 12, 0),
    )
    report = Absence(check_in, check_in, "sick", "approved")
    assert report.start == datetime(2026, 9, 7, 9, 0)
    assert ExternalOccupation("work", 7.3, date(2026, 1, 1)).hours_per_week == Decimal("7.3")
    assert Rules(full_time_hours_per_week=37.5).full_time_hours_per_week == Decimal("37.5")


COMPLIANCE = Path(__file__).resolve().parents[2] / "portal" / "compliance"
#: Every module of the engine package, and the scenario contract.
RULES_MODULES = [*sorted((COMPLIANCE / "engine").glob("*.py")), COMPLIANCE / "scenario.py"]


@pytest.mark.parametrize(
    "source", RULES_MODULES, ids=lambda path: path.relative_to(COMPLIANCE).as_posix()
)
def test_rules_modules_import_neither_flask_nor_a_database(source):
    imported = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & {"flask", "sqlalchemy", "flask_sqlalchemy", "click"}
    assert imported <= {
        "__future__", "bisect", "collections", "dataclasses", "datetime", "decimal",
        "fractions", "functools", "holidays", "json", "math", "operator", "portal", "re",
        "typing", "zoneinfo",
    }  # fmt: skip
