"""My attendance (P5): the caseworker's figures for this week and month, visits, absences."""

from datetime import date

from portal.compliance.reconcile import evaluate_person
from portal.extensions import db
from portal.models import EventStatus
from tests.portal import factories as pf


def _subject_with_visits(world):
    """Assistance Jan–Mar 2026 (so March is mandatory), a plan, and two Monday visits."""
    for month in ("2026-01", "2026-02", "2026-03"):
        app = pf.application(world.person_a, month)
        pf.decision(app, world.caseworker)
    pf.plan(world.person_a, [world.activity_a])
    act = world.activity_a
    pf.event(world.person_a, act, "in", pf.local(date(2026, 3, 2), "09:00"))
    pf.event(world.person_a, act, "out", pf.local(date(2026, 3, 2), "11:00"))
    pf.event(world.person_a, act, "in", pf.local(date(2026, 3, 9), "08:55"))
    pf.event(world.person_a, act, "out", pf.local(date(2026, 3, 9), "12:05"))
    pf.event(
        world.person_a, act, "in", pf.local(date(2026, 3, 9), "13:00"), status=EventStatus.REJECTED
    )
    pf.absence(
        world.person_a,
        pf.local(date(2026, 3, 2), "11:00"),
        pf.local(date(2026, 3, 2), "12:00"),
        decision="approved",
    )
    # Someone else's visit never shows.
    pf.event(world.person_b, act, "in", pf.local(date(2026, 3, 9), "09:00"))
    db.session.commit()


def test_figures_match_the_engine_and_visits_are_listed(client, world, now, login):
    _subject_with_visits(world)
    login(world.person_a)
    page = client.get("/narvaro").get_data(as_text=True)
    month = evaluate_person(
        world.person_a, date(2026, 3, 1), date(2026, 3, 31), through=date(2026, 3, 9)
    )
    week = evaluate_person(
        world.person_a, date(2026, 3, 9), date(2026, 3, 15), through=date(2026, 3, 9)
    )
    assert month.attended_minutes == 2 * 60 + 3 * 60 and month.excused_minutes == 60
    assert week.attended_minutes == 180
    assert "Den här veckan" in page and "Mars 2026" in page
    assert "5 timmar" in page  # attended this month
    assert "3 timmar" in page  # attended this week
    assert "Godkänd frånvaro" in page and "1 timme" in page
    assert "Räknat till och med 9 mars 2026" in page
    assert "Din handläggare ser samma siffror." in page
    # Visits: in and out times in Stockholm time; the rejected scan is not a visit.
    assert "08:55" in page and "12:05" in page and "13:00" not in page
    assert "Godkänd" in page


def test_another_month_and_a_bad_month(client, world, now, login):
    _subject_with_visits(world)
    login(world.person_a)
    page = client.get("/narvaro?manad=2026-02").get_data(as_text=True)
    assert "Februari 2026" in page and "Inga besök registrerade den här månaden." in page
    assert client.get("/narvaro?manad=2026-13").status_code == 404
    assert client.get("/narvaro?manad=x").status_code == 404


def test_not_subject_says_so(client, world, alma):
    page = client.get("/narvaro").get_data(as_text=True)
    assert "Du har inte krav på aktivitet under den här tiden." in page


def test_on_a_monday_the_week_has_no_figures_yet(client, world, time_machine, login):
    from datetime import UTC, datetime

    time_machine.move_to(datetime(2026, 3, 9, 9, 0, tzinfo=UTC), tick=True)
    login(world.person_a)
    page = client.get("/narvaro").get_data(as_text=True)
    assert "Det finns inga siffror än." in page
