"""The applicant's attendance (P5), hours against the plan with visits and absences, and
absence reports (P6): the list, withdrawing one, and reporting a new one."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import applicant_required
from portal.blueprint import bp, max_upload_mb, page_labels
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import ABSENCE_ERRORS, AbsenceForm, ButtonForm, upload_error
from portal.i18n import local_today
from portal.services import absences, applications, attendance

# --- my attendance (P5) ----------------------------------------------------------------------


@bp.get("/narvaro", endpoint="attendance")
@applicant_required
def attendance_page():
    """Hours this week and this month against the plan, visits and absences."""
    today = local_today()
    month = request.args.get("manad") or applications.month_key(today)
    try:
        month_figures = attendance.month_period(current_user, month, today)
    except DomainError as error:
        if error.code == "invalid_month":
            abort(404)
        raise
    first = month_figures.start
    return render_template(
        "portal/attendance.html",
        month=month,
        month_figures=month_figures,
        week_figures=attendance.week_period(current_user, today),
        visits=attendance.visits(current_user, first, month_figures.end),
        absences=attendance.absences_in(current_user, first, month_figures.end),
        previous_month=applications.month_key(first - timedelta(days=1)),
        next_month=applications.month_key(applications.next_month(first))
        if applications.next_month(first) <= today
        else None,
        **page_labels(),
    )


# --- absence (P6) ----------------------------------------------------------------------------


@bp.get("/franvaro", endpoint="absences")
@applicant_required
def absences_list():
    """The person's absence reports and their decisions."""
    return render_template(
        "portal/absences.html",
        reports=absences.reports_of(current_user),
        withdraw_form=ButtonForm(),
        **page_labels(),
    )


@bp.post("/franvaro/<ref>/aterkalla")
@applicant_required
def absence_withdraw(ref: str):
    """Withdraw a sent absence report while it is not yet assessed."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        absences.withdraw(current_user, ref)
    except DomainError as error:
        if error.code != "not_pending":
            raise
        flash(_("Anmälan är redan bedömd och kan inte tas tillbaka."), "error")
    else:
        db.session.commit()
        flash(_("Din frånvaroanmälan är borttagen."), "success")
    return redirect(url_for("portal.absences"))


@bp.route("/franvaro/ny", methods=["GET", "POST"])
@applicant_required
def absence_new():
    """Report an absence, ahead of time or afterwards."""
    form = AbsenceForm()
    if form.validate_on_submit():
        data = absences.AbsenceInput(
            form.first_day.data,
            form.last_day.data,
            form.from_time.data,
            form.to_time.data,
            form.reason.data,
            form.description.data or "",
        )
        try:
            absences.report_absence(
                current_user,
                data,
                today=local_today(),
                upload=form.attachment.data,
                document_type=form.document_type.data or "medical",
            )
        except DomainError as error:
            if error.code in ABSENCE_ERRORS:
                field_name, message = ABSENCE_ERRORS[error.code]
                form[field_name].errors.append(str(message))
            else:
                form.attachment.errors.append(upload_error(error.code, max_upload_mb()))
        else:
            flash(
                _("Din frånvaro är anmäld. Din handläggare ser anmälan och bedömer den."),
                "success",
            )
            return redirect(url_for("portal.absences"))
    return render_template(
        "portal/absence_new.html", form=form, today=local_today(), max_mb=max_upload_mb()
    ), (400 if form.errors else 200)
