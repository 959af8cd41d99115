"""Pure casework rules: service-level timers and returning applicants.

Nothing here needs Flask or a database, so the rules are tested on their own. Times are aware
datetimes; a service level counts real elapsed hours, so a 48-hour timer started the day before
the clocks change ends at a different wall-clock hour than it started (which is what the
applicant actually waited).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

#: A timer this close to its deadline is shown as "due soon".
DUE_SOON = timedelta(hours=8)
#: Months after the last approved month within which a new application counts as returning.
RETURNING_WITHIN_MONTHS = 12


class TimerState(enum.StrEnum):
    """Where a service-level timer stands."""

    MET = "met"  #: done before the deadline
    MET_LATE = "met_late"  #: done, but after the deadline
    RUNNING = "running"  #: not done, deadline more than DUE_SOON away
    DUE_SOON = "due_soon"  #: not done, deadline within DUE_SOON
    OVERDUE = "overdue"  #: not done, deadline passed
    NOT_APPLICABLE = "not_applicable"  #: no timer for this case (e.g. a withdrawn application)


@dataclass(frozen=True)
class Timer:
    """A service-level timer: started, due after a number of real hours, done or not."""

    state: TimerState
    started_at: datetime | None = None
    due_at: datetime | None = None
    done_at: datetime | None = None
    #: Minutes left (running/due soon) or minutes past the deadline (overdue, met late).
    minutes: int = 0

    @property
    def overdue(self) -> bool:
        return self.state == TimerState.OVERDUE


NO_TIMER = Timer(TimerState.NOT_APPLICABLE)


def sla_timer(
    started_at: datetime | None, hours: int, done_at: datetime | None, now: datetime
) -> Timer:
    """The state of a timer that must be done within ``hours`` real hours of ``started_at``.

    ``done_at`` before ``started_at`` (e.g. a plan that already existed) counts as met.
    """
    if started_at is None:
        return NO_TIMER
    if started_at.tzinfo is None or now.tzinfo is None:
        raise ValueError("sla_timer needs aware datetimes")
    due_at = started_at + timedelta(hours=hours)
    if done_at is not None:
        late = _whole_minutes(done_at - due_at)
        state = TimerState.MET_LATE if late > 0 else TimerState.MET
        return Timer(state, started_at, due_at, done_at, max(late, 0))
    left = due_at - now
    if left <= timedelta(0):
        return Timer(TimerState.OVERDUE, started_at, due_at, None, _whole_minutes(-left))
    state = TimerState.DUE_SOON if left <= DUE_SOON else TimerState.RUNNING
    return Timer(state, started_at, due_at, None, _whole_minutes(left))


def _whole_minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def month_index(month: str) -> int:
    """A "YYYY-MM" month as a running number, so months can be subtracted."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def month_start(month: str) -> date:
    """The first day of a "YYYY-MM" month."""
    year, mon = month.split("-")
    return date(int(year), int(mon), 1)


def month_after(month: str) -> str:
    """The "YYYY-MM" month after ``month``."""
    index = month_index(month) + 1
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_before(month: str) -> str:
    """The "YYYY-MM" month before ``month``."""
    index = month_index(month) - 1
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def last_approved_before(month: str, approved_months: set[str] | list[str]) -> str | None:
    """The newest approved month strictly before ``month``, if any."""
    earlier = [m for m in approved_months if month_index(m) < month_index(month)]
    return max(earlier, key=month_index) if earlier else None


def is_returning(month: str, approved_months: set[str] | list[str]) -> bool:
    """Whether an application for ``month`` is a return to assistance (återaktualisering).

    Returning means: there was an approved month before, at least one month without assistance
    since then, and ``month`` is at most RETURNING_WITHIN_MONTHS months after that last approved
    month (last approved 2025-09 → 2025-11 … 2026-09 are returns; 2026-10 is a new case).
    """
    last = last_approved_before(month, approved_months)
    if last is None:
        return False
    gap = month_index(month) - month_index(last)
    return 2 <= gap <= RETURNING_WITHIN_MONTHS


def spell_start(month: str, approved_months: set[str] | list[str]) -> date | None:
    """The day a new spell of assistance began, or None when ``month`` continues one.

    A spell is new when there is no approved month before ``month`` (returns the earliest
    possible date) or there was a gap: the spell then starts after the last approved month.
    """
    last = last_approved_before(month, approved_months)
    if last is None:
        return date.min
    if month_index(month) - month_index(last) >= 2:
        return month_start(month_after(last))
    return None
