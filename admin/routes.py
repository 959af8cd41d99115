"""Staff start page and the case overview of one person."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.casework import intake, queue, search
from admin.casework.forms import ButtonForm, SearchForm, TransferForm
from admin.casework.services import default_basis_month
from portal import nav
from portal.access import case_person_or_404, staff_required
from portal.errors import DomainError
from portal.models import StaffRole

bp = Blueprint("admin", __name__, template_folder="templates")

for _role in (StaffRole.CASEWORKER, StaffRole.ADMINISTRATOR, StaffRole.AUDITOR):
    nav.register(str(_role), "admin.home", _l("Översikt"), order=0)

#: Pages of other areas the case page links to when they exist: (endpoint, label).
CASE_LINKS = (
    ("plans.person", _l("Individuell plan")),
    ("reconciliation.person", _l("Närvaro och avstämning")),
)


def _endpoint_exists(endpoint: str) -> bool:
    return endpoint in current_app.view_functions


@bp.get("/")
@staff_required(StaffRole.CASEWORKER, StaffRole.ADMINISTRATOR, StaffRole.AUDITOR)
def home():
    """The staff start page: a caseworker's work in numbers, or the role's areas."""
    if current_user.role == StaffRole.CASEWORKER:
        counts = queue.caseworker_counts(current_user)
        return render_template("admin/home.html", counts=counts, search_form=SearchForm())
    areas = [(endpoint, label) for endpoint, label in nav.items() if endpoint != "admin.home"]
    return render_template("admin/home.html", counts=None, areas=areas)


@bp.get("/people/<ref>")
@staff_required(StaffRole.CASEWORKER)
def person(ref: str):
    """A person's case: identity, household, applications, assessment and more (audited)."""
    person = case_person_or_404(ref)
    overview = search.case_overview(current_user, person)
    return _render_case(overview, personnummer=None)


@bp.post("/people/<ref>/personnummer")
@staff_required(StaffRole.CASEWORKER)
def reveal_personnummer(ref: str):
    """Show the full personnummer on an explicit request (audited; never in a URL)."""
    person = case_person_or_404(ref)
    form = ButtonForm()
    personnummer = None
    if form.validate_on_submit():
        personnummer = search.reveal_personnummer(current_user, person)
    overview = search.case_overview(current_user, person)
    return _render_case(overview, personnummer=personnummer)


@bp.post("/people/<ref>/take")
@staff_required(StaffRole.CASEWORKER)
def take_case(ref: str):
    """Become the caseworker of a case in the unit's intake queue (audited)."""
    person = case_person_or_404(ref)
    if not ButtonForm().validate_on_submit():
        abort(400)
    intake.take_case(current_user, person)
    flash(_("Du är nu handläggare för ärendet."), "success")
    return redirect(url_for(".person", ref=ref))


@bp.post("/people/<ref>/transfer")
@staff_required(StaffRole.CASEWORKER)
def transfer_case(ref: str):
    """Move a case to another unit's intake queue (audited); the case leaves this unit."""
    person = case_person_or_404(ref)
    form = _transfer_form()
    if form.validate_on_submit():
        try:
            target = intake.transfer_case(
                current_user, person, int(form.unit.data), form.reason.data
            )
        except DomainError as error:
            form.unit.errors = [*form.unit.errors, str(error.message)]
        else:
            flash(_("Ärendet är flyttat till %(unit)s.", unit=target.name), "success")
            return redirect(url_for("casework.queue"))
    overview = search.case_overview(current_user, person)
    return _render_case(overview, personnummer=None, transfer_form=form), 400


def _transfer_form() -> TransferForm:
    form = TransferForm()
    form.unit.choices = [("", _("Välj enhet"))] + [
        (str(unit.id), unit.name) for unit in intake.transfer_targets(current_user)
    ]
    return form


def _render_case(overview, personnummer: str | None, transfer_form: TransferForm | None = None):
    links = [(endpoint, label) for endpoint, label in CASE_LINKS if _endpoint_exists(endpoint)]
    return render_template(
        "admin/person.html",
        case=overview,
        person=overview.person,
        personnummer=personnummer,
        reveal_form=ButtonForm(),
        links=links,
        today_month=default_basis_month(),
        transfer_form=transfer_form or _transfer_form(),
    )
