"""Small builders for compliance scenarios, shared by the tests in this folder."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from portal.compliance.engine import Result, evaluate
from portal.compliance.scenario import parse_scenario

WEEKDAYS = (1, 2, 3, 4, 5)

#: A mandatory week (2026-W37) with one language course Monday to Friday 09:00-12:00, which
#: runs from 2024 so that other periods can reuse it. 15 h of 40 are planned: ``under_planned``.
BASE: dict[str, Any] = {
    "period": {"from": "2026-09-07", "to": "2026-09-13"},
    "person": {"birth_date": "1990-05-01", "participation_percent": 100},
    "assistance_months": ["2026-07", "2026-08", "2026-09"],
    "external": [],
    "activities": [
        {
            "id": "lang",
            "type": "language",
            "from": "2024-01-01",
            "to": None,
            "slots": [{"weekday": day, "start": "09:00", "end": "12:00"} for day in WEEKDAYS],
        }
    ],
    "attendance": [],
    "absences": [],
}


def scenario(**changes: Any) -> dict[str, Any]:
    """A copy of the base scenario with top-level keys replaced."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(changes))
    return data


def activity(
    activity_id: str,
    slots: list[tuple[int, str, str]],
    start: str = "2026-01-01",
    end: str | None = None,
    kind: str = "other",
) -> dict[str, Any]:
    """An activity whose slots are (weekday, start, end) triples."""
    return {
        "id": activity_id,
        "type": kind,
        "from": start,
        "to": end,
        "slots": [{"weekday": day, "start": opens, "end": closes} for day, opens, closes in slots],
    }


def visit(activity_id: str, check_in: str, check_out: str | None) -> dict[str, Any]:
    """One check-in."""
    return {"activity": activity_id, "in": check_in, "out": check_out}


def absence(start: str, end: str, decision: str, reason: str = "sick") -> dict[str, Any]:
    """One absence report."""
    return {"from": start, "to": end, "reason": reason, "decision": decision}


def weekdays(first: str, last: str) -> list[date]:
    """Monday-to-Friday dates from first to last inclusive."""
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    found = []
    while day <= end:
        if day.weekday() < 5:
            found.append(day)
        day += timedelta(days=1)
    return found


def visits_on(
    days: list[date], activity_id: str = "lang", check_in: str = "09:00", check_out: str = "12:00"
) -> list[dict[str, Any]]:
    """The same check-in and check-out time on each day."""
    return [
        visit(activity_id, f"{day}T{check_in}", f"{day}T{check_out}" if check_out else None)
        for day in days
    ]


def run(data: dict[str, Any]) -> Result:
    """Parse and evaluate a scenario dict."""
    return evaluate(parse_scenario(data))


def day_of(result: Result, iso_date: str):
    """The day row of a date."""
    wanted = date.fromisoformat(iso_date)
    return next(day for day in result.days if day.day == wanted)
