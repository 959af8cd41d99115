"""A caseworker builds a plan that fills a person's required hours, in a real browser."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.i18n import local_today
from tests import factories
from tests.browser.conftest import sign_in_staff
from tests.plans.helpers import activities
from tests.reconciliation import builders as b


def menu(page):
    """The main menu (the start page links to some of the same pages)."""
    return page.get_by_role("navigation", name="Huvudmeny")


def _months_back(n: int) -> str:
    today = local_today()
    index = today.year * 12 + today.month - 1 - n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@pytest.fixture
def sana(world, db):
    """Assistance this month and the two before: the requirement is mandatory now."""
    person = factories.person(world.municipality, unit=world.unit_a, first_name="Sana")
    b.assistance(person, [_months_back(2), _months_back(1), _months_back(0)], world.caseworker)
    acts = activities(world)
    for act in acts.values():
        act.from_date = local_today() - timedelta(days=60)
        for session in act.sessions:
            session.valid_from = act.from_date
    db.session.commit()
    return person


def test_caseworker_builds_a_plan_that_fills_the_required_hours(
    live_server, world, sana, desktop, axe_check, shot
):
    page = desktop
    sign_in_staff(page, live_server, world.caseworker)
    menu(page).get_by_role("link", name="Planer").click()
    axe_check(page, "plans list")
    page.get_by_role("link", name=f"{sana.last_name}, {sana.first_name}").click()
    page.get_by_role("link", name="Gör en plan").click()
    assert "Bygg plan för Sana" in page.get_by_role("heading", level=1).inner_text()
    expect(page.locator(".plan-totals tbody tr")).to_have_count(4)
    axe_check(page, "empty builder")
    shot(page, "builder-empty")

    for name in ("Svenska", "Jobbklubb"):
        page.get_by_role("button", name=f"Lägg till {name}").click()
        expect(page.get_by_text(f"{name} är tillagd i planen.")).to_be_visible()
    assert page.locator(".plan-totals .tag-warn").count() >= 1  # hours still to plan
    page.get_by_role("button", name="Lägg till Kvällsverkstad").click()
    expect(
        page.get_by_text("Timmarna som ska planeras är fyllda varje vecka.", exact=True)
    ).to_be_visible()
    expect(page.locator(".plan-totals .tag-warn")).to_have_count(0)
    axe_check(page, "filled builder")
    shot(page, "builder-filled")

    page.get_by_label("Syfte").fill("Stärka svenskan och söka jobb inom handel.")
    follow_up = local_today() + timedelta(weeks=6)
    page.get_by_label("Uppföljning").fill(follow_up.isoformat())
    page.get_by_role("button", name="Spara ny version").click()
    expect(page.get_by_text("Version 1 av planen är sparad.")).to_be_visible()
    expect(page.get_by_role("heading", name="Gällande plan: version 1")).to_be_visible()
    axe_check(page, "plan page")
    shot(page, "plan-saved")
    page.get_by_role("link", name="Version 1", exact=True).click()
    assert page.get_by_role("cell", name="Kvällsverkstad").count() == 0  # it is a row header
    expect(page.get_by_role("rowheader").filter(has_text="Kvällsverkstad")).to_be_visible()
    axe_check(page, "version page")


def test_builder_on_a_phone_removes_and_explains_missing_purpose(
    live_server, world, sana, phone, axe_check, shot
):
    page = phone
    sign_in_staff(page, live_server, world.caseworker)
    page.goto(f"{live_server}/admin/plans/people/{sana.public_ref}/build")
    page.get_by_role("button", name="Lägg till Svenska").click()
    page.get_by_role("button", name="Ta bort Svenska").click()
    expect(page.get_by_text("Inga aktiviteter ännu.")).to_be_visible()
    page.get_by_role("button", name="Spara ny version").click()
    expect(page.locator(".error-summary")).to_contain_text("Skriv planens syfte.")
    axe_check(page, "builder errors on a phone")
    shot(page, "builder-phone-errors")
