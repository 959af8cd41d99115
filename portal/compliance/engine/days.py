"""Time and the calendar on the engine's wall-clock axis: Stockholm local minutes, Swedish
holidays and working days, birthdays and ages, months and ISO weeks.
"""

from __future__ import annotations

from datetime import MAXYEAR, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo

import holidays

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MINUTES_PER_DAY = 24 * 60


def local_minute(moment: datetime) -> datetime:
    """The moment as naive Stockholm wall-clock time, truncated to the minute."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(STOCKHOLM)
    elif not (moment.second or moment.microsecond):
        return moment
    # The constructor rather than replace(): it is several times faster, and keeps the fold
    # that tells the two 02:30 of the autumn's change apart.
    return datetime(
        moment.year, moment.month, moment.day, moment.hour, moment.minute, fold=moment.fold
    )


def minute_of(moment: datetime) -> int:
    """A naive local moment as a point on the engine's wall-clock minute axis."""
    return moment.toordinal() * MINUTES_PER_DAY + moment.hour * 60 + moment.minute


def minute_of_day(clock: time) -> int:
    """Minutes since local midnight."""
    return clock.hour * 60 + clock.minute


@cache
def _holidays_in(year: int) -> frozenset[date]:
    """Swedish public and de-facto holidays of a year (built once per year: it is slow)."""
    calendar = holidays.Sweden(years=year, categories=("public", "de_facto"))
    return frozenset(calendar.keys())


def is_working_day(day: date) -> bool:
    """Monday to Friday, and neither a public nor a de-facto holiday."""
    return day.weekday() < 5 and day not in _holidays_in(day.year)


def is_holiday(day: date) -> bool:
    """A Swedish public or de-facto holiday (midsommarafton, julafton, nyårsafton)."""
    return day in _holidays_in(day.year)


def anniversary(born: date, year: int) -> date | None:
    """The birthday in year (29 February falls on 1 March in common years); None past 9999."""
    if year > MAXYEAR:
        return None
    try:
        return born.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def age_on(born: date, day: date) -> int:
    """Completed years of age on day."""
    birthday = anniversary(born, day.year)
    return day.year - born.year - (1 if birthday is not None and day < birthday else 0)


def is_under_one(born: date, day: date) -> bool:
    """Born on or before day and not yet had a first birthday."""
    first_birthday = anniversary(born, born.year + 1)
    return born <= day and (first_birthday is None or day < first_birthday)


def month_index(day: date) -> int:
    """A month as a single integer, so that 'the month before' is plain subtraction."""
    return day.year * 12 + day.month - 1


def iso_week_label(day: date) -> str:
    """The ISO week of a day, as ``2026-W37``."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"
