"""AF files in a real browser: a file with errors is refused whole; a file with good rows and
rows for people elsewhere is previewed, then imported."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from tests import factories
from tests.af.files import af_activity, json_file, person_entry
from tests.browser.conftest import sign_in_staff


def menu(page):
    """The main menu (the start page links to some of the same pages)."""
    return page.get_by_role("navigation", name="Huvudmeny")


def test_af_file_is_previewed_then_imported(live_server, world, desktop, axe_check, shot, tmp_path):
    page = desktop
    good = person_entry(world.person_a.identity.personnummer, activities=[af_activity()])
    unknown = person_entry(factories.personnummer(date(1970, 1, 1)))
    elsewhere = person_entry(world.person_b.identity.personnummer)
    broken = tmp_path / "af-med-fel.json"
    broken.write_bytes(json_file(good, unknown, elsewhere, person_entry("19900101-0000")))
    fixed = tmp_path / "af.json"
    fixed.write_bytes(json_file(good, unknown, elsewhere))

    sign_in_staff(page, live_server, world.caseworker)
    menu(page).get_by_role("link", name="Arbetsförmedlingen").click()
    axe_check(page, "AF page")
    page.get_by_label("Fil från Arbetsförmedlingen", exact=True).set_input_files(str(broken))
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(
        page.get_by_role("heading", name="Filen har fel – ingenting har lästs in")
    ).to_be_visible()
    expect(page.get_by_text("Är inte ett giltigt personnummer.")).to_be_visible()
    expect(page.get_by_role("button", name="Läs in på riktigt")).to_have_count(0)
    axe_check(page, "AF report with errors")
    shot(page, "af-errors")

    page.get_by_label("Fil från Arbetsförmedlingen", exact=True).set_input_files(str(fixed))
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(
        page.get_by_role("heading", name="Förhandsgranskning – ingenting är ändrat än")
    ).to_be_visible()
    report = page.locator("#report")
    expect(report).to_contain_text(world.person_a.full_name)
    expect(report).to_contain_text("Hittades inte")
    expect(report).to_contain_text("Inte på din enhet")
    expect(report).not_to_contain_text(world.person_b.full_name)
    axe_check(page, "AF preview")
    shot(page, "af-preview")
    page.get_by_role("button", name="Läs in på riktigt").click()
    expect(page.get_by_role("heading", name="Inläsningen är klar")).to_be_visible()
    axe_check(page, "AF imported")
    shot(page, "af-imported")
