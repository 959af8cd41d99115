"""The applicant's pages, health check, language switch and accessibility statement.

Every applicant view is ``applicant_required`` and reads only the signed-in person's rows: the
services look records up by public reference *and* owner, so another person's reference is a
404. Views parse, call one service and render; messages for the services' error codes live in
forms.py and blueprint.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

import portal.application_step_routes  # noqa: F401
import portal.attachment_routes  # noqa: F401
import portal.attendance_routes  # noqa: F401
import portal.my_data_routes  # noqa: F401
import portal.plan_routes  # noqa: F401
import portal.template_filters  # noqa: F401  (registers the template filters on bp)
from portal.access import applicant_required, public
from portal.blueprint import (
    _labels,
    _max_mb,
    _upload_form,
    bp,
)
from portal.extensions import db, limiter
from portal.forms import (
    NewApplicationForm,
)
from portal.i18n import local_today
from portal.models import utcnow
from portal.request_guard import safe_next
from portal.services import (
    applications,
    attachments,
    dashboard,
    decisions,
    plans,
)
from portal.template_filters import _month_filter


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
        **_labels(),
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


# --- applications: list, start, status (P2, P3) ---------------------------------------------


@bp.get("/ansokan", endpoint="applications")
@applicant_required
def applications_list():
    """The person's applications per month with their state and decision."""
    return render_template(
        "portal/applications.html",
        applications=applications.applications_of(current_user),
        open_months=applications.open_months(current_user, local_today()),
        **_labels(),
    )


@bp.route("/ansokan/ny", methods=["GET", "POST"])
@applicant_required
def application_new():
    """Choose the month, and whether to start from the previous application."""
    today = local_today()
    months = applications.open_months(current_user, today)
    if not months:
        flash(_("Du har redan en ansökan för den här månaden och nästa."), "info")
        return redirect(url_for("portal.applications"))
    form = NewApplicationForm()
    form.month.choices = [SelectChoice(m, _month_filter(m)) for m in months]
    previous = applications.previous_application(current_user, max(months))
    if previous is not None:
        form.start.label.text = _(
            "Vill du utgå från din ansökan för %(month)s?", month=_month_filter(previous.month)
        )
    if form.validate_on_submit():
        application = applications.start_application(
            current_user,
            form.month.data,
            today=today,
            copy_previous=previous is not None and form.start.data != "empty",
        )
        return redirect(url_for("portal.step_household", ref=application.public_ref))
    if not form.month.data:
        form.month.data = months[0]
    return render_template(
        "portal/application_new.html", form=form, previous=previous, **_labels()
    ), (400 if form.errors else 200)


@bp.get("/ansokan/<ref>")
@applicant_required
def application_detail(ref: str):
    """One application: its state, the decision and its reasons, and its documents."""
    application = applications.applicant_application(current_user, ref)
    open_for_documents = application.state in attachments.OPEN_STATES
    return render_template(
        "portal/application_detail.html",
        application=application,
        upload_form=_upload_form() if open_for_documents else None,
        missing=applications.missing_documents(application),
        max_mb=_max_mb(),
        **_labels(),
    )
