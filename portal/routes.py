"""The applicant's pages, health check, language switch and accessibility statement.

Every applicant view is ``applicant_required`` and reads only the signed-in person's rows: the
services look records up by public reference *and* owner, so another person's reference is a
404. Views parse, call one service and render; messages for the services' error codes live in
forms.py and blueprint.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
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

import portal.attachment_routes  # noqa: F401
import portal.attendance_routes  # noqa: F401
import portal.my_data_routes  # noqa: F401
import portal.plan_routes  # noqa: F401
import portal.template_filters  # noqa: F401  (registers the template filters on bp)
from portal.access import applicant_required, public
from portal.blueprint import (
    ERROR_MESSAGES,
    _after_step,
    _draft,
    _labels,
    _max_mb,
    _step_page,
    _upload_form,
    bp,
)
from portal.errors import DomainError
from portal.extensions import db, limiter
from portal.forms import (
    MEMBER_ERRORS,
    AssetsForm,
    ButtonForm,
    CostsForm,
    DeclarationForm,
    IncomesForm,
    MemberForm,
    NewApplicationForm,
    personnummer_message,
)
from portal.i18n import local_today
from portal.models import ItemCategory, utcnow
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


# --- the steps -------------------------------------------------------------------------------


@bp.route("/ansokan/<ref>/hushall", methods=["GET", "POST"])
@applicant_required
def step_household(ref: str):
    """Step 1: who lives with the applicant."""
    application, leave = _draft(ref)
    if leave:
        return leave
    form = ButtonForm()
    if form.validate_on_submit():
        applications.mark_step_done(application, "household")
        return _after_step(application, "household")
    return _step_page(
        "portal/steps/household.html",
        application,
        "household",
        form=form,
        members=applications.household_members(current_user),
        remove_form=ButtonForm(),
    )


@bp.route("/ansokan/<ref>/hushall/ny", methods=["GET", "POST"])
@bp.route("/ansokan/<ref>/hushall/<int:member_id>", methods=["GET", "POST"])
@applicant_required
def member_edit(ref: str, member_id: int | None = None):
    """Add a person to the household, or change one."""
    application, leave = _draft(ref)
    if leave:
        return leave
    member = applications.member_of(current_user, member_id) if member_id else None
    form = MemberForm(obj=member)
    if member is not None and request.method == "GET":
        form.role.data = str(member.role)
    if form.validate_on_submit():
        try:
            applications.save_member(
                application,
                current_user,
                applications.MemberInput(
                    form.role.data,
                    form.first_name.data,
                    form.personnummer.data,
                    form.at_school.data,
                    form.lunch_at_preschool.data,
                ),
                member=member,
                today=local_today(),
            )
        except DomainError as error:
            _member_error(form, error)
        else:
            target = url_for("portal.step_household", ref=ref)
            if request.args.get("granska") == "1":
                target = url_for("portal.step_household", ref=ref, granska=1)
            return redirect(target)
    return _step_page(
        "portal/steps/member.html",
        application,
        "household",
        400 if form.errors else 200,
        form=form,
        member=member,
    )


def _member_error(form, error: DomainError) -> None:
    if error.code == "invalid_personnummer":
        form.personnummer.errors.append(str(personnummer_message(error.message)))
        return
    field_name, message = MEMBER_ERRORS.get(error.code, ("role", ERROR_MESSAGES["bad_transition"]))
    form[field_name].errors.append(str(message))


@bp.post("/ansokan/<ref>/hushall/<int:member_id>/ta-bort")
@applicant_required
def member_remove(ref: str, member_id: int):
    """Remove a person from the household."""
    application, leave = _draft(ref)
    if leave:
        return leave
    if not ButtonForm().validate_on_submit():
        abort(400)
    applications.remove_member(application, current_user, member_id)
    flash(_("Personen är borttagen från hushållet."), "success")
    return redirect(url_for("portal.step_household", ref=ref))


def _lines_step(ref: str, step: str, form_class, category: ItemCategory, template: str):
    """Incomes, costs and assets: one amount per kind, saved as the application's lines."""
    application, leave = _draft(ref)
    if leave:
        return leave
    existing = applications.lines_by_kind(application, category)
    form = form_class()
    if request.method == "GET":
        for kind, item in existing.items():
            if kind in form:
                form[kind].data = item.amount_sek
                if f"{kind}_text" in form:
                    form[f"{kind}_text"].data = item.description
        if "housing" in form:
            form.housing.data = applications.housing_type(application)
            form.postcode.data = applications.home_postcode(application)
    if form.validate_on_submit():
        values = {
            kind: applications.LineInput(form[kind].data, _text_of(form, kind))
            for kind in form.kinds
        }
        if "housing" in form:
            applications.save_costs(application, form.housing.data, values, form.postcode.data)
        else:
            applications.save_lines(application, category, values)
        return _after_step(application, step)
    return _step_page(template, application, step, 400 if form.errors else 200, form=form)


def _text_of(form, kind: str) -> str:
    name = f"{kind}_text"
    return (form[name].data or "") if name in form else ""


@bp.route("/ansokan/<ref>/inkomster", methods=["GET", "POST"])
@applicant_required
def step_incomes(ref: str):
    """Step 2: incomes per month."""
    return _lines_step(ref, "incomes", IncomesForm, ItemCategory.INCOME, "portal/steps/lines.html")


@bp.route("/ansokan/<ref>/kostnader", methods=["GET", "POST"])
@applicant_required
def step_costs(ref: str):
    """Step 3: housing and other costs."""
    return _lines_step(ref, "costs", CostsForm, ItemCategory.COST, "portal/steps/lines.html")


@bp.route("/ansokan/<ref>/tillgangar", methods=["GET", "POST"])
@applicant_required
def step_assets(ref: str):
    """Step 4: assets."""
    return _lines_step(ref, "assets", AssetsForm, ItemCategory.ASSET, "portal/steps/lines.html")


@bp.route("/ansokan/<ref>/intyga", methods=["GET", "POST"])
@applicant_required
def step_declaration(ref: str):
    """Step 6: the truthfulness declaration."""
    application, leave = _draft(ref)
    if leave:
        return leave
    form = DeclarationForm()
    if request.method == "GET":
        form.accept.data = applications.declaration_accepted(application)
    if form.validate_on_submit():
        applications.save_declaration(application, form.accept.data)
        return _after_step(application, "declaration")
    return _step_page(
        "portal/steps/declaration.html",
        application,
        "declaration",
        400 if form.errors else 200,
        form=form,
    )


@bp.route("/ansokan/<ref>/granska", methods=["GET", "POST"])
@applicant_required
def step_review(ref: str):
    """Step 7: everything on one page, the preliminary estimate, and the submit button."""
    application, leave = _draft(ref)
    if leave:
        return leave
    form = ButtonForm()
    missing = applications.missing_steps(application)
    if form.validate_on_submit() and not missing:
        applications.submit(application, current_user)
        flash(
            _("Din ansökan för %(month)s är skickad.", month=_month_filter(application.month)),
            "success",
        )
        return redirect(url_for("portal.application_detail", ref=ref))
    return _step_page(
        "portal/steps/review.html",
        application,
        "review",
        400 if request.method == "POST" else 200,
        form=form,
        missing_steps=missing if request.method == "POST" else [],
        incomplete=missing,
        members=applications.household_members(current_user),
        outcome=applications.estimate_for(application, current_user),
        missing_documents=applications.missing_documents(application),
    )
