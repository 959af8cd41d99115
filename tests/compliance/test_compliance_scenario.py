"""The scenario contract: what is accepted, what is refused, and how the refusal reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from portal.compliance.engine import Rules, Scenario, Slot
from portal.compliance.scenario import (
    ScenarioError,
    parse_scenario,
    parse_scenario_json,
    scenario_to_dict,
)
from tests.compliance.compliance_builders import activity, scenario, visit

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "vectors"

Change = Callable[[dict[str, Any]], object]


def setter(path: str, value: object) -> Change:
    """A change that sets a dotted path (``attendance.0.in``) to value."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


def deleter(path: str) -> Change:
    """A change that removes a dotted path."""

    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        del target[last]

    return change


def with_lists(data: dict[str, Any]) -> dict[str, Any]:
    """The base scenario with one item in every list, so each can be broken."""
    data["person"]["statuses"] = [{"kind": "parental_leave", "from": "2026-01-01", "to": None}]
    data["person"]["children_birth_dates"] = ["2026-03-15"]
    data["external"] = [{"kind": "work", "hours_per_week": 10, "from": "2026-01-01", "to": None}]
    data["attendance"] = [visit("lang", "2026-09-07T09:00", "2026-09-07T12:00")]
    data["absences"] = [
        {
            "from": "2026-09-08T09:00",
            "to": "2026-09-08T12:00",
            "reason": "sick",
            "decision": "pending",
        }
    ]
    data["declined"] = [{"date": "2026-09-09", "activity": "lang", "acceptable_reason": False}]
    data["rules"] = {}
    return data


