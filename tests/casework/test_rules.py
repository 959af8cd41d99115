"""The pure casework rules: service-level timers (across daylight saving time) and returns."""

from datetime import date, datetime

import pytest

from admin.casework.rules import (
    TimerState,
    is_returning,
    month_after,
    month_before,
    sla_timer,
    spell_start,
)
from portal.i18n import STOCKHOLM
from tests.casework.builders import local


def wall(moment: datetime) -> str:
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


def test_a_48_hour_timer_over_the_spring_clock_change_ends_an_hour_later_on_the_clock():
    # Clocks go forward at 02:00 on 29 March 2026: 48 real hours end at 11:00, not 10:00.
    start = local("2026-03-28 10:00")
    timer = sla_timer(start, 48, None, local("2026-03-30 10:30"))
    assert wall(timer.due_at) == "2026-03-30 11:00"
    assert timer.state == TimerState.DUE_SOON and timer.minutes == 30
    late = sla_timer(start, 48, None, local("2026-03-30 11:05"))
    assert late.state == TimerState.OVERDUE and late.minutes == 5 and late.overdue


def test_a_48_hour_timer_over_the_autumn_clock_change_ends_an_hour_earlier_on_the_clock():
    # Clocks go back at 03:00 on 25 October 2026: 48 real hours end at 09:00.
    start = local("2026-10-24 10:00")
    timer = sla_timer(start, 48, None, local("2026-10-26 09:30"))
    assert wall(timer.due_at) == "2026-10-26 09:00"
    assert timer.state == TimerState.OVERDUE and timer.minutes == 30


def test_timer_states_running_met_and_met_late():
    start = local("2026-09-07 09:00")
    assert sla_timer(start, 48, None, local("2026-09-07 10:00")).state == TimerState.RUNNING
    met = sla_timer(start, 48, local("2026-09-08 09:00"), local("2026-09-20 10:00"))
    assert met.state == TimerState.MET and met.minutes == 0
    late = sla_timer(start, 48, local("2026-09-09 12:00"), local("2026-09-20 10:00"))
    assert late.state == TimerState.MET_LATE and late.minutes == 180
    # Something done before the timer started (a plan that already existed) is met.
    assert sla_timer(start, 48, local("2026-09-01 09:00"), start).state == TimerState.MET


def test_timer_uses_the_configured_hours_and_refuses_naive_times():
    start = local("2026-09-07 09:00")
    assert wall(sla_timer(start, 24, None, start).due_at) == "2026-09-08 09:00"
    assert sla_timer(None, 48, None, start).state == TimerState.NOT_APPLICABLE
    with pytest.raises(ValueError):
        sla_timer(datetime(2026, 9, 7, 9, 0), 48, None, start)


@pytest.mark.parametrize(
    "month, approved, expected",
    [
        ("2026-09", [], False),  # first application ever
        ("2026-09", ["2026-08"], False),  # continues without a gap
        ("2026-09", ["2026-07"], True),  # one month without assistance
        ("2026-09", ["2025-09"], True),  # exactly 12 months after the last approved month
        ("2026-09", ["2025-08"], False),  # more than 12 months: a new case
        ("2026-09", ["2025-01", "2026-03", "2026-05"], True),  # the newest earlier month counts
        ("2026-09", ["2026-10"], False),  # only earlier months count
        ("2027-01", ["2026-11"], True),  # across a year end
    ],
)
def test_returning_applicant(month, approved, expected):
    assert is_returning(month, approved) is expected


def test_spell_start_is_the_day_after_the_last_approved_month_or_none_when_continuing():
    assert spell_start("2026-09", []) == date.min
    assert spell_start("2026-09", ["2026-08"]) is None
    assert spell_start("2026-09", ["2026-06", "2026-03"]) == date(2026, 7, 1)
    assert spell_start("2026-01", ["2025-11"]) == date(2025, 12, 1)


def test_month_arithmetic_across_years():
    assert month_after("2026-12") == "2027-01"
    assert month_before("2027-01") == "2026-12"
