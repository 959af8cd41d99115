"""The person's weekly plan on the minute axis: the slots of each weekday, a slot placed on a
day, and the slot an open check-in belongs to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import NamedTuple

from portal.compliance.engine.days import minute_of_day
from portal.compliance.engine.scenario_types import Activity

#: A slot in the weekly plan: start and end minute of the day, activity, clock times.
PlannedSlot = tuple[int, int, Activity, time, time]


class Occurrence(NamedTuple):
    """A slot of an activity placed on the minute axis of one day."""

    start: int
    end: int
    activity: str
    opens: time
    closes: time


def week_plan(activities: Iterable[Activity]) -> dict[int, list[PlannedSlot]]:
    """All slots by ISO weekday, in time order, with minutes since midnight."""
    plan: dict[int, list[PlannedSlot]] = {}
    for activity in activities:
        for slot in activity.slots:
            plan.setdefault(slot.weekday, []).append(
                (
                    minute_of_day(slot.start),
                    minute_of_day(slot.end),
                    activity,
                    slot.start,
                    slot.end,
                )
            )
    for slots in plan.values():
        slots.sort(key=lambda planned: (planned[0], planned[1], planned[2].id))
    return plan


def own_slot(occurrences: list[Occurrence], activity: str, moment: int) -> Occurrence | None:
    """The slot an open check-in belongs to: the one it happened in, else the next that day."""
    later = [slot for slot in occurrences if slot.activity == activity and slot.end > moment]
    during = [slot for slot in later if slot.start <= moment]
    return min(during or later, default=None)
