"""Absence reports (P6): whole days or part of a day, before or after, pending at once."""

import io
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from portal.errors import DomainError
from portal.extensions import db
from portal.models import AbsenceDecision, AbsenceReport, Attachment
from portal.services import absences
from tests.portal import factories as pf

TODAY = date(2026, 3, 10)


def _only_report():
    return db.session.scalars(sa.select(AbsenceReport)).one()


def test_whole_day_ahead_of_time(client, alma):
    resp = client.post("/franvaro/ny", data={"first_day": "2026-03-12", "reason": "medical"})
    assert resp.status_code == 302 and resp.location.endswith("/franvaro")
    report = _only_report()
    assert report.decision == AbsenceDecision.PENDING
    assert report.person_id == alma.id
    # 12 March in Stockholm (UTC+1) is 11 March 23:00 to 12 March 23:00 UTC.
    assert report.from_at == datetime(2026, 3, 11, 23, 0, tzinfo=UTC)
    assert report.to_at == datetime(2026, 3, 12, 23, 0, tzinfo=UTC)
    page = client.get("/franvaro").get_data(as_text=True)
    assert "Besök hos läkare" in page and "Inte bedömd än" in page


def test_part_of_a_day_afterwards_with_a_text(client, alma):
    resp = client.post(
        "/franvaro/ny",
        data={
            "first_day": "2026-03-09",
            "from_time": "13.00",
            "to_time": "1600",
            "reason": "job_interview",
            "description": "Intervju på Coop.",
        },
    )
    assert resp.status_code == 302
    report = _only_report()
    assert report.from_at == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    assert report.to_at == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    assert report.description == "Intervju på Coop."


def test_several_days_across_the_change_to_summer_time(app):
    data = absences.AbsenceInput(date(2026, 3, 28), date(2026, 3, 30), None, None, "sick")
    start, end = absences.interval(data, TODAY)
    assert start == datetime(2026, 3, 27, 23, 0, tzinfo=UTC)  # CET
    assert end == datetime(2026, 3, 30, 22, 0, tzinfo=UTC)  # CEST


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Skriv vilken dag du är borta."),
        ({"first_day": "12 mars"}, "Skriv datumet som år-månad-dag, till exempel 2026-03-14."),
        ({"first_day": "2026-03-12", "from_time": "25:00"}, "Skriv tiden som timmar och minuter"),
        ({"first_day": "2026-03-12", "last_day": "2026-03-11"}, "Sista dagen kan inte vara före"),
        ({"first_day": "2026-03-12", "last_day": "2026-05-12"}, "högst 31 dagar"),
        ({"first_day": "2025-12-01"}, "för mer än 60 dagar sedan"),
        ({"first_day": "2027-01-01"}, "högst ett halvår framåt"),
        (
            {"first_day": "2026-03-12", "from_time": "15:00", "to_time": "09:00"},
            "Tiden ”till” måste vara efter tiden ”från”.",
        ),
    ],
)
def test_mistakes_are_explained_and_nothing_is_saved(client, alma, data, message):
    resp = client.post("/franvaro/ny", data={"reason": "sick", **data})
    assert resp.status_code == 400
    page = resp.get_data(as_text=True)
    assert message in page
    assert 'class="error-summary"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AbsenceReport)) == 0


def test_reason_is_required(client, alma):
    resp = client.post("/franvaro/ny", data={"first_day": "2026-03-12"})
    assert "Välj varför du är borta." in resp.get_data(as_text=True)


def test_an_unknown_reason_is_refused_by_the_service(app, world):
    data = absences.AbsenceInput(TODAY, None, None, None, "holiday")
    with pytest.raises(DomainError):
        absences.report_absence(world.person_a, data, today=TODAY)


def test_a_certificate_can_be_attached(client, alma):
    resp = client.post(
        "/franvaro/ny",
        data={
            "first_day": "2026-03-11",
            "reason": "sick",
            "document_type": "medical",
            "attachment": (io.BytesIO(pf.PDF_BYTES), "intyg.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302
    report = _only_report()
    (attachment,) = report.attachments
    assert (attachment.filename, attachment.document_type) == ("intyg.pdf", "medical")
    page = client.get("/franvaro").get_data(as_text=True)
    assert f"/bilaga/{attachment.public_ref}" in page


def test_a_bad_certificate_saves_neither_report_nor_file(client, alma):
    resp = client.post(
        "/franvaro/ny",
        data={
            "first_day": "2026-03-11",
            "reason": "sick",
            "attachment": (io.BytesIO(b"not a pdf"), "intyg.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 400
    assert "Filen går inte att använda." in resp.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AbsenceReport)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_decisions_and_notes_are_shown(client, world, now, login):
    report = pf.absence(
        world.person_a,
        pf.local(date(2026, 3, 2), "09:00"),
        pf.local(date(2026, 3, 2), "12:00"),
        decision="rejected",
    )
    report.decision_note = "Ett läkarintyg behövs."
    pf.absence(
        world.person_b, pf.local(date(2026, 3, 3), "09:00"), pf.local(date(2026, 3, 3), "12:00")
    )
    db.session.commit()
    login(world.person_a)
    page = client.get("/franvaro").get_data(as_text=True)
    assert "Inte godkänd" in page and "Ett läkarintyg behövs." in page
    assert page.count('class="card"') == 1


def test_local_times_are_shown(client, world, now, login):
    pf.absence(
        world.person_a, pf.local(date(2026, 3, 2), "09:00"), pf.local(date(2026, 3, 2), "12:00")
    )
    db.session.commit()
    login(world.person_a)
    page = client.get("/franvaro").get_data(as_text=True)
    assert "09:00" in page and "12:00" in page
    assert time(8, 0).strftime("%H:%M") + " –" not in page
