"""Per-day detail, stored for the drill-down: each day of a result as compact JSON, and back.

:mod:`portal.compliance.reconcile` stores :func:`day_detail` of every day of a result in
``ComplianceResult.days``; :func:`expand_day` gives a stored day's full form.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from portal.compliance.engine import DayResult, SlotResult

_DAY_MINUTES = (
    "target",
    "external",
    "required_plan",
    "scheduled",
    "attended",
    "excused",
    "pending",
    "unexcused",
)
_SLOT_MINUTES = ("scheduled", "attended", "excused", "pending", "unexcused")


def day_detail(day: DayResult) -> dict[str, Any]:
    """One day as compact JSON: figures in whole minutes, false flags and zeros left out.

    A day without slots (a weekend, a day not subject) is the same for many people: those are
    built once and shared, so treat the result as read-only.
    """
    if day.slots:
        detail = _day_detail(day)
        detail["slots"] = [slot_detail(slot) for slot in day.slots]
        return detail
    detail = _PLAIN_DAYS.get(day)
    if detail is None:
        if len(_PLAIN_DAYS) >= _PLAIN_DAYS_KEPT:
            _PLAIN_DAYS.clear()
        detail = _PLAIN_DAYS[day] = _day_detail(day)
    return detail


#: Slot-less day details by their DayResult (see day_detail); bounded.
_PLAIN_DAYS: dict[DayResult, dict[str, Any]] = {}
_PLAIN_DAYS_KEPT = 4096


def _day_detail(day: DayResult) -> dict[str, Any]:
    (
        when, assistance, mandatory, voluntary, exempt_reason, subject, working_day,
        declined_offer, target, external, required_plan, scheduled, attended, excused,
        pending, unexcused, missing_checkout, _,
    ) = day  # fmt: skip
    # Written out rather than looped over the names: this runs for every day of every person.
    detail: dict[str, Any] = {"date": when.isoformat()}
    if assistance:
        detail["assistance"] = True
    if mandatory:
        detail["mandatory"] = True
    if voluntary:
        detail["voluntary"] = True
    if subject:
        detail["subject"] = True
    if working_day:
        detail["working_day"] = True
    if declined_offer:
        detail["declined_offer"] = True
    if missing_checkout:
        detail["missing_checkout"] = True
    if exempt_reason:
        detail["exempt_reason"] = exempt_reason
    if target:
        detail["target"] = target
    if external:
        detail["external"] = external
    if required_plan:
        detail["required_plan"] = required_plan
    if scheduled:
        detail["scheduled"] = scheduled
    if attended:
        detail["attended"] = attended
    if excused:
        detail["excused"] = excused
    if pending:
        detail["pending"] = pending
    if unexcused:
        detail["unexcused"] = unexcused
    return detail


#: A stored slot is a list in this order (a month of a city's slots is a lot of JSON).
SLOT_FIELDS = ("activity", "start", "end", *_SLOT_MINUTES, "missing_checkout")


def slot_detail(slot: SlotResult) -> list[Any]:
    """One slot of a day as a compact JSON list in the order of SLOT_FIELDS (minutes).

    SlotResult's own field order is SLOT_FIELDS' (a test holds them together).
    """
    activity, start, end, *rest = slot
    return [activity, _clock_text(start), _clock_text(end), *rest]


def _clock_text(moment: time) -> str:
    """``HH:MM`` (a handful of distinct times: kept)."""
    text = _CLOCK_TEXTS.get(moment)
    if text is None:
        text = _CLOCK_TEXTS[moment] = f"{moment:%H:%M}"
    return text


_CLOCK_TEXTS: dict[time, str] = {}


def expand_day(detail: dict[str, Any]) -> dict[str, Any]:
    """A stored day with every key present (the inverse of :func:`day_detail`'s omissions)."""
    full: dict[str, Any] = {
        "date": date.fromisoformat(detail["date"]),
        "assistance": False,
        "mandatory": False,
        "voluntary": False,
        "subject": False,
        "working_day": False,
        "exempt_reason": None,
        "declined_offer": False,
        "missing_checkout": False,
        "slots": [],
        **dict.fromkeys(_DAY_MINUTES, 0),
    }
    full.update({key: value for key, value in detail.items() if key not in ("date", "slots")})
    full["slots"] = [dict(zip(SLOT_FIELDS, slot, strict=True)) for slot in detail.get("slots", ())]
    return full
