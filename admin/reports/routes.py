"""Report pages under /admin/rapporter/ (A8): a table, a chart and exports per report.

Caseworkers see their own unit, administrators every unit, auditors figures only with counts
of 1 to 4 suppressed; site staff and applicants get 403. Every view and export is audited
(who, which report, which period; never a person). Views are parse → check → one service.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.reports import export, services
from admin.reports.figures import shown
from admin.reports.forms import BoardTextForm, FilterForm, default_period
from admin.reports.periods import parse_period
from portal import nav
from portal.access import staff_required
from portal.errors import DomainError
from portal.i18n import local_today
from portal.models import StaffRole

bp = Blueprint("reports", __name__, template_folder="templates")

READERS = (StaffRole.CASEWORKER, StaffRole.ADMINISTRATOR, StaffRole.AUDITOR)
for _role in READERS:
    nav.register(str(_role), "reports.index", _l("Rapporter"), order=80)

readers_only = staff_required(*READERS)


@bp.app_template_filter("report_cell")
def _report_cell(value, kind: str) -> str:
    """A report's cell as the page shows it (the same text the CSV and PDF carry)."""
    return shown(value, kind)


def _report_request(name: str) -> tuple[services.Request | None, FilterForm]:
    """The filter form and the report it asks for (None with a message for a bad period)."""
    today = local_today()
    units = services.units_for(current_user)
    form = FilterForm(
        request.args,
        today=today,
        units=units,
        all_units=current_user.role != StaffRole.CASEWORKER,
        default_period=default_period(name, today),
    )
    try:
        report_request = services.request_for(
            current_user, name, form.period.data, form.unit_id(), today
        )
    except DomainError as error:
        if error.status in (403, 404):
            abort(error.status)
        form.period.errors = [_("Välj en period i listan.")]
        return None, form
    return report_request, form


@bp.get("/")
@readers_only
def index():
    """The reports a user may open, with what each answers."""
    return render_template("reports/index.html", names=services.NAMES, titles=services.TITLES)


@bp.get("/<name>")
@readers_only
def show(name: str):
    """One report for the chosen period and unit: table, chart and export links (audited)."""
    if name not in services.NAMES:
        abort(404)
    report_request, form = _report_request(name)
    report = None
    text_form = None
    if report_request is not None:
        report = services.build(report_request)
        services.record_access(current_user, report_request, "read")
        if name == "ivo-overview" and current_user.role == StaffRole.ADMINISTRATOR:
            text_form = BoardTextForm(
                period=report.period.key, **report.data.get("board_texts", {})
            )
    return render_template(
        "reports/report.html",
        name=name,
        title=services.TITLES[name],
        form=form,
        report=report,
        text_form=text_form,
        formats=export.FORMATS,
    )


@bp.get("/<name>/export.<fmt>")
@readers_only
def download(name: str, fmt: str):
    """The report as CSV, XLSX or PDF, with the page's figures (audited)."""
    if name not in services.NAMES or fmt not in export.FORMATS:
        abort(404)
    report_request, _form = _report_request(name)
    if report_request is None:
        abort(400)
    report = services.build(report_request)
    body = export.render(report, fmt)
    services.record_access(current_user, report_request, "export", fmt)
    return Response(
        body,
        mimetype=export.FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename(report, fmt)}"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/ivo-overview/texts")
@staff_required(StaffRole.ADMINISTRATOR)
def save_texts():
    """Save the board's sections of the biennial overview for a period."""
    form = BoardTextForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        period = parse_period(form.period.data)
    except DomainError:
        abort(400)
    services.save_board_texts(
        current_user, period, {"requirements": form.requirements.data, "plans": form.plans.data}
    )
    flash(_("Nämndens text är sparad för perioden."), "success")
    return redirect(url_for("reports.show", name="ivo-overview", period=period.key))
