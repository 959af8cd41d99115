"""One rule for which sessions occur on a day (portal/occurrence.py): the Python form used by the
applicant's schedule, the catalogue and reconciliation equals the SQL form the scanner runs."""

from datetime import date, time, timedelta

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import occurrence as sessions
from portal.extensions import db
from portal.models import Activity, ActivitySession
from tests import factories

BASE = date(2026, 12, 1)
offsets = st.integers(min_value=0, max_value=40)
ends = st.one_of(st.none(), offsets)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    activity_from=offsets,
    activity_to=ends,
    valid_from=offsets,
    valid_to=ends,
    weekday=st.integers(min_value=1, max_value=7),
    active=st.booleans(),
    open_on_holidays=st.booleans(),
    day=offsets,
)
def test_python_and_sql_agree(world, activity_from, activity_to, valid_from, valid_to, weekday,
                              active, open_on_holidays, day):  # fmt: skip
    db.session.commit()  # the world stays; each example's rows are rolled back below
    activity = factories.activity(world.site_a, slots=(), from_date=BASE)
    activity.from_date = BASE + timedelta(days=activity_from)
    activity.to_date = None if activity_to is None else activity.from_date + timedelta(activity_to)
    activity.active = active
    activity.open_on_holidays = open_on_holidays
    session = ActivitySession(
        activity_id=activity.id,
        weekday=weekday,
        start_time=time(9),
        end_time=time(12),
        valid_from=BASE + timedelta(days=valid_from),
        valid_to=None if valid_to is None else BASE + timedelta(days=valid_from + valid_to),
    )
    db.session.add(session)
    db.session.flush()
    when = BASE + timedelta(days=day)
    in_sql = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ActivitySession)
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(
            ActivitySession.id == session.id,
            sessions.occurs_sql(when, when.isoweekday(), sessions.is_holiday(when)),
        )
    )
    assert bool(in_sql) == sessions.occurs(activity, session, when)
    db.session.rollback()


def test_weekend_sessions_occur_and_holidays_close_all_but_open_activities(world):
    activity = factories.activity(world.site_a, slots=((7, "10:00", "12:00"),), from_date=BASE)
    (sunday_session,) = activity.sessions
    assert sessions.occurs(activity, sunday_session, date(2026, 12, 6))  # a Sunday
    weekday = factories.activity(world.site_a, slots=((4, "10:00", "12:00"),), from_date=BASE)
    (thursday,) = weekday.sessions
    assert not sessions.occurs(weekday, thursday, date(2026, 12, 24))  # julafton, a Thursday
    assert sessions.occurs(weekday, thursday, date(2026, 12, 17))
    weekday.open_on_holidays = True
    assert sessions.occurs(weekday, thursday, date(2026, 12, 24))


def test_an_item_that_chose_no_sessions_takes_every_session():
    assert sessions.chosen(5, None) and sessions.chosen(5, []) and sessions.chosen(5, [5, 6])
    assert not sessions.chosen(5, [6])


def test_the_catalogue_takes_weekend_sessions_and_shows_them_in_its_calendar(world):
    from datetime import time as clock

    import pytest

    from admin.catalogue import services as catalogue
    from portal.errors import DomainError

    activity = factories.activity(world.site_a, slots=(), from_date=BASE)
    catalogue.add_session(activity, weekday=6, start_time=clock(10), end_time=clock(12))
    with pytest.raises(DomainError):
        catalogue.add_session(activity, weekday=8, start_time=clock(10), end_time=clock(12))
    (week,) = catalogue.session_calendar([activity], date(2026, 12, 7), 1)
    assert [d.day.isoweekday() for d in week.days] == [1, 2, 3, 4, 5, 6]
    assert len(week.days[5].sessions) == 1
