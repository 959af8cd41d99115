"""Casework pages: the application queue and decisions, assessment, absence review, person
search and decision support. Caseworkers only; each record is checked against their unit.

Every view is parse → check access → call one service → render. Services write the audit rows.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from admin.casework import absences as absence_review
from admin.casework import applications as case_applications
from admin.casework import assessments, forms, sanctions, services, support
from admin.casework import queue as case_queue
from admin.casework import search as person_search
from portal import audit, nav
from portal.access import case_person_or_404, staff_required
from portal.errors import DomainError
from portal.models import (
    AssistanceReason,
    DecisionOutcome,
    ExternalKind,
    SanctionKind,
    StaffRole,
    StatusKind,
)
from portal.services import applications, vocab

bp = Blueprint("casework", __name__, template_folder="templates")

caseworker_only = staff_required(StaffRole.CASEWORKER)

# "Översikt" first, whichever blueprint is imported first (registering is idempotent).
nav.register(str(StaffRole.CASEWORKER), "admin.home", _l("Översikt"), order=0)
nav.register(str(StaffRole.CASEWORKER), "casework.queue", _l("Ärenden"))
nav.register(str(StaffRole.CASEWORKER), "casework.absences", _l("Frånvaro att bedöma"))


@bp.app_template_filter("month_label")
def _month_label(month: str) -> str:
    """ "2026-09" as "september 2026" in the user's language."""
    from flask_babel import format_date

    from admin.casework.rules import month_start

    try:
        return format_date(month_start(month), "LLLL yyyy")
    except ValueError:
        return month


def _field_error(form, error: DomainError, fields: dict[str, str]) -> None:
    """Show a service refusal on the field it concerns, or above the form."""
    target = fields.get(error.code)
    if target is not None:
        getattr(form, target).errors = [*getattr(form, target).errors, str(error.message)]
    else:
        flash(str(error.message), "error")


def _not_found(error: DomainError) -> None:
    if error.status == 404:
        abort(404)


def _audit_form_read(person, object_type: str, object_ref: str | None = None) -> None:
    """A form page that shows a person's case data is a read of the case (audited, A10)."""
    audit.record("read", object_type, person=person, object_ref=object_ref)


# --------------------------------------------------------------------------------------------
# Queue, application, first contact, decision


@bp.get("/")
@caseworker_only
def queue():
    """The unit's applications by state and age, with service-level timers."""
    result = case_queue.application_queue(current_user, request.args.get("state", "open"))
    return render_template("casework/queue.html", queue=result)


@bp.get("/applications/<ref>")
@caseworker_only
def application(ref: str):
    """The whole application, its timers and earlier decisions (audited)."""
    try:
        view = case_applications.open_application(current_user, ref)
    except DomainError as error:
        _not_found(error)
        raise
    return render_template(
        "casework/application.html", view=view, contact_form=forms.ButtonForm(), vocab=vocab
    )


@bp.post("/applications/<ref>/first-contact")
@caseworker_only
def first_contact(ref: str):
    """Record that the applicant has been contacted."""
    form = forms.ButtonForm()
    if form.validate_on_submit():
        try:
            case_applications.record_first_contact(current_user, ref)
            flash(_("Första kontakt är registrerad."), "success")
        except DomainError as error:
            _not_found(error)
            flash(str(error.message), "error")
    return redirect(url_for(".application", ref=ref))


@bp.route("/applications/<ref>/decision", methods=["GET", "POST"])
@caseworker_only
def decide(ref: str):
    """Decide the month: approve, partly approve or refuse, with reasons for the applicant."""
    try:
        view = case_applications.open_application(current_user, ref)
    except DomainError as error:
        _not_found(error)
        raise
    form = forms.DecisionForm()
    if form.validate_on_submit():
        try:
            case_applications.decide_application(
                current_user,
                ref,
                DecisionOutcome(form.outcome.data),
                form.amount_sek.data,
                form.reasons.data,
            )
            flash(_("Beslutet är sparat. Den sökande kan läsa det."), "success")
            return redirect(url_for(".application", ref=ref))
        except DomainError as error:
            _field_error(
                form,
                error,
                {
                    "amount_required": "amount_sek",
                    "amount_not_allowed": "amount_sek",
                    "reasons_required": "reasons",
                },
            )
    return render_template(
        "casework/decide.html",
        view=view,
        form=form,
        estimate=applications.estimate_for(view.application, view.person),
        vocab=vocab,
    )


