"""My data (P8): what is stored about the applicant, on a page and as JSON and PDF downloads
(GDPR art. 15)."""

from __future__ import annotations

import json

from flask import Response, render_template
from flask_babel import get_locale
from flask_login import current_user

from portal.access import applicant_required
from portal.blueprint import bp
from portal.i18n import local_today
from portal.services import my_data
from portal.services import my_data_pdf as my_data_document


@bp.get("/mina-uppgifter", endpoint="my_data")
@applicant_required
def my_data_page():
    """What is stored about the person, with downloads as PDF and JSON."""
    return render_template("portal/my_data.html", data=my_data.collect(current_user))


@bp.get("/mina-uppgifter/mina-uppgifter.json")
@applicant_required
def my_data_json():
    """Everything held about the person, as JSON (GDPR art. 15)."""
    body = json.dumps(my_data.collect(current_user), ensure_ascii=False, indent=2)
    return _download(body.encode("utf-8"), "application/json; charset=utf-8", "json")


@bp.get("/mina-uppgifter/mina-uppgifter.pdf")
@applicant_required
def my_data_pdf():
    """Everything held about the person, as a readable PDF."""
    pdf = my_data_document.to_pdf(my_data.collect(current_user), str(get_locale() or "sv"))
    return _download(pdf, "application/pdf", "pdf")


def _download(body: bytes, mimetype: str, extension: str) -> Response:
    name = f"mina-uppgifter-{local_today().isoformat()}.{extension}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
