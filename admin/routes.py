"""Casework and administration pages."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from portal import nav
from portal.access import staff_required
from portal.models import StaffRole

bp = Blueprint("admin", __name__, template_folder="templates")

for _role in (StaffRole.CASEWORKER, StaffRole.ADMINISTRATOR, StaffRole.AUDITOR):
    nav.register(str(_role), "admin.home", _l("Översikt"))


@bp.get("/")
@staff_required(StaffRole.CASEWORKER, StaffRole.ADMINISTRATOR, StaffRole.AUDITOR)
def home():
    """The staff start page."""
    return render_template("admin/home.html")


@bp.get("/people/<ref>")
@staff_required(StaffRole.CASEWORKER)
def person(ref: str):
    """A person's case: identity, household and applications (audited)."""
    from portal import audit
    from portal.access import case_person_or_404

    person = case_person_or_404(ref)
    audit.record("read", "case", person=person, object_ref=person.public_ref)
    return render_template("admin/person.html", person=person)
