"""A new applicant applies on a phone: dev e-ID, every step, an attachment, submitted.

Each page is checked with axe-core (WCAG 2.1 AA) and photographed for review.
"""

from datetime import date

from playwright.sync_api import expect

from portal.extensions import db
from portal.models import NormStatus
from portal.personnummer import with_check_digit
from tests.portal import factories as pf


def _pnr(born: date, serial: str) -> str:
    return born.strftime("%Y")[:2] + with_check_digit(born.strftime("%y%m%d") + serial)


def _continue(page):
    page.get_by_role("button", name="Spara och fortsätt").click()
    page.wait_for_load_state()


def test_new_applicant_applies_on_a_phone(live_server, world, phone, axe_check, shot):
    today = date.today()
    pf.norm_year(today.year, status=NormStatus.EXAMPLE)
    world.municipality.settings.norm_year = today.year
    db.session.commit()
    page = phone

    # Sign in as a new applicant with the development e-ID.
    page.goto(f"{live_server}/auth/dev")
    page.get_by_label("Personnummer").fill(_pnr(date(1991, 7, 14), "457"))
    page.get_by_label("Förnamn").fill("Nadia")
    page.get_by_label("Efternamn").fill("Haddad")
    page.get_by_role("button", name="Logga in som ny sökande").click()
    page.wait_for_url(f"{live_server}/start")
    assert page.get_by_role("heading", level=1).inner_text() == "Hej Nadia!"
    axe_check(page, "start page, new applicant")
    shot(page, "01-start")

    page.get_by_role("link", name="Ansök om försörjningsstöd för").click()
    axe_check(page, "new application")
    shot(page, "02-new")
    page.get_by_role("button", name="Börja").click()

    # Step 1: household, with a child added.
    expect(page.locator("body")).to_contain_text("Steg 1 av 7")
    axe_check(page, "household step")
    shot(page, "03-household")
    page.get_by_role("link", name="Lägg till en person").click()
    page.get_by_role("button", name="Spara personen").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe_check(page, "member form with errors")
    shot(page, "04-member-errors")
    page.get_by_label("Barn som bor hemma").check()
    page.get_by_label("Förnamn").fill("Yasmin")
    page.get_by_label("Personnummer").fill(_pnr(date(today.year - 5, 3, 3), "228"))
    page.get_by_label("Äter lunch på förskolan fem dagar i veckan").check()
    page.get_by_role("button", name="Spara personen").click()
    expect(page.locator("body")).to_contain_text("Yasmin")
    _continue(page)

    # Step 2: incomes, first with a mistake.
    page.get_by_label("Barnbidrag").fill("1250,50")
    _continue(page)
    assert "skriv beloppet i hela kronor" in page.locator(".error-summary").inner_text()
    axe_check(page, "incomes with an error")
    shot(page, "05-incomes-error")
    page.get_by_role("link", name="Barnbidrag: skriv beloppet i hela kronor, utan ören.").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("1 250")
    _continue(page)

    # Step 3: housing and costs.
    axe_check(page, "costs step")
    page.get_by_label("Hyresrätt med eget kontrakt").check()
    page.get_by_label("Hyra eller avgift för bostaden").fill("7 200")
    page.get_by_label("Hushållsel").fill("350")
    shot(page, "06-costs")
    _continue(page)

    # Step 4: assets.
    axe_check(page, "assets step")
    page.get_by_label("Pengar på bankkonton").fill("800")
    _continue(page)

    # Step 5: a photo of the rent notice.
    axe_check(page, "attachments step")
    page.get_by_label("Hyresavi eller hyreskontrakt").check()
    page.get_by_label("Välj fil").set_input_files(
        files=[{"name": "hyresavi.png", "mimeType": "image/png", "buffer": pf.PNG_BYTES}]
    )
    page.get_by_role("button", name="Ladda upp").click()
    expect(page.locator("body")).to_contain_text("hyresavi.png")
    shot(page, "07-attachments")
    page.get_by_role("button", name="Fortsätt").click()

    # Step 6: the declaration, ticked with the keyboard.
    axe_check(page, "declaration step")
    box = page.get_by_label("Jag intygar att uppgifterna är riktiga och fullständiga")
    box.focus()
    page.keyboard.press("Space")
    assert box.is_checked()
    shot(page, "08-declaration")
    _continue(page)

    # Step 7: review with the estimate, then submit.
    expect(page.get_by_role("heading", name="Preliminär beräkning")).to_be_visible()
    assert "Exempelsiffror" in page.content()
    assert "Det är din handläggare som beslutar" in page.content()
    axe_check(page, "review step")
    shot(page, "09-review")
    page.get_by_role("button", name="Skicka ansökan").click()
    page.wait_for_load_state()
    assert "är skickad" in page.locator(".notice-success").inner_text()
    expect(page.locator(".tag", has_text="Skickad")).to_be_visible()
    axe_check(page, "submitted application")
    shot(page, "10-submitted")

    # The start page now shows the month as submitted.
    page.get_by_role("link", name="Start").click()
    expect(page.locator(".tag", has_text="Skickad").first).to_be_visible()
    shot(page, "11-start-after")


def test_application_pages_fit_a_wide_screen_and_double_text_size(
    live_server, world, desktop, axe_check, shot
):
    from tests.browser.conftest import sign_in_applicant

    app = pf.application(
        world.person_a,
        items=[("cost", "rent", 6400), ("income", "salary", 2000), ("asset", "bank", 200)],
    )
    db.session.commit()
    page = desktop
    sign_in_applicant(page, live_server, world.person_a)
    ref = app.public_ref
    paths = ("/ansokan", f"/ansokan/{ref}", f"/ansokan/{ref}/kostnader", f"/ansokan/{ref}/granska")
    for path in paths:
        page.goto(f"{live_server}{path}")
        axe_check(page, path)
    shot(page, "review-desktop")
    # 200 % text: nothing may need sideways scrolling on a phone-width window.
    page.set_viewport_size({"width": 640, "height": 900})
    for path in (*paths, "/start", "/plan", "/narvaro", "/franvaro/ny", "/mina-uppgifter"):
        page.goto(f"{live_server}{path}")
        # Through the CSSOM: the CSP (rightly) refuses injected style elements.
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path}: {overflow}px of sideways scrolling at 200 % text"
    shot(page, "absence-form-200-percent")
