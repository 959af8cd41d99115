"""The applicant blueprint ``portal`` and what its view modules share.

The views are in ``routes.py`` and in the modules by subject it imports, so importing
``routes.py`` registers every page on ``bp`` (the list is in docs/architecture.md); the template
filters are in ``template_filters.py``.

Every applicant view is ``applicant_required`` and reads only the signed-in person's rows: the
services look records up by public reference *and* owner, so another person's reference is a
404. Views parse, call one service and render; messages for the services' error codes live in
forms.py and below.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import nav
from portal.errors import DomainError, render_error
from portal.forms import UPLOAD_ERRORS, AttachmentForm
from portal.models import ApplicationState
from portal.services import applications, vocab

bp = Blueprint("portal", __name__)

nav.register("applicant", "portal.home", _l("Start"), order=0)
nav.register("applicant", "portal.applications", _l("Ansökan"))
nav.register("applicant", "portal.plan", _l("Min plan"))
nav.register("applicant", "portal.attendance", _l("Närvaro"))
nav.register("applicant", "portal.absences", _l("Frånvaro"))
nav.register("applicant", "portal.my_data", _l("Mina uppgifter"))

#: The endpoint of each application step, in order.
STEP_ENDPOINTS = {
    "household": "portal.step_household",
    "incomes": "portal.step_incomes",
    "costs": "portal.step_costs",
    "assets": "portal.step_assets",
    "attachments": "portal.step_attachments",
    "declaration": "portal.step_declaration",
    "review": "portal.step_review",
}
#: Messages for service error codes that can reach a page on their own.
ERROR_MESSAGES = {
    "not_draft": _l(
        "Ansökan är redan skickad och kan inte ändras. Kontakta din handläggare om något "
        "behöver ändras."
    ),
    "month_not_open": _l(
        "Du kan bara ansöka för den här månaden och nästa, och bara en gång per månad."
    ),
    "attachment_missing": _l("Filen finns inte längre. Kontakta din handläggare."),
    "bad_transition": _l("Det går inte att göra så med ansökan nu."),
    "invalid_month": _l("Månaden finns inte. Välj en månad i listan."),
    "not_open": UPLOAD_ERRORS["not_open"],
}


@bp.app_context_processor
def _nav_context():
    return {"nav_items": nav.items}


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError):
    message = ERROR_MESSAGES.get(error.code)
    return render_error(error.status, error.code, str(message) if message else None)


def page_labels() -> dict:
    return {
        "vocab": vocab,
        "steps": applications.STEPS,
        "step_endpoints": STEP_ENDPOINTS,
    }


def draft_of(ref: str):
    """The person's own draft, or a redirect to its status page if it was submitted."""
    application = applications.applicant_application(current_user, ref)
    if application.state != ApplicationState.DRAFT:
        flash(str(ERROR_MESSAGES["not_draft"]), "info")
        return application, redirect(url_for("portal.application_detail", ref=ref))
    return application, None


def after_step(application, step: str):
    """Go on to the next step, or back to the review if the person came from there."""
    if request.args.get("granska") == "1" and step != "review":
        return redirect(url_for("portal.step_review", ref=application.public_ref))
    target = applications.next_step(step)
    return redirect(url_for(STEP_ENDPOINTS[target], ref=application.public_ref))


def step_page(template: str, application, step: str, status: int = 200, **context):
    return render_template(
        template,
        application=application,
        step=step,
        step_number=applications.STEPS.index(step) + 1,
        done=applications.completed_steps(application),
        back=applications.previous_step(step),
        from_review=request.args.get("granska") == "1",
        **page_labels(),
        **context,
    ), status


def new_upload_form() -> AttachmentForm:
    form = AttachmentForm()
    form.file.description = _(
        "PDF eller bild (JPEG, PNG eller HEIC). Högst %(mb)s MB.", mb=max_upload_mb()
    )
    return form


def max_upload_mb() -> str:
    return format_decimal(current_app.config["MAX_UPLOAD_BYTES"] / 1024 / 1024, format="#,##0.#")
