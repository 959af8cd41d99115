"""Periods: a month (``YYYY-MM``) or an ISO week (``YYYY-Www``) as its first and last day."""

from __future__ import annotations

import re
from datetime import date, timedelta

from portal.errors import DomainError

_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")


def month_bounds(month: str) -> tuple[date, date]:
    """The first and last day of a month written ``YYYY-MM``."""
    match = _MONTH.fullmatch(month or "")
    if not match:
        raise DomainError("invalid_month", f"invalid month {month!r} (expected YYYY-MM)")
    year, number = int(match[1]), int(match[2])
    if year < 1900:
        raise DomainError("invalid_month", f"invalid month {month!r} (expected YYYY-MM)")
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return first, following - timedelta(days=1)


def week_bounds(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written ``YYYY-Www`` (e.g. ``2026-W37``)."""
    match = _WEEK.fullmatch(week or "")
    try:
        if not match or int(match[1]) < 1900:
            raise ValueError(week)
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise DomainError("invalid_week", f"invalid week {week!r} (expected YYYY-Www)") from None
    return monday, monday + timedelta(days=6)


def period_bounds(period: str) -> tuple[date, date]:
    """A month (``2026-09``) or an ISO week (``2026-W37``) as its first and last day."""
    return week_bounds(period) if "W" in (period or "") else month_bounds(period)
