"""Properties that hold for every scenario, checked on generated ones (hypothesis)."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.compliance.engine import (
    ABSENCE_REASONS,
    ACTIVITY_TYPES,
    DECISIONS,
    EXTERNAL_KINDS,
    FIGURES,
    FLAGS,
    MISSING_CHECKOUT_POLICIES,
    STATUSES,
    Absence,
    Activity,
    Attendance,
    DeclinedOffer,
    ExternalOccupation,
    Period,
    Person,
    Result,
    Rules,
    Scenario,
    Slot,
    Status,
    evaluate,
)
from portal.compliance.scenario import parse_scenario, scenario_to_dict

PROPERTY = settings(max_examples=120, deadline=None)
FIRST_DAY = date(2025, 11, 1)
STATUS_KINDS = ("parental_leave", "full_sickness_compensation", "activity_compensation")


@st.composite
def near(draw, period: Period, before: int = 45, after: int = 10) -> date:
    """A date around the period."""
    span = (period.end - period.start).days
    return period.start + timedelta(days=draw(st.integers(-before, span + after)))


@st.composite
def moments(draw, period: Period) -> datetime:
    """A local minute from the day before the period to the day after it, mostly in daytime."""
    day = period.start + timedelta(days=draw(st.integers(-1, (period.end - period.start).days + 1)))
    minute = draw(st.integers(6 * 60, 20 * 60) | st.integers(0, 24 * 60 - 1))
    return datetime.combine(day, time()) + timedelta(minutes=minute)


@st.composite
def assistance_months(draw, period: Period) -> list[date]:
    """Usually every month from three before the period to its end; sometimes any few."""
    first = period.start.replace(day=1)
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
    every = [first]
    while every[-1] < period.end.replace(day=1):
        every.append((every[-1] + timedelta(days=32)).replace(day=1))
    if draw(st.integers(0, 3)):
        return every
    return draw(st.lists(st.sampled_from(every), unique=True))


@st.composite
def date_ranges(draw, period: Period) -> tuple[date, date | None]:
    """A from date and an optional to date not before it."""
    start = draw(near(period))
    length = draw(st.none() | st.integers(0, 30))
    return start, None if length is None else start + timedelta(days=length)


@st.composite
def slots(draw) -> Slot:
    """A weekly slot between 06:00 and 22:00."""
    start = draw(st.integers(6 * 60, 18 * 60))
    end = start + draw(st.integers(1, 4 * 60))
    return Slot(draw(st.integers(1, 5)), time(*divmod(start, 60)), time(*divmod(end, 60)))


@st.composite
def visits(draw, period: Period, activities: list[Activity]) -> Attendance:
    """A check-in, often near one of the activity's slots, sometimes left open."""
    activity = draw(st.sampled_from(activities))
    check_in = draw(moments(period))
    length = draw(st.integers(0, 600))
    if activity.slots and draw(st.booleans()):
        slot = draw(st.sampled_from(activity.slots))
        day = check_in.date() + timedelta(days=(slot.weekday - check_in.isoweekday()) % 7)
        check_in = datetime.combine(day, slot.start) + timedelta(minutes=draw(st.integers(-30, 60)))
        length = max(0, draw(st.integers(-60, 30)) + slot.end.hour * 60 - slot.start.hour * 60)
    check_out = None if draw(st.integers(0, 4)) == 0 else check_in + timedelta(minutes=length)
    return Attendance(activity.id, check_in, check_out)


