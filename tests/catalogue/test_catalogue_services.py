"""Catalogue rules: sites get a fresh key, sessions skip holidays, capacity and the waiting list."""

from datetime import date, time

import pytest

from admin.catalogue import services
from portal.errors import DomainError
from portal.models import ActivityType, EnrolmentStatus
from tests import factories


def test_new_site_gets_a_fresh_random_key_and_keeps_it_on_edit(rctx, world, db):
    data = services.SiteData(
        name="Navet", address="Storgatan 1", city="Kalmar", latitude=56.66, longitude=16.36
    )
    first = services.create_site(world.municipality.id, data)
    second = services.create_site(world.municipality.id, data)
    assert len(first.site_key) == 64 and first.site_key != second.site_key
    key = first.site_key
    services.update_site(first, services.SiteData(name="Navet 2", address="Ny 2", city="Kalmar"))
    assert first.site_key == key and first.name == "Navet 2" and first.latitude is None


def test_site_needs_both_coordinates_or_none(rctx, world):
    with pytest.raises(DomainError) as err:
        services.create_site(
            world.municipality.id, services.SiteData(name="X", address="Y", latitude=56.0)
        )
    assert err.value.code == "coordinates_incomplete"


@pytest.mark.parametrize("kind", list(ActivityType))
def test_activities_of_every_type_can_be_created(rctx, world, kind):
    act = services.create_activity(
        services.ActivityData(
            site=world.site_a,
            name=f"Akt {kind}",
            type=kind,
            from_date=date(2026, 1, 5),
            capacity=3,
        )
    )
    assert act.type == kind and act.capacity == 3 and act.public_ref


def test_activity_dates_must_be_ordered(rctx, world):
    with pytest.raises(DomainError) as err:
        services.create_activity(
            services.ActivityData(
                site=world.site_a,
                name="X",
                type=ActivityType.OTHER,
                from_date=date(2026, 2, 1),
                to_date=date(2026, 1, 1),
            )
        )
    assert err.value.code == "dates_reversed"


def _activity(world, **kw):
    return factories.activity(world.site_a, slots=(), from_date=date(2026, 1, 1), **kw)


def test_sessions_are_validated_and_may_not_overlap(rctx, world):
    act = _activity(world)
    services.add_session(act, weekday=2, start_time=time(9), end_time=time(12))
    with pytest.raises(DomainError) as err:
        services.add_session(act, weekday=2, start_time=time(11), end_time=time(13))
    assert err.value.code == "session_overlap"
    with pytest.raises(DomainError) as err:
        services.add_session(act, weekday=3, start_time=time(12), end_time=time(9))
    assert err.value.code == "times_reversed"
    with pytest.raises(DomainError) as err:
        services.add_session(
            act, weekday=3, start_time=time(9), end_time=time(10), valid_from=date(2025, 12, 1)
        )
    assert err.value.code == "outside_activity"
    # Back to back is not an overlap.
    services.add_session(act, weekday=2, start_time=time(12), end_time=time(14))
    assert [s.minutes for s in act.sessions] == [180, 120]


def test_open_ended_session_stops_with_its_activity(rctx, world):
    act = _activity(world)
    act.to_date = date(2026, 6, 30)
    s = services.add_session(act, weekday=1, start_time=time(9), end_time=time(10))
    assert s.valid_to == date(2026, 6, 30)


def test_calendar_marks_holidays_and_sessions_do_not_occur_on_them(rctx, world):
    # Week 25 of 2026: Friday 19 June is midsommarafton (de facto), Tuesday is ordinary.
    act = _activity(world)
    services.add_session(act, weekday=5, start_time=time(9), end_time=time(12))
    services.add_session(act, weekday=2, start_time=time(9), end_time=time(12))
    (week,) = services.session_calendar([act], date(2026, 6, 17), 1)
    assert week.label == "2026-W25"
    friday, tuesday = week.days[4], week.days[1]
    assert friday.day == date(2026, 6, 19)
    assert friday.holiday == "Midsommarafton" and friday.sessions == []
    assert tuesday.holiday is None and len(tuesday.sessions) == 1
    assert services.holiday_name(date(2026, 6, 19), "en") == "Midsummer Eve"


def test_calendar_skips_public_holidays_such_as_ascension_day(rctx, world):
    act = _activity(world)
    services.add_session(act, weekday=4, start_time=time(9), end_time=time(12))
    weeks = services.session_calendar([act], date(2026, 5, 11), 2)
    thursdays = [w.days[3] for w in weeks]
    assert (
        thursdays[0].day == date(2026, 5, 14) and thursdays[0].holiday == "Kristi himmelsfärdsdag"
    )
    assert thursdays[0].sessions == [] and len(thursdays[1].sessions) == 1


def test_calendar_respects_session_and_activity_dates(rctx, world):
    act = _activity(world)
    act.to_date = date(2026, 3, 4)
    services.add_session(
        act, weekday=3, start_time=time(9), end_time=time(10), valid_from=date(2026, 2, 25)
    )
    weeks = services.session_calendar([act], date(2026, 2, 16), 4)
    wednesdays = [bool(w.days[2].sessions) for w in weeks]
    # 18 Feb before the session starts; 25 Feb and 4 Mar run; 11 Mar after the activity ends.
    assert wednesdays == [False, True, True, False]


