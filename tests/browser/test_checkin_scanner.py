"""The check-in scanner, kiosk and My QR in a phone-sized browser.

The server's clock and the browser's clock both start at Monday 09:30 (Stockholm), during the
session the test people are enrolled in, and then run normally.
"""

from __future__ import annotations

import sqlalchemy as sa
import time_machine

from checkin import keys, services
from portal.extensions import db
from portal.models import AttendanceEvent, EventStatus
from tests.checkin.conftest import MONDAY_0930, enrol

SCAN_RESULT = "#scan-result"


def _setup(world, app):
    """Alma is expected now; Bashir is not. Returns their printed codes and an enrolment code."""
    enrol(world.person_a, world.activity_a)
    with app.test_request_context():
        alma = services.personal_code(world.person_a, printed=True)
        alma_phone = services.personal_code(world.person_a, printed=False)
        bashir = services.personal_code(world.person_b, printed=True)
        _device, enrolment = services.create_device(world.admin, world.site_a, "Mobil vid entrén")
    db.session.commit()
    return alma, alma_phone, bashir, enrolment


def _events():
    db.session.expire_all()
    return db.session.scalars(sa.select(AttendanceEvent).order_by(AttendanceEvent.id)).all()


def _scan(page, code):
    field = page.locator("#scan-input")
    field.fill(code)
    field.press("Enter")  # what a keyboard-wedge scanner sends after the code


def test_scanner_with_keyboard_wedge_offline_queue_and_sync(
    app, world, live_server, phone, axe_check, shot
):
    with time_machine.travel(MONDAY_0930, tick=True):
        alma, alma_phone, bashir, enrolment = _setup(world, app)
        phone.clock.install(time=MONDAY_0930)

        # Enrol this phone with the one-time code, as if its camera opened the QR code's URL.
        phone.goto(f"{live_server}/checkin/registrera-enhet#{enrolment}")
        phone.get_by_text("Enheten är registrerad för Plats A.").wait_for()
        axe_check(phone, "enrolment page")
        phone.get_by_role("link", name="Skanner för personalen").click()
        phone.wait_for_selector("#scanner[data-ready=true]")
        assert phone.locator("#site-name").inner_text() == "Plats A"
        axe_check(phone, "scanner")
        shot(phone, "scanner-ready")

        # Online: a check-in, answered in words and colour with the first name.
        _scan(phone, alma)
        phone.wait_for_selector(f"{SCAN_RESULT}.ok")
        assert "Alma" in phone.locator(SCAN_RESULT).inner_text()
        assert "incheckad" in phone.locator(SCAN_RESULT).inner_text()
        shot(phone, "scanner-checked-in")
        # The same code again at once is ignored (debounce): nothing new is stored.
        _scan(phone, alma)
        phone.wait_for_timeout(500)
        assert len(_events()) == 1

        # Offline: the scanner says so, checks codes itself and queues them.
        phone.context.set_offline(True)
        phone.locator("#offline-banner").wait_for(state="visible")
        phone.get_by_text("Utcheckning (går)").click()
        _scan(phone, alma_phone)
        phone.wait_for_selector(f"{SCAN_RESULT}.ok")
        assert "Sparad i enheten" in phone.locator(SCAN_RESULT).inner_text()
        phone.get_by_text("Incheckning (kommer)").click()
        _scan(phone, bashir)  # not expected here: refused by the device, staff may let him in
        phone.wait_for_selector(f"{SCAN_RESULT}.bad")
        assert "ingen aktivitet här" in phone.locator(SCAN_RESULT).inner_text()
        phone.get_by_role("button", name="Släpp in ändå").click()
        phone.wait_for_selector("#scanner[data-queue='3']")
        assert "3 skanningar väntar" in phone.locator("#queue-status").inner_text()
        axe_check(phone, "scanner offline")
        shot(phone, "scanner-offline-queue")
        assert len(_events()) == 1  # nothing reached the server

        # Back online: the queue drains by itself.
        phone.context.set_offline(False)
        phone.wait_for_selector("#scanner[data-queue='0']", timeout=20_000)
        phone.locator("#offline-banner").wait_for(state="hidden")
        shot(phone, "scanner-synced")
        events = _events()
        assert [(e.kind, e.status, e.reason, e.offline) for e in events] == [
            ("in", EventStatus.ACCEPTED, None, False),
            ("out", EventStatus.ACCEPTED, None, True),
            ("in", EventStatus.REJECTED, "not_enrolled", True),
            ("in", EventStatus.FLAGGED, "not_enrolled", True),
        ]
        assert [e.device_seq for e in events] == [1, 2, 3, 4]  # the ignored repeat took none

        # The service worker keeps the scanner page: it opens without a network.
        phone.wait_for_function("navigator.serviceWorker.controller !== null", timeout=10_000)
        phone.context.set_offline(True)
        phone.reload()
        phone.wait_for_selector("#scanner[data-ready=true]")
        phone.locator("#offline-banner").wait_for(state="visible")
        phone.context.set_offline(False)

        # A revoked key: the next roster says so, and offline the device refuses its codes by
        # name, with no "let in anyway" (the code names nobody the device may trust).
        revoked = alma.split(".")[1]
        keys.revoke_signing_key(revoked, "Läckt", world.admin)
        db.session.commit()
        phone.reload()
        phone.wait_for_selector("#scanner[data-ready=true]")
        # The page starts on the roster it kept and downloads a fresh one in the background.
        phone.wait_for_function(
            "key => (JSON.parse(localStorage.getItem('checkin.roster') || '{}').revoked_keys"
            " || []).includes(key)",
            arg=revoked,
        )
        phone.context.set_offline(True)
        phone.locator("#offline-banner").wait_for(state="visible")
        _scan(phone, alma)
        phone.wait_for_selector(f"{SCAN_RESULT}.bad")
        assert "spärrad nyckel" in phone.locator(SCAN_RESULT).inner_text()
        assert phone.get_by_role("button", name="Släpp in ändå").is_hidden()
        phone.context.set_offline(False)


def test_kiosk_shows_the_rotating_code_and_my_qr_is_accessible(
    app, world, live_server, phone, axe_check, shot
):
    from tests.browser.conftest import sign_in_applicant

    with time_machine.travel(MONDAY_0930, tick=True):
        _alma, _phone, _bashir, enrolment = _setup(world, app)
        phone.clock.install(time=MONDAY_0930)
        phone.goto(f"{live_server}/checkin/registrera-enhet#{enrolment}")
        phone.get_by_role("link", name="Skärm för egen incheckning").click()
        phone.locator("#kiosk-image").wait_for(state="visible")
        url = phone.locator("#kiosk").get_attribute("data-url")
        assert f"/checkin/s/{world.site_a.public_ref}/" in url
        phone.get_by_text("Ny kod om").wait_for()
        axe_check(phone, "kiosk")
        shot(phone, "kiosk")

        # A phone camera opens the kiosk's code: the signed-in applicant is checked in at once.
        me = phone.context.browser.new_context(
            locale="sv-SE", timezone_id="Europe/Stockholm", viewport={"width": 390, "height": 844}
        )
        page = me.new_page()
        sign_in_applicant(page, live_server, world.person_a)
        page.goto(url)
        page.get_by_role("heading", name="Du är incheckad").wait_for()
        axe_check(page, "self check-in result")
        shot(page, "self-check-in-done")

        page.goto(f"{live_server}/checkin/min-kod")
        image = page.get_by_role("img", name="Din personliga QR-kod")
        assert image.is_visible() and image.bounding_box()["width"] >= 300  # arm's length
        axe_check(page, "my QR")
        shot(page, "my-qr")
        me.close()