INVALID: list[tuple[Change, str, str]] = [
    # Missing required fields.
    (deleter("person"), "person", "is required"),
    (deleter("period"), "period", "is required"),
    (deleter("period.from"), "period.from", "is required"),
    (deleter("person.birth_date"), "person.birth_date", "is required"),
    (deleter("assistance_months"), "assistance_months", "is required"),
    (deleter("external"), "external", "is required"),
    (deleter("activities"), "activities", "is required"),
    (deleter("attendance"), "attendance", "is required"),
    (deleter("absences"), "absences", "is required"),
    (setter("person", None), "person", "is required"),
    (deleter("activities.0.slots"), "activities[0].slots", "is required"),
    (deleter("activities.0.id"), "activities[0].id", "is required"),
    (deleter("activities.0.from"), "activities[0].from", "is required"),
    (deleter("attendance.0.in"), "attendance[0].in", "is required"),
    (deleter("attendance.0.activity"), "attendance[0].activity", "is required"),
    (deleter("absences.0.decision"), "absences[0].decision", "is required"),
    (deleter("external.0.hours_per_week"), "external[0].hours_per_week", "is required"),
    (deleter("declined.0.acceptable_reason"), "declined[0].acceptable_reason", "is required"),
    (deleter("person.statuses.0.kind"), "person.statuses[0].kind", "is required"),
    # Wrong shapes.
    (setter("period", "2026-09"), "period", "must be an object"),
    (setter("person", []), "person", "must be an object"),
    (setter("rules", []), "rules", "must be an object"),
    (setter("activities", {}), "activities", "must be a list"),
    (setter("attendance", "none"), "attendance", "must be a list"),
    (setter("declined", {}), "declined", "must be a list"),
    (setter("person.statuses", "parental_leave"), "person.statuses", "must be a list"),
    (setter("attendance.0", "lang"), "attendance[0]", "must be an object"),
    # Dates, months, times and moments.
    (setter("period.to", "2026-09-06"), "period.to", "before period.from"),
    (setter("period.from", "2026-13-01"), "period.from", "invalid date"),
    (setter("period.from", "2026-02-30"), "period.from", "invalid date"),
    (setter("period.from", "07/09/2026"), "period.from", "invalid date"),
    (setter("period.from", "2026-9-7"), "period.from", "invalid date"),
    (setter("period.from", 20260907), "period.from", "invalid date"),
    (setter("period.from", "2026-09-07T00:00"), "period.from", "invalid date"),
    (setter("person.birth_date", "1990-05-32"), "person.birth_date", "invalid date"),
    (setter("person.children_birth_dates.0", "soon"), "person.children_birth_dates[0]", "date"),
    (setter("person.statuses.0.to", "2025-12-31"), "person.statuses[0].to", "before"),
    (setter("requirement_from", "tomorrow"), "requirement_from", "invalid date"),
    (setter("assistance_months.0", "2026-13"), "assistance_months[0]", "invalid month"),
    (setter("assistance_months.0", "2026-7"), "assistance_months[0]", "invalid month"),
    (setter("assistance_months.0", "2026-07-01"), "assistance_months[0]", "invalid month"),
    (setter("assistance_months.0", 202607), "assistance_months[0]", "invalid month"),
    (setter("activities.0.to", "2023-12-31"), "activities[0].to", "before activities[0].from"),
    (setter("external.0.to", "2025-12-31"), "external[0].to", "before external[0].from"),
    (setter("activities.0.slots.0.start", "9:00"), "activities[0].slots[0].start", "time"),
    (setter("activities.0.slots.0.start", "24:00"), "activities[0].slots[0].start", "time"),
    (setter("activities.0.slots.0.start", "09:60"), "activities[0].slots[0].start", "time"),
    (setter("activities.0.slots.0.start", "0900"), "activities[0].slots[0].start", "time"),
    (setter("activities.0.slots.0.end", 12), "activities[0].slots[0].end", "time"),
    (setter("activities.0.slots.0.end", "08:00"), "activities[0].slots[0].end", "after"),
    (setter("activities.0.slots.0.end", "09:00"), "activities[0].slots[0].end", "after"),
    (setter("attendance.0.in", "2026-09-07"), "attendance[0].in", "invalid date and time"),
    (setter("attendance.0.in", "2026-09-07T25:00"), "attendance[0].in", "invalid date and time"),
    (setter("attendance.0.in", "yesterday"), "attendance[0].in", "invalid date and time"),
    (setter("attendance.0.out", "2026-09-07T08:59"), "attendance[0].out", "before"),
    (setter("attendance.0.out", "2026-09-07T06:59Z"), "attendance[0].out", "before"),
    (setter("attendance.0.out", 1200), "attendance[0].out", "invalid date and time"),
    (setter("absences.0.to", "2026-09-08T08:00"), "absences[0].to", "before absences[0].from"),
    (setter("absences.0.from", "2026-09-08 9:00"), "absences[0].from", "invalid date and time"),
    (setter("declined.0.date", "2026-09-9"), "declined[0].date", "invalid date"),
    # Numbers.
    (setter("person.participation_percent", 101), "person.participation_percent", "0 to 100"),
    (setter("person.participation_percent", -1), "person.participation_percent", "0 to 100"),
    (setter("person.participation_percent", 50.5), "person.participation_percent", "0 to 100"),
    (setter("person.participation_percent", "50"), "person.participation_percent", "0 to 100"),
    (setter("person.participation_percent", True), "person.participation_percent", "0 to 100"),
    (setter("activities.0.slots.0.weekday", 0), "activities[0].slots[0].weekday", "1 to 5"),
    (setter("activities.0.slots.0.weekday", 6), "activities[0].slots[0].weekday", "1 to 5"),
    (setter("activities.0.slots.0.weekday", 7), "activities[0].slots[0].weekday", "1 to 5"),
    (setter("activities.0.slots.0.weekday", "1"), "activities[0].slots[0].weekday", "1 to 5"),
    (setter("activities.0.slots.0.weekday", True), "activities[0].slots[0].weekday", "1 to 5"),
    (setter("activities.0.slots.0.weekday", 1.0), "activities[0].slots[0].weekday", "1 to 5"),
    (setter("external.0.hours_per_week", -1), "external[0].hours_per_week", "negative"),
    (setter("external.0.hours_per_week", "10"), "external[0].hours_per_week", "number"),
    (setter("external.0.hours_per_week", True), "external[0].hours_per_week", "number"),
    (setter("external.0.hours_per_week", 169), "external[0].hours_per_week", "at most"),
    (setter("external.0.hours_per_week", float("nan")), "external[0].hours_per_week", "finite"),
    # Words from fixed sets.
    (setter("external.0.kind", "job"), "external[0].kind", "unknown external kind 'job'"),
    (setter("activities.0.type", "sport"), "activities[0].type", "unknown activity type"),
    (setter("absences.0.decision", "maybe"), "absences[0].decision", "unknown decision 'maybe'"),
    (setter("absences.0.reason", "holiday"), "absences[0].reason", "unknown absence reason"),
    (setter("attendance.0.activity", "x"), "attendance[0].activity", "unknown activity 'x'"),
    (setter("attendance.0.activity", 1), "attendance[0].activity", "unknown activity 1"),
    (setter("declined.0.activity", ""), "declined[0].activity", "non-empty string"),
    (setter("declined.0.activity", 3), "declined[0].activity", "non-empty string"),
    (setter("declined.0.acceptable_reason", "no"), "declined[0].acceptable_reason", "true or"),
    (setter("activities.0.id", ""), "activities[0].id", "non-empty string"),
    (setter("activities.0.id", 7), "activities[0].id", "non-empty string"),
    (
        lambda data: data["activities"].append(activity("lang", [])),
        "activities[1].id",
        "duplicate activity id 'lang'",
    ),
    # Rules.
    (setter("rules.full_time_hours_per_week", 0), "rules.full_time_hours_per_week", "than 0"),
    (setter("rules.full_time_hours_per_week", "40"), "rules.full_time_hours_per_week", "number"),
    (setter("rules.full_time_hours_per_week", True), "rules.full_time_hours_per_week", "number"),
    (setter("rules.full_time_hours_per_week", 200), "rules.full_time_hours_per_week", "at most"),
    (setter("rules.mandatory_after_months", -1), "rules.mandatory_after_months", "integer"),
    (setter("rules.mandatory_after_months", 1.5), "rules.mandatory_after_months", "integer"),
    (setter("rules.mandatory_after_months", False), "rules.mandatory_after_months", "integer"),
    (setter("rules.pension_age", 0), "rules.pension_age", "integer"),
    (setter("rules.pension_age", "67"), "rules.pension_age", "integer"),
    (setter("rules.missing_checkout", "sometimes"), "rules.missing_checkout", "unknown"),
    (setter("rules.extra_exemptions", "activity_compensation"), "rules.extra_exemptions", "list"),
    (setter("rules.extra_exemptions", [1]), "rules.extra_exemptions[0]", "non-empty string"),
    (setter("rules.exempt_if_af_activity", "yes"), "rules.exempt_if_af_activity", "true or"),
    (setter("rules.pension_ag", 65), "rules.pension_ag", "unknown setting"),
    (
        setter("rules.shortfall_tolerance_minutes", -1),
        "rules.shortfall_tolerance_minutes",
        "integer >= 0",
    ),
    (
        setter("rules.shortfall_tolerance_minutes", 1.5),
        "rules.shortfall_tolerance_minutes",
        "integer >= 0",
    ),
    (
        setter("rules.shortfall_tolerance_minutes", True),
        "rules.shortfall_tolerance_minutes",
        "integer >= 0",
    ),
]


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    INVALID,
    ids=[f"{field}:{fragment}" for _, field, fragment in INVALID],
)
def test_invalid_input_names_the_field(change: Change, field: str, fragment: str):
    data = with_lists(scenario())
    change(data)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    message = str(caught.value)
    assert caught.value.field == field
    assert message.startswith(f"{field}: ")
    assert fragment in message
    assert "\n" not in message


