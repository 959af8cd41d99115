"""Uploaded files: checked by content and size, stored outside the web root, opened by owner.

Files live under ``UPLOAD_DIR`` as ``<key[:2]>/<key>``, where the key is random; the name the
applicant gave is kept only as metadata and never used as a path. A file written during a
request whose transaction is rolled back is removed again, and a removed attachment's file is
deleted only once its row's deletion is committed, so disk and database never disagree.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.errors import DomainError
from portal.extensions import db
from portal.models import AbsenceReport, Application, ApplicationState, Attachment, Person
from portal.refs import new_ref
from portal.services.vocab import ABSENCE_DOCUMENT_TYPES, DOCUMENT_TYPES

PDF, JPEG, PNG, HEIC = "application/pdf", "image/jpeg", "image/png", "image/heic"
#: Fitting extensions; the first is added when the original name lacks a fitting one.
EXTENSIONS = {
    PDF: (".pdf",),
    JPEG: (".jpg", ".jpeg"),
    PNG: (".png",),
    HEIC: (".heic", ".heif"),
}
#: HEIF brands that carry HEVC-coded images (what phones call HEIC).
HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"})
GENERIC_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})
#: Applications in these states still accept documents (a submitted one may be completed).
OPEN_STATES = (ApplicationState.DRAFT, ApplicationState.SUBMITTED, ApplicationState.IN_REVIEW)
_KEY = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 64 * 1024
_WRITTEN = "portal_files_written"
_TO_DELETE = "portal_files_to_delete"


def sniff(head: bytes) -> str | None:
    """The content type told by a file's first bytes, or None if it is not one we accept."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 16 and head[4:8] == b"ftyp":
        box_size = int.from_bytes(head[:4], "big")
        major = head[8:12]
        compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
        if major in HEIC_BRANDS or (major in GENERIC_HEIF_BRANDS and compatible & HEIC_BRANDS):
            return HEIC
    return None


def clean_filename(name: str | None, content_type: str) -> str:
    """A display name: no path, no control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    if not name:
        name = "fil"
    fitting = EXTENSIONS[content_type]
    wanted = fitting[0]
    if not name.lower().endswith(fitting):
        # The name said something else (or nothing): show what the file really is.
        name = f"{name}{wanted}"
    if len(name) > 200:
        name = name[: 200 - len(wanted)] + wanted
    return name


def _root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _path(storage_key: str) -> Path:
    if not _KEY.match(storage_key):
        # A key that is not ours never becomes a path (no traversal, whatever the database says).
        raise DomainError("attachment_missing", "attachment_missing", 404)
    return _root() / storage_key[:2] / storage_key


def store_upload(
    person: Person,
    upload,
    *,
    application: Application | None = None,
    absence_report: AbsenceReport | None = None,
    document_type: str = "other",
) -> Attachment:
    """Check and store an uploaded file for ``person``; return the new (flushed) Attachment.

    ``upload`` is a werkzeug FileStorage (anything with ``.stream`` and ``.filename``). The
    application or absence report, if given, must be the person's own. Raises DomainError:
    ``no_file``, ``file_too_large``, ``file_type``, ``not_open`` (a decided application) or
    ``not_found``.
    """
    if application is not None:
        if application.person_id != person.id:
            raise DomainError("not_found", "not_found", 404)
        if application.state not in OPEN_STATES:
            raise DomainError("not_open", "not_open", 409)
    if absence_report is not None and absence_report.person_id != person.id:
        raise DomainError("not_found", "not_found", 404)
    allowed = ABSENCE_DOCUMENT_TYPES if absence_report is not None else DOCUMENT_TYPES
    if document_type not in allowed:
        raise DomainError("document_type", "document_type")
    stream = getattr(upload, "stream", None)
    if stream is None or not getattr(upload, "filename", ""):
        raise DomainError("no_file", "no_file")
    limit = int(current_app.config["MAX_UPLOAD_BYTES"])
    key = secrets.token_hex(32)
    target = _path(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(key + ".part")
    digest, size, head = hashlib.sha256(), 0, b""
    try:
        with partial.open("xb") as out:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise DomainError("file_too_large", "file_too_large", 413)
                if len(head) < 64:
                    head += chunk[: 64 - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise DomainError("no_file", "no_file")
        content_type = sniff(head)
        if content_type is None:
            raise DomainError("file_type", "file_type")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    db.session.info.setdefault(_WRITTEN, []).append(target)
    attachment = Attachment(
        public_ref=new_ref(),
        person_id=person.id,
        application_id=application.id if application is not None else None,
        absence_report_id=absence_report.id if absence_report is not None else None,
        filename=clean_filename(upload.filename, content_type),
        content_type=content_type,
        size_bytes=size,
        document_type=document_type,
        sha256=digest.hexdigest(),
        storage_key=key,
    )
    db.session.add(attachment)
    db.session.flush()
    current_app.logger.info("attachment stored ref=%s size=%d", attachment.public_ref, size)
    return attachment


def open_attachment(attachment: Attachment) -> tuple[BinaryIO, str, str]:
    """Open a stored file: (binary stream, download name, content type).

    The caller has already checked that the user may see it (the applicant themself, or the
    caseworker of their unit). Raises DomainError('attachment_missing', 404) if the file is
    gone.
    """
    path = _path(attachment.storage_key)
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        current_app.logger.error("attachment file missing ref=%s", attachment.public_ref)
        raise DomainError("attachment_missing", "attachment_missing", 404) from None
    return stream, attachment.filename, attachment.content_type


def applicant_attachment(person: Person, ref: str) -> Attachment:
    """The person's own attachment by public reference, else DomainError('not_found', 404)."""
    attachment = db.session.scalar(sa.select(Attachment).where(Attachment.public_ref == ref))
    if attachment is None or attachment.person_id != person.id:
        raise DomainError("not_found", "not_found", 404)
    return attachment


def remove_attachment(person: Person, attachment: Attachment) -> None:
    """Remove an attachment from a draft application; the file goes when the removal commits."""
    if attachment.person_id != person.id:
        raise DomainError("not_found", "not_found", 404)
    application = attachment.application
    if application is None or application.state != ApplicationState.DRAFT:
        raise DomainError("not_open", "not_open", 409)
    path = _path(attachment.storage_key)
    db.session.delete(attachment)
    db.session.flush()
    db.session.info.setdefault(_TO_DELETE, []).append(path)


def remove_with_report(report) -> None:
    """Remove the files sent with an absence report that is being withdrawn (after commit)."""
    for attachment in list(report.attachments):
        path = _path(attachment.storage_key)
        db.session.delete(attachment)
        db.session.info.setdefault(_TO_DELETE, []).append(path)
    db.session.flush()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    for path in session.info.pop(_TO_DELETE, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(_TO_DELETE, None)
        for path in session.info.pop(_WRITTEN, []):
            path.unlink(missing_ok=True)
