"""The scenario contract: JSON-shaped data in, validated engine input out, and back again.

Pure (no Flask, no database). Every problem raises :class:`ScenarioError`, whose ``str()`` is a
single line that names the offending field, e.g. ``attendance[0].activity: unknown activity 'x'``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar

from portal.compliance.engine import (
    ABSENCE_REASONS,
    ACTIVITY_TYPES,
    DECISIONS,
    EXTERNAL_KINDS,
    MISSING_CHECKOUT_POLICIES,
    STOCKHOLM,
    Absence,
    Activity,
    Attendance,
    DeclinedOffer,
    ExternalOccupation,
    Hours,
    Period,
    Person,
    Rules,
    Scenario,
    Slot,
    Status,
    local_minute,
)

T = TypeVar("T")

#: A week has 168 hours; any setting or occupation above that is a typing error.
MAX_HOURS_PER_WEEK = 168
RULE_FIELDS = (
    "full_time_hours_per_week",
    "mandatory_after_months",
    "pension_age",
    "missing_checkout",
    "extra_exemptions",
    "exempt_if_af_activity",
    "shortfall_tolerance_minutes",
)

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})(?::00)?")
_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-][0-9]{2}:?[0-9]{2})?"
)


class ScenarioError(ValueError):
    """Invalid scenario input; ``str()`` is one line: ``field: message``."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# --------------------------------------------------------------------------------------------
# Public entry points


def parse_scenario(obj: object) -> Scenario:
    """Validate a scenario object (or the vectors' ``{"scenario": {...}}`` wrapper)."""
    data = _object(obj, "scenario")
    if "scenario" in data:
        data = _object(data["scenario"], "scenario")
    # Read in the contract's order, so the first problem reported is the first in the file.
    period = _period(_required(data, "period", ""), "period")
    rules = _rules(data.get("rules"), "rules")
    person = _person(_required(data, "person", ""), "person")
    months = _list_of(_required(data, "assistance_months", ""), "assistance_months", _month)
    requirement_from = _optional(data, "requirement_from", "", _date)
    external = _list_of(_required(data, "external", ""), "external", _external)
    activities = _list_of(_required(data, "activities", ""), "activities", _activity)
    _check_unique_ids(activities)
    known = {activity.id for activity in activities}
    return Scenario(
        period=period,
        person=person,
        assistance_months=months,
        rules=rules,
        requirement_from=requirement_from,
        external=external,
        activities=activities,
        attendance=_list_of(
            _required(data, "attendance", ""), "attendance", _attendance_reader(known)
        ),
        absences=_list_of(_required(data, "absences", ""), "absences", _absence),
        declined=_optional_list(data, "declined", "", _declined),
    )


