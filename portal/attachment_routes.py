"""An application's documents: the documents step of a draft, uploading to an application not
yet decided, removing from a draft, and downloading one's own."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import applicant_required
from portal.blueprint import (
    after_step,
    bp,
    draft_of,
    max_upload_mb,
    new_upload_form,
    page_labels,
    step_page,
)
from portal.errors import DomainError
from portal.extensions import limiter
from portal.forms import ButtonForm, upload_error
from portal.models import ApplicationState
from portal.services import applications, attachments


@bp.route("/ansokan/<ref>/bilagor", methods=["GET", "POST"])
@applicant_required
def step_attachments(ref: str):
    """Step 5: documents (a POST here means "continue")."""
    application, leave = draft_of(ref)
    if leave:
        return leave
    form = ButtonForm()
    if form.validate_on_submit():
        applications.mark_step_done(application, "attachments")
        return after_step(application, "attachments")
    return _attachments_page(application, new_upload_form())


def _attachments_page(application, upload_form, status: int = 200):
    return step_page(
        "portal/steps/attachments.html",
        application,
        "attachments",
        status,
        form=ButtonForm(),
        upload_form=upload_form,
        remove_form=ButtonForm(),
        expected=applications.expected_documents(application),
        missing=applications.missing_documents(application),
        max_mb=max_upload_mb(),
    )


@bp.post("/ansokan/<ref>/bilagor/ladda-upp")
@applicant_required
@limiter.limit("30 per hour")
def attachment_upload(ref: str):
    """Upload a document to a draft, or to a submitted application not yet decided."""
    application = applications.applicant_application(current_user, ref)
    form = new_upload_form()
    if form.validate_on_submit():
        try:
            attachments.store_upload(
                current_user,
                form.file.data,
                application=application,
                document_type=form.document_type.data,
            )
        except DomainError as error:
            form.file.errors.append(upload_error(error.code, max_upload_mb()))
        else:
            flash(_("Dokumentet är uppladdat."), "success")
            if application.state == ApplicationState.DRAFT:
                return redirect(url_for("portal.step_attachments", ref=ref))
            return redirect(url_for("portal.application_detail", ref=ref))
    if application.state == ApplicationState.DRAFT:
        return _attachments_page(application, form, 400)
    return render_template(
        "portal/application_detail.html",
        application=application,
        upload_form=form,
        missing=applications.missing_documents(application),
        max_mb=max_upload_mb(),
        **page_labels(),
    ), 400


@bp.post("/ansokan/<ref>/bilagor/<attachment_ref>/ta-bort")
@applicant_required
def attachment_remove(ref: str, attachment_ref: str):
    """Remove a document from a draft."""
    application = applications.applicant_application(current_user, ref)
    attachment = attachments.applicant_attachment(current_user, attachment_ref)
    if attachment.application_id != application.id:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    attachments.remove_attachment(current_user, attachment)
    flash(_("Dokumentet är borttaget."), "success")
    return redirect(url_for("portal.step_attachments", ref=ref))


@bp.get("/bilaga/<ref>")
@applicant_required
def attachment_download(ref: str):
    """Download one of the person's own documents."""
    attachment = attachments.applicant_attachment(current_user, ref)
    stream, filename, content_type = attachments.open_attachment(attachment)
    response = send_file(stream, mimetype=content_type, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
