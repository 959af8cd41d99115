"""A6: absence reports waiting for a decision, accepted or rejected with a note."""

from portal.extensions import db
from portal.models import AbsenceDecision
from tests.casework import builders as b
from tests.casework.builders import audit_rows


def text(resp) -> str:
    return resp.get_data(as_text=True)


def test_the_list_shows_the_units_waiting_reports_and_is_audited(client, world, login):
    mine = b.absence(world.person_a, "2026-09-07 09:00", "2026-09-07 12:00")
    b.absence(world.person_b, "2026-09-07 09:00", "2026-09-07 12:00")
    decided = b.absence(world.person_a, "2026-09-08 09:00", "2026-09-08 12:00")
    decided.decision = AbsenceDecision.APPROVED
    db.session.commit()
    login(world.caseworker)
    page = text(client.get("/admin/cases/absences"))
    assert "Alma" in page and "Bashir" not in page
    assert mine.public_ref in page and decided.public_ref not in page
    assert [r.object_ref for r in audit_rows(action="list", object_type="absence_report")] == [
        mine.public_ref
    ]


def test_approving_an_absence_as_acceptable_reason(client, world, login):
    report = b.absence(world.person_a, "2026-09-07 09:00", "2026-09-07 12:00")
    db.session.commit()
    login(world.caseworker)
    page = text(client.get(f"/admin/cases/absences/{report.public_ref}"))
    assert "Feber." in page and "Är frånvaron godtagbar?" in page
    resp = client.post(
        f"/admin/cases/absences/{report.public_ref}",
        data={"decision": "approved", "note": "Sjukdom godtas."},
    )
    assert resp.status_code == 302
    db.session.refresh(report)
    assert report.decision == AbsenceDecision.APPROVED
    assert report.decision_note == "Sjukdom godtas."
    assert report.decided_by_id == world.caseworker.id and report.decided_at is not None
    (row,) = audit_rows(action="decide", object_type="absence_report")
    assert row.person_id == world.person_a.id and row.why == "approved"
    assert "Ingen frånvaro väntar på bedömning." in text(client.get("/admin/cases/absences"))


def test_rejecting_needs_a_note_the_applicant_can_read(client, world, login):
    report = b.absence(world.person_a, "2026-09-07 09:00", "2026-09-07 12:00")
    db.session.commit()
    login(world.caseworker)
    url = f"/admin/cases/absences/{report.public_ref}"
    resp = client.post(url, data={"decision": "rejected", "note": "  "})
    assert resp.status_code == 200 and "Skriv varför frånvaron inte godtas." in text(resp)
    db.session.refresh(report)
    assert report.decision == AbsenceDecision.PENDING
    resp = client.post(url, data={"decision": "rejected", "note": "Intyg saknas."})
    db.session.refresh(report)
    assert report.decision == AbsenceDecision.REJECTED and report.decision_note == "Intyg saknas."
    # Once decided, the page shows the decision and no form.
    page = text(client.get(url))
    assert "Inte godtagbart skäl" in page and "Spara bedömningen" not in page
    resp = client.post(url, data={"decision": "approved", "note": ""})
    assert "redan bedömd" in text(resp)
    db.session.refresh(report)
    assert report.decision == AbsenceDecision.REJECTED


def test_a_report_of_another_unit_is_not_found(client, world, login):
    report = b.absence(world.person_b, "2026-09-07 09:00", "2026-09-07 12:00")
    db.session.commit()
    login(world.caseworker)
    url = f"/admin/cases/absences/{report.public_ref}"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"decision": "approved"}).status_code == 404
    db.session.refresh(report)
    assert report.decision == AbsenceDecision.PENDING
    assert audit_rows() == []


def test_opening_a_report_and_its_attachment_is_audited(client, world, login):
    import io

    from werkzeug.datastructures import FileStorage

    from portal.services.attachments import store_upload

    report = b.absence(world.person_a, "2026-09-07 09:00", "2026-09-07 12:00")
    upload = FileStorage(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 32), filename="intyg.png")
    attachment = store_upload(world.person_a, upload, absence_report=report)
    db.session.commit()
    login(world.caseworker)
    page = text(client.get(f"/admin/cases/absences/{report.public_ref}"))
    assert "intyg.png" in page
    (read,) = audit_rows(action="read", object_type="absence_report")
    assert read.person_id == world.person_a.id and read.object_ref == report.public_ref
    url = f"/admin/cases/absences/{report.public_ref}/attachments/{attachment.public_ref}"
    resp = client.get(url)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "image/png"
    resp.close()
    (download,) = audit_rows(action="download", object_type="attachment")
    assert download.object_ref == attachment.public_ref
    login(world.caseworker_b)
    assert client.get(url).status_code == 404