def test_the_rule_books_example_messages():
    data = scenario(attendance=[visit("x", "2026-09-07T09:00", None)])
    with pytest.raises(ScenarioError, match=r"^attendance\[0\]\.activity: unknown activity 'x'$"):
        parse_scenario(data)
    with pytest.raises(ScenarioError, match=r"^period\.to: before period\.from$"):
        parse_scenario(scenario(period={"from": "2026-09-07", "to": "2026-09-01"}))


def test_scenario_error_is_a_value_error():
    assert issubclass(ScenarioError, ValueError)


@pytest.mark.parametrize("obj", [[], "scenario", None, 3, {"scenario": []}])
def test_input_must_be_an_object(obj):
    with pytest.raises(ScenarioError, match="^scenario: must be an object$"):
        parse_scenario(obj)


def test_the_first_problem_in_contract_order_is_reported():
    data = scenario()
    del data["person"]
    data["attendance"] = [visit("x", "2026-09-07T09:00", None)]
    with pytest.raises(ScenarioError, match="^person: is required$"):
        parse_scenario(data)


def test_a_very_long_bad_value_is_shortened():
    data = scenario()
    data["period"]["from"] = "x" * 500
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(data)
    assert len(str(caught.value)) < 120


# --------------------------------------------------------------------------------------------
# What is accepted


def test_wrapper_and_bare_scenario_are_the_same():
    bare = scenario()
    assert parse_scenario({"scenario": bare, "expected": {}}) == parse_scenario(bare)


def test_optional_fields_take_the_rule_books_defaults():
    parsed = parse_scenario(scenario())
    assert parsed.rules == Rules()
    assert parsed.person.participation_percent == 100
    assert parsed.person.statuses == parsed.person.children_birth_dates == ()
    assert parsed.requirement_from is None
    assert parsed.declined == ()


def test_nulls_in_optional_fields_mean_absent():
    data = scenario(rules=None, requirement_from=None, declined=None)
    data["person"].update(participation_percent=None, statuses=None, children_birth_dates=None)
    assert parse_scenario(data) == parse_scenario(scenario())


def test_open_ended_ranges_may_leave_out_to_and_out():
    data = scenario(attendance=[{"activity": "lang", "in": "2026-09-07T09:00"}])
    del data["activities"][0]["to"]
    parsed = parse_scenario(data)
    assert parsed.activities[0].end is None
    assert parsed.attendance[0].check_out is None