@st.composite
def scenarios(draw) -> Scenario:
    """A valid scenario of up to about three weeks, with plenty of overlaps and loose ends."""
    start = FIRST_DAY + timedelta(days=draw(st.integers(0, 450)))
    period = Period(start, start + timedelta(days=draw(st.integers(0, 20))))
    months = draw(assistance_months(period))
    rules = Rules(
        full_time_hours_per_week=draw(st.sampled_from([40, Decimal("37.5"), 35, Decimal("37.3")])),
        mandatory_after_months=draw(st.integers(0, 3)),
        pension_age=draw(st.integers(65, 70)),
        missing_checkout=draw(st.sampled_from(MISSING_CHECKOUT_POLICIES)),
        extra_exemptions=draw(st.sampled_from([(), ("activity_compensation",)])),
        exempt_if_af_activity=draw(st.sampled_from([False, False, True])),
    )
    statuses = [
        Status(draw(st.sampled_from(STATUS_KINDS)), *draw(date_ranges(period)))
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2])))
    ]
    person = Person(
        birth_date=draw(st.dates(date(1956, 1, 1), date(2004, 12, 31))),
        participation_percent=draw(st.integers(0, 100)),
        statuses=tuple(statuses),
        children_birth_dates=tuple(draw(st.lists(near(period, 400, 10), max_size=2))),
    )
    external = [
        ExternalOccupation(
            draw(st.sampled_from(EXTERNAL_KINDS)),
            draw(st.sampled_from([0, 5, 10, Decimal("7.3"), 20, 40])),
            *draw(date_ranges(period)),
        )
        for _ in range(draw(st.integers(0, 2)))
    ]
    activities = [
        Activity(
            f"a{index}",
            draw(st.sampled_from(ACTIVITY_TYPES)),
            *draw(date_ranges(period)),
            slots=tuple(draw(st.lists(slots(), max_size=4))),
        )
        for index in range(draw(st.integers(1, 3)))
    ]
    ids = st.sampled_from([activity.id for activity in activities])
    attendance = [draw(visits(period, activities)) for _ in range(draw(st.integers(0, 14)))]
    absences = []
    for _ in range(draw(st.integers(0, 4))):
        begins = draw(moments(period))
        ends = begins + timedelta(minutes=draw(st.integers(0, 1500)))
        absences.append(
            Absence(
                begins,
                ends,
                draw(st.sampled_from(ABSENCE_REASONS)),
                draw(st.sampled_from(DECISIONS)),
            )
        )
    declined = [
        DeclinedOffer(draw(near(period, 2, 2)), draw(ids), draw(st.booleans()))
        for _ in range(draw(st.integers(0, 2)))
    ]
    return Scenario(
        period=period,
        person=person,
        assistance_months=tuple(months),
        rules=rules,
        requirement_from=draw(st.none() | near(period)),
        external=tuple(external),
        activities=tuple(activities),
        attendance=tuple(attendance),
        absences=tuple(absences),
        declined=tuple(declined),
    )


def figures(row) -> dict[str, int]:
    """The minute figures of a result, week or day row."""
    return {name: getattr(row, f"{name}_minutes") for name in FIGURES}


def _shuffled(items: tuple, shuffle: random.Random) -> tuple:
    """A shuffled copy of a tuple."""
    copy = list(items)
    shuffle.shuffle(copy)
    return tuple(copy)


@PROPERTY
@given(scenarios())
def test_every_scheduled_minute_is_attended_excused_pending_or_unexcused(scenario):
    result = evaluate(scenario)
    rows = [
        result,
        *result.weeks,
        *result.days,
        *(slot for day in result.days for slot in day.slots),
    ]
    for row in rows:
        split = row.attended_minutes + row.excused_minutes + row.pending_minutes
        assert split + row.unexcused_minutes == row.scheduled_minutes


@PROPERTY
@given(scenarios())
def test_no_figure_is_negative(scenario):
    result = evaluate(scenario)
    for row in (result, *result.weeks, *result.days):
        assert min(figures(row).values()) >= 0
    for day in result.days:
        for slot in day.slots:
            assert min(slot[3:8]) >= 0
    assert result.plan_gap_minutes >= 0
    assert min(result.subject_days, result.mandatory_days, result.exempt_days) >= 0


@PROPERTY
@given(scenarios())
def test_period_totals_are_the_sums_of_weeks_and_weeks_of_days(scenario):
    result = evaluate(scenario)
    for name in FIGURES:
        assert getattr(result, f"{name}_minutes") == sum(
            figures(week)[name] for week in result.weeks
        )
        assert getattr(result, f"{name}_minutes") == sum(figures(day)[name] for day in result.days)
    assert result.plan_gap_minutes == sum(week.plan_gap_minutes for week in result.weeks)
    for week in result.weeks:
        assert week.plan_gap_minutes == max(0, week.required_plan_minutes - week.scheduled_minutes)
    assert len(result.days) == (scenario.period.end - scenario.period.start).days + 1
    assert result.exempt_days == sum(result.exempt_reasons.values())


