"""The report pages in a real browser: an administrator on a desktop and an auditor on a phone
open every report, change the period, download an export. Every page passes axe."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from playwright.sync_api import expect

from admin.reports import services
from tests.browser.conftest import sign_in_staff
from tests.reports.test_services import q3  # noqa: F401  (the shared world)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("q3")]


def _walk_reports(page, live_server, axe_check, shot, label: str) -> None:
    for name in services.NAMES:
        page.goto(f"{live_server}/admin/rapporter/")
        with force_locale("sv"):
            title = str(services.TITLES[name])
        page.get_by_role("link", name=title, exact=True).click()
        expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
        page.get_by_label("Period", exact=True).select_option("2026-Q3")
        page.get_by_role("button", name="Visa rapporten").click()
        expect(page.get_by_text("Period 2026-Q3")).to_be_visible()
        expect(page.get_by_role("img").first).to_be_visible()
        expect(page.locator("table").first).to_be_visible()
        axe_check(page, f"{label}-{name}")
        shot(page, f"{label}-{name}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    assert download.value.suggested_filename == "under-planning_2026-Q3.xlsx"


def test_administrator_opens_every_report_on_a_desktop(
    live_server,
    desktop,
    world,
    axe_check,
    shot,
):
    sign_in_staff(desktop, live_server, world.admin)
    desktop.goto(f"{live_server}/admin/")
    desktop.get_by_role("link", name="Rapporter").first.click()
    expect(desktop.get_by_role("heading", name="Rapporter", level=1)).to_be_visible()
    axe_check(desktop, "index")
    _walk_reports(desktop, live_server, axe_check, shot, "admin")


def test_auditor_opens_every_report_on_a_phone(
    live_server,
    phone,
    world,
    axe_check,
    shot,
):
    sign_in_staff(phone, live_server, world.auditor)
    _walk_reports(phone, live_server, axe_check, shot, "auditor")
    phone.goto(f"{live_server}/admin/rapporter/ivo-quarter?period=2026-Q3")
    expect(phone.get_by_role("cell", name="<5").first).to_be_visible()
    expect(phone.get_by_text("Vera")).to_have_count(0)
    with phone.expect_download() as download:
        phone.get_by_role("link", name="PDF").click()
    assert download.value.suggested_filename == "ivo-quarter_2026-Q3.pdf"
