"""P3: the applicant reads every decision as a letter with reasons, legal basis and how to appeal
(also as PDF), and reads and answers a notice of an intended decision before it is made."""

import io
from datetime import date

import pytest
import time_machine
from pypdf import PdfReader

from admin.casework import sanctions
from portal.extensions import db
from portal.models import SanctionKind
from tests.casework import builders as b
from tests.casework.builders import local

SENT = "2026-10-05 12:00"
MESSAGE = "Du har inte kommit till språkkursen på måndagar i september utan att anmäla frånvaro."
ASSESSMENT = "Personen har uteblivit utan skäl och inte svarat på kommuniceringen."


def text(resp) -> str:
    return resp.get_data(as_text=True).replace("\xa0", " ")


@pytest.fixture
def notice(world):
    """Alma has a notice of an intended reduction of 800 kr for September."""
    person, cw = world.person_a, world.caseworker
    apps = [b.decided(person, month, by=cw) for month in ("2026-07", "2026-08", "2026-09")]
    b.plan(person, world.activity_a, valid_from=date(2026, 8, 1))
    db.session.commit()
    with time_machine.travel(local(SENT), tick=False):
        row = sanctions.send_notice(cw, person, "2026-09", SanctionKind.REDUCTION, 800, MESSAGE)
    db.session.commit()
    row.applications = apps
    return row


def test_the_applicant_reads_the_notice_and_its_basis(client, world, login, notice):
    with time_machine.travel(local("2026-10-06 09:00"), tick=False):
        login(world.person_a)
        home = text(client.get("/start"))
        assert "Läs om ett planerat beslut och svara" in home
        assert "Planerat beslut om september 2026" in text(client.get("/beslut"))
        page = text(client.get(f"/beslut/planerat/{notice.public_ref}"))
    assert "planerar att minska ditt försörjningsstöd för september 2026 med 800 kr" in page
    assert MESSAGE in page and world.activity_a.name in page
    assert "Svara senast 12 oktober 2026" in page
    db.session.refresh(notice)
    assert notice.read_at is not None


def test_the_applicants_answer_is_kept_and_shown_to_the_caseworker(client, world, login, notice):
    with time_machine.travel(local("2026-10-06 09:00"), tick=False):
        login(world.person_a)
        url = f"/beslut/planerat/{notice.public_ref}"
        resp = client.post(url, data={"reply": ""})
        assert resp.status_code == 400 and "Skriv ditt svar." in text(resp)
        resp = client.post(url, data={"reply": "Jag var sjuk, intyg kommer."})
        assert resp.status_code == 302
        assert "Du svarade" in text(client.get(url))
        # Answered once: the form is gone and a second answer is refused.
        resp = client.post(url, data={"reply": "Ändrat svar."})
        assert resp.status_code == 400
    db.session.refresh(notice)
    assert notice.reply == "Jag var sjuk, intyg kommer."
    with time_machine.travel(local("2026-10-06 10:00"), tick=False):
        login(world.caseworker)
        page = text(
            client.get(f"/admin/cases/people/{world.person_a.public_ref}/support/2026-09/decision")
        )
    assert "Jag var sjuk, intyg kommer." in page


def test_no_answer_after_the_last_day(client, world, login, notice):
    with time_machine.travel(local("2026-10-13 00:30"), tick=False):
        login(world.person_a)
        url = f"/beslut/planerat/{notice.public_ref}"
        assert "Tiden att svara gick ut" in text(client.get(url))
        resp = client.post(url, data={"reply": "Sent svar."})
    assert resp.status_code == 400
    db.session.refresh(notice)
    assert notice.reply is None


def test_the_reduction_letter_has_reasons_legal_basis_and_appeal(client, world, login, notice):
    with time_machine.travel(local("2026-10-13 09:00"), tick=False):
        row = sanctions.record_sanction(
            world.caseworker, world.person_a, "2026-09", SanctionKind.REDUCTION, 800,
            ASSESSMENT, "",
        )  # fmt: skip
        db.session.commit()
        login(world.person_a)
        listing = text(client.get("/beslut"))
        page = text(client.get(f"/beslut/aktivitetskrav/{row.public_ref}"))
        pdf = client.get(f"/beslut/aktivitetskrav/{row.public_ref}/brev.pdf")
    assert "Försörjningsstödet minskas" in listing
    assert "Försörjningsstödet minskas" in page and "800 kr" in page and ASSESSMENT in page
    for words in ("förvaltningsrätten", "inom tre veckor", "socialnämnden", "44 §"):
        assert words in page
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "private, no-store"
    letter = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    letter = " ".join(letter.split())
    for words in ("Försörjningsstödet minskas", "800 kr", "förvaltningsrätten", "tre veckor"):
        assert words in letter, words
    assert world.person_a.first_name in letter


def test_an_application_decision_is_a_letter_too(client, world, login, notice):
    app = notice.applications[-1]
    login(world.person_a)
    page = text(client.get(f"/beslut/ansokan/{app.public_ref}"))
    assert "Försörjningsstöd beviljas" in page and "5 000 kr" in page
    assert "förvaltningsrätten" in page
    detail = text(client.get(f"/ansokan/{app.public_ref}"))
    assert f"/beslut/ansokan/{app.public_ref}" in detail


def test_no_action_is_not_a_letter(client, world, login, notice):
    with time_machine.travel(local("2026-10-13 09:00"), tick=False):
        sanctions.record_sanction(
            world.caseworker, world.person_a, "2026-09", SanctionKind.NO_ACTION, None,
            ASSESSMENT, "",
        )  # fmt: skip
        db.session.commit()
        login(world.person_a)
        assert "Ingen åtgärd" not in text(client.get("/beslut"))


def test_another_person_gets_404_and_staff_403(client, world, login, notice):
    app = notice.applications[-1]
    paths = [
        f"/beslut/planerat/{notice.public_ref}",
        f"/beslut/ansokan/{app.public_ref}",
        f"/beslut/ansokan/{app.public_ref}/brev.pdf",
        "/beslut/okand/x",
    ]
    login(world.person_b)
    for path in paths:
        assert client.get(path).status_code == 404, path
    assert client.post(paths[0], data={"reply": "Intrång"}).status_code == 404
    login(world.caseworker)
    for path in [*paths, "/beslut"]:
        assert client.get(path).status_code == 403, path
    db.session.refresh(notice)
    assert notice.reply is None and notice.read_at is None
