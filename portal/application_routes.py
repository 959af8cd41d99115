"""The applicant's applications (P2, P3): the list per month, starting one, and one
application's state, decision and documents. The steps of a draft are in
``application_step_routes.py``, its documents in ``attachment_routes.py``."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from portal.access import applicant_required
from portal.blueprint import bp, max_upload_mb, new_upload_form, page_labels
from portal.forms import NewApplicationForm
from portal.i18n import local_today
from portal.services import applications, attachments
from portal.template_filters import month_name


@bp.get("/ansokan", endpoint="applications")
@applicant_required
def applications_list():
    """The person's applications per month with their state and decision."""
    return render_template(
        "portal/applications.html",
        applications=applications.applications_of(current_user),
        open_months=applications.open_months(current_user, local_today()),
        **page_labels(),
    )


@bp.route("/ansokan/ny", methods=["GET", "POST"])
@applicant_required
def application_new():
    """Choose the month, and whether to start from the previous application."""
    today = local_today()
    months = applications.open_months(current_user, today)
    if not months:
        flash(_("Du har redan en ansökan för den här månaden och nästa."), "info")
        return redirect(url_for("portal.applications"))
    form = NewApplicationForm()
    form.month.choices = [SelectChoice(m, month_name(m)) for m in months]
    previous = applications.previous_application(current_user, max(months))
    if previous is not None:
        form.start.label.text = _(
            "Vill du utgå från din ansökan för %(month)s?", month=month_name(previous.month)
        )
    if form.validate_on_submit():
        application = applications.start_application(
            current_user,
            form.month.data,
            today=today,
            copy_previous=previous is not None and form.start.data != "empty",
        )
        return redirect(url_for("portal.step_household", ref=application.public_ref))
    if not form.month.data:
        form.month.data = months[0]
    return render_template(
        "portal/application_new.html", form=form, previous=previous, **page_labels()
    ), (400 if form.errors else 200)


@bp.get("/ansokan/<ref>")
@applicant_required
def application_detail(ref: str):
    """One application: its state, the decision and its reasons, and its documents."""
    application = applications.applicant_application(current_user, ref)
    open_for_documents = application.state in attachments.OPEN_STATES
    return render_template(
        "portal/application_detail.html",
        application=application,
        upload_form=new_upload_form() if open_for_documents else None,
        missing=applications.missing_documents(application),
        max_mb=max_upload_mb(),
        **page_labels(),
    )
