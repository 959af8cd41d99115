"""Staff start page and the case overview of one person."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.casework import services as casework
from admin.casework.forms import ButtonForm, SearchForm
from portal import nav
from portal.access import case_person_or_404, staff_required
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
        counts = casework.caseworker_counts(current_user)
        return render_template("admin/home.html", counts=counts, search_form=SearchForm())
    areas = [(endpoint, label) for endpoint, label in nav.items() if endpoint != "admin.home"]
    return render_template("admin/home.html", counts=None, areas=areas)


@bp.get("/people/<ref>")
@staff_required(StaffRole.CASEWORKER)
def person(ref: str):
    """A person's case: identity, household, applications, assessment and more (audited)."""
    person = case_person_or_404(ref)
    overview = casework.case_overview(current_user, person)
    return _render_case(overview, personnummer=None)


@bp.post("/people/<ref>/personnummer")
@staff_required(StaffRole.CASEWORKER)
def reveal_personnummer(ref: str):
    """Show the full personnummer on an explicit request (audited; never in a URL)."""
    person = case_person_or_404(ref)
    form = ButtonForm()
    personnummer = None
    if form.validate_on_submit():
        personnummer = casework.reveal_personnummer(current_user, person)
    overview = casework.case_overview(current_user, person)
    return _render_case(overview, personnummer=personnummer)


def _render_case(overview, personnummer: str | None):
    links = [(endpoint, label) for endpoint, label in CASE_LINKS if _endpoint_exists(endpoint)]
    return render_template(
        "admin/person.html",
        case=overview,
        person=overview.person,
        personnummer=personnummer,
        reveal_form=ButtonForm(),
        links=links,
        today_month=casework.default_basis_month(),
    )
