"""A caseworker's day in a real browser: the queue, an application approved, an assessment
recorded, an absence reviewed, the case page and decision support. axe-core checks each page."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.i18n import local_today
from tests.browser.conftest import sign_in_staff
from tests.casework import builders as b


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@pytest.fixture
def casework_day(world):
    """Alma applies for this month after two granted months; Greta's case is overdue."""
    from tests import factories

    today = local_today()
    this = today.replace(day=1)
    one_back = (this - timedelta(days=1)).replace(day=1)
    two_back = (one_back - timedelta(days=1)).replace(day=1)
    person = world.person_a
    b.child(person, date(2019, 5, 5), name="Liv")
    b.decided(person, month_key(two_back), by=world.caseworker)
    b.decided(person, month_key(one_back), by=world.caseworker)
    b.plan(person, world.activity_a, valid_from=two_back)
    app = b.application(person, month_key(this))
    late = factories.person(world.municipality, unit=world.unit_a, first_name="Greta")
    from portal.models import utcnow

    b.application(late, month_key(this), submitted_at=utcnow() - timedelta(hours=60))
    report = b.absence(person, "2026-09-07 09:00", "2026-09-07 12:00")
    db.session.commit()
    return app, report


def test_caseworker_handles_queue_application_assessment_and_absence(
    live_server, world, desktop, axe_check, shot, casework_day
):
    app, report = casework_day
    page = desktop
    sign_in_staff(page, live_server, world.caseworker)
    assert page.get_by_role("heading", level=1).inner_text() == "Översikt"
    axe_check(page, "caseworker home")
    shot(page, "home")

    # The queue: overdue first, in words.
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Ärenden").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Ärenden"
    first_row = page.locator("table.queue tbody tr").first
    assert "Greta" in first_row.inner_text() and "Försenad" in first_row.inner_text()
    axe_check(page, "queue")
    shot(page, "queue")

    # Open Alma's application, record first contact, decide.
    page.get_by_role("link", name=world.person_a.full_name).click()
    assert "Ansökan för" in page.get_by_role("heading", level=1).inner_text()
    axe_check(page, "application")
    shot(page, "application")
    page.get_by_role("button", name="Registrera första kontakt").click()
    expect(page.get_by_text("Första kontakt är registrerad.")).to_be_visible()
    page.get_by_role("link", name="Fatta beslut").click()
    page.get_by_role("button", name="Spara beslutet").click()
    expect(page.locator(".error-summary")).to_be_visible()  # waits for the answer to the POST
    axe_check(page, "decision form with errors")
    shot(page, "decision-errors")
    page.get_by_label("Bevilja", exact=True).check()
    page.get_by_label("Belopp som beviljas för månaden (kronor)").fill("6200")
    page.get_by_label("Skäl för beslutet").fill("Du har rätt till försörjningsstöd för månaden.")
    page.get_by_role("button", name="Spara beslutet").click()
    expect(page.get_by_text("Beslutet är sparat.")).to_be_visible()
    expect(page.locator(".tag", has_text="Beviljad").first).to_be_visible()

    # The case page, with the personnummer masked until asked for.
    page.get_by_role("link", name=world.person_a.full_name).first.click()
    assert page.get_by_role("heading", level=1).inner_text() == world.person_a.full_name
    pnr = world.person_a.identity.personnummer
    assert pnr not in page.content()
    axe_check(page, "case page")
    shot(page, "case")
    page.get_by_role("button", name="Visa personnummer").click()
    expect(page.locator("body")).to_contain_text(f"{pnr[:8]}-{pnr[8:]}")

    # Assessment: a new assessment and a status.
    page.get_by_role("link", name="Bedömning och krav").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Bedömning och aktivitetskrav"
    axe_check(page, "assessment")
    shot(page, "assessment")
    page.get_by_role("link", name="Gör en ny bedömning").click()
    page.get_by_label("Deltagande i aktiviteter (procent av heltid)").fill("75")
    page.get_by_label("Arbetsförmåga (procent)").fill("75")
    page.get_by_label("Sjukdom").check()
    axe_check(page, "assessment form")
    page.get_by_role("button", name="Spara bedömningen").click()
    expect(page.get_by_text("Bedömningen är sparad.")).to_be_visible()
    expect(page.get_by_text("75 procent").first).to_be_visible()
    page.get_by_role("link", name="Lägg till status").click()
    page.get_by_label("Status").select_option("sick_leave")
    page.get_by_label("Från och med").fill(local_today().isoformat())
    axe_check(page, "status form")
    page.get_by_role("button", name="Spara statusen").click()
    expect(page.get_by_text("Statusen är sparad.")).to_be_visible()
    page.get_by_role("link", name="Lägg till sysselsättning").click()
    page.get_by_label("Timmar per vecka").fill("10")
    page.get_by_label("Från och med").fill(local_today().isoformat())
    axe_check(page, "external form")
    page.get_by_role("button", name="Spara sysselsättningen").click()
    expect(page.get_by_text("Sysselsättningen är sparad.")).to_be_visible()
    shot(page, "assessment-after")

    # Decision support for last month, and the sanction form.
    page.get_by_role("link", name="Beslutsunderlag").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Beslutsunderlag"
    axe_check(page, "decision support")
    shot(page, "support")
    page.get_by_role("link", name="Registrera beslut om månaden").click()
    page.get_by_label("Minska biståndet").check()
    page.get_by_label("Minskning i kronor").fill("500")
    page.get_by_label("Individuell bedömning").fill(
        "Personen har inte deltagit och inte hört av sig."
    )
    page.get_by_role("button", name="Spara beslutet").click()
    expect(page.get_by_text("barnkonsekvensanalys krävs").first).to_be_visible()
    axe_check(page, "sanction form refused")
    shot(page, "sanction-refused")

    # Absence review.
    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Frånvaro att bedöma"
    ).click()
    axe_check(page, "absences")
    shot(page, "absences")
    page.get_by_role("link", name=world.person_a.full_name).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Bedöm frånvaro"
    page.get_by_label("Nej, inte godtagbart skäl").check()
    page.get_by_role("button", name="Spara bedömningen").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe_check(page, "absence with errors")
    shot(page, "absence-errors")
    page.get_by_label("Ja, godtagbart skäl").check()
    page.get_by_role("button", name="Spara bedömningen").click()
    expect(page.get_by_text("Ingen frånvaro väntar på bedömning.")).to_be_visible()

    # Search by personnummer: a POST, so the number never reaches the address bar.
    page.goto(f"{live_server}/admin/cases/search")
    page.get_by_label("Namn eller personnummer").fill(pnr)
    page.get_by_role("button", name="Sök", exact=True).click()
    assert pnr not in page.url
    expect(page.get_by_role("link", name=world.person_a.full_name)).to_be_visible()
    axe_check(page, "search")
    shot(page, "search")


def test_queue_and_case_on_a_phone(live_server, world, phone, axe_check, shot, casework_day):
    sign_in_staff(phone, live_server, world.caseworker)
    phone.goto(f"{live_server}/admin/cases/")
    axe_check(phone, "queue on a phone")
    shot(phone, "queue-phone")
    phone.goto(f"{live_server}/admin/people/{world.person_a.public_ref}")
    axe_check(phone, "case on a phone")
    shot(phone, "case-phone")
