"""Attachments: content sniffing, size limit, storage outside the web root, owner-only download."""

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from portal.errors import DomainError
from portal.extensions import db
from portal.models import ApplicationState, Attachment
from portal.services import attachments
from tests.portal import factories as pf


def _upload(data: bytes, name: str = "hyra.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (pf.PDF_BYTES, "application/pdf"),
        (pf.PNG_BYTES, "image/png"),
        (pf.JPEG_BYTES, "image/jpeg"),
        (pf.HEIC_BYTES, "image/heic"),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heicmiaf" + b"\x00" * 8, "image/heic"),
        (b"GIF89a" + b"\x00" * 20, None),
        (b"<html><script>alert(1)</script>", None),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + b"\x00" * 8, None),
        (b"PK\x03\x04 a zip or docx", None),
    ],
)
def test_type_is_told_by_content(data, content_type):
    assert attachments.sniff(data[:64]) == content_type


@pytest.mark.parametrize(
    ("name", "content_type", "shown"),
    [
        ("Lönebesked mars.pdf", "application/pdf", "Lönebesked mars.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\x\\bild.JPG", "image/jpeg", "bild.JPG"),
        ("bild.png", "image/jpeg", "bild.png.jpg"),
        ("", "image/png", "fil.png"),
        ("a\x00b\nc.pdf", "application/pdf", "abc.pdf"),
    ],
)
def test_file_names_are_cleaned_and_never_a_path(name, content_type, shown):
    assert attachments.clean_filename(name, content_type) == shown


def test_store_and_open(world, app):
    application = pf.application(world.person_a)
    upload = _upload(pf.PDF_BYTES, "hyra.txt")
    stored = attachments.store_upload(
        world.person_a, upload, application=application, document_type="rent"
    )
    db.session.commit()
    assert stored.content_type == "application/pdf"
    assert stored.filename == "hyra.txt.pdf"
    assert stored.size_bytes == len(pf.PDF_BYTES)
    assert len(stored.storage_key) == 64 and stored.storage_key not in stored.filename
    path = Path(app.config["UPLOAD_DIR"]) / stored.storage_key[:2] / stored.storage_key
    assert path.read_bytes() == pf.PDF_BYTES
    # Outside the web root: nothing under the static folder.
    assert Path(app.static_folder) not in path.parents
    stream, filename, content_type = attachments.open_attachment(stored)
    with stream:
        assert stream.read() == pf.PDF_BYTES
    assert (filename, content_type) == ("hyra.txt.pdf", "application/pdf")


def test_wrong_content_and_empty_files_are_refused_and_leave_nothing(world, app):
    application = pf.application(world.person_a)
    for data, code in ((b"MZ\x90\x00 an exe", "file_type"), (b"", "no_file")):
        with pytest.raises(DomainError) as err:
            attachments.store_upload(world.person_a, _upload(data), application=application)
        assert err.value.code == code
    assert list(Path(app.config["UPLOAD_DIR"]).rglob("*.*")) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_size_is_limited(world, app):
    app.config["MAX_UPLOAD_BYTES"] = 1000
    application = pf.application(world.person_a)
    with pytest.raises(DomainError) as err:
        attachments.store_upload(
            world.person_a, _upload(pf.PDF_BYTES + b"0" * 1000), application=application
        )
    assert err.value.code == "file_too_large"
    assert [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()] == []


def test_a_rolled_back_request_leaves_no_file(world, app):
    application = pf.application(world.person_a)
    db.session.commit()
    stored = attachments.store_upload(
        world.person_a, _upload(pf.PNG_BYTES), application=application
    )
    path = Path(app.config["UPLOAD_DIR"]) / stored.storage_key[:2] / stored.storage_key
    assert path.exists()
    db.session.rollback()
    assert not path.exists()


def test_removing_deletes_the_file_only_when_committed(world, app):
    application = pf.application(world.person_a)
    stored = attachments.store_upload(
        world.person_a, _upload(pf.PNG_BYTES), application=application
    )
    db.session.commit()
    path = Path(app.config["UPLOAD_DIR"]) / stored.storage_key[:2] / stored.storage_key
    attachments.remove_attachment(world.person_a, stored)
    db.session.rollback()
    assert path.exists()
    attachments.remove_attachment(world.person_a, db.session.get(Attachment, stored.id))
    db.session.commit()
    assert not path.exists()


def test_a_decided_application_takes_no_documents(world, app):
    application = pf.application(world.person_a, state=ApplicationState.DECIDED)
    with pytest.raises(DomainError) as err:
        attachments.store_upload(world.person_a, _upload(pf.PDF_BYTES), application=application)
    assert err.value.code == "not_open"


def test_someone_elses_application_is_refused(world, app):
    application = pf.application(world.person_b)
    with pytest.raises(DomainError) as err:
        attachments.store_upload(world.person_a, _upload(pf.PDF_BYTES), application=application)
    assert err.value.status == 404


def test_a_storage_key_that_is_not_ours_never_becomes_a_path(world, app):
    application = pf.application(world.person_a)
    stored = attachments.store_upload(
        world.person_a, _upload(pf.PDF_BYTES), application=application
    )
    stored.storage_key = "../../../etc/passwd"
    with pytest.raises(DomainError) as err:
        attachments.open_attachment(stored)
    assert err.value.code == "attachment_missing"