@PROPERTY
@given(scenarios(), st.randoms(use_true_random=False))
def test_shuffling_the_input_lists_changes_nothing(scenario, shuffle):
    person = dataclasses.replace(
        scenario.person,
        statuses=_shuffled(scenario.person.statuses, shuffle),
        children_birth_dates=_shuffled(scenario.person.children_birth_dates, shuffle),
    )
    activities = tuple(
        dataclasses.replace(activity, slots=_shuffled(activity.slots, shuffle))
        for activity in _shuffled(scenario.activities, shuffle)
    )
    shuffled = dataclasses.replace(
        scenario,
        person=person,
        assistance_months=_shuffled(scenario.assistance_months, shuffle),
        external=_shuffled(scenario.external, shuffle),
        activities=activities,
        attendance=_shuffled(scenario.attendance, shuffle),
        absences=_shuffled(scenario.absences, shuffle),
        declined=_shuffled(scenario.declined, shuffle),
    )
    assert evaluate(shuffled) == evaluate(scenario)


@PROPERTY
@given(scenarios(), st.data())
def test_splitting_a_check_in_in_two_changes_nothing(scenario, data):
    long_visits = [
        index
        for index, visit in enumerate(scenario.attendance)
        if visit.check_out is not None and visit.check_out - visit.check_in >= timedelta(minutes=2)
    ]
    extra = Attendance(scenario.activities[0].id, datetime.combine(scenario.period.start, time(8)))
    extra = dataclasses.replace(extra, check_out=extra.check_in + timedelta(hours=5))
    attendance = [*scenario.attendance, extra]
    long_visits.append(len(attendance) - 1)
    index = data.draw(st.sampled_from(long_visits))
    visit = attendance[index]
    minutes = int((visit.check_out - visit.check_in).total_seconds() // 60)
    cut = visit.check_in + timedelta(minutes=data.draw(st.integers(1, minutes - 1)))
    split = [
        *attendance[:index],
        dataclasses.replace(visit, check_out=cut),
        dataclasses.replace(visit, check_in=cut),
        *attendance[index + 1 :],
    ]
    whole = dataclasses.replace(scenario, attendance=tuple(attendance))
    halves = dataclasses.replace(scenario, attendance=tuple(split))
    assert evaluate(halves) == evaluate(whole)


@PROPERTY
@given(scenarios())
def test_counting_nothing_for_open_check_ins_never_attends_more(scenario):
    to_end = evaluate(
        dataclasses.replace(
            scenario,
            rules=dataclasses.replace(scenario.rules, missing_checkout="count_to_slot_end"),
        )
    )
    nothing = evaluate(
        dataclasses.replace(
            scenario, rules=dataclasses.replace(scenario.rules, missing_checkout="count_nothing")
        )
    )
    assert nothing.attended_minutes <= to_end.attended_minutes
    assert nothing.scheduled_minutes == to_end.scheduled_minutes
    assert ("missing_checkout" in nothing.flags) == ("missing_checkout" in to_end.flags)


@PROPERTY
@given(scenarios())
def test_status_and_flags_follow_the_totals(scenario):
    result: Result = evaluate(scenario)
    assert result.status in STATUSES
    assert list(result.flags) == sorted(set(result.flags))
    assert set(result.flags) <= set(FLAGS)
    assert ("under_planned" in result.flags) == (result.plan_gap_minutes > 0)
    if result.subject_days == 0:
        assert result.status == ("exempt" if result.exempt_days else "not_subject")
        assert result.scheduled_minutes == result.target_minutes == 0
    elif result.unexcused_minutes or "declined_offer" in result.flags:
        assert result.status == "shortfall"
    elif result.pending_minutes:
        assert result.status == "pending_review"
    else:
        assert result.status == "fulfilled"
    assert result.mandatory_days <= result.subject_days


@PROPERTY
@given(scenarios())
def test_scenarios_survive_a_trip_through_json(scenario):
    text = json.dumps(scenario_to_dict(scenario))
    again = parse_scenario(json.loads(text))
    assert again == scenario
    assert evaluate(again) == evaluate(scenario)
