"""Site staff's and administrators' check-in pages in a desktop browser, checked with axe."""

from __future__ import annotations

import uuid

import pytest
import time_machine
from playwright.sync_api import expect

from checkin import services
from portal.extensions import db
from tests.browser.conftest import sign_in_applicant, sign_in_staff
from tests.checkin.conftest import MONDAY_0930, enrol, local, new_device


def test_site_staff_see_the_day_correct_an_event_and_review(
    app, world, live_server, desktop, axe_check, shot
):
    with time_machine.travel(MONDAY_0930, tick=True):
        enrol(world.person_a, world.activity_a)
        enrol(world.person_b, world.activity_a)
        with app.test_request_context():
            device, _token = new_device(world.admin, world.site_a)
            code = services.personal_code(world.person_a, printed=True)
            services.record_scan(
                device,
                event_id=str(uuid.uuid4()),
                code=code,
                mode="in",
                occurred_at=local("2026-03-02 09:12").isoformat(),
                device_time=local("2026-03-02 09:40").isoformat(),  # a clock 10 min ahead
                # Synced from the offline queue: it keeps its own time (an online scan from
                # a device whose clock is off is judged by the server's time).
                offline=True,
                local_result="accepted",
            )
            with pytest.raises(services.ScanRejected):
                services.record_scan(
                    device,
                    event_id=str(uuid.uuid4()),
                    code="AKP1.forged",
                    mode="in",
                    occurred_at=local("2026-03-02 09:14").isoformat(),
                )
        db.session.commit()
        desktop.clock.install(time=MONDAY_0930)
        sign_in_staff(desktop, live_server, world.site_staff)
        assert desktop.url.endswith("/checkin/")
        axe_check(desktop, "site staff home")
        desktop.get_by_role("link", name="Plats A").click()
        desktop.get_by_role("heading", name="Plats A").wait_for()
        assert "Incheckad 09:12" in desktop.content()
        axe_check(desktop, "site day")
        shot(desktop, "site-day")

        desktop.get_by_role("link", name="Visa Incheckning 09:12").click()
        desktop.get_by_label("Ny tid").fill("09:02")
        desktop.get_by_label("Varför rättas tiden?").fill("Skannern gick fel")
        desktop.get_by_role("button", name="Spara ny tid").click()
        desktop.get_by_text("Tiden är rättad.").wait_for()
        assert "Incheckad 09:02" in desktop.content()

        desktop.get_by_role("link", name="Visa Incheckning 09:12").click()
        desktop.get_by_role("button", name="Makulera händelsen").click()  # no reason: an error
        desktop.locator(".error-summary").wait_for()
        axe_check(desktop, "event with errors")
        shot(desktop, "event-errors")

        desktop.goto(f"{live_server}/checkin/granska")
        assert "Fel klocka" in desktop.content()
        axe_check(desktop, "review list")
        shot(desktop, "review")


def test_an_administrator_registers_a_device(app, world, live_server, desktop, axe_check, shot):
    sign_in_staff(desktop, live_server, world.admin)
    desktop.goto(f"{live_server}/checkin/enheter")
    desktop.get_by_role("button", name="Skapa engångskod").click()
    desktop.locator(".error-summary").wait_for()
    axe_check(desktop, "devices with errors")
    desktop.get_by_label("Plats").select_option(label="Plats B")
    desktop.get_by_label("Namn på enheten").fill("Surfplatta vid entrén")
    desktop.get_by_role("button", name="Skapa engångskod").click()
    desktop.get_by_role("heading", name="Engångskod för Surfplatta vid entrén").wait_for()
    expect(desktop.get_by_role("img", name="QR-kod för att registrera enheten")).to_be_visible()
    axe_check(desktop, "enrolment code")
    shot(desktop, "enrolment-code")
    desktop.get_by_role("link", name="Tillbaka till enheterna").click()
    expect(desktop.locator("body")).to_contain_text("Väntar på registrering")
    axe_check(desktop, "devices")


def test_a_stale_site_code_explains_itself(app, world, live_server, phone, axe_check):
    from checkin import codes

    with time_machine.travel(MONDAY_0930, tick=True):
        enrol(world.person_a, world.activity_a)
        db.session.commit()
        sign_in_applicant(phone, live_server, world.person_a)
        site = world.site_a
        slot = codes.slot_of(local("2026-03-02 09:20"))
        mac = codes.site_mac(site.site_key, site.public_ref, slot)
        phone.goto(f"{live_server}/checkin/s/{site.public_ref}/{slot}/{mac}")
        phone.get_by_role("heading", name="Det gick inte att checka in").wait_for()
        assert "Skanna den igen" in phone.content()
        axe_check(phone, "self check-in error")
