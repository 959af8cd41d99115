"""Reconciliation dashboards (A5): counts per status and flag, people per status, and the
drill-down from a person's weeks to a day and the scans behind it.

Caseworkers see their own unit and may start a run; auditors see counts only; everyone else
gets 403. Every view is parse → check access → call one service → render.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.reconciliation import labels, services
from admin.reconciliation.forms import PeriodForm, RunForm, RunPersonForm
from portal import nav
from portal.access import case_person_or_404, staff_required
from portal.errors import DomainError
from portal.i18n import local_today
from portal.models import StaffRole
from portal.request_guard import page_number

bp = Blueprint("reconciliation", __name__, template_folder="templates")

nav.register(str(StaffRole.CASEWORKER), "reconciliation.index", _l("Avstämning"))
nav.register(str(StaffRole.AUDITOR), "reconciliation.index", _l("Avstämning"))

caseworker_only = staff_required(StaffRole.CASEWORKER)

#: Service refusals a person can act on, in their words.
MESSAGES = {
    "period_not_started": _l("Ingen dag i perioden har passerat än. Välj en tidigare period."),
    "invalid_month": _l("Välj en månad i listan."),
    "invalid_week": _l("Välj en vecka i den valda månaden."),
}


@bp.context_processor
def _labels():
    return {"labels": labels}


def _period_or_404(args) -> services.Period:
    """The period named in a link; a hand-made bad one is simply not found."""
    try:
        return services.period_of(args.get("month"), args.get("week") or None)
    except DomainError:
        abort(404)


def _refusal(error: DomainError) -> None:
    if error.status in (403, 404):
        abort(error.status)
    flash(str(MESSAGES.get(error.code, error.message)), "error")


@bp.get("/")
@staff_required(StaffRole.CASEWORKER, StaffRole.AUDITOR)
def index():
    """Counts per status and flag for a month or week; caseworkers also see who."""
    filters = services.filter_choices(current_user)
    form = PeriodForm(request.args, today=local_today(), units=filters.units, sites=filters.sites)
    overview = None
    if form.validate():
        try:
            period = services.period_of(form.month.data, form.week.data or None)
            overview = services.overview(
                current_user,
                period,
                status=request.args.get("status"),
                page=page_number(),
                unit_id=form.chosen("unit"),
                site_id=form.chosen("site"),
            )
        except DomainError as error:
            _refusal(error)
    run_form = RunForm(month=form.month.data, week=form.week.data)
    return render_template(
        "reconciliation/index.html",
        form=form,
        run_form=run_form,
        overview=overview,
        names=services.shows_names(current_user),
    )


@bp.post("/run")
@caseworker_only
def run():
    """Reconcile the period for the caseworker's unit now."""
    form = RunForm()
    if not form.validate_on_submit():
        abort(400)
    period = _period_or_404(form.data)
    try:
        summary = services.run_for_unit(current_user, period)
    except DomainError as error:
        _refusal(error)
    else:
        flash(
            _(
                "Avstämningen är klar: %(people)s personer, räknat till och med %(day)s.",
                people=summary.people,
                day=format_date(summary.evaluated_to),
            ),
            "success",
        )
    return redirect(url_for("reconciliation.index", **period.args))


@bp.get("/people/<ref>")
@caseworker_only
def person(ref: str):
    """A person's weeks and days for the period (audited)."""
    person = case_person_or_404(ref)
    period = _period_or_404(request.args)
    detail = services.person_detail(person, period)
    run_form = RunPersonForm(month=period.month, week=period.week or "")
    return render_template("reconciliation/person.html", detail=detail, run_form=run_form)


@bp.post("/people/<ref>/run")
@caseworker_only
def run_person(ref: str):
    """Reconcile one person for the period now."""
    person = case_person_or_404(ref)
    form = RunPersonForm()
    if not form.validate_on_submit():
        abort(400)
    period = _period_or_404(form.data)
    try:
        services.run_for_person(current_user, person, period)
    except DomainError as error:
        _refusal(error)
    else:
        flash(_("Personen är avstämd på nytt."), "success")
    return redirect(url_for("reconciliation.person", ref=person.public_ref, **period.args))


@bp.get("/people/<ref>/days/<day>")
@caseworker_only
def day(ref: str, day: str):
    """One day of a person's result and the scans behind it (audited)."""
    person = case_person_or_404(ref)
    period = _period_or_404(request.args)
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        abort(404)
    try:
        scans = services.day_scans(person, period, chosen)
    except DomainError as error:
        abort(error.status)
    return render_template("reconciliation/day.html", scans=scans)