def test_ending_a_started_session_keeps_its_past_and_unstarted_one_is_removed(rctx, world):
    act = _activity(world)
    started = services.add_session(act, weekday=1, start_time=time(9), end_time=time(10))
    future = services.add_session(
        act, weekday=2, start_time=time(9), end_time=time(10), valid_from=date(2026, 9, 1)
    )
    assert services.end_session(act, started, date(2026, 3, 10)) == "ended"
    assert started.valid_to == date(2026, 3, 9)
    with pytest.raises(DomainError) as err:
        services.end_session(act, started, date(2026, 3, 10))
    assert err.value.code == "session_already_ended"
    assert services.end_session(act, future, date(2026, 3, 10)) == "deleted"
    assert act.sessions == [started]


TODAY = date(2026, 3, 2)


def test_enrolment_beyond_capacity_goes_to_the_waiting_list_in_order(rctx, world, db):
    act = _activity(world, capacity=2)
    people = [factories.person(world.municipality, unit=world.unit_a) for _ in range(4)]
    statuses = [services.enrol(p, act, TODAY, TODAY).status for p in people]
    assert statuses == [
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.ENROLLED,
        EnrolmentStatus.WAITING,
        EnrolmentStatus.WAITING,
    ]
    occ = services.occupancy([act.id])[act.id]
    assert (occ.enrolled, occ.waiting, occ.capacity, occ.full) == (2, 2, 2, True)
    third = services.current_enrolment(people[2], act)
    fourth = services.current_enrolment(people[3], act)
    assert services.queue_position(third) == 1 and services.queue_position(fourth) == 2


def test_ending_an_enrolment_gives_the_place_to_the_first_waiting(rctx, world, db):
    act = _activity(world, capacity=1)
    first, second, third = (factories.person(world.municipality, unit=world.unit_a) for _ in "abc")
    held = services.enrol(first, act, TODAY, TODAY)
    services.enrol(second, act, TODAY, TODAY)
    services.enrol(third, act, TODAY, TODAY)
    promoted = services.end_enrolment(held, date(2026, 3, 13))
    assert promoted.person_id == second.id and promoted.status == EnrolmentStatus.ENROLLED
    assert promoted.from_date == date(2026, 3, 14)
    assert held.status == EnrolmentStatus.ENDED and held.to_date == date(2026, 3, 13)
    occ = services.occupancy([act.id])[act.id]
    assert (occ.enrolled, occ.waiting) == (1, 1)
    assert services.queue_position(services.current_enrolment(third, act)) == 1


def test_leaving_the_queue_frees_no_place(rctx, world, db):
    act = _activity(world, capacity=1)
    a, b, c = (factories.person(world.municipality, unit=world.unit_a) for _ in "abc")
    services.enrol(a, act, TODAY, TODAY)
    queued = services.enrol(b, act, TODAY, TODAY)
    services.enrol(c, act, TODAY, TODAY)
    assert services.end_enrolment(queued, TODAY) is None
    occ = services.occupancy([act.id])[act.id]
    assert (occ.enrolled, occ.waiting) == (1, 1)
    with pytest.raises(DomainError) as err:
        services.end_enrolment(queued, TODAY)
    assert err.value.code == "already_ended"


def test_growing_capacity_offers_places_to_the_queue(rctx, world, db):
    act = _activity(world, capacity=1)
    a, b = (factories.person(world.municipality, unit=world.unit_a) for _ in "ab")
    services.enrol(a, act, TODAY, TODAY)
    services.enrol(b, act, TODAY, TODAY)
    data = services.ActivityData(
        site=act.site, name=act.name, type=act.type, from_date=act.from_date, capacity=2
    )
    promoted = services.update_activity(act, data, TODAY)
    assert [e.person_id for e in promoted] == [b.id]
    data.capacity = 1
    with pytest.raises(DomainError) as err:
        services.update_activity(act, data, TODAY)
    assert err.value.code == "capacity_below_enrolled"


@pytest.mark.parametrize(
    "setup, code",
    [
        ("twice", "already_enrolled"),
        ("past", "date_past"),
        ("ended", "activity_ended"),
        ("inactive", "activity_inactive"),
        ("other_municipality", "other_municipality"),
    ],
)
def test_enrolment_refusals(rctx, world, db, setup, code):
    act = _activity(world)
    person = world.person_a
    start = TODAY
    if setup == "twice":
        services.enrol(person, act, TODAY, TODAY)
    elif setup == "past":
        start = date(2026, 3, 1)
    elif setup == "ended":
        act.to_date = date(2026, 2, 28)
    elif setup == "inactive":
        act.active = False
    else:
        person = factories.person(factories.municipality())
    with pytest.raises(DomainError) as err:
        services.enrol(person, act, start, TODAY)
    assert err.value.code == code


def test_unlimited_activity_never_queues(rctx, world, db):
    act = _activity(world)
    people = [factories.person(world.municipality, unit=world.unit_a) for _ in range(5)]
    assert {services.enrol(p, act, TODAY, TODAY).status for p in people} == {
        EnrolmentStatus.ENROLLED
    }
    assert services.occupancy([act.id])[act.id].full is False
