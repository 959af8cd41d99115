"""Issue 19: what a new applicant trips on, mended (document types, withdrawing an absence
report, the household of a submitted application, dates, the plan's confirmation, hours)."""

import io
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale

from portal.extensions import db
from portal.formatting import duration
from portal.models import AbsenceReport, Attachment
from portal.services import vocab
from tests.portal import factories as pf


def _reports() -> list[AbsenceReport]:
    return list(db.session.scalars(sa.select(AbsenceReport)))


def test_the_absence_form_offers_documents_that_show_an_absence(client, alma):
    page = client.get("/franvaro/ny").get_data(as_text=True)
    assert "Läkarintyg" in page and "Kallelse till anställningsintervju" in page
    for wrong in ("Hyresavi", "Besked om lön", "Kontoutdrag"):
        assert wrong not in page
    resp = client.post(
        "/franvaro/ny",
        data={
            "first_day": "2026-03-11",
            "reason": "job_interview",
            "document_type": "interview",
            "attachment": (io.BytesIO(pf.PDF_BYTES), "kallelse.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    (attachment,) = _reports()[0].attachments
    assert attachment.document_type == "interview"
    assert "Kallelse till anställningsintervju" in client.get("/franvaro").get_data(as_text=True)


def test_a_rent_slip_is_not_an_absence_document(client, alma):
    resp = client.post(
        "/franvaro/ny",
        data={
            "first_day": "2026-03-11",
            "reason": "sick",
            "document_type": "rent",
            "attachment": (io.BytesIO(pf.PDF_BYTES), "hyra.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert _reports() == []


def test_a_pending_report_can_be_withdrawn_with_its_document(client, alma):
    client.post(
        "/franvaro/ny",
        data={
            "first_day": "2026-03-11",
            "reason": "sick",
            "document_type": "medical",
            "attachment": (io.BytesIO(pf.PDF_BYTES), "intyg.pdf"),
        },
        content_type="multipart/form-data",
    )
    (report,) = _reports()
    page = client.get("/franvaro").get_data(as_text=True)
    assert "Ta tillbaka anmälan" in page
    resp = client.post(f"/franvaro/{report.public_ref}/aterkalla")
    assert resp.status_code == 302
    assert _reports() == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_an_assessed_report_cannot_be_withdrawn(client, world, alma):
    report = pf.absence(
        alma, pf.local(date(2026, 3, 2), "09:00"), pf.local(date(2026, 3, 2), "12:00"),
        decision="approved",
    )  # fmt: skip
    db.session.commit()
    assert "Ta tillbaka anmälan" not in client.get("/franvaro").get_data(as_text=True)
    client.post(f"/franvaro/{report.public_ref}/aterkalla")
    assert len(_reports()) == 1


def test_another_persons_report_cannot_be_withdrawn(client, world, alma):
    other = pf.absence(
        world.person_b, pf.local(date(2026, 3, 2), "09:00"), pf.local(date(2026, 3, 2), "12:00")
    )
    db.session.commit()
    assert client.post(f"/franvaro/{other.public_ref}/aterkalla").status_code == 404
    assert len(_reports()) == 1


def test_withdrawing_needs_a_signed_in_applicant(client, world):
    report = pf.absence(
        world.person_a, pf.local(date(2026, 3, 2), "09:00"), pf.local(date(2026, 3, 2), "12:00")
    )
    db.session.commit()
    resp = client.post(f"/franvaro/{report.public_ref}/aterkalla")
    assert resp.status_code in (302, 401, 403)
    assert len(_reports()) == 1


def test_a_submitted_application_shows_the_household_entered(client, world, alma):
    application = pf.application(alma, "2026-03", items=[("cost", "rent", 6400)])
    application.state = "submitted"
    application.submitted_at = application.created_at
    application.answers = {
        **(application.answers or {}),
        "household": [
            {"role": "child", "first_name": "Åsa", "birth_date": "2018-01-01",
             "at_school": False, "lunch_at_preschool": False},
        ],
    }  # fmt: skip
    db.session.commit()
    page = client.get(f"/ansokan/{application.public_ref}").get_data(as_text=True)
    assert "Hushåll" in page and "Åsa" in page and "Barn som bor hemma" in page
    assert "<bdi>Åsa</bdi>" in page


def test_hours_are_hours_and_minutes(app):
    with app.test_request_context(), force_locale("sv"):
        assert duration(1797) == "29 tim 57 min"
        assert duration(60) == "1 tim" and duration(5) == "5 min" and duration(None) == ""
    with app.test_request_context(), force_locale("ar"):
        assert "29" in duration(1797) or "٢٩" in duration(1797)


def test_absence_document_types_have_labels_for_stored_files():
    assert set(vocab.ABSENCE_DOCUMENT_TYPES) <= set(vocab.ALL_DOCUMENT_TYPES)
    assert vocab.ALL_DOCUMENT_TYPES["other"] == vocab.DOCUMENT_TYPES["other"]


def test_started_and_sent_in_one_format_and_in_order(client, world, alma):
    from datetime import timedelta

    application = pf.application(alma, "2026-03", state="submitted")
    db.session.flush()
    application.submitted_at = application.created_at + timedelta(hours=5)
    db.session.commit()
    page = client.get(f"/ansokan/{application.public_ref}").get_data(as_text=True)
    assert "Påbörjad" in page and "Skickad" in page
    # An imported row dated after it was sent shows only when it was sent.
    application.submitted_at = application.created_at - timedelta(days=2)
    db.session.commit()
    page = client.get(f"/ansokan/{application.public_ref}").get_data(as_text=True)
    assert "Påbörjad" not in page and "Skickad" in page
