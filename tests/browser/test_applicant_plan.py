"""An applicant with a plan reads this week's schedule, acknowledges the plan, reports an
absence and looks at attendance and their data, on a phone and on a wide screen."""

from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.i18n import STOCKHOLM
from tests import factories
from tests.browser.conftest import sign_in_applicant
from tests.portal import factories as pf


def _plan_for_everyday(world):
    site = world.site_a
    site.latitude, site.longitude = 59.3326, 18.0649
    site.address, site.postal_code, site.city = "Storgatan 12", "123 45", "Demostad"
    activity = factories.activity(
        site,
        slots=tuple((day, "09:00", "12:00") for day in range(1, 6)),
        from_date=date.today() - timedelta(days=30),
        name="Svenska för jobbet",
    )
    activity.what_to_bring = "Penna och legitimation"
    pf.plan(
        world.person_a,
        [activity],
        valid_from=date.today() - timedelta(days=14),
        follow_up=date.today() + timedelta(days=60),
    )
    db.session.commit()


def test_applicant_sees_schedule_acknowledges_and_reports_absence(
    live_server, world, phone, axe_check, shot
):
    _plan_for_everyday(world)
    page = phone
    sign_in_applicant(page, live_server, world.person_a)
    page.get_by_role("link", name="Läs din plan och bekräfta att du har läst den").click()
    expect(page.get_by_role("heading", name="Min plan", level=1)).to_be_visible()
    content = page.content()
    # Weekdays every week: on a weekend nothing is left, and the page opens on the week ahead.
    weekend = datetime.now(STOCKHOLM).weekday() >= 5
    assert ("Nästa veckas schema" if weekend else "Veckans schema") in content
    assert "Storgatan 12" in content
    assert "Penna och legitimation" in content
    map_link = page.get_by_role("link", name="Visa på karta").first
    assert map_link.get_attribute("href").startswith("https://www.openstreetmap.org/?mlat=59.33260")
    axe_check(page, "plan")
    shot(page, "01-plan")

    page.get_by_role("button", name="Jag har läst planen").click()
    assert (
        "Du har bekräftat att du har läst planen"
        in page.locator(".notice-success").first.inner_text()
    )
    shot(page, "02-plan-acknowledged")

    page.get_by_role("link", name="Nästa vecka").click()
    expect(page.locator("body")).to_contain_text("Schema vecka")
    axe_check(page, "next week")

    # Report tomorrow's absence, first forgetting the reason.
    page.get_by_role("link", name="Frånvaro", exact=True).click()
    axe_check(page, "absences list")
    page.get_by_role("link", name="Anmäl frånvaro").first.click()
    tomorrow = date.today() + timedelta(days=1)
    page.get_by_label("Första dagen du är borta").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Skicka anmälan").click()
    assert "Välj varför du är borta." in page.locator(".error-summary").inner_text()
    axe_check(page, "absence form with an error")
    shot(page, "03-absence-error")
    page.get_by_label("Mitt barn är sjukt (vård av barn)").check()
    page.get_by_label("Vill du berätta mer? (frivilligt)").fill("Förskolan ringde.")
    page.get_by_role("button", name="Skicka anmälan").click()
    assert "Din frånvaro är anmäld" in page.locator(".notice-success").inner_text()
    expect(page.locator(".tag", has_text="Inte bedömd än")).to_be_visible()
    axe_check(page, "absences after report")
    shot(page, "04-absence-reported")

    page.get_by_role("link", name="Närvaro", exact=True).click()
    axe_check(page, "attendance")
    shot(page, "05-attendance")
    page.get_by_role("link", name="Mina uppgifter", exact=True).click()
    axe_check(page, "my data")
    shot(page, "06-my-data")
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner som PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")


PAGES = ["/start", "/plan", "/plan/versioner", "/plan/version/1", "/narvaro", "/franvaro"]
PAGES += ["/franvaro/ny", "/mina-uppgifter", "/ansokan", "/ansokan/ny", "/ansokan/{decided}"]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_applicant_pages_pass_axe_on_a_phone_and_a_wide_screen(
    request, live_server, world, axe_check, viewport
):
    _plan_for_everyday(world)
    decided = pf.application(
        world.person_a,
        "2026-01",
        items=[("cost", "rent", 6400), ("income", "child_allowance", 1250)],
    )
    pf.decision(decided, world.caseworker, reasons="Beviljat.\nNormen och hyran är godkända.")
    yesterday = date.today() - timedelta(days=1)
    pf.absence(world.person_a, pf.local(yesterday, "09:00"), pf.local(yesterday, "12:00"))
    db.session.commit()
    page = request.getfixturevalue(viewport)
    sign_in_applicant(page, live_server, world.person_a)
    for path in PAGES:
        page.goto(f"{live_server}{path.format(decided=decided.public_ref)}")
        axe_check(page, f"{path} ({viewport})")


def test_pages_are_light_and_work_with_the_keyboard(live_server, world, phone):
    _plan_for_everyday(world)
    page = phone
    sign_in_applicant(page, live_server, world.person_a)
    sizes = []
    page.on("response", lambda r: sizes.append(len(r.body())) if r.status == 200 else None)
    page.goto(f"{live_server}/plan")
    page.wait_for_load_state("networkidle")
    assert sum(sizes) < 100_000, f"/plan weighs {sum(sizes)} bytes"
    # The acknowledgement button is reached with Tab and pressed with Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").strip() == "Jag har läst planen":
            break
    else:
        pytest.fail("the acknowledge button cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    notice = page.locator(".notice-success").first
    assert "Du har bekräftat att du har läst planen" in notice.inner_text()


def test_arabic_start_page_is_right_to_left(live_server, world, phone, axe_check, shot):
    sign_in_applicant(phone, live_server, world.person_a)
    phone.get_by_role("button", name="العربية").click()
    phone.wait_for_load_state()
    assert phone.evaluate("document.documentElement.dir") == "rtl"
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px of sideways scrolling in right-to-left"
    axe_check(phone, "Arabic start page")
    shot(phone, "arabic-start")