@bp.get("/applications/<ref>/attachments/<attachment_ref>")
@caseworker_only
def attachment(ref: str, attachment_ref: str):
    """Download an attachment of an application in the unit (audited)."""
    from portal.services.attachments import open_attachment

    try:
        found = case_applications.application_attachment(current_user, ref, attachment_ref)
        stream, name, content_type = open_attachment(found)
    except DomainError as error:
        _not_found(error)
        raise
    return send_file(stream, mimetype=content_type, as_attachment=True, download_name=name)


# --------------------------------------------------------------------------------------------
# Assessment, statuses, external occupations


@bp.get("/people/<ref>/assessment")
@caseworker_only
def assessment(ref: str):
    """Capacity, statuses, external occupations and the requirement from the rules engine."""
    person = case_person_or_404(ref)
    page = support.assessment_page(current_user, person)
    return render_template("casework/assessment.html", page=page, person=person)


@bp.route("/people/<ref>/assessment/new", methods=["GET", "POST"])
@caseworker_only
def new_assessment(ref: str):
    """Record a new assessment of participation, work capacity and reason."""
    person = case_person_or_404(ref)
    current = assessments.current_assessment(person)
    form = forms.AssessmentForm(obj=current if request.method == "GET" and current else None)
    if request.method == "GET" and current is None:
        form.reason.data = str(AssistanceReason.UNEMPLOYMENT)
    if request.method == "GET":
        from portal.i18n import local_today

        form.valid_from.data = local_today()
    if form.validate_on_submit():
        assessments.record_assessment(
            current_user,
            person,
            valid_from=form.valid_from.data,
            participation_percent=form.participation_percent.data,
            work_capacity_percent=form.work_capacity_percent.data,
            reason=AssistanceReason(form.reason.data),
            requirement_from=form.requirement_from.data,
            note=form.note.data,
        )
        flash(_("Bedömningen är sparad."), "success")
        return redirect(url_for(".assessment", ref=ref))
    _audit_form_read(person, "assessment")
    return render_template("casework/assessment_form.html", form=form, person=person)


@bp.route("/people/<ref>/statuses/new", methods=["GET", "POST"])
@caseworker_only
def new_status(ref: str):
    """Add a dated status such as parental leave or sickness compensation."""
    person = case_person_or_404(ref)
    form = forms.StatusForm()
    if form.validate_on_submit():
        try:
            assessments.add_status(
                current_user,
                person,
                StatusKind(form.kind.data),
                form.from_date.data,
                form.to_date.data,
                form.note.data,
            )
            flash(_("Statusen är sparad."), "success")
            return redirect(url_for(".assessment", ref=ref))
        except DomainError as error:
            _field_error(form, error, {"dates_ordered": "to_date"})
    extra = services.settings_for(person.municipality_id).extra_exemptions or []
    labels = [str(forms.STATUS_LABELS.get(kind, kind)) for kind in extra]
    _audit_form_read(person, "person_status")
    return render_template(
        "casework/status_form.html", form=form, person=person, extra_exemptions=labels
    )


@bp.route("/people/<ref>/statuses/<int:status_id>/end", methods=["GET", "POST"])
@caseworker_only
def end_status(ref: str, status_id: int):
    """End a status on a given day."""
    return _end_form(
        ref,
        status_id,
        "person_status",
        assessments.person_status,
        assessments.end_status,
        _("Statusen är avslutad."),
    )


@bp.route("/people/<ref>/externals/new", methods=["GET", "POST"])
@caseworker_only
def new_external(ref: str):
    """Add work, studies or an AF programme with hours per week."""
    person = case_person_or_404(ref)
    form = forms.ExternalForm()
    if form.validate_on_submit():
        try:
            assessments.add_external(
                current_user,
                person,
                ExternalKind(form.kind.data),
                form.hours_per_week.data,
                form.from_date.data,
                form.to_date.data,
                form.description.data,
            )
            flash(_("Sysselsättningen är sparad."), "success")
            return redirect(url_for(".assessment", ref=ref))
        except DomainError as error:
            _field_error(form, error, {"dates_ordered": "to_date", "hours_range": "hours_per_week"})
    _audit_form_read(person, "external_occupation")
    return render_template("casework/external_form.html", form=form, person=person)


