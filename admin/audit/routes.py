"""The audit log page for administrators."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from admin.audit import services
from admin.audit.forms import AuditSearchForm
from portal import nav
from portal.access import staff_required
from portal.models import StaffRole
from portal.request_guard import page_number

bp = Blueprint("audit", __name__, template_folder="templates")

nav.register(str(StaffRole.ADMINISTRATOR), "audit.index", _l("Granskningslogg"))


@bp.get("/")
@staff_required(StaffRole.ADMINISTRATOR)
def index():
    """Search who read or changed which case, when and why."""
    form = AuditSearchForm(request.args)
    rows, has_more, page = [], False, page_number()
    if form.validate():
        rows, has_more = services.search(
            actor=form.actor.data,
            person_ref=form.person_ref.data,
            action=form.action.data,
            date_from=form.date_from.data,
            date_to=form.date_to.data,
            page=page,
        )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "audit/index.html", form=form, rows=rows, has_more=has_more, page=page, args=args
    )
