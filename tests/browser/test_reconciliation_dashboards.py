"""The reconciliation pages in a real browser: a caseworker on a phone runs the month and drills
down to a day's scans; an auditor on a desktop sees the counts. Every page passes axe."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from portal.compliance import reconcile as rec
from portal.compliance.periods import month_bounds
from portal.models.enums import AbsenceDecision, EventKind, EventSource, EventStatus
from tests import factories
from tests.browser.conftest import sign_in_staff
from tests.reconciliation import builders as b

pytestmark = pytest.mark.browser


@pytest.fixture
def month(world, db):
    """Two people of unit A with a plan for September, scans with the usual noise."""
    lang = factories.activity(
        world.site_a,
        slots=tuple((day, "09:00", "12:00") for day in range(1, 6)),
        from_date=date(2026, 8, 1),
        name="Svenska för jobb",
    )
    people = []
    for name, late in (("Sara", 20), ("Frida", 0)):
        person = factories.person(world.municipality, unit=world.unit_a, first_name=name)
        b.assistance(person, ["2026-07", "2026-08", "2026-09"], world.caseworker)
        b.plan(person, date(2026, 8, 1), [(lang, [], date(2026, 9, 7), date(2026, 9, 11))])
        for day in ("2026-09-07", "2026-09-08", "2026-09-09"):
            b.visit(person, lang, day, f"09:{late:02d}", "12:00")
        b.absence(person, "2026-09-10T08:00", "2026-09-10T13:00", AbsenceDecision.APPROVED)
        people.append(person)
    sara = people[0]
    wrong = b.event(sara, lang, EventKind.IN, "2026-09-11T09:40")
    b.event(
        sara,
        lang,
        EventKind.CORRECTION,
        "2026-09-11T09:00",
        supersedes=wrong,
        source=EventSource.MANUAL,
        note="Skannern var trasig",
    )
    b.event(
        sara,
        lang,
        EventKind.AUTO_CLOSE,
        "2026-09-11T12:00",
        source=EventSource.AUTO,
        status=EventStatus.FLAGGED,
        reason="missing_checkout",
    )
    b.visit(people[1], lang, "2026-09-11", "08:58", "12:01")
    db.session.commit()
    return people


def test_caseworker_runs_and_drills_down_on_a_phone(
    live_server, phone, world, month, axe_check, shot
):
    page = phone
    sign_in_staff(page, live_server, world.caseworker)
    page.goto(f"{live_server}/admin/reconciliation/?month=2026-09")
    expect(page.get_by_role("heading", name="Avstämning", exact=True)).to_be_visible()
    page.get_by_role("button", name="Stäm av enheten nu").click()
    expect(page.get_by_text("Avstämningen är klar: 3 personer")).to_be_visible()
    axe_check(page, "dashboard")
    shot(page, "dashboard")

    page.get_by_role("link", name="Sara").click()
    expect(page.get_by_role("heading", name=re.compile("Sara"))).to_be_visible()
    expect(page.get_by_text("Brister").first).to_be_visible()
    axe_check(page, "person")
    shot(page, "person")

    page.get_by_role("link", name=re.compile("fredag 11 sep")).click()
    expect(page.get_by_role("heading", name="Skanningar")).to_be_visible()
    expect(page.get_by_text("Rättad till 2026-09-11 09:00")).to_be_visible()
    axe_check(page, "day")
    shot(page, "day")


def test_auditor_sees_counts_on_a_desktop(live_server, desktop, world, month, axe_check, shot, db):
    rec.reconcile(*month_bounds("2026-09"), municipality_id=world.municipality.id)
    db.session.commit()
    page = desktop
    sign_in_staff(page, live_server, world.auditor)
    page.goto(f"{live_server}/admin/reconciliation/?month=2026-09")
    expect(page.get_by_role("table", name="Personer per utfall")).to_be_visible()
    expect(page.get_by_text("Sara")).to_have_count(0)
    axe_check(page, "auditor")
    shot(page, "auditor")