@bp.route("/people/<ref>/externals/<int:external_id>/end", methods=["GET", "POST"])
@caseworker_only
def end_external(ref: str, external_id: int):
    """End an external occupation on a given day."""
    return _end_form(
        ref,
        external_id,
        "external_occupation",
        assessments.external_occupation,
        assessments.end_external,
        _("Sysselsättningen är avslutad."),
    )


def _end_form(ref: str, row_id: int, object_type: str, find, end, done: str):
    """The form ending a status or an external occupation (``object_type``) on a given day."""
    person = case_person_or_404(ref)
    try:
        row = find(person, row_id)
    except DomainError as error:
        _not_found(error)
        raise
    form = forms.EndForm()
    if form.validate_on_submit():
        try:
            end(current_user, person, row_id, form.to_date.data)
            flash(done, "success")
            return redirect(url_for(".assessment", ref=ref))
        except DomainError as error:
            _field_error(form, error, {"dates_ordered": "to_date", "already_ended": "to_date"})
    _audit_form_read(person, object_type, str(row_id))
    status = row if object_type == "person_status" else None
    external = row if object_type == "external_occupation" else None
    return render_template(
        "casework/end_form.html", form=form, person=person, status=status, external=external
    )


# --------------------------------------------------------------------------------------------
# Absence review


@bp.get("/absences")
@caseworker_only
def absences():
    """The unit's absence reports waiting for a decision."""
    rows, truncated = absence_review.waiting_absences(current_user)
    return render_template("casework/absences.html", rows=rows, truncated=truncated)


@bp.route("/absences/<ref>", methods=["GET", "POST"])
@caseworker_only
def absence(ref: str):
    """Review one absence report: acceptable reason or not, with a note for the applicant."""
    try:
        report, person = absence_review.open_absence(current_user, ref)
    except DomainError as error:
        _not_found(error)
        raise
    form = forms.AbsenceDecisionForm()
    if form.validate_on_submit():
        try:
            absence_review.decide_absence(
                current_user, ref, form.decision.data == "approved", form.note.data
            )
            flash(_("Bedömningen är sparad. Den sökande ser beslutet."), "success")
            return redirect(url_for(".absences"))
        except DomainError as error:
            _field_error(form, error, {"note_required": "note"})
    return render_template("casework/absence.html", report=report, person=person, form=form)


@bp.get("/absences/<ref>/attachments/<attachment_ref>")
@caseworker_only
def absence_attachment(ref: str, attachment_ref: str):
    """Download an attachment of an absence report in the unit (audited)."""
    from portal.services.attachments import open_attachment

    try:
        found = absence_review.absence_attachment(current_user, ref, attachment_ref)
        stream, name, content_type = open_attachment(found)
    except DomainError as error:
        _not_found(error)
        raise
    return send_file(stream, mimetype=content_type, as_attachment=True, download_name=name)


# --------------------------------------------------------------------------------------------
# Person search


@bp.route("/search", methods=["GET", "POST"])
@caseworker_only
def search():
    """Find a person in the unit by name or personnummer (a POST: never a number in a URL)."""
    form = forms.SearchForm()
    result = None
    if form.validate_on_submit():
        result = person_search.search_people(current_user, form.query.data)
    return render_template("casework/search.html", form=form, result=result)


# --------------------------------------------------------------------------------------------
# Decision support and sanctions


@bp.get("/people/<ref>/support", endpoint="support")
@caseworker_only
def decision_support(ref: str):
    """A month's basis: unexcused hours and their sessions, declined offers, missing
    check-outs and under-planning, and the decisions recorded on it."""
    person = case_person_or_404(ref)
    month = request.args.get("month") or services.default_basis_month()
    try:
        basis = support.month_basis(current_user, person, month)
    except DomainError as error:
        return render_template(
            "casework/support.html",
            person=person,
            basis=None,
            month=month,
            problem=error.message,
            attendance_endpoint=None,
        )
    attendance = (
        "reconciliation.person" if "reconciliation.person" in current_app.view_functions else None
    )
    return render_template(
        "casework/support.html",
        person=person,
        basis=basis,
        month=basis.month,
        problem=None,
        attendance_endpoint=attendance,
        notices=sanctions.notices_for_month(person, basis.month),
    )


