"""The applicant blueprint's start pages: the front door, the start page, the health check,
the language switch and the accessibility statement.

The blueprint and what its pages share are in ``blueprint.py``; the other pages are in one
module per subject, imported here so that importing this module registers every page on ``bp``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

import portal.application_routes  # noqa: F401  (each module registers its views on bp)
import portal.application_step_routes  # noqa: F401
import portal.attachment_routes  # noqa: F401
import portal.attendance_routes  # noqa: F401
import portal.my_data_routes  # noqa: F401
import portal.plan_routes  # noqa: F401
import portal.template_filters  # noqa: F401  (registers the template filters on bp)
from portal.access import applicant_required, public
from portal.blueprint import bp, page_labels
from portal.extensions import db, limiter
from portal.i18n import local_today
from portal.models import utcnow
from portal.request_guard import safe_next
from portal.services import dashboard, decisions, plans

__all__ = ["bp"]


@bp.get("/healthz")
@limiter.exempt
@public("the health check for load balancers (no personal data)")
def healthz():
    """Liveness and database reachability, for load balancers and `make run`."""
    try:
        db.session.execute(sa.text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001 - report, never raise, from a health check
        current_app.logger.exception("health check: database unreachable")
        database = "unreachable"
    status = 200 if database == "ok" else 503
    return jsonify({"status": "ok" if status == 200 else "degraded", "database": database}), status


@bp.get("/")
@public("the front door: sends each user to their start page")
def index():
    """Send each visitor to their own start page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.start"))
    if getattr(current_user, "is_staff", False):
        from portal.auth.routes import _home_for

        return redirect(_home_for(current_user))
    return redirect(url_for("portal.home"))


@bp.get("/start")
@applicant_required
def home():
    """The applicant's start page: this month, next activity, hours and things to do."""
    board = dashboard.build(current_user, local_today(), utcnow())
    return render_template(
        "portal/home.html",
        person=current_user,
        board=board,
        qr_endpoint="checkin.my_code" if "checkin.my_code" in current_app.view_functions else None,
        map_link=plans.map_link,
        awaiting=decisions.awaiting_reply(current_user, local_today()),
        **page_labels(),
    )


@bp.post("/language")
@public("the language switch, for everyone")
def set_language():
    """Switch the interface language (a form POST, so it carries a CSRF token)."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    # Only same-site paths: never an open redirect.
    return redirect(safe_next(request.form.get("next")))


@bp.get("/tillganglighet")
@public("the accessibility statement")
def accessibility():
    """The accessibility statement required of public-sector websites."""
    return render_template("portal/accessibility.html")
