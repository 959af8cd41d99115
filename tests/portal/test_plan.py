"""My plan (P4): schedule with places and map links, hours explained, acknowledging, versions."""

from datetime import date, datetime
from decimal import Decimal

from portal.extensions import db
from portal.i18n import STOCKHOLM
from portal.models import (
    ActivityType,
    Assessment,
    AssistanceReason,
    ExternalKind,
    ExternalOccupation,
)
from portal.services import plans
from tests import factories
from tests.portal import factories as pf


def _plan_world(world):
    site = world.site_a
    site.latitude, site.longitude = 59.3326, 18.0649
    site.address, site.city = "Storgatan 12", "Demostad"
    world.activity_a.what_to_bring = "Penna och anteckningsblock"
    jobs = factories.activity(
        world.site_b,
        type=ActivityType.JOB_SEARCH,
        slots=((2, "13:00", "16:00"), (4, "09:00", "12:00")),
        name="Jobbklubben",
    )
    return pf.plan(world.person_a, [world.activity_a, jobs], follow_up=date(2026, 5, 4))


def test_this_weeks_schedule_with_address_map_link_and_what_to_bring(client, world, now, login):
    _plan_world(world)
    db.session.commit()
    login(world.person_a)
    page = client.get("/plan").get_data(as_text=True)
    assert "Veckans schema" in page
    assert "Måndag 9 mars" in page and "09:00–12:00" in page
    assert "Storgatan 12" in page and "Demostad" in page
    assert (
        "https://www.openstreetmap.org/?mlat=59.33260&amp;mlon=18.06490#map=17/59.33260/18.06490"
        in page
    )
    assert "Penna och anteckningsblock" in page
    assert "Jobbklubben" in page and "13:00–16:00" in page
    assert "Att lära dig svenska för arbetslivet." in page
    assert "4 maj 2026" in page


def test_on_a_weekend_with_nothing_left_the_page_opens_on_next_week(
    client, world, time_machine, login
):
    _plan_world(world)  # Monday to Thursday sessions …
    saturday = factories.activity(world.site_a, slots=((6, "10:00", "12:00"),), name="Lördagscafé")
    pf.plan(world.person_a, [world.activity_a, saturday], version=2, valid_from=date(2026, 3, 1))
    db.session.commit()  # … and one on Saturdays

    # A Saturday session still to come keeps the page on this week.
    time_machine.move_to(datetime(2026, 3, 14, 8, 0, tzinfo=STOCKHOLM), tick=True)
    login(world.person_a)
    page = client.get("/plan").get_data(as_text=True)
    assert "Veckans schema" in page and "Lördag 14 mars" in page and "Lördagscafé" in page

    # On Sunday nothing is left: the week ahead, with a way back to this one.
    time_machine.move_to(datetime(2026, 3, 15, 12, 0, tzinfo=STOCKHOLM), tick=True)
    login(world.person_a)
    page = client.get("/plan").get_data(as_text=True)
    assert "Nästa veckas schema" in page and "Måndag 16 mars" in page
    assert 'href="/plan?vecka=2026-W11">Den här veckan' in page
    this_week = client.get("/plan?vecka=2026-W11").get_data(as_text=True)
    assert "Veckans schema" in this_week and "Måndag 9 mars" in this_week


def test_holidays_cancel_the_days_sessions(client, world, now, login):
    _plan_world(world)
    db.session.commit()
    login(world.person_a)
    # Week 14 of 2026: Good Friday 3 April and Easter Monday 6 April is the next week.
    page = client.get("/plan?vecka=2026-W15").get_data(as_text=True)
    assert "Helgdag (Annandag påsk). Inga aktiviteter." in page
    assert "Schema vecka 15" in page


def test_a_bad_week_is_404(client, world, alma):
    assert client.get("/plan?vecka=2026-W99").status_code == 404
    assert client.get("/plan?vecka=nonsense").status_code == 404


def _granted(world, *months):
    for month in months:
        pf.decision(pf.application(world.person_a, month), world.caseworker)


def test_required_and_planned_hours_are_explained(client, world, now, login):
    _plan_world(world)
    _granted(world, "2026-01", "2026-02", "2026-03", "2026-04", "2026-05")
    db.session.add(
        Assessment(
            person_id=world.person_a.id,
            valid_from=date(2026, 1, 1),
            participation_percent=50,
            reason=AssistanceReason.UNEMPLOYMENT,
        )
    )
    db.session.add(
        ExternalOccupation(
            person_id=world.person_a.id,
            kind=ExternalKind.WORK,
            hours_per_week=Decimal("8"),
            from_date=date(2026, 1, 1),
        )
    )
    db.session.commit()
    login(world.person_a)
    page = client.get("/plan").get_data(as_text=True)
    assert "Heltid är 40 timmar i veckan." in page
    assert "delta 50 procent av heltid" in page
    assert "8 timmar i veckan. De timmarna räknas med." in page
    assert "Därför ska du vara i aktivitet 12 timmar i veckan." in page
    assert "Din plan har aktiviteter 9 timmar i veckan." in page
    assert "Planen har 3 timmar färre än du ska ha" in page


