"""Report periods: a quarter, a month, a year, two years or a chosen range of dates."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from portal.errors import DomainError

_QUARTER = re.compile(r"([0-9]{4})-Q([1-4])")
_MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
_YEAR = re.compile(r"([0-9]{4})")
_YEARS = re.compile(r"([0-9]{4})\.\.([0-9]{4})")
_DAYS = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})")
#: The longest range a report covers (the biennial overview is two years).
MAX_DAYS = 2 * 366 + 1


@dataclass(frozen=True)
class Period:
    """A report period: its key as written (``2026-Q3``) and its first and last day."""

    key: str
    start: date
    end: date

    def months(self) -> list[tuple[str, date, date]]:
        """``(YYYY-MM, first, last)`` of every month with a day in the period, clipped to it."""
        found = []
        first = self.start.replace(day=1)
        while first <= self.end:
            following = _next_month(first)
            found.append(
                (
                    f"{first.year:04d}-{first.month:02d}",
                    max(first, self.start),
                    min(following - timedelta(days=1), self.end),
                )
            )
            first = following
        return found


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _invalid(text: str) -> DomainError:
    return DomainError(
        "invalid_period",
        f"invalid period {text!r} (expected YYYY-Qn, YYYY-MM, YYYY, YYYY..YYYY or "
        "YYYY-MM-DD..YYYY-MM-DD)",
    )


def parse_period(text: str | None) -> Period:
    """The period written as ``2026-Q3``, ``2026-09``, ``2026``, ``2025..2026`` or two dates.

    Raises DomainError ``invalid_period`` for anything else, a range that ends before it
    begins, a year before 2000, or a range longer than two years.
    """
    text = (text or "").strip()
    try:
        if match := _QUARTER.fullmatch(text):
            year, quarter = int(match[1]), int(match[2])
            start = date(year, 3 * quarter - 2, 1)
            end = _next_month(date(year, 3 * quarter, 1)) - timedelta(days=1)
        elif match := _MONTH.fullmatch(text):
            start = date(int(match[1]), int(match[2]), 1)
            end = _next_month(start) - timedelta(days=1)
        elif match := _YEAR.fullmatch(text):
            start, end = date(int(match[1]), 1, 1), date(int(match[1]), 12, 31)
        elif match := _YEARS.fullmatch(text):
            start, end = date(int(match[1]), 1, 1), date(int(match[2]), 12, 31)
        elif match := _DAYS.fullmatch(text):
            start, end = date.fromisoformat(match[1]), date.fromisoformat(match[2])
        else:
            raise _invalid(text)
    except ValueError:
        raise _invalid(text) from None
    if start.year < 2000 or end < start or (end - start).days >= MAX_DAYS:
        raise _invalid(text)
    return Period(text, start, end)


def quarter_of(day: date) -> str:
    """``2026-Q4`` for any day of October to December 2026."""
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def recent_periods(today: date) -> list[tuple[str, list[str]]]:
    """The periods the filter offers, grouped: quarters, two-year periods, years, months."""
    quarters, first = [], today.replace(day=1)
    seen: set[str] = set()
    while len(quarters) < 8:
        key = quarter_of(first)
        if key not in seen:
            seen.add(key)
            quarters.append(key)
        first = (first - timedelta(days=1)).replace(day=1)
    months, first = [], today.replace(day=1)
    for _ in range(13):
        months.append(f"{first.year:04d}-{first.month:02d}")
        first = (first - timedelta(days=1)).replace(day=1)
    years = [str(today.year - n) for n in range(3)]
    biennial = [f"{today.year - 1 - n}..{today.year - n}" for n in range(2)]
    return [("quarter", quarters), ("biennial", biennial), ("year", years), ("month", months)]