class TestPages:
    def test_upload_list_download_and_remove_in_a_draft(self, client, world, alma):
        application = pf.application(world.person_a)
        db.session.commit()
        ref = application.public_ref
        resp = client.post(
            f"/ansokan/{ref}/bilagor/ladda-upp",
            data={"document_type": "bank", "file": (io.BytesIO(pf.JPEG_BYTES), "konto.jpg")},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 302 and resp.location.endswith(f"/ansokan/{ref}/bilagor")
        (stored,) = application.attachments
        page = client.get(f"/ansokan/{ref}/bilagor").get_data(as_text=True)
        assert "konto.jpg" in page and "Uppladdat" in page
        resp = client.get(f"/bilaga/{stored.public_ref}")
        assert resp.status_code == 200 and resp.data == pf.JPEG_BYTES
        assert resp.mimetype == "image/jpeg"
        assert "attachment" in resp.headers["Content-Disposition"]
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        resp.close()
        assert client.post(f"/ansokan/{ref}/bilagor/{stored.public_ref}/ta-bort").status_code == 302
        assert client.get(f"/bilaga/{stored.public_ref}").status_code == 404

    def test_refused_upload_explains_and_links_to_the_field(self, client, world, alma):
        application = pf.application(world.person_a)
        db.session.commit()
        resp = client.post(
            f"/ansokan/{application.public_ref}/bilagor/ladda-upp",
            data={"document_type": "rent", "file": (io.BytesIO(b"hello"), "hyra.pdf")},
            content_type="multipart/form-data",
        )
        page = resp.get_data(as_text=True)
        assert resp.status_code == 400
        assert "Ladda upp en PDF eller en bild (JPEG, PNG eller HEIC)." in page
        assert '<a href="#file">' in page

    def test_too_large_upload_names_the_limit(self, client, app, world, alma):
        # Under 500 kB in all, so the test client keeps the request body in memory.
        app.config["MAX_UPLOAD_BYTES"] = 200 * 1024
        application = pf.application(world.person_a)
        db.session.commit()
        resp = client.post(
            f"/ansokan/{application.public_ref}/bilagor/ladda-upp",
            data={
                "document_type": "rent",
                "file": (io.BytesIO(pf.PDF_BYTES + b"0" * (300 * 1024)), "stor.pdf"),
            },
            content_type="multipart/form-data",
        )
        assert resp.status_code == 400
        assert "Den får vara högst 0,2 MB." in resp.get_data(as_text=True)

    def test_missing_file_and_type_are_asked_for(self, client, world, alma):
        application = pf.application(world.person_a)
        db.session.commit()
        resp = client.post(f"/ansokan/{application.public_ref}/bilagor/ladda-upp", data={})
        page = resp.get_data(as_text=True)
        assert "Välj en fil att ladda upp." in page and "Välj vad dokumentet visar." in page

    def test_documents_can_be_added_after_submission_but_not_removed(self, client, world, alma):
        application = pf.application(world.person_a, state=ApplicationState.SUBMITTED)
        db.session.commit()
        page = client.get(f"/ansokan/{application.public_ref}").get_data(as_text=True)
        assert "Skicka in fler dokument" in page and "Kontoutdrag" in page
        resp = client.post(
            f"/ansokan/{application.public_ref}/bilagor/ladda-upp",
            data={"document_type": "bank", "file": (io.BytesIO(pf.PDF_BYTES), "konto.pdf")},
            content_type="multipart/form-data",
        )
        assert resp.location.endswith(f"/ansokan/{application.public_ref}")
        stored = application.attachments[0]
        resp = client.post(f"/ansokan/{application.public_ref}/bilagor/{stored.public_ref}/ta-bort")
        assert resp.status_code == 409
        assert db.session.get(Attachment, stored.id) is not None

    def test_another_applicants_attachment_is_404(self, client, world, login, now):
        theirs = pf.application(world.person_b)
        stored = attachments.store_upload(world.person_b, _upload(pf.PDF_BYTES), application=theirs)
        mine = pf.application(world.person_a)
        db.session.commit()
        login(world.person_a)
        assert client.get(f"/bilaga/{stored.public_ref}").status_code == 404
        resp = client.post(f"/ansokan/{mine.public_ref}/bilagor/{stored.public_ref}/ta-bort")
        assert resp.status_code == 404
        resp = client.post(
            f"/ansokan/{theirs.public_ref}/bilagor/ladda-upp",
            data={"document_type": "bank", "file": (io.BytesIO(pf.PDF_BYTES), "x.pdf")},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 404
        assert len(theirs.attachments) == 1

    def test_staff_cannot_use_the_applicant_download(self, client, world, login, now):
        stored = attachments.store_upload(
            world.person_a, _upload(pf.PDF_BYTES), application=pf.application(world.person_a)
        )
        db.session.commit()
        login(world.caseworker)
        assert client.get(f"/bilaga/{stored.public_ref}").status_code == 403
