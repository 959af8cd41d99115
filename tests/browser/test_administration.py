"""Administration in a desktop browser (1280 px): an administrator creates a site-staff user
bound to one site; the user signs in with the one-time password, enrols TOTP and registers a
check-in at that site; the administrator changes the tolerance from next month. axe-clean."""

from __future__ import annotations

from datetime import date

import pyotp
import sqlalchemy as sa
import time_machine
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import AttendanceEvent, MunicipalitySettings, StaffUser
from portal.services.settings_versions import settings_in_force
from tests.browser.conftest import sign_in_staff
from tests.checkin.conftest import MONDAY_0930, enrol


def test_admin_creates_site_staff_who_enrols_and_scans_then_changes_the_tolerance(
    app, world, live_server, desktop, axe_check, shot
):
    with time_machine.travel(MONDAY_0930, tick=True):
        enrol(world.person_a, world.activity_a)
        db.session.commit()
        desktop.clock.install(time=MONDAY_0930)
        base = f"{live_server}/admin/administration"

        # The administrator creates a site-staff user bound to Plats A only.
        sign_in_staff(desktop, live_server, world.admin)
        desktop.get_by_role("link", name="Administration").first.click()
        desktop.get_by_role("heading", name="Administration").wait_for()
        axe_check(desktop, "administration")
        desktop.get_by_role("link", name="Användare och roller").click()
        axe_check(desktop, "users")
        desktop.get_by_role("link", name="Ny användare").click()
        desktop.get_by_role("button", name="Skapa användare").click()  # empty: errors
        desktop.locator(".error-summary").wait_for()
        axe_check(desktop, "new user with errors")
        desktop.get_by_label("Namn").fill("Petra Plats")
        desktop.get_by_label("E-postadress").fill("petra@test.se")
        desktop.get_by_label("Aktivitetsanordnare").check()
        desktop.get_by_label("Plats A").check()
        desktop.get_by_role("button", name="Skapa användare").click()
        desktop.get_by_role("heading", name="Petra Plats är skapad").wait_for()
        axe_check(desktop, "one-time password")
        shot(desktop, "administration-user-created")
        password = desktop.locator("#one-time-password").inner_text()
        desktop.get_by_role("button", name="Logga ut").click()

        # The new user signs in with the password and enrols an authenticator.
        desktop.goto(f"{live_server}/auth/staff")
        desktop.get_by_label("E-postadress").fill("petra@test.se")
        desktop.get_by_label("Lösenord").fill(password)
        desktop.get_by_role("button", name="Fortsätt").click()
        desktop.get_by_role("button", name="Bekräfta och logga in").wait_for()
        axe_check(desktop, "enrol second factor")
        user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == "petra@test.se"))
        db.session.refresh(user)
        desktop.get_by_label("Engångskod").fill(pyotp.TOTP(user.totp_secret).now())
        desktop.get_by_role("button", name="Bekräfta och logga in").click()
        desktop.wait_for_url(f"{live_server}/checkin/")
        expect(desktop.get_by_role("link", name="Plats B")).to_have_count(0)

        # ... and registers Alma's check-in at Plats A with the staff scan page.
        desktop.get_by_role("link", name="Plats A").click()
        desktop.get_by_role("heading", name="Plats A").wait_for()
        desktop.get_by_role("button", name="Checka in Alma").click()
        expect(desktop.locator("body")).to_contain_text("Registreringen för Alma")
        axe_check(desktop, "site day after check-in")
        db.session.expire_all()
        event = db.session.scalar(
            sa.select(AttendanceEvent).where(AttendanceEvent.person_id == world.person_a.id)
        )
        assert event.site_id == world.site_a.id and event.actor_user_id == user.id
        desktop.get_by_role("button", name="Logga ut").click()

        # The administrator changes the tolerance from next month, after the what-if.
        db.session.refresh(world.admin)
        world.admin.totp_last_step = None  # signing in twice within one 30-second time step
        db.session.commit()
        sign_in_staff(desktop, live_server, world.admin)
        desktop.goto(f"{base}/settings")
        axe_check(desktop, "settings")
        desktop.get_by_label("Tolerans för ogiltig frånvaro, minuter per period").fill("15")
        expect(desktop.get_by_label("Gäller från och med")).to_have_value("2026-04-01")
        desktop.get_by_label("Beslut eller skäl").fill("Socialnämnden 2026-02-25 § 12")
        desktop.get_by_role("button", name="Visa följderna").click()
        desktop.get_by_role("heading", name="Så hade förra avstämda månaden blivit").wait_for()
        axe_check(desktop, "settings what-if")
        desktop.get_by_role("button", name="Spara ändringen").click()
        expect(desktop.locator("body")).to_contain_text("gäller från 2026-04-01")
        expect(desktop.locator("table")).to_contain_text("Socialnämnden 2026-02-25 § 12")
        axe_check(desktop, "settings history")
        shot(desktop, "administration-settings")
        # The check-in window applies at once, outside the dated settings.
        window = desktop.get_by_label("Registrera i efterhand, dagar bakåt")
        window.fill("40")
        desktop.locator("#checkin").get_by_role("button", name="Spara").click()
        expect(desktop.locator(".error-summary")).to_contain_text("mellan 0 och 31")
        axe_check(desktop, "settings check-in window with an error")
        desktop.get_by_label("Registrera i efterhand, dagar bakåt").fill("3")
        desktop.locator("#checkin").get_by_role("button", name="Spara").click()
        saved = desktop.locator(".notice-success")
        expect(saved).to_contain_text("Inställningen för incheckning är sparad")
        expect(saved).to_be_in_viewport()  # where the page opens after saving
        shot(desktop, "administration-settings-checkin")

    db.session.expire_all()
    m = world.municipality.id
    assert settings_in_force(db.session, m, date(2026, 3, 31)).shortfall_tolerance_minutes == 0
    assert settings_in_force(db.session, m, date(2026, 4, 1)).shortfall_tolerance_minutes == 15
    assert db.session.get(MunicipalitySettings, m).checkin_backdate_days == 3