@bp.route("/people/<ref>/support/<month>/declined", methods=["GET", "POST"])
@caseworker_only
def declined(ref: str, month: str):
    """Record an offered activity the person declined."""
    person = case_person_or_404(ref)
    try:
        month = services.parse_month(month)
    except DomainError:
        abort(404)
    form = forms.DeclinedOfferForm()
    form.activity.choices = [SelectChoice("", _("Ingen särskild aktivitet"))] + [
        SelectChoice(str(a.id), f"{a.name} ({a.site.name})")
        for a in support.offerable_activities(person)
    ]
    if form.validate_on_submit():
        try:
            support.record_declined_offer(
                current_user,
                person,
                form.date.data,
                int(form.activity.data) if form.activity.data else None,
                form.acceptable_reason.data == "yes",
                form.note.data,
            )
            flash(_("Det avböjda erbjudandet är registrerat."), "success")
            return redirect(url_for(".support", ref=ref, month=month))
        except DomainError as error:
            _field_error(form, error, {"activity_unknown": "activity"})
    _audit_form_read(person, "declined_offer", month)
    return render_template("casework/declined_form.html", form=form, person=person, month=month)


#: Where each refusal of a decision or notice is shown on the form.
_SANCTION_FIELDS = {
    "individual_assessment_required": "individual_assessment",
    "child_impact_required": "child_impact_assessment",
    "reduction_amount_required": "amount_sek",
    "sanction_amount_not_allowed": "amount_sek",
    "reduction_over_granted": "amount_sek",
    "notice_message_required": "message",
}


def _show_problems(form, codes: list[str]) -> None:
    """Every refusal on its field (or on the decision kind), for one error summary."""
    for code in codes:
        target = getattr(form, _SANCTION_FIELDS.get(code, "kind"))
        message = str(services.message(code))
        if message not in target.errors:
            target.errors = [*target.errors, message]


@bp.route("/people/<ref>/support/<month>/decision", methods=["GET", "POST"])
@caseworker_only
def sanction(ref: str, month: str):
    """Record a decision on the month's basis; the law's assessments are required, and a
    negative decision needs the person's chance to answer a notice of it first."""
    person = case_person_or_404(ref)
    try:
        month = services.parse_month(month)
    except DomainError:
        abort(404)
    form = forms.SanctionForm()
    if form.is_submitted():
        form.validate()
        kind = SanctionKind(form.kind.data) if form.kind.data in set(SanctionKind) else None
        problems = sanctions.sanction_problems(
            person,
            month,
            kind,
            form.amount_sek.data if not form.amount_sek.errors else None,
            form.individual_assessment.data or "",
            form.child_impact_assessment.data or "",
        )
        _show_problems(form, problems)
        if not form.errors:
            sanctions.record_sanction(
                current_user,
                person,
                month,
                kind,
                form.amount_sek.data,
                form.individual_assessment.data,
                form.child_impact_assessment.data,
            )
            flash(_("Beslutet är sparat. Personen kan läsa beslutet i portalen."), "success")
            return redirect(url_for(".support", ref=ref, month=month))
    _audit_form_read(person, "sanction_decision", month)
    return render_template(
        "casework/sanction_form.html",
        form=form,
        person=person,
        month=month,
        state=sanctions.sanction_state(person, month),
    ), (400 if form.errors else 200)


@bp.route("/people/<ref>/support/<month>/notice", methods=["GET", "POST"])
@caseworker_only
def notice(ref: str, month: str):
    """Send a notice of an intended reduction or refusal, with its basis and reply deadline."""
    person = case_person_or_404(ref)
    try:
        month = services.parse_month(month)
    except DomainError:
        abort(404)
    form = forms.DecisionNoticeForm()
    if form.validate_on_submit():
        try:
            sanctions.send_notice(
                current_user,
                person,
                month,
                SanctionKind(form.kind.data),
                form.amount_sek.data,
                form.message.data,
            )
            flash(_("Meddelandet om planerat beslut är skickat till personen."), "success")
            return redirect(url_for(".support", ref=ref, month=month))
        except sanctions.SanctionRefused as refused:
            _show_problems(form, refused.codes)
        except DomainError as error:
            _not_found(error)
            flash(str(error.message), "error")
    state = sanctions.sanction_state(person, month)
    _audit_form_read(person, "decision_notice", month)
    return render_template(
        "casework/notice_form.html",
        form=form,
        person=person,
        month=month,
        state=state,
        reply_days=services.settings_for(person.municipality_id).reply_deadline_days,
    ), (400 if form.errors else 200)
