"""Which sessions occur on a day: the one rule, for the scanner, the applicant's schedule, the
catalogue and reconciliation.

A session of an activity **occurs** on a day when the activity is offered (active) and runs
that day (its from and to dates, inclusive), the session recurs on that ISO weekday, and the
session is valid that day (its valid_from and valid_to, inclusive). A **person has** the
session that day when, besides, a plan item of their plan in force covers the day, or an
enrolment does, and the item chose the session (an item that chose none takes every session).

A public or de-facto holiday cancels the sessions of an activity that is closed on holidays
(the default); an activity marked ``open_on_holidays`` (a drop-in centre, say) runs then too.
Sessions scheduled on a Saturday or Sunday occur on those days. Whatever occurs is scanned like
any other session; the rules engine counts hours on working days only (compliance-rules.md §2),
so reconciliation leaves weekends and holidays out and the applicant's schedule says so.

The rule is written twice on purpose, in Python for objects already loaded and in SQL for the
scanner's one-query lookup; ``tests/test_sessions.py`` holds the two equal.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Protocol

import sqlalchemy as sa

from portal.compliance.engine import is_holiday
from portal.models import Activity, ActivitySession


class _Dated(Protocol):
    from_date: date
    to_date: date | None


class _Offered(_Dated, Protocol):
    active: bool
    open_on_holidays: bool


class _Recurring(Protocol):
    weekday: int
    valid_from: date
    valid_to: date | None


def _within(day: date, first: date, last: date | None) -> bool:
    return first <= day and (last is None or day <= last)


def activity_runs(activity: _Offered, day: date) -> bool:
    """The activity is offered and runs on day (between its from and to dates, inclusive)."""
    return bool(activity.active) and _within(day, activity.from_date, activity.to_date)


def session_valid(session: _Recurring, day: date) -> bool:
    """The session's own dates allow day (whatever the weekday)."""
    return _within(day, session.valid_from, session.valid_to)


def occurs(activity: _Offered, session: _Recurring, day: date) -> bool:
    """The session takes place on day."""
    return (
        session.weekday == day.isoweekday()
        and session_valid(session, day)
        and activity_runs(activity, day)
        and (bool(activity.open_on_holidays) or not is_holiday(day))
    )


def day_params(day: date) -> dict:
    """The bound parameters ``occurs_sql`` reads for a day: day, weekday and holiday."""
    return {"day": day, "weekday": day.isoweekday(), "holiday": is_holiday(day)}


def chosen(session_id: int, chosen_ids: Collection[int] | None) -> bool:
    """An item that chose sessions takes those; one that chose none takes every session."""
    return not chosen_ids or session_id in chosen_ids


def covers(item: _Dated, day: date) -> bool:
    """A plan item or an enrolment covers day (between its from and to dates, inclusive)."""
    return _within(day, item.from_date, item.to_date)


def occurs_sql(day, weekday, holiday) -> sa.ColumnElement[bool]:
    """``occurs`` as a SQL condition over ``activity`` and ``activity_session`` (the day's
    values as bound parameters or literals; ``day_params`` gives them)."""
    return sa.and_(
        sa.or_(Activity.open_on_holidays.is_(True), sa.not_(holiday)),
        ActivitySession.weekday == weekday,
        ActivitySession.valid_from <= day,
        sa.or_(ActivitySession.valid_to.is_(None), ActivitySession.valid_to >= day),
        Activity.active.is_(True),
        Activity.from_date <= day,
        sa.or_(Activity.to_date.is_(None), Activity.to_date >= day),
    )


def covers_sql(from_date: sa.ColumnElement, to_date: sa.ColumnElement, day) -> sa.ColumnElement:
    """``covers`` as a SQL condition over an item's from and to columns."""
    return sa.and_(from_date <= day, sa.or_(to_date.is_(None), to_date >= day))