def test_partial_rules_keep_the_other_defaults_and_falsy_values():
    data = scenario(rules={"mandatory_after_months": 0, "exempt_if_af_activity": False})
    rules = parse_scenario(data).rules
    assert rules == Rules(mandatory_after_months=0)


def test_all_rules_are_read():
    data = scenario(
        rules={
            "full_time_hours_per_week": 37.5,
            "mandatory_after_months": 3,
            "pension_age": 66,
            "missing_checkout": "count_nothing",
            "extra_exemptions": ["activity_compensation"],
            "exempt_if_af_activity": True,
            "shortfall_tolerance_minutes": 60,
        }
    )
    assert parse_scenario(data).rules == Rules(
        full_time_hours_per_week=Decimal("37.5"),
        mandatory_after_months=3,
        pension_age=66,
        missing_checkout="count_nothing",
        extra_exemptions=("activity_compensation",),
        exempt_if_af_activity=True,
        shortfall_tolerance_minutes=60,
    )


@pytest.mark.parametrize(
    ("hours", "kept"),
    [(10, 10), (10.0, 10), (7.3, Decimal("7.3")), (Decimal("7.30"), Decimal("7.30")), (0, 0)],
)
def test_hours_are_kept_exact(hours, kept):
    data = scenario(external=[{"kind": "work", "hours_per_week": hours, "from": "2026-01-01"}])
    parsed_hours = parse_scenario(data).external[0].hours_per_week
    assert parsed_hours == kept
    assert type(parsed_hours) is type(kept)


def test_json_numbers_are_read_as_decimals():
    text = json.dumps(scenario()).replace(
        '"external": []',
        '"external": [{"kind": "work", "hours_per_week": 7.3, "from": "2026-01-01"}]',
    )
    assert parse_scenario_json(text).external[0].hours_per_week == Decimal("7.3")


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("2026-09-07T09:00", datetime(2026, 9, 7, 9, 0)),
        ("2026-09-07 09:00", datetime(2026, 9, 7, 9, 0)),
        ("2026-09-07T09:00:59.999", datetime(2026, 9, 7, 9, 0)),
        ("2026-09-07T07:00Z", datetime(2026, 9, 7, 9, 0)),
        ("2026-09-07T09:00+02:00", datetime(2026, 9, 7, 9, 0)),
        ("2026-09-07T09:00+0200", datetime(2026, 9, 7, 9, 0)),
        ("2026-09-07T02:00-05:00", datetime(2026, 9, 7, 9, 0)),
        ("2026-12-07T08:00Z", datetime(2026, 12, 7, 9, 0)),
        ("2026-09-06T23:30Z", datetime(2026, 9, 7, 1, 30)),
    ],
)
def test_moments_become_stockholm_wall_clock_minutes(text, local):
    data = scenario(attendance=[visit("lang", text, None)])
    assert parse_scenario(data).attendance[0].check_in == local


def test_slot_times_and_dates_are_typed():
    parsed = parse_scenario(scenario())
    assert parsed.period.start == date(2026, 9, 7)
    assert parsed.assistance_months[0] == date(2026, 7, 1)
    assert parsed.activities[0].slots[0] == Slot(1, time(9), time(12))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{bad", "invalid JSON at line 1 column 2"),
        ("", "invalid JSON at line 1 column 1"),
        ('{"a": NaN}', "NaN is not allowed"),
        ('{"a": Infinity}', "Infinity is not allowed"),
        ("[" * 100_000 + "]" * 100_000, "invalid JSON"),
    ],
)
def test_bad_json_is_reported_against_its_source(text, fragment):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario_json(text, source="case.json")
    assert str(caught.value).startswith("case.json: ")
    assert fragment in str(caught.value)


# --------------------------------------------------------------------------------------------
# Back to JSON


def _vector_scenarios() -> list[Path]:
    return sorted(path for path in VECTORS.glob("*.json") if not path.name.startswith("x"))


@pytest.mark.parametrize("path", _vector_scenarios(), ids=lambda path: path.stem)
def test_scenario_to_dict_round_trips_the_vectors(path: Path):
    parsed = parse_scenario(json.loads(path.read_text(encoding="utf-8")))
    assert parse_scenario(json.loads(json.dumps(scenario_to_dict(parsed)))) == parsed


def test_scenario_to_dict_round_trips_every_field():
    data = with_lists(scenario())
    data["rules"] = {"full_time_hours_per_week": 37.5, "extra_exemptions": ["x"]}
    data["requirement_from"] = "2026-09-01"
    data["attendance"].append(visit("lang", "2026-09-08T07:00Z", None))
    parsed = parse_scenario(data)
    again = parse_scenario(json.loads(json.dumps(scenario_to_dict(parsed))))
    assert isinstance(again, Scenario)
    assert again == parsed
