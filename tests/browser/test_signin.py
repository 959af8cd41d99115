"""Signing in, in a phone-sized browser, with accessibility checked by axe-core."""

import pytest
from playwright.sync_api import expect


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_start_page_is_accessible(request, live_server, world, axe_check, shot, viewport):
    page = request.getfixturevalue(viewport)
    page.goto(f"{live_server}/auth/")
    assert page.get_by_role("heading", level=1).inner_text() == "Logga in"
    axe_check(page)
    shot(page, "start")


def test_applicant_signs_in_with_dev_eid_on_a_phone(live_server, world, phone, axe_check, shot):
    from tests.browser.conftest import sign_in_applicant

    phone.goto(f"{live_server}/auth/dev")
    axe_check(phone, "dev e-ID page")
    shot(phone, "dev-eid")
    sign_in_applicant(phone, live_server, world.person_a)
    assert "Alma" in phone.get_by_role("heading", level=1).inner_text()
    axe_check(phone, "applicant start")
    shot(phone, "applicant-start")


def test_staff_sign_in_shows_errors_accessibly_then_signs_in(
    live_server, world, desktop, axe_check, shot
):
    from tests.browser.conftest import sign_in_staff

    desktop.goto(f"{live_server}/auth/staff")
    desktop.get_by_role("button", name="Fortsätt").click()
    expect(desktop.locator(".error-summary")).to_be_visible()
    axe_check(desktop, "staff sign-in with errors")
    shot(desktop, "staff-errors")
    sign_in_staff(desktop, live_server, world.caseworker)
    assert desktop.url.endswith("/admin/")


def test_keyboard_user_can_skip_to_content(live_server, world, desktop):
    desktop.goto(f"{live_server}/auth/")
    desktop.keyboard.press("Tab")
    focused = desktop.evaluate("document.activeElement.textContent")
    assert "Hoppa till innehållet" in focused