def test_units_intake_and_the_norm_pages_work_and_are_axe_clean(
    app, world, live_server, desktop, axe_check, tmp_path
):
    from tests.portal import factories as pf

    base = f"{live_server}/admin/administration"
    sign_in_staff(desktop, live_server, world.admin)
    desktop.goto(f"{base}/units")
    axe_check(desktop, "units")
    desktop.get_by_label("Enhetens namn").fill("Enhet Väst")
    desktop.get_by_role("button", name="Lägg till enhet").click()
    expect(desktop.locator("body")).to_contain_text("Enheten är skapad.")
    desktop.get_by_label("Enhet som tar emot nya ansökningar").select_option(label="Enhet Väst")
    desktop.get_by_role("button", name="Spara mottagande enhet").click()
    expect(desktop.locator("body")).to_contain_text("Tar emot nya ansökningar")
    desktop.get_by_label("Postnummer börjar med").fill("39a")
    desktop.get_by_role("button", name="Lägg till regel").click()
    desktop.locator(".error-summary").wait_for()
    axe_check(desktop, "units with errors")
    desktop.get_by_label("Postnummer börjar med").fill("392")
    desktop.get_by_role("button", name="Lägg till regel").click()
    expect(desktop.locator("table").nth(1)).to_contain_text("392")
    axe_check(desktop, "units with a rule")

    desktop.goto(f"{base}/norm")
    axe_check(desktop, "norm years")
    lines = ["category,key,amount_sek"] + [
        f"{category},{key},{amount}"
        for category, rows in pf.NORM_2019.items()
        for key, amount in rows.items()
    ]
    csv_file = tmp_path / "riksnorm-2027.csv"
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    desktop.get_by_label("Fil (CSV eller JSON)").set_input_files(str(csv_file))
    desktop.locator("#year").fill("2027")
    desktop.get_by_role("button", name="Importera").click()
    desktop.get_by_role("heading", name="Riksnormen 2027").wait_for()
    expect(desktop.locator("body")).to_contain_text("Riksnormen för 2027 är importerad.")
    axe_check(desktop, "norm year form")
