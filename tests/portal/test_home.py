"""The applicant's start page: this month's state, next activity, hours, things to do, links."""

from datetime import date

from portal.extensions import db
from portal.models import ApplicationState
from tests.portal import factories as pf


def test_new_applicant_is_asked_to_apply(client, world, alma):
    page = client.get("/start").get_data(as_text=True)
    assert "Hej Alma!" in page
    assert "Att göra" in page and "Ansök om försörjningsstöd för mars 2026" in page
    assert "Du har ingen ansökan för den här månaden." in page
    assert "Du har ingen plan än." in page
    # The menu has the applicant's entries.
    for label in ("Start", "Ansökan", "Min plan", "Närvaro", "Frånvaro", "Mina uppgifter"):
        assert f">{label}</a>" in page
    assert 'aria-current="page"' in page


def test_draft_plan_and_missing_documents_are_listed_to_do(client, world, now, login):
    pf.application(world.person_a, "2026-04")
    pf.application(
        world.person_a,
        "2026-03",
        state=ApplicationState.SUBMITTED,
        items=[("cost", "rent", 6000), ("income", "salary", 2000)],
    )
    world.site_a.latitude, world.site_a.longitude = 59.3, 18.0
    world.activity_a.what_to_bring = "Legitimation"
    pf.plan(world.person_a, [world.activity_a])
    db.session.commit()
    login(world.person_a)
    page = client.get("/start").get_data(as_text=True)
    assert "Gör klart din ansökan för april 2026" in page
    assert "Läs din plan och bekräfta att du har läst den" in page
    assert "Skicka in dokument till ansökan för mars 2026" in page
    assert "Hyresavi eller hyreskontrakt, Besked om lön eller annan inkomst, Kontoutdrag" in page
    assert "Skickad" in page
    # Next activity: Monday 16 March 09:00 at Plats A, with a map link and what to bring.
    assert "Måndag 16 mars" in page and "09:00–12:00" in page
    assert "openstreetmap.org" in page and "Legitimation" in page


def test_acknowledged_plan_and_decided_month_leave_nothing_to_do(client, world, now, login):
    app = pf.application(world.person_a, "2026-03", state=ApplicationState.SUBMITTED)
    pf.decision(app, world.caseworker, amount=7400)
    pf.plan(world.person_a, [world.activity_a], acknowledged=True)
    db.session.commit()
    login(world.person_a)
    page = client.get("/start").get_data(as_text=True)
    assert "Att göra" not in page
    assert "Beviljad" in page and "7\u00a0400 kr" in page
    assert "Ansök för april 2026" in page


def test_hours_this_week(client, world, now, login):
    for month in ("2026-01", "2026-02", "2026-03"):
        pf.decision(pf.application(world.person_a, month), world.caseworker)
    pf.plan(world.person_a, [world.activity_a], acknowledged=True)
    pf.event(world.person_a, world.activity_a, "in", pf.local(date(2026, 3, 9), "09:00"))
    pf.event(world.person_a, world.activity_a, "out", pf.local(date(2026, 3, 9), "12:00"))
    db.session.commit()
    login(world.person_a)
    page = client.get("/start").get_data(as_text=True)
    assert "3 tim av 8 tim" in page
    assert "Räknat till och med 9 mars 2026." in page


def test_qr_link_only_when_the_endpoint_exists(client, app, world, alma):
    page = client.get("/start").get_data(as_text=True)
    if "checkin.my_code" in app.view_functions:
        assert "Min QR-kod för incheckning" in page
    else:
        assert "Min QR-kod för incheckning" not in page


def test_english_start_page(client, world, alma):
    client.post("/language", data={"lang": "en", "next": "/start"})
    page = client.get("/start").get_data(as_text=True)
    assert "Hello Alma!" in page and "My plan" in page


def test_arabic_start_page_is_right_to_left(client, world, alma):
    client.post("/language", data={"lang": "ar", "next": "/start"})
    page = client.get("/start").get_data(as_text=True)
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert "مرحبا" in page