def test_weekly_hours_without_assessment_default_to_full_time(world, app):
    plan = _plan_world(world)
    _granted(world, "2026-01", "2026-02", "2026-03", "2026-04", "2026-05")
    hours = plans.weekly_hours(world.person_a, plan, date(2026, 3, 10))
    assert (hours.required, hours.planned, hours.assessed) == (Decimal(40), Decimal(9), False)
    assert hours.requirement_from == date(2026, 3, 10) and not hours.applies_later


def test_the_plan_page_agrees_with_the_engine_on_when_the_requirement_applies(
    client, world, now, login
):
    """Granted January and February only: March has no decision, so nothing applies yet."""
    _plan_world(world)
    _granted(world, "2026-01", "2026-02")
    db.session.commit()
    login(world.person_a)
    page = client.get("/plan").get_data(as_text=True)
    assert "Aktivitetskravet gäller inte dig just nu." in page
    assert "Därför ska du vara i aktivitet" not in page
    assert "timmar färre än du ska ha" not in page


def test_a_requirement_from_a_later_week_is_dated(world, app):
    plan = _plan_world(world)
    _granted(world, "2026-02", "2026-03", "2026-04")
    hours = plans.weekly_hours(world.person_a, plan, date(2026, 3, 10))
    assert hours.requirement_from == date(2026, 4, 1) and hours.applies_later


def test_acknowledge_the_plan(client, world, now, login):
    plan = _plan_world(world)
    db.session.commit()
    login(world.person_a)
    page = client.get("/plan").get_data(as_text=True)
    assert "Jag har läst planen" in page
    resp = client.post(f"/plan/version/{plan.version}/bekrafta")
    assert resp.status_code == 302
    db.session.expire_all()
    assert plan.acknowledged_at is not None
    page = client.get("/plan").get_data(as_text=True)
    assert "Du bekräftade att du har läst planen" in page
    # Again: idempotent.
    first = plan.acknowledged_at
    client.post(f"/plan/version/{plan.version}/bekrafta")
    db.session.expire_all()
    assert plan.acknowledged_at == first


def test_versions_are_listed_and_the_newest_in_force_applies(client, world, now, login):
    first = pf.plan(world.person_a, [world.activity_a], version=1, acknowledged=True)
    second = pf.plan(
        world.person_a, [], version=2, valid_from=date(2026, 3, 1), purpose="Ny inriktning."
    )
    pf.plan(world.person_a, [], version=3, valid_from=date(2026, 6, 1), purpose="Senare.")
    db.session.commit()
    login(world.person_a)
    assert plans.current_plan(world.person_a, date(2026, 3, 10)).id == second.id
    page = client.get("/plan/versioner").get_data(as_text=True)
    assert "Version 1" in page and "Version 2" in page and "Version 3" in page
    assert "Gäller nu" in page
    page = client.get(f"/plan/version/{first.version}").get_data(as_text=True)
    assert "Att lära dig svenska för arbetslivet." in page and world.activity_a.name in page
    resp = client.post("/plan/version/2/bekrafta", data={"next": "version"})
    assert resp.location.endswith("/plan/version/2")


def test_no_plan_yet(client, world, alma):
    page = client.get("/plan").get_data(as_text=True)
    assert "Du har ingen plan än." in page


def test_another_persons_plan_version_is_404(client, world, now, login):
    pf.plan(world.person_b, [world.activity_a], version=1)
    pf.plan(world.person_b, [world.activity_a], version=2)
    pf.plan(world.person_a, [world.activity_a], version=1)
    db.session.commit()
    login(world.person_a)
    assert client.get("/plan/version/2").status_code == 404
    assert client.post("/plan/version/2/bekrafta").status_code == 404


def test_reported_absence_shows_on_the_schedule(client, world, now, login):
    _plan_world(world)
    pf.absence(
        world.person_a, pf.local(date(2026, 3, 9), "00:00"), pf.local(date(2026, 3, 10), "00:00")
    )
    db.session.commit()
    login(world.person_a)
    page = client.get("/plan").get_data(as_text=True)
    assert "Du har anmält frånvaro" in page


def test_map_link_needs_coordinates(world, app):
    assert plans.map_link(world.site_b) is None