def parse_scenario_json(text: str, source: str = "scenario") -> Scenario:
    """Parse JSON text into a scenario; syntax errors are reported against source."""
    try:
        obj = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise ScenarioError(
            source, f"invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except ValueError as error:
        raise ScenarioError(source, f"invalid JSON: {error}") from None
    except RecursionError:
        raise ScenarioError(source, "invalid JSON: nested too deeply") from None
    return parse_scenario(obj)


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as contract JSON data; ``parse_scenario`` of it gives the scenario back."""
    person = scenario.person
    rules = scenario.rules
    return {
        "period": {"from": _iso(scenario.period.start), "to": _iso(scenario.period.end)},
        "rules": {
            "full_time_hours_per_week": _number(rules.full_time_hours_per_week),
            "mandatory_after_months": rules.mandatory_after_months,
            "pension_age": rules.pension_age,
            "missing_checkout": rules.missing_checkout,
            "extra_exemptions": list(rules.extra_exemptions),
            "exempt_if_af_activity": rules.exempt_if_af_activity,
            "shortfall_tolerance_minutes": rules.shortfall_tolerance_minutes,
        },
        "person": {
            "birth_date": _iso(person.birth_date),
            "participation_percent": person.participation_percent,
            "statuses": [
                {"kind": status.kind, "from": _iso(status.start), "to": _iso(status.end)}
                for status in person.statuses
            ],
            "children_birth_dates": [_iso(born) for born in person.children_birth_dates],
        },
        "assistance_months": [
            f"{month.year:04d}-{month.month:02d}" for month in scenario.assistance_months
        ],
        "requirement_from": _iso(scenario.requirement_from),
        "external": [
            {
                "kind": job.kind,
                "hours_per_week": _number(job.hours_per_week),
                "from": _iso(job.start),
                "to": _iso(job.end),
            }
            for job in scenario.external
        ],
        "activities": [_activity_to_dict(activity) for activity in scenario.activities],
        "attendance": [
            {
                "activity": visit.activity,
                "in": _iso_minute(visit.check_in),
                "out": _iso_minute(visit.check_out),
            }
            for visit in scenario.attendance
        ],
        "absences": [
            {
                "from": _iso_minute(absence.start),
                "to": _iso_minute(absence.end),
                "reason": absence.reason,
                "decision": absence.decision,
            }
            for absence in scenario.absences
        ],
        "declined": [
            {
                "date": _iso(offer.day),
                "activity": offer.activity,
                "acceptable_reason": offer.acceptable_reason,
            }
            for offer in scenario.declined
        ],
    }


# --------------------------------------------------------------------------------------------
# Sections of the contract


def _period(value: object, path: str) -> Period:
    """``{"from": date, "to": date}`` with from <= to."""
    data = _object(value, path)
    start = _date(_required(data, "from", path), _join(path, "from"))
    end = _date(_required(data, "to", path), _join(path, "to"))
    if end < start:
        raise ScenarioError(_join(path, "to"), f"before {_join(path, 'from')}")
    return Period(start, end)


def _rules(value: object, path: str) -> Rules:
    """The municipality's settings; anything left out keeps the rule book's default."""
    if value is None:
        return Rules()
    data = _object(value, path)
    for key in data:
        if key not in RULE_FIELDS:
            raise ScenarioError(_join(path, key), "unknown setting")
    defaults = Rules()

    def setting(key: str, read: Callable[[object, str], T]) -> T:
        found = _optional(data, key, path, read)
        return getattr(defaults, key) if found is None else found

    return Rules(
        full_time_hours_per_week=setting("full_time_hours_per_week", _positive_hours),
        mandatory_after_months=setting("mandatory_after_months", _integer_between(0, 120)),
        pension_age=setting("pension_age", _integer_between(1, 150)),
        missing_checkout=setting(
            "missing_checkout", _choice(MISSING_CHECKOUT_POLICIES, "missing_checkout policy")
        ),
        extra_exemptions=setting("extra_exemptions", _text_list),
        exempt_if_af_activity=setting("exempt_if_af_activity", _boolean),
        shortfall_tolerance_minutes=setting("shortfall_tolerance_minutes", _non_negative_integer),
    )


def _person(value: object, path: str) -> Person:
    """The person: birth date, participation, statuses and children."""
    data = _object(value, path)
    percent = _optional(data, "participation_percent", path, _integer_between(0, 100))
    return Person(
        birth_date=_date(_required(data, "birth_date", path), _join(path, "birth_date")),
        participation_percent=100 if percent is None else percent,
        statuses=_optional_list(data, "statuses", path, _status),
        children_birth_dates=_optional_list(data, "children_birth_dates", path, _date),
    )


def _status(value: object, path: str) -> Status:
    """A status such as ``parental_leave`` with its dates."""
    data = _object(value, path)
    start, end = _date_range(data, path)
    return Status(
        kind=_text(_required(data, "kind", path), _join(path, "kind")), start=start, end=end
    )


def _external(value: object, path: str) -> ExternalOccupation:
    """An external occupation with its weekly hours and dates."""
    data = _object(value, path)
    start, end = _date_range(data, path)
    return ExternalOccupation(
        kind=_choice(EXTERNAL_KINDS, "external kind")(
            _required(data, "kind", path), _join(path, "kind")
        ),
        hours_per_week=_hours(
            _required(data, "hours_per_week", path), _join(path, "hours_per_week")
        ),
        start=start,
        end=end,
    )


def _activity(value: object, path: str) -> Activity:
    """An activity of the plan with its weekly slots."""
    data = _object(value, path)
    start, end = _date_range(data, path)
    return Activity(
        id=_text(_required(data, "id", path), _join(path, "id")),
        type=_choice(ACTIVITY_TYPES, "activity type")(
            _required(data, "type", path), _join(path, "type")
        ),
        start=start,
        end=end,
        slots=_list_of(_required(data, "slots", path), _join(path, "slots"), _slot),
    )


def _slot(value: object, path: str) -> Slot:
    """A weekly slot: ISO weekday 1..5 and a start before its end."""
    data = _object(value, path)
    weekday = _integer_between(1, 5)(_required(data, "weekday", path), _join(path, "weekday"))
    start = _clock(_required(data, "start", path), _join(path, "start"))
    end = _clock(_required(data, "end", path), _join(path, "end"))
    if end <= start:
        raise ScenarioError(_join(path, "end"), f"must be after {_join(path, 'start')}")
    return Slot(weekday, start, end)


def _attendance_reader(known: set[str]) -> Callable[[object, str], Attendance]:
    """A reader of check-ins that accepts only the scenario's activities."""

    def read(value: object, path: str) -> Attendance:
        data = _object(value, path)
        activity = _known_activity(
            _required(data, "activity", path), _join(path, "activity"), known
        )
        check_in, entered = _moment(_required(data, "in", path), _join(path, "in"))
        check_out = None
        if data.get("out") is not None:
            check_out, left = _moment(data["out"], _join(path, "out"))
            if left < entered:
                raise ScenarioError(_join(path, "out"), f"before {_join(path, 'in')}")
        return Attendance(activity, check_in, check_out)

    return read


def _absence(value: object, path: str) -> Absence:
    """An absence report with its reason and decision."""
    data = _object(value, path)
    start, began = _moment(_required(data, "from", path), _join(path, "from"))
    end, ended = _moment(_required(data, "to", path), _join(path, "to"))
    if ended < began:
        raise ScenarioError(_join(path, "to"), f"before {_join(path, 'from')}")
    return Absence(
        start=start,
        end=end,
        reason=_choice(ABSENCE_REASONS, "absence reason")(
            _required(data, "reason", path), _join(path, "reason")
        ),
        decision=_choice(DECISIONS, "decision")(
            _required(data, "decision", path), _join(path, "decision")
        ),
    )


def _declined(value: object, path: str) -> DeclinedOffer:
    """A declined offer; its activity need not be in the plan (it never became part of it)."""
    data = _object(value, path)
    return DeclinedOffer(
        day=_date(_required(data, "date", path), _join(path, "date")),
        activity=_text(_required(data, "activity", path), _join(path, "activity")),
        acceptable_reason=_boolean(
            _required(data, "acceptable_reason", path), _join(path, "acceptable_reason")
        ),
    )


def _check_unique_ids(activities: tuple[Activity, ...]) -> None:
    """Attendance names activities by id, so an id may appear only once."""
    seen: set[str] = set()
    for index, activity in enumerate(activities):
        if activity.id in seen:
            raise ScenarioError(
                f"activities[{index}].id", f"duplicate activity id {_show(activity.id)}"
            )
        seen.add(activity.id)


# --------------------------------------------------------------------------------------------
# Field readers: each takes (value, path) and returns a typed value or raises ScenarioError


def _join(path: str, key: str) -> str:
    """The dotted path of a key inside path."""
    return f"{path}.{key}" if path else key


def _show(value: object) -> str:
    """A short one-line rendering of a bad value for a message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _object(value: object, path: str) -> Mapping[str, Any]:
    """A JSON object."""
    if not isinstance(value, Mapping):
        raise ScenarioError(path, "must be an object")
    return value


def _required(data: Mapping[str, Any], key: str, path: str) -> Any:
    """The value of a required key; null counts as missing."""
    if data.get(key) is None:
        raise ScenarioError(_join(path, key), "is required")
    return data[key]


def _optional(
    data: Mapping[str, Any], key: str, path: str, read: Callable[[object, str], T]
) -> T | None:
    """The value of an optional key, or None when it is absent or null."""
    value = data.get(key)
    return None if value is None else read(value, _join(path, key))


def _list_of(value: object, path: str, read: Callable[[object, str], T]) -> tuple[T, ...]:
    """A JSON array whose items are each read at ``path[i]``."""
    if not isinstance(value, list):
        raise ScenarioError(path, "must be a list")
    return tuple(read(item, f"{path}[{index}]") for index, item in enumerate(value))


def _optional_list(
    data: Mapping[str, Any], key: str, path: str, read: Callable[[object, str], T]
) -> tuple[T, ...]:
    """An optional JSON array; absent or null is empty."""
    value = data.get(key)
    return () if value is None else _list_of(value, _join(path, key), read)


def _text(value: object, path: str) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ScenarioError(path, "must be a non-empty string")
    return value


def _text_list(value: object, path: str) -> tuple[str, ...]:
    """A list of non-empty strings."""
    return _list_of(value, path, _text)


def _boolean(value: object, path: str) -> bool:
    """true or false, nothing else."""
    if not isinstance(value, bool):
        raise ScenarioError(path, "must be true or false")
    return value


def _integer_between(low: int, high: int) -> Callable[[object, str], int]:
    """A reader of whole numbers in low..high (booleans are not numbers here)."""

    def read(value: object, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ScenarioError(
                path, f"must be an integer from {low} to {high}, got {_show(value)}"
            )
        return value

    return read


def _non_negative_integer(value: object, path: str) -> int:
    """A whole number >= 0 (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScenarioError(path, f"must be an integer >= 0, got {_show(value)}")
    return value


def _hours(value: object, path: str) -> Hours:
    """Hours per week: a number from 0 to 168, kept exact (floats go through their text)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ScenarioError(path, f"must be a number, got {_show(value)}")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ScenarioError(path, f"must be a finite number, got {_show(value)}")
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and not value.is_finite():
        raise ScenarioError(path, f"must be a finite number, got {_show(value)}")
    if value < 0:
        raise ScenarioError(path, "must not be negative")
    if value > MAX_HOURS_PER_WEEK:
        raise ScenarioError(path, f"must be at most {MAX_HOURS_PER_WEEK}")
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


def _positive_hours(value: object, path: str) -> Hours:
    """Hours per week above zero (full time)."""
    hours = _hours(value, path)
    if hours <= 0:
        raise ScenarioError(path, "must be greater than 0")
    return hours


def _choice(choices: tuple[str, ...], what: str) -> Callable[[object, str], str]:
    """A reader of one of a fixed set of words."""

    def read(value: object, path: str) -> str:
        if not isinstance(value, str) or value not in choices:
            raise ScenarioError(
                path, f"unknown {what} {_show(value)} (one of {', '.join(choices)})"
            )
        return value

    return read


def _known_activity(value: object, path: str, known: set[str]) -> str:
    """The id of an activity of the scenario."""
    if not isinstance(value, str) or value not in known:
        raise ScenarioError(path, f"unknown activity {_show(value)}")
    return value


def _date(value: object, path: str) -> date:
    """A calendar date, ``YYYY-MM-DD``."""
    if isinstance(value, str) and _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ScenarioError(path, f"invalid date {_show(value)} (expected YYYY-MM-DD)")


def _date_range(data: Mapping[str, Any], path: str) -> tuple[date, date | None]:
    """``from`` (required) and ``to`` (null or absent: open-ended), with from <= to."""
    start = _date(_required(data, "from", path), _join(path, "from"))
    end = _optional(data, "to", path, _date)
    if end is not None and end < start:
        raise ScenarioError(_join(path, "to"), f"before {_join(path, 'from')}")
    return start, end


def _month(value: object, path: str) -> date:
    """A month, ``YYYY-MM``, as its first day."""
    match = _MONTH.fullmatch(value) if isinstance(value, str) else None
    if match and 1 <= int(match[2]) <= 12 and int(match[1]) >= 1:
        return date(int(match[1]), int(match[2]), 1)
    raise ScenarioError(path, f"invalid month {_show(value)} (expected YYYY-MM)")


def _clock(value: object, path: str) -> time:
    """A wall-clock time of day, ``HH:MM``."""
    match = _CLOCK.fullmatch(value) if isinstance(value, str) else None
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    raise ScenarioError(path, f"invalid time {_show(value)} (expected HH:MM)")


def _moment(value: object, path: str) -> tuple[datetime, datetime]:
    """A date and time: (Stockholm wall-clock minute, UTC instant for ordering).

    Without an offset it is Stockholm time as written; with one it is converted.
    """
    if isinstance(value, str) and _MOMENT.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value)
            zoned = moment if moment.tzinfo is not None else moment.replace(tzinfo=STOCKHOLM)
            return local_minute(moment), zoned.astimezone(UTC)
        except (ValueError, OverflowError):
            pass  # not a real moment, or one the calendar cannot convert (year 1 or 9999)
    raise ScenarioError(path, f"invalid date and time {_show(value)} (expected YYYY-MM-DDTHH:MM)")


def _reject_constant(name: str) -> None:
    """JSON's NaN and Infinity are not numbers any figure may take."""
    raise ValueError(f"{name} is not allowed")


# --------------------------------------------------------------------------------------------
# Back to JSON


def _iso(day: date | None) -> str | None:
    """A date as ``YYYY-MM-DD`` (None stays None)."""
    return None if day is None else day.isoformat()


def _iso_minute(moment: datetime | None) -> str | None:
    """A local moment as ``YYYY-MM-DDTHH:MM`` (None stays None)."""
    return None if moment is None else moment.isoformat(timespec="minutes")


def _number(value: Hours) -> int | float:
    """Hours as a JSON number: whole numbers stay integers."""
    if isinstance(value, int) or value == int(value):
        return int(value)
    return float(value)


def _activity_to_dict(activity: Activity) -> dict[str, Any]:
    """An activity as contract JSON data."""
    return {
        "id": activity.id,
        "type": activity.type,
        "from": _iso(activity.start),
        "to": _iso(activity.end),
        "slots": [
            {
                "weekday": slot.weekday,
                "start": slot.start.strftime("%H:%M"),
                "end": slot.end.strftime("%H:%M"),
            }
            for slot in activity.slots
        ],
    }
