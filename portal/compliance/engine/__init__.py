"""The activity-requirement rules engine: a pure function from a scenario to its figures.

It implements the rule book in ``shared/spec/compliance-rules.md``. It imports neither Flask nor
a database, so the admin reconciliation (input built from the database) and the
``compliance evaluate`` command (input built from JSON) run exactly the same rules.

Every duration is whole minutes on a *wall-clock* axis: a moment is the number of Stockholm
local minutes since 0001-01-01, so a slot from 09:00 to 12:00 is 180 minutes on every day of the
year, including the two days on which the clocks change.

This package is the engine's public surface; the code is in one module per subject:
``scenario_types`` (the input), ``results`` (the output), ``days`` (time and the calendar),
``intervals`` (minute interval sets), ``plan`` (the weekly plan's slots) and ``evaluation``
(:func:`evaluate` and the rule book's steps).
"""

from portal.compliance.engine.days import (
    MINUTES_PER_DAY,
    STOCKHOLM,
    age_on,
    anniversary,
    is_holiday,
    is_working_day,
    iso_week_label,
    local_minute,
    minute_of,
)
from portal.compliance.engine.evaluation import evaluate, half_up
from portal.compliance.engine.results import (
    FIGURES,
    FLAGS,
    STATUSES,
    DayResult,
    Result,
    SlotResult,
    WeekResult,
    minutes_to_hours,
)
from portal.compliance.engine.scenario_types import (
    ABSENCE_REASONS,
    ACTIVITY_TYPES,
    DECISIONS,
    EXTERNAL_KINDS,
    MISSING_CHECKOUT_POLICIES,
    Absence,
    Activity,
    Attendance,
    DeclinedOffer,
    ExternalOccupation,
    Hours,
    MissingCheckoutPolicy,
    Period,
    Person,
    Rules,
    Scenario,
    Slot,
    Status,
    exact_hours,
)

__all__ = [
    "ABSENCE_REASONS",
    "ACTIVITY_TYPES",
    "DECISIONS",
    "EXTERNAL_KINDS",
    "FIGURES",
    "FLAGS",
    "MINUTES_PER_DAY",
    "MISSING_CHECKOUT_POLICIES",
    "STATUSES",
    "STOCKHOLM",
    "Absence",
    "Activity",
    "Attendance",
    "DayResult",
    "DeclinedOffer",
    "ExternalOccupation",
    "Hours",
    "MissingCheckoutPolicy",
    "Period",
    "Person",
    "Result",
    "Rules",
    "Scenario",
    "Slot",
    "SlotResult",
    "Status",
    "WeekResult",
    "age_on",
    "anniversary",
    "evaluate",
    "exact_hours",
    "half_up",
    "is_holiday",
    "is_working_day",
    "iso_week_label",
    "local_minute",
    "minute_of",
    "minutes_to_hours",
]
