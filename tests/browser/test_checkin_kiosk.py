"""The kiosk is a public screen: only the site's name, the clock and the rotating code, with
no staff identity or navigation, and the whole code visible on a 1280x800 and an 800x1280
screen with the browser's bars showing (no full screen)."""

from __future__ import annotations

import pytest
import time_machine

from checkin import services
from portal.extensions import db
from tests.browser.conftest import sign_in_staff
from tests.checkin.conftest import MONDAY_0930

#: The window a 1280x800 or 800x1280 screen leaves a browser with its tab and address bars.
SCREENS = [(1280, 800 - 90), (800, 1280 - 90)]


@pytest.mark.parametrize(("width", "height"), SCREENS, ids=["landscape", "portrait"])
def test_the_kiosk_shows_only_the_code_site_and_clock_and_fits(
    app, world, live_server, browser, axe_check, shot, width, height
):
    with time_machine.travel(MONDAY_0930, tick=True):
        with app.test_request_context():
            _device, enrolment = services.create_device(world.admin, world.site_a, "Skärm")
        db.session.commit()
        context = browser.new_context(
            locale="sv-SE",
            timezone_id="Europe/Stockholm",
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.clock.install(time=MONDAY_0930)
        # The tablet was set up by a member of staff who is still signed in on it.
        sign_in_staff(page, live_server, world.site_staff)
        page.goto(f"{live_server}/checkin/registrera-enhet#{enrolment}")
        page.get_by_role("link", name="Skärm för egen incheckning").click()
        image = page.locator("#kiosk-image")
        image.wait_for(state="visible")
        page.get_by_text("09:30").wait_for()

        assert page.locator("#kiosk-site").inner_text() == "Plats A"
        assert page.locator("#kiosk-clock").inner_text() == "09:30"
        text = page.locator("body").inner_text()
        assert world.site_staff.name not in text and "Logga ut" not in text
        assert page.locator("nav, header, .main-nav, form").count() == 0
        box = image.bounding_box()
        assert box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= width and box["y"] + box["height"] <= height
        assert min(box["width"], box["height"]) >= 0.45 * min(width, height)
        assert page.evaluate("document.documentElement.scrollHeight") <= height
        axe_check(page, f"kiosk {width}x{height}")
        shot(page, f"kiosk-{width}x{height}")
        context.close()
