"""Exchange with Arbetsförmedlingen (A9), for caseworkers and the people of their unit.

Import: upload a file, see a dry-run report, then confirm. Export: download a month's file.
Administrators have no case content, so this is a caseworker function.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import Blueprint, current_app, render_template, request, send_file
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.af import services
from admin.af.adapters import (
    CSV_EXPORT_COLUMNS,
    CSV_IMPORT_COLUMNS,
    MAX_FILE_BYTES,
    FileExchange,
)
from admin.af.forms import ConfirmImportForm, ExportForm, ImportForm
from portal import nav
from portal.access import staff_required
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import local_today
from portal.models import Municipality, StaffRole

bp = Blueprint("af", __name__, template_folder="templates")

CASEWORKER = StaffRole.CASEWORKER

nav.register(str(CASEWORKER), "af.index", _l("Arbetsförmedlingen"))


def _folder() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _previous_month() -> str:
    first = local_today().replace(day=1)
    index = first.year * 12 + first.month - 2
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _page(import_form=None, export_form=None, report=None, confirm=None, error=None):
    if export_form is None:
        export_form = ExportForm(formdata=None, month=_previous_month())
    return render_template(
        "af/index.html",
        import_form=import_form or ImportForm(),
        export_form=export_form,
        report=report,
        confirm=confirm,
        error=error,
    )


@bp.get("/")
@staff_required(CASEWORKER)
def index():
    """Read a file from AF, or download what AF may ask for."""
    return _page()


@bp.get("/filformat")
@staff_required(CASEWORKER)
def file_format():
    """The file formats of the exchange, as a page a caseworker can read and print."""
    return render_template(
        "af/format.html",
        import_columns=";".join(CSV_IMPORT_COLUMNS),
        export_columns=";".join(CSV_EXPORT_COLUMNS),
        max_megabytes=MAX_FILE_BYTES // (1024 * 1024),
    )


@bp.post("/import")
@staff_required(CASEWORKER)
def preview():
    """A dry run of an uploaded file: what would change, and which rows cannot be used."""
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(import_form=form)
    data = form.file.data.stream.read(MAX_FILE_BYTES + 1)
    try:
        report = _run(data, dry_run=True)
    except DomainError as e:
        form.file.errors.append(e.message)
        return _page(import_form=form)
    confirm = None
    if not report.blocked and any(o.status in services.WRITTEN for o in report.outcomes):
        token = services.keep_for_confirmation(_folder(), current_user.id, data)
        confirm = ConfirmImportForm(formdata=None, token=token)
    return _page(report=report, confirm=confirm)


@bp.post("/import/confirm")
@staff_required(CASEWORKER)
def confirm():
    """Import the previewed file for real, all or nothing."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        return _page()
    try:
        data = services.confirmed_file(_folder(), current_user.id, form.token.data)
        report = _run(data, dry_run=False)
    except DomainError as e:
        db.session.rollback()
        return _page(error=e.message)
    if report.applied:
        services.forget_preview(_folder(), current_user.id, form.token.data)
    return _page(report=report)


def _run(data: bytes, *, dry_run: bool) -> services.ImportReport:
    batch = FileExchange(source=data).fetch()
    return services.import_batch(
        batch,
        municipality_id=current_user.municipality_id,
        unit_id=current_user.unit_id,
        actor=current_user,
        today=local_today(),
        dry_run=dry_run,
    )


@bp.get("/export")
@staff_required(CASEWORKER)
def export():
    """Download a month's export for the caseworker's unit (JSON or CSV)."""
    form = ExportForm(request.args)
    if not form.validate():
        return _page(export_form=form)
    municipality = db.session.get(Municipality, current_user.municipality_id)
    try:
        built = services.build_export(
            municipality,
            form.month.data.strip(),
            unit_id=current_user.unit_id,
            today=local_today(),
            actor=current_user,
        )
    except DomainError as e:
        form.month.errors.append(e.message)
        return _page(export_form=form)
    buffer = io.BytesIO()
    FileExchange(target=buffer, fmt=form.format.data).send(built)
    buffer.seek(0)
    response = send_file(
        buffer,
        mimetype="text/csv" if form.format.data == "csv" else "application/json",
        as_attachment=True,
        download_name=f"af-export-{built.month}.{form.format.data}",
    )
    response.headers["Cache-Control"] = "no-store"  # personal data: never kept in a cache
    return response
