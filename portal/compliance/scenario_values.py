"""A scenario's values written both ways, as the rule book's JSON contract and as the
engine's own objects (what ``parse_scenario`` makes of that JSON).

The helpers with which :class:`portal.compliance.inputs.Inputs` writes each person's scenario.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, NamedTuple

from portal.compliance import engine


def json_number(value: Decimal | int) -> int | float:
    """Hours as a JSON number the contract reads back exactly (whole numbers as integers)."""
    if value == int(value):
        return int(value)
    return float(value)


def iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def instant(moment: datetime | None) -> str | None:
    """A stored UTC timestamp as ISO text with its offset; the engine converts it."""
    return None if moment is None else moment.isoformat(timespec="seconds")


class Shape(NamedTuple):
    """One engine activity, as contract JSON and as the engine's own object (both immutable
    in use: shared by everyone with the same plan shape)."""

    contract: dict[str, Any]
    engine: engine.Activity


def shape(
    engine_id: str, kind: str, start: date, end: date, slots: frozenset[tuple[int, time, time]]
) -> Shape:
    """An engine activity written both ways."""
    ordered = sorted(slots)
    return Shape(
        contract={
            "id": engine_id,
            "type": kind,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "slots": [
                {"weekday": weekday, "start": f"{opens:%H:%M}", "end": f"{closes:%H:%M}"}
                for weekday, opens, closes in ordered
            ],
        },
        engine=engine.Activity(
            engine_id,
            kind,
            start,
            end,
            tuple(
                engine.Slot(weekday, clock_minute(opens), clock_minute(closes))
                for weekday, opens, closes in ordered
            ),
        ),
    )


def clock_minute(moment: time) -> time:
    """A session time as the contract reads it: hours and minutes."""
    return time(moment.hour, moment.minute)


def shape_order(shape: Shape) -> tuple[date, str]:
    return shape.engine.start, shape.engine.id


def month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def exact(hours: Decimal | int) -> int | Decimal:
    """Hours as the contract's parser reads them back: whole numbers as integers."""
    return int(hours) if hours == int(hours) else Decimal(repr(float(hours)))


def engine_rules(rules: dict[str, Any]) -> engine.Rules:
    """The contract's ``rules`` as the engine's settings."""
    return engine.Rules(
        full_time_hours_per_week=rules["full_time_hours_per_week"],
        mandatory_after_months=rules["mandatory_after_months"],
        pension_age=rules["pension_age"],
        missing_checkout=rules["missing_checkout"],
        extra_exemptions=tuple(rules["extra_exemptions"]),
        exempt_if_af_activity=rules["exempt_if_af_activity"],
        shortfall_tolerance_minutes=rules["shortfall_tolerance_minutes"],
    )


def rules(settings: Any | None) -> dict[str, Any] | None:
    """The municipality's settings as the contract's ``rules``."""
    if settings is None:
        return None
    return {
        "full_time_hours_per_week": json_number(settings.full_time_hours_per_week),
        "mandatory_after_months": settings.mandatory_after_months,
        "pension_age": settings.pension_age,
        "missing_checkout": str(settings.missing_checkout),
        "extra_exemptions": list(settings.extra_exemptions or ()),
        "exempt_if_af_activity": bool(settings.exempt_if_af_activity),
        "shortfall_tolerance_minutes": settings.shortfall_tolerance_minutes,
    }
