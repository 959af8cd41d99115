"""The activity catalogue in a real browser: an administrator sets up an activity, a
caseworker enrols a person and the next one lands on the waiting list."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from portal.i18n import local_today
from tests import factories
from tests.browser.conftest import sign_in_staff


def menu(page):
    """The main menu (the start page links to some of the same pages)."""
    return page.get_by_role("navigation", name="Huvudmeny")


def test_administrator_sets_up_a_site_an_activity_and_its_sessions(
    live_server, world, desktop, axe_check, shot
):
    page = desktop
    sign_in_staff(page, live_server, world.admin)
    menu(page).get_by_role("link", name="Aktivitetskatalog").click()
    axe_check(page, "catalogue")
    page.get_by_role("link", name="Platser").click()
    page.get_by_role("link", name="Ny plats").click()
    page.get_by_role("button", name="Spara plats").click()
    expect(page.locator(".error-summary")).to_contain_text("Skriv platsens namn.")
    axe_check(page, "site form with errors")
    page.get_by_label("Namn", exact=True).fill("Navet")
    page.get_by_label("Gatuadress", exact=True).fill("Storgatan 1")
    page.get_by_label("Postnummer", exact=True).fill("392 32")
    page.get_by_label("Ort", exact=True).fill("Kalmar")
    page.get_by_label("Latitud", exact=True).fill("56.6634")
    page.get_by_label("Longitud", exact=True).fill("16.3568")
    page.get_by_label("Öppettider", exact=True).fill("Mån–fre 08.00–16.00")
    page.get_by_role("button", name="Spara plats").click()
    expect(page.get_by_text("Platsen Navet är sparad.")).to_be_visible()
    axe_check(page, "sites")
    shot(page, "sites")

    page.goto(f"{live_server}/admin/catalogue/activities/new")
    page.get_by_label("Namn", exact=True).fill("Svenska för arbetssökande")
    page.get_by_label("Typ av aktivitet", exact=True).select_option(label="Språk")
    page.get_by_label("Plats", exact=True).select_option(label="Navet")
    page.get_by_label("Antal platser", exact=True).fill("1")
    axe_check(page, "activity form")
    page.get_by_role("button", name="Spara aktivitet").click()
    expect(page.get_by_text("Aktiviteten är sparad.")).to_be_visible()

    page.get_by_text("Lägg till pass").first.click()
    page.get_by_label("Veckodag", exact=True).select_option(label="tisdag")
    page.get_by_label("Börjar", exact=True).fill("09:00")
    page.get_by_label("Slutar", exact=True).fill("12:00")
    page.get_by_role("button", name="Lägg till pass").click()
    expect(page.get_by_text("Passet är tillagt.")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Tisdag")).to_be_visible()
    # Christmas week: Thursday and Friday are holidays, and the calendar says so.
    christmas = local_today().replace(month=12, day=21)
    if christmas < local_today():
        christmas = christmas.replace(year=christmas.year + 1)
    page.goto(f"{page.url.split('?')[0].split('#')[0]}?from={christmas.isoformat()}")
    expect(page.get_by_text("Helgdag: Julafton")).to_be_visible()
    axe_check(page, "activity page")
    shot(page, "activity")


def test_caseworker_enrols_and_the_next_person_waits(
    live_server, world, db, phone, axe_check, shot
):
    act = world.activity_a
    act.capacity = 1
    act.from_date = local_today() - timedelta(days=30)
    second = factories.person(world.municipality, unit=world.unit_a, first_name="Greta")
    db.session.commit()
    page = phone
    sign_in_staff(page, live_server, world.caseworker)
    page.goto(f"{live_server}/admin/catalogue/activities/{act.public_ref}")
    page.get_by_label("Person", exact=True).select_option(label=f"{world.person_a.last_name}, Alma")
    page.get_by_role("button", name="Skriv in").click()
    expect(
        page.get_by_text("Alma " + world.person_a.last_name + " har fått en plats.")
    ).to_be_visible()
    page.get_by_label("Person", exact=True).select_option(label=f"{second.last_name}, Greta")
    page.get_by_role("button", name="Ställ i kö").click()
    expect(page.get_by_text("står nu i kö")).to_be_visible()
    expect(page.get_by_text("I kö, plats 1")).to_be_visible()
    axe_check(page, "activity with enrolments")
    shot(page, "enrolments")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Avsluta plats Alma {world.person_a.last_name}").click()
    expect(page.get_by_text("Platsen gick till den som stod först i kön.")).to_be_visible()
