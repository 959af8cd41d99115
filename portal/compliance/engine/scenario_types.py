"""The scenario's input types: the municipality's rules, the person, external occupations,
the plan's activities and slots, check-ins, absence reports, declined offers and the period,
with the contract's vocabulary for them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from portal.compliance.engine.days import local_minute

EXTERNAL_KINDS = ("work", "studies", "af_programme", "other")
ACTIVITY_TYPES = ("motivation", "language", "workplace", "job_search", "education", "other")
ABSENCE_REASONS = ("sick", "child_sick", "medical", "job_interview", "other")
DECISIONS = ("approved", "pending", "rejected")
MISSING_CHECKOUT_POLICIES = ("count_to_slot_end", "count_nothing")

#: Hours are a setting or an assessment and may be fractional (37.5); floats are taken as written.
Hours = int | Decimal | Fraction
MissingCheckoutPolicy = Literal["count_to_slot_end", "count_nothing"]


def exact_hours(value: Hours | float) -> Hours:
    """Hours as an exact number: a float is taken as written (7.3 means 7.3, not its binary)."""
    return Decimal(repr(value)) if isinstance(value, float) else value


@dataclass(frozen=True, slots=True)
class Rules:
    """The municipality's settings, with the rule book's defaults."""

    full_time_hours_per_week: Hours = 40
    mandatory_after_months: int = 2
    pension_age: int = 67
    missing_checkout: MissingCheckoutPolicy = "count_to_slot_end"
    extra_exemptions: tuple[str, ...] = ()
    exempt_if_af_activity: bool = False
    #: Unexcused minutes a period may have and still not be a shortfall (a few minutes late).
    shortfall_tolerance_minutes: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "full_time_hours_per_week", exact_hours(self.full_time_hours_per_week)
        )


@dataclass(frozen=True, slots=True)
class Status:
    """A circumstance such as parental leave or sickness compensation, active from..to."""

    kind: str
    start: date
    end: date | None = None

    def active_on(self, day: date) -> bool:
        """Whether the status covers day (both ends inclusive)."""
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Person:
    """The person whose requirement is evaluated."""

    birth_date: date
    participation_percent: int = 100
    statuses: tuple[Status, ...] = ()
    children_birth_dates: tuple[date, ...] = ()


@dataclass(frozen=True, slots=True)
class ExternalOccupation:
    """Work, studies or an AF programme outside the municipality's plan."""

    kind: str
    hours_per_week: Hours
    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "hours_per_week", exact_hours(self.hours_per_week))

    def active_on(self, day: date) -> bool:
        """Whether the occupation covers day (both ends inclusive)."""
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Slot:
    """A weekly session of an activity: ISO weekday 1..5, local wall-clock start and end."""

    weekday: int
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class Activity:
    """An activity in the person's plan; it occurs from start to end, inclusive."""

    id: str
    type: str
    start: date
    end: date | None = None
    slots: tuple[Slot, ...] = ()


@dataclass(frozen=True, slots=True)
class Attendance:
    """One check-in at an activity; check_out is None when the person never checked out.

    Aware datetimes are converted to Stockholm wall-clock time; all are truncated to the minute.
    """

    activity: str
    check_in: datetime
    check_out: datetime | None = None

    def __post_init__(self) -> None:
        check_in, check_out = self.check_in, self.check_out
        if check_in.tzinfo is not None or check_in.second or check_in.microsecond:
            object.__setattr__(self, "check_in", local_minute(check_in))
        if check_out is not None and (
            check_out.tzinfo is not None or check_out.second or check_out.microsecond
        ):
            object.__setattr__(self, "check_out", local_minute(check_out))


@dataclass(frozen=True, slots=True)
class Absence:
    """An absence report covering start..end, with the caseworker's decision on it."""

    start: datetime
    end: datetime
    reason: str
    decision: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", local_minute(self.start))
        object.__setattr__(self, "end", local_minute(self.end))


@dataclass(frozen=True, slots=True)
class DeclinedOffer:
    """An offered activity the person declined on day."""

    day: date
    activity: str
    acceptable_reason: bool


@dataclass(frozen=True, slots=True)
class Period:
    """The evaluated calendar days, start..end inclusive."""

    start: date
    end: date

    def days(self) -> Iterator[date]:
        """Every day of the period, in order."""
        for ordinal in range(self.start.toordinal(), self.end.toordinal() + 1):
            yield date.fromordinal(ordinal)


@dataclass(frozen=True, slots=True)
class Scenario:
    """Everything the rules look at for one person and one period.

    ``assistance_months`` are the months with approved assistance, each given by a date in it
    (by convention the first).
    """

    period: Period
    person: Person
    assistance_months: tuple[date, ...]
    rules: Rules = field(default_factory=Rules)
    requirement_from: date | None = None
    external: tuple[ExternalOccupation, ...] = ()
    activities: tuple[Activity, ...] = ()
    attendance: tuple[Attendance, ...] = ()
    absences: tuple[Absence, ...] = ()
    declined: tuple[DeclinedOffer, ...] = ()
