"""Casework that holds up, in a real browser: a brand-new applicant's application reaches the
intake unit and is approved; later a negative decision is communicated first, answered on the
phone, recorded with the assessments, and read by the applicant with how to appeal.

Every page is checked with axe-core and photographed into tests/screenshots/.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.i18n import local_today
from portal.personnummer import with_check_digit
from tests.browser.conftest import sign_in_applicant, sign_in_staff
from tests.casework import builders as b


def _continue(page):
    page.get_by_role("button", name="Spara och fortsätt").click()
    page.wait_for_load_state()


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def test_a_new_applicants_application_reaches_the_intake_unit_and_is_approved(
    live_server, world, phone, desktop, axe_check, shot
):
    world.municipality.settings.intake_unit_id = world.unit_b.id
    db.session.commit()
    page = phone
    page.goto(f"{live_server}/auth/dev")
    page.get_by_label("Personnummer").fill("19" + with_check_digit("880412" + "763"))
    page.get_by_label("Förnamn").fill("Samira")
    page.get_by_label("Efternamn").fill("Nilsson")
    page.get_by_role("button", name="Logga in som ny sökande").click()
    page.wait_for_url(f"{live_server}/start")
    page.get_by_role("link", name="Ansök om försörjningsstöd för").click()
    page.get_by_role("button", name="Börja").click()
    _continue(page)  # household: living alone
    page.get_by_label("Barnbidrag").fill("0")
    _continue(page)
    page.get_by_label("Hyresrätt med eget kontrakt").check()
    page.get_by_label("Postnummer där du bor").fill("392 34")
    page.get_by_label("Hyra eller avgift för bostaden").fill("6 900")
    axe_check(page, "costs step with postcode")
    shot(page, "01-costs-postcode")
    _continue(page)
    _continue(page)  # assets
    page.get_by_role("button", name="Fortsätt").click()  # attachments later
    page.get_by_label("Jag intygar att uppgifterna är riktiga och fullständiga").check()
    _continue(page)
    page.get_by_role("button", name="Skicka ansökan").click()
    expect(page.locator(".notice-success")).to_contain_text("är skickad")
    shot(page, "02-submitted")

    # The intake unit's caseworker finds it among new cases, takes it and approves the month.
    staff = desktop
    sign_in_staff(staff, live_server, world.caseworker_b)
    staff.goto(f"{live_server}/admin/cases/?state=intake")
    expect(staff.locator("table.queue")).to_contain_text("Samira Nilsson")
    axe_check(staff, "intake queue")
    shot(staff, "03-intake-queue")
    staff.get_by_role("link", name="Samira Nilsson").click()
    staff.get_by_role("link", name="Fatta beslut").click()
    expect(staff.get_by_role("heading", name="Beräkning mot riksnormen")).to_be_visible()
    staff.get_by_label("Bevilja", exact=True).check()
    staff.get_by_label("Belopp som beviljas för månaden (kronor)").fill("6855")
    staff.get_by_label("Skäl för beslutet").fill("Du har rätt till försörjningsstöd enligt normen.")
    axe_check(staff, "decision form")
    staff.get_by_role("button", name="Spara beslutet").click()
    staff.wait_for_load_state()
    shot(staff, "04-approved")

    # The applicant reads the decision as a letter, with how to appeal.
    page.goto(f"{live_server}/beslut")
    page.get_by_role("link", name="Försörjningsstöd beviljas").click()
    expect(page.locator("main")).to_contain_text("6 855 kr")
    expect(page.locator("main")).to_contain_text("förvaltningsrätten")
    axe_check(page, "approval letter")
    shot(page, "05-approval-letter")


@pytest.fixture
def short_last_month(world):
    """Alma: granted the last three months (5 000 kr each), planned, and never came last month."""
    today = local_today()
    this = today.replace(day=1)
    last = (this - timedelta(days=1)).replace(day=1)
    months = [last]
    for _ in range(2):
        months.insert(0, (months[0] - timedelta(days=1)).replace(day=1))
    for first in months:
        b.decided(world.person_a, month_key(first), by=world.caseworker)
    b.plan(world.person_a, world.activity_a, valid_from=months[0])
    db.session.commit()
    return month_key(last)


def test_a_reduction_is_communicated_answered_decided_and_read_with_the_appeal(
    live_server, world, phone, desktop, axe_check, shot, short_last_month
):
    month = short_last_month
    ref = world.person_a.public_ref
    staff = desktop
    sign_in_staff(staff, live_server, world.caseworker)

    # Recording the reduction first is refused, with every reason at once.
    staff.goto(f"{live_server}/admin/cases/people/{ref}/support/{month}/decision")
    staff.get_by_label("Minska biståndet").check()
    staff.get_by_label("Minskning i kronor").fill("999999")
    staff.get_by_role("button", name="Spara beslutet").click()
    summary = staff.locator(".error-summary")
    expect(summary).to_contain_text("En individuell bedömning krävs")
    expect(summary).to_contain_text("större än det beviljade beloppet")
    expect(summary).to_contain_text("Skicka först ett meddelande om planerat beslut")
    axe_check(staff, "decision refused")
    shot(staff, "01-decision-refused")

    # The notice of the intended reduction.
    staff.goto(f"{live_server}/admin/cases/people/{ref}/support?month={month}")
    staff.get_by_role("link", name="Skicka meddelande om planerat beslut").click()
    staff.get_by_label("Minska biståndet").check()
    staff.get_by_label("Planerad minskning i kronor").fill("800")
    staff.get_by_label("Till personen").fill(
        "Du har inte kommit till dina aktiviteter förra månaden och inte anmält frånvaro."
    )
    axe_check(staff, "notice form")
    shot(staff, "02-notice-form")
    staff.get_by_role("button", name="Skicka till personen").click()
    expect(staff.locator(".notice-success")).to_contain_text("skickat till personen")

    # The applicant reads and answers it on the phone.
    page = phone
    sign_in_applicant(page, live_server, world.person_a)
    page.get_by_role("link", name="Läs om ett planerat beslut och svara").click()
    expect(page.locator("main")).to_contain_text("med 800 kr")
    axe_check(page, "notice on the phone")
    shot(page, "03-notice-phone")
    page.get_by_label("Ditt svar").fill("Jag var sjuk men glömde att anmäla det. Förlåt.")
    page.get_by_role("button", name="Skicka svaret").click()
    expect(page.locator(".notice-success")).to_contain_text("skickat till handläggaren")
    shot(page, "04-answered")

    # The caseworker sees the answer beside the form and records the reduction.
    staff.goto(f"{live_server}/admin/cases/people/{ref}/support/{month}/decision")
    expect(staff.locator("main")).to_contain_text("Jag var sjuk men glömde att anmäla det.")
    staff.get_by_label("Minska biståndet").check()
    staff.get_by_label("Minskning i kronor").fill("500")
    staff.get_by_label("Individuell bedömning").fill(
        "Personen har uteblivit hela månaden utan att anmäla frånvaro. Svaret ger inget "
        "godtagbart skäl för alla dagar, men sjukdom vägs in och minskningen blir mindre."
    )
    axe_check(staff, "decision with the answer")
    shot(staff, "05-decision-form")
    staff.get_by_role("button", name="Spara beslutet").click()
    expect(staff.locator(".notice-success")).to_contain_text("Beslutet är sparat")

    # The applicant reads the decision with the appeal instructions and downloads the letter.
    page.goto(f"{live_server}/beslut")
    page.get_by_role("link", name="Försörjningsstödet minskas").click()
    main = page.locator("main")
    expect(main).to_contain_text("500 kr")
    expect(main).to_contain_text("inom tre veckor")
    expect(main).to_contain_text("socialnämnden")
    axe_check(page, "reduction letter")
    shot(page, "06-letter")
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner beslutet som PDF").click()
    assert download.value.suggested_filename == f"beslut-{month}.pdf"
