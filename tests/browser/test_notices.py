"""An applicant on a phone chooses SMS and e-mail, verifies the number with the code that was
sent, sees an unread message in the menu and opens it; axe-core finds no violation."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import OutboxMessage
from portal.notices import notify
from tests.browser.conftest import sign_in_applicant


def _sent_code() -> str:
    db.session.expire_all()
    row = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.kind == "verify_code", OutboxMessage.channel == "sms")
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert row is not None and row.recipient == "+46701234567"
    return re.search(r"\b(\d{6})\b", row.body).group(1)


def test_applicant_chooses_channels_verifies_the_number_and_reads_a_message(
    live_server, world, phone, axe_check, shot
):
    notify(None, world.person_a, "plan_to_acknowledge", key="1", version=1, valid_from="2026-12-07")
    db.session.commit()
    page = phone
    sign_in_applicant(page, live_server, world.person_a)

    page.get_by_role("navigation", name="Huvudmeny").get_by_role(
        "link", name="Mina uppgifter"
    ).click()
    page.get_by_role("link", name="Välj hur du får besked").click()
    expect(page.get_by_role("heading", name="Besked med e-post och sms", level=1)).to_be_visible()
    axe_check(page, "contact choice")

    page.get_by_label("Både e-post och sms").check()
    page.get_by_label("E-postadress").fill("alma@example.se")
    page.get_by_role("textbox", name="Mobilnummer").fill("070-123 45 67")
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".notice-success")).to_contain_text("Ditt val är sparat.")
    sms = page.locator("#verify-sms")
    expect(sms).to_contain_text("+46701234567")
    expect(sms.locator(".tag")).to_have_text("Inte bekräftad")
    shot(page, "01-channels-chosen")

    sms.get_by_role("button", name="Skicka kod").click()
    expect(page.locator(".notice-success")).to_contain_text("Vi har skickat en kod till …4567")
    axe_check(page, "code sent")
    page.locator("#verify-sms").get_by_label("Kod").fill(_sent_code())
    page.locator("#verify-sms").get_by_role("button", name="Bekräfta").click()
    expect(page.locator(".notice-success")).to_contain_text("Tack! Nu är det bekräftat.")
    expect(page.locator("#verify-sms .tag")).to_have_text("Bekräftad")
    expect(page.locator("#verify-email .tag")).to_have_text("Inte bekräftad")
    axe_check(page, "number verified")
    shot(page, "02-number-verified")

    menu_link = page.get_by_role("link", name=re.compile(r"^Meddelanden 1 olästa"))
    expect(menu_link).to_be_visible()
    menu_link.click()
    expect(page.get_by_role("heading", name="Meddelanden", level=1)).to_be_visible()
    expect(page.locator("#messages .tag")).to_have_text("Oläst")
    axe_check(page, "message list")
    shot(page, "03-messages")

    page.get_by_role("link", name="Ny version av din plan").click()
    expect(page.get_by_role("heading", name="Ny version av din plan", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("version 1 av din plan")
    axe_check(page, "message")
    shot(page, "04-message")
    expect(page.get_by_role("link", name=re.compile(r"^Meddelanden$"))).to_be_visible()
    page.get_by_role("link", name="Läs planen").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_administrator_sees_failed_deliveries_and_switches_a_kind_off(
    live_server, world, desktop, axe_check, shot
):
    from portal.models import OutboxStatus
    from tests.browser.conftest import sign_in_staff
    from tests.notices.conftest import verified

    alma = verified(world.person_a, email="alma@example.se")
    notify(None, alma, "absence_decision", key="a", date="2026-12-01")
    row = db.session.scalars(sa.select(OutboxMessage)).one()
    row.status, row.attempts, row.last_error = (
        OutboxStatus.FAILED,
        8,
        "smtp: SMTPServerDisconnected",
    )
    db.session.commit()
    page = desktop
    sign_in_staff(page, live_server, world.admin)
    page.get_by_role("link", name="Utskick").first.click()
    expect(page.get_by_role("heading", name="Utskick", level=1)).to_be_visible()
    expect(page.locator("table")).to_contain_text("a…@example.se")
    axe_check(page, "failed deliveries")
    page.get_by_label("Saknad incheckning").uncheck()
    page.get_by_role("button", name="Spara").click()
    expect(page.locator(".notice-success")).to_contain_text("Inställningarna är sparade.")
    expect(page.get_by_label("Saknad incheckning")).not_to_be_checked()
    page.get_by_role("button", name="Försök igen").click()
    expect(page.locator("main")).to_contain_text("Inga meddelanden har misslyckats.")
    axe_check(page, "after retry")
    shot(page, "admin")
