"""The result types: figures per slot, day, ISO week and period in minutes, and the
contract's JSON-ready form of them in hours.

Rows are NamedTuples: a month for a city builds hundreds of thousands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from operator import attrgetter
from typing import NamedTuple

STATUSES = ("not_subject", "exempt", "shortfall", "pending_review", "fulfilled")
FLAGS = ("declined_offer", "missing_checkout", "over_full_time", "under_planned")
#: The hour figures every day, week and period carries, in the contract's order.
FIGURES = (
    "target",
    "external",
    "required_plan",
    "scheduled",
    "attended",
    "excused",
    "pending",
    "unexcused",
)


def minutes_to_hours(minutes: int) -> float:
    """Hours rounded to two decimals, halves up, computed exactly.

    In integers: the cents are floor(minutes * 100 / 60 + 1/2), and an integer divided by 100
    is the double nearest the exact decimal (Python's true division rounds correctly).
    """
    return (minutes * 100 + 30) // 60 / 100


def _hour_getter(names: tuple[str, ...]) -> tuple[tuple[str, ...], attrgetter]:
    """The contract's ``*_hours`` keys and a getter of the matching ``*_minutes`` values."""
    return (
        tuple(f"{name}_hours" for name in names),
        attrgetter(*(f"{name}_minutes" for name in names)),
    )


_DAY_HOURS = _hour_getter(FIGURES)
_SLOT_HOURS = _hour_getter(FIGURES[3:])


def _hour_fields(row: object, getter: tuple[tuple[str, ...], attrgetter]) -> dict[str, float]:
    """The contract's ``*_hours`` fields of a row that has ``*_minutes`` attributes."""
    keys, minutes = getter
    return dict(zip(keys, map(minutes_to_hours, minutes(row)), strict=True))


class SlotResult(NamedTuple):
    """One slot on one subject working day, to drill down from a day to the check-ins."""

    activity: str
    start: time
    end: time
    scheduled_minutes: int
    attended_minutes: int
    excused_minutes: int
    pending_minutes: int
    unexcused_minutes: int
    missing_checkout: bool

    def to_contract(self) -> dict[str, object]:
        """The slot as JSON-ready data."""
        return {
            "activity": self.activity,
            "start": self.start.strftime("%H:%M"),
            "end": self.end.strftime("%H:%M"),
            **_hour_fields(self, _SLOT_HOURS),
            "missing_checkout": self.missing_checkout,
        }


class DayResult(NamedTuple):
    """What the rules say about one calendar day of the period (figures in minutes)."""

    day: date
    assistance: bool
    mandatory: bool
    voluntary: bool
    exempt_reason: str | None
    subject: bool
    working_day: bool
    declined_offer: bool
    target_minutes: int = 0
    external_minutes: int = 0
    required_plan_minutes: int = 0
    scheduled_minutes: int = 0
    attended_minutes: int = 0
    excused_minutes: int = 0
    pending_minutes: int = 0
    unexcused_minutes: int = 0
    missing_checkout: bool = False
    slots: tuple[SlotResult, ...] = ()

    def to_contract(self) -> dict[str, object]:
        """The day as JSON-ready data."""
        return {
            "date": self.day.isoformat(),
            "subject": self.subject,
            "mandatory": self.mandatory,
            "voluntary": self.voluntary,
            "exempt_reason": self.exempt_reason,
            "working_day": self.working_day,
            **_hour_fields(self, _DAY_HOURS),
            "missing_checkout": self.missing_checkout,
            "declined_offer": self.declined_offer,
            "slots": [slot.to_contract() for slot in self.slots],
        }


class WeekResult(NamedTuple):
    """The figures of one ISO week, summed over its days inside the period (in minutes)."""

    week: str
    subject_working_days: int
    target_minutes: int
    external_minutes: int
    required_plan_minutes: int
    scheduled_minutes: int
    attended_minutes: int
    excused_minutes: int
    pending_minutes: int
    unexcused_minutes: int
    plan_gap_minutes: int
    over_full_time: bool

    def to_contract(self) -> dict[str, object]:
        """The week row of the contract."""
        return {
            "week": self.week,
            **_hour_fields(self, _DAY_HOURS),
            "plan_gap_hours": minutes_to_hours(self.plan_gap_minutes),
        }


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome for a scenario: status, flags, totals in minutes, rows per week and day."""

    status: str
    flags: tuple[str, ...]
    subject_days: int
    mandatory_days: int
    exempt_days: int
    exempt_reasons: dict[str, int]
    target_minutes: int
    external_minutes: int
    required_plan_minutes: int
    scheduled_minutes: int
    attended_minutes: int
    excused_minutes: int
    pending_minutes: int
    unexcused_minutes: int
    plan_gap_minutes: int
    weeks: tuple[WeekResult, ...]
    days: tuple[DayResult, ...]

    def to_contract(self, *, include_days: bool = False) -> dict[str, object]:
        """The CLI's JSON object as the rule book specifies it (plus ``days`` on request)."""
        contract: dict[str, object] = {
            "status": self.status,
            "flags": list(self.flags),
            "subject_days": self.subject_days,
            "mandatory_days": self.mandatory_days,
            "exempt_days": self.exempt_days,
            "exempt_reasons": dict(self.exempt_reasons),
            **_hour_fields(self, _DAY_HOURS),
            "plan_gap_hours": minutes_to_hours(self.plan_gap_minutes),
            "weeks": [week.to_contract() for week in self.weeks],
        }
        if include_days:
            contract["days"] = [day.to_contract() for day in self.days]
        return contract
