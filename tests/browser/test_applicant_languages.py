"""Issue 19: the applicant's journeys in Arabic on a phone (390 px, right to left) and one in
English: every page has no axe violation, no sideways scrolling, no Swedish left in the
interface text, and the PDFs carry the Arabic words. Screenshots in tests/screenshots/."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import ApplicationState
from tests.browser.conftest import sign_in_applicant
from tests.browser.test_applicant_plan import _plan_for_everyday
from tests.portal import factories as pf
from tests.portal.pdftext import pdf_text

pytestmark = pytest.mark.browser

#: Swedish words that must not be left in an Arabic page's own text (names and places may be).
SWEDISH = re.compile(
    r"\b(och|eller|inte|du|din|ditt|dina|för|har|som|med|till|frånvaro|ansökan|beslut|timmar)\b",
    re.IGNORECASE,
)


def _busy_month(world):
    """Alma has a plan, a decided application, a week of visits and a pending absence."""
    _plan_for_everyday(world)
    person = world.person_a
    today = date.today()
    month = f"{today:%Y-%m}"
    application = pf.application(
        person, month, state=ApplicationState.DECIDED, items=[("cost", "rent", 6400)]
    )
    pf.decision(application, world.caseworker, reasons="Beviljat enligt riksnormen.")
    activity = world.activity_a
    monday = today - timedelta(days=today.weekday())
    if monday == today:
        monday -= timedelta(days=7)
    pf.event(person, activity, "in", pf.local(monday, "09:02"))
    pf.event(person, activity, "out", pf.local(monday, "11:55"))
    pf.absence(
        person,
        pf.local(today + timedelta(days=2), "09:00"),
        pf.local(today + timedelta(days=2), "12:00"),
    )
    db.session.commit()
    return application


def _interface_text(page) -> str:
    """The page's own text: without values people typed (names, places, a caseworker's
    reasons: in <bdi> or dir="auto") and the language switch (each language in its own)."""
    return page.evaluate(
        """() => {
          const copy = document.body.cloneNode(true);
          const typed = 'bdi, [dir=auto], .lang-switch, script, [lang]:not(html)';
          copy.querySelectorAll(typed).forEach(e => e.remove());
          return copy.innerText;
        }"""
    )


def _check(page, axe_check, shot, name: str, *, rtl: bool) -> None:
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("dir") == ("rtl" if rtl else "ltr")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: the page scrolls sideways ({width} px)"
    axe_check(page, name)
    shot(page, name)


def test_arabic_applicant_on_a_phone(live_server, world, phone, axe_check, shot):
    application = _busy_month(world)
    world.person_a.language = "ar"
    db.session.commit()
    page = phone
    sign_in_applicant(page, live_server, world.person_a)
    _check(page, axe_check, shot, "01-start", rtl=True)
    expect(page.get_by_role("link", name="اقرأ خطتك وأكّد أنك قرأتها")).to_be_visible()

    pages = {
        "02-plan": "/plan",
        "03-attendance": "/narvaro",
        "04-absences": "/franvaro",
        "05-absence-form": "/franvaro/ny",
        "06-applications": "/ansokan",
        "07-application": f"/ansokan/{application.public_ref}",
        "08-decisions": "/beslut",
        "09-letter": f"/beslut/ansokan/{application.public_ref}",
        "10-my-data": "/mina-uppgifter",
        "11-messages": "/meddelanden",
        "12-contact": "/mina-uppgifter/kontakt",
        "13-my-code": "/checkin/min-kod",
    }
    leftovers = {}
    for name, path in pages.items():
        page.goto(live_server + path)
        _check(page, axe_check, shot, name, rtl=True)
        if found := sorted({m.lower() for m in SWEDISH.findall(_interface_text(page))}):
            leftovers[name] = found
    assert not leftovers, f"Swedish left in the Arabic interface: {leftovers}"

    # The plan's confirmation is after the plan; confirm it.
    page.goto(live_server + "/plan")
    button = page.get_by_role("button", name="قرأتُ الخطة")
    schedule = page.locator("#week-heading")
    assert button.bounding_box()["y"] > schedule.bounding_box()["y"]
    button.click()
    expect(page.locator(".notice-success").first).to_contain_text("أكّدتَ أنك قرأت الخطة")

    # Report an absence with a certificate type that fits, then withdraw it.
    page.goto(live_server + "/franvaro/ny")
    page.get_by_label("أول يوم تغيب فيه").fill((date.today() + timedelta(days=3)).isoformat())
    page.get_by_label("أنا مريض").check()
    page.get_by_role("button", name="أرسل البلاغ").click()
    expect(page.locator(".notice-success")).to_contain_text("تم الإبلاغ عن غيابك")
    _check(page, axe_check, shot, "14-absence-reported", rtl=True)
    page.get_by_role("button", name=re.compile("اسحب البلاغ")).first.click()
    expect(page.locator(".notice-success")).to_contain_text("تم سحب بلاغ الغياب")
    _check(page, axe_check, shot, "15-absence-withdrawn", rtl=True)

    # The PDFs: the letter and "My data" carry Arabic words, shaped and extractable.
    letter = page.request.get(f"{live_server}/beslut/ansokan/{application.public_ref}/brev.pdf")
    assert letter.ok
    text = pdf_text(letter.body())
    assert "كيفية الاعتراض على القرار" in " ".join(text.split())
    my_data = page.request.get(f"{live_server}/mina-uppgifter/mina-uppgifter.pdf")
    assert my_data.ok
    text = pdf_text(my_data.body())
    for words in ("بياناتي في بوابة الأنشطة", "المحتويات", "الحضور المسجل"):
        assert words in text, words


def test_english_applicant_on_a_phone(live_server, world, phone, axe_check, shot):
    application = _busy_month(world)
    world.person_a.language = "en"
    db.session.commit()
    page = phone
    sign_in_applicant(page, live_server, world.person_a)
    _check(page, axe_check, shot, "01-start", rtl=False)
    for name, path in {
        "02-plan": "/plan",
        "03-attendance": "/narvaro",
        "04-absence-form": "/franvaro/ny",
        "05-application": f"/ansokan/{application.public_ref}",
        "06-my-data": "/mina-uppgifter",
    }.items():
        page.goto(live_server + path)
        _check(page, axe_check, shot, name, rtl=False)
    page.goto(live_server + "/franvaro/ny")
    expect(page.get_by_label("Invitation to a job interview")).to_be_visible()
    assert "Rent" not in page.locator("form[enctype]").inner_text()


def test_demo_applicants_attendance_and_start_pass_axe_in_arabic(
    live_server, runner, phone, axe_check
):
    """Every state the demo has (missing check-outs, shortfalls, exemptions, pending absences)
    on the pages that show them, in Arabic on a phone."""
    import sqlalchemy as sa

    from portal.models import AttendanceEvent, Person

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    people = list(
        db.session.scalars(
            sa.select(Person)
            .where(Person.id.in_(sa.select(AttendanceEvent.person_id).distinct()))
            .order_by(Person.id)
            .limit(6)
        )
    )
    assert len(people) >= 3
    page = phone
    for person in people:
        person.language = "ar"
        db.session.commit()
        page.context.clear_cookies()
        # Demo names repeat, so sign in by reference (the dev e-ID page's form posts here).
        assert page.request.post(f"{live_server}/auth/dev/{person.public_ref}").ok
        for path in ("/start", "/narvaro", "/plan", "/franvaro"):
            page.goto(live_server + path)
            _check_quietly(page, axe_check, f"{person.first_name} {path}")


def _check_quietly(page, axe_check, name: str) -> None:
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    axe_check(page, name)
