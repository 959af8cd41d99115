"""Administration pages: users and roles, units and intake, settings, the yearly norm.

Administrators only; each view is parse → check access → one service → render.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.administration import norms, settings, units, users
from admin.administration.forms import (
    ROLE_LABELS,
    ButtonForm,
    CheckinWindowForm,
    IntakeRuleForm,
    IntakeUnitForm,
    NormImportForm,
    NormYearForm,
    SettingsForm,
    UnitForm,
    UserForm,
    choices,
)
from portal import nav
from portal.access import staff_required
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import local_today
from portal.models import StaffRole

bp = Blueprint("administration", __name__, template_folder="templates")

ADMIN = StaffRole.ADMINISTRATOR
nav.register(str(ADMIN), "administration.index", _l("Administration"), order=5)

#: Each service error code as a sentence for the administrator.
MESSAGES = {
    "email_taken": _l("Det finns redan en användare med den e-postadressen."),
    "unit_required": _l("En handläggare måste höra till en enhet."),
    "sites_required": _l("En aktivitetsanordnare måste knytas till minst en plats."),
    "own_role": _l("Du kan inte ändra din egen roll. Be en annan administratör."),
    "own_account": _l("Det kan du inte göra med ditt eget konto. Be en annan administratör."),
    "last_admin": _l(
        "Kommunen måste ha minst en aktiv administratör. Utse en annan administratör först."
    ),
    "already_active": _l("Användaren är redan aktiv."),
    "unit_name_taken": _l("Det finns redan en enhet med det namnet."),
    "invalid_prefix": _l("Skriv 1–5 siffror."),
    "prefix_taken": _l("Det finns redan en regel för den början på postnumret."),
    "rule_not_found": _l("Regeln finns inte längre."),
    "unit_not_found": _l("Enheten finns inte."),
    "no_settings": _l("Kommunen saknar inställningar."),
    "no_change": _l("Inget är ändrat jämfört med vad som annars gäller från det datumet."),
    "not_first_of_month": _l("En ändring gäller från den första dagen i en månad."),
    "retroactive": _l(
        "En ändring kan inte gälla bakåt i tiden: välj den här månaden eller en senare."
    ),
    "invalid_setting": _l("Ett värde är inte tillåtet."),
    "norm_invalid": _l("Filen eller tabellen är inte en komplett riksnorm."),
}


def _message(error: DomainError) -> str:
    return str(MESSAGES.get(error.code, error.code))


def _user_or_404(user_id: int):
    user = users.get_user(current_user.municipality_id, user_id)
    if user is None:
        abort(404)
    return user


@bp.app_template_filter("role_label")
def _role_label(value) -> str:
    try:
        return str(ROLE_LABELS[StaffRole(value)])
    except ValueError:
        return str(value)


@bp.get("/")
@staff_required(ADMIN)
def index():
    """The administration's areas."""
    return render_template("administration/index.html")


# --- users -----------------------------------------------------------------------------------


@bp.get("/users")
@staff_required(ADMIN)
def user_list():
    """Every staff user with role, scope, second factor and last sign-in."""
    return render_template(
        "administration/users.html", users=users.list_users(current_user.municipality_id)
    )


def _user_form(form: UserForm) -> UserForm:
    municipality_id = current_user.municipality_id
    form.unit_id.choices = choices(
        [(0, _("Ingen enhet"))] + [(u.id, u.name) for u in units.list_units(municipality_id)]
    )
    form.site_ids.choices = choices(
        (site.id, site.name) for site, _staff in units.sites_with_staff(municipality_id)
    )
    return form


def _user_values(form: UserForm) -> dict:
    return {
        "email": form.email.data,
        "name": form.name.data,
        "role": StaffRole(form.role.data),
        "unit_id": form.unit_id.data or None,
        "site_ids": list(form.site_ids.data or []),
    }


def _field_for(code: str, form: UserForm):
    return {
        "email_taken": form.email,
        "unit_required": form.unit_id,
        "sites_required": form.site_ids,
        "own_role": form.role,
        "last_admin": form.role,
    }.get(code, form.name)


@bp.route("/users/new", methods=["GET", "POST"])
@staff_required(ADMIN)
def user_new():
    """Create a staff user; the one-time password is shown once, never sent or logged."""
    form = _user_form(UserForm())
    if form.validate_on_submit():
        try:
            user, password = users.create_user(current_user, **_user_values(form))
        except DomainError as error:
            _field_for(error.code, form).errors.append(_message(error))
        else:
            db.session.commit()
            return _password_page(user, password, created=True)
    return render_template("administration/user_form.html", form=form, user=None)


def _password_page(user, password: str, created: bool):
    response = make_response(
        render_template(
            "administration/user_password.html", user=user, password=password, created=created
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@staff_required(ADMIN)
def user_edit(user_id: int):
    """Change a user's name, e-mail, role, unit and sites."""
    user = _user_or_404(user_id)
    form = _user_form(UserForm(obj=user) if request.method == "GET" else UserForm())
    if request.method == "GET":
        form.role.data = str(user.role)
        form.unit_id.data = user.unit_id or 0
        form.site_ids.data = [s.id for s in user.sites]
    if form.validate_on_submit():
        try:
            users.update_user(current_user, user, **_user_values(form))
        except DomainError as error:
            db.session.rollback()
            _field_for(error.code, form).errors.append(_message(error))
        else:
            db.session.commit()
            flash(_("Ändringarna är sparade."), "success")
            return redirect(url_for("administration.user_edit", user_id=user.id))
    return render_template(
        "administration/user_form.html", form=form, user=user, button=ButtonForm()
    )


def _user_action(user_id: int, action, done: str | None = None):
    """Run one button's action on a user: the new one-time password's page when the action
    returns one, else back to the user with ``done`` (or the refusal) said."""
    user = _user_or_404(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        password = action(current_user, user)
    except DomainError as error:
        flash(_message(error), "error")
    else:
        db.session.commit()
        if password:
            return _password_page(user, password, created=False)
        flash(done, "success")
    return redirect(url_for("administration.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/deactivate")
@staff_required(ADMIN)
def user_deactivate(user_id: int):
    """Deactivate a user; their sessions end at once."""
    return _user_action(
        user_id, users.deactivate_user, _("Användaren är avaktiverad och utloggad överallt.")
    )


@bp.post("/users/<int:user_id>/reactivate")
@staff_required(ADMIN)
def user_reactivate(user_id: int):
    """Activate a user again with a new one-time password."""
    return _user_action(user_id, users.reactivate_user)


@bp.post("/users/<int:user_id>/reset-second-factor")
@staff_required(ADMIN)
def user_reset_second_factor(user_id: int):
    """Forget the user's authenticator; they enrol a new one at next sign-in."""
    return _user_action(
        user_id,
        users.reset_second_factor,
        _(
            "Tvåstegsverifieringen är återställd. "
            "Användaren registrerar en ny vid nästa inloggning."
        ),
    )


@bp.post("/users/<int:user_id>/reset-password")
@staff_required(ADMIN)
def user_reset_password(user_id: int):
    """Give the user a new one-time password (shown once)."""
    return _user_action(user_id, users.reset_password)


# --- units, intake and sites -----------------------------------------------------------------


def _units_page(unit_form=None, intake_form=None, rule_form=None, status=200):
    municipality_id = current_user.municipality_id
    unit_list = units.list_units(municipality_id)
    pairs = [(u.id, u.name) for u in unit_list]
    intake_form = intake_form or IntakeUnitForm()
    intake_form.unit_id.choices = choices([(0, _("Ingen förvald enhet"))] + pairs)
    settings_row = units.intake_settings(municipality_id)
    if request.method == "GET" and settings_row is not None:
        intake_form.unit_id.data = settings_row.intake_unit_id or 0
    rule_form = rule_form or IntakeRuleForm()
    rule_form.unit_id.choices = choices(pairs)
    return render_template(
        "administration/units.html",
        units=unit_list,
        counts=units.unit_counts(municipality_id),
        intake_unit_id=settings_row.intake_unit_id if settings_row else None,
        rules=units.intake_rules(municipality_id),
        sites=units.sites_with_staff(municipality_id),
        unit_form=unit_form or UnitForm(),
        rename_form=UnitForm(),
        intake_form=intake_form,
        rule_form=rule_form,
        button=ButtonForm(),
    ), status


@bp.get("/units")
@staff_required(ADMIN)
def unit_list():
    """Units with counts, the intake unit, postcode rules and the staff of each site."""
    return _units_page()


@bp.post("/units")
@staff_required(ADMIN)
def unit_create():
    """Add a unit."""
    form = UnitForm()
    if form.validate_on_submit():
        try:
            units.create_unit(current_user, form.name.data)
        except DomainError as error:
            form.name.errors.append(_message(error))
        else:
            db.session.commit()
            flash(_("Enheten är skapad."), "success")
            return redirect(url_for("administration.unit_list"))
    return _units_page(unit_form=form, status=400)


@bp.post("/units/<int:unit_id>")
@staff_required(ADMIN)
def unit_rename(unit_id: int):
    """Rename a unit."""
    unit = units.get_unit(current_user.municipality_id, unit_id)
    if unit is None:
        abort(404)
    form = UnitForm()
    if form.validate_on_submit():
        try:
            units.rename_unit(current_user, unit, form.name.data)
        except DomainError as error:
            flash(_message(error), "error")
        else:
            db.session.commit()
            flash(_("Enheten har fått nytt namn."), "success")
    else:
        flash(_("Skriv enhetens namn."), "error")
    return redirect(url_for("administration.unit_list"))


@bp.post("/units/intake")
@staff_required(ADMIN)
def intake_unit():
    """Choose the unit that takes new applications."""
    form = IntakeUnitForm()
    form.unit_id.choices = choices(
        [(0, "")] + [(u.id, u.name) for u in units.list_units(current_user.municipality_id)]
    )
    if not form.validate_on_submit():
        return _units_page(intake_form=form, status=400)
    unit = units.get_unit(current_user.municipality_id, form.unit_id.data or 0)
    try:
        units.set_intake_unit(current_user, unit)
    except DomainError as error:
        flash(_message(error), "error")
        return redirect(url_for("administration.unit_list"))
    db.session.commit()
    flash(_("Mottagande enhet är sparad."), "success")
    return redirect(url_for("administration.unit_list"))


@bp.post("/units/intake-rules")
@staff_required(ADMIN)
def intake_rule_add():
    """Send applicants of a postcode area to a unit."""
    form = IntakeRuleForm()
    form.unit_id.choices = choices(
        (u.id, u.name) for u in units.list_units(current_user.municipality_id)
    )
    if form.validate_on_submit():
        unit = units.get_unit(current_user.municipality_id, form.unit_id.data)
        try:
            if unit is None:
                raise DomainError("unit_not_found")
            units.add_intake_rule(current_user, form.postcode_prefix.data, unit)
        except DomainError as error:
            form.postcode_prefix.errors.append(_message(error))
        else:
            db.session.commit()
            flash(_("Regeln är sparad."), "success")
            return redirect(url_for("administration.unit_list"))
    return _units_page(rule_form=form, status=400)


@bp.post("/units/intake-rules/<int:rule_id>/delete")
@staff_required(ADMIN)
def intake_rule_delete(rule_id: int):
    """Remove a postcode rule."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        units.remove_intake_rule(current_user, rule_id)
    except DomainError:
        abort(404)
    db.session.commit()
    flash(_("Regeln är borttagen."), "success")
    return redirect(url_for("administration.unit_list"))


# --- municipality settings -------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@staff_required(ADMIN)
def settings_page():
    """The dated settings: change from a month, with the what-if before saving."""
    municipality_id = current_user.municipality_id
    today = local_today()
    current = settings.in_force(municipality_id, today)
    form = SettingsForm()
    if request.method == "GET":
        _show_in_force(form, current, today)
    preview = None
    if request.method == "POST" and form.validate_on_submit():
        values = {name: getattr(form, name).data for name in settings.DATED_FIELDS}
        values["extra_exemptions"] = list(form.extra_exemptions.data or [])
        try:
            if "save" in request.form:
                settings.save_version(
                    current_user, values, form.effective_from.data, form.note.data or ""
                )
                db.session.commit()
                flash(
                    _(
                        "Ändringen är sparad och gäller från %(day)s.",
                        day=form.effective_from.data.isoformat(),
                    ),
                    "success",
                )
                return redirect(url_for("administration.settings_page"))
            settings.check_effective_from(form.effective_from.data, today)
            preview = settings.what_if(municipality_id, values) or False
        except DomainError as error:
            db.session.rollback()
            target = (
                form.effective_from
                if error.code in ("not_first_of_month", "retroactive", "no_change")
                else getattr(form, error.message, form.full_time_hours_per_week)
            )
            target.errors.append(_message(error))
    return _settings_page(form, current, today, preview=preview)


def _show_in_force(form: SettingsForm, current, today) -> None:
    """The dated form filled with the settings in force, to change from next month."""
    for name in settings.DATED_FIELDS:
        getattr(form, name).data = getattr(current, name)
    form.missing_checkout.data = str(current.missing_checkout)
    form.extra_exemptions.data = list(current.extra_exemptions)
    form.effective_from.data = settings.next_month(today)


def _settings_page(form, current, today, *, preview=None, checkin_form=None, status=200):
    municipality_id = current_user.municipality_id
    if checkin_form is None:
        checkin_form = CheckinWindowForm(prefix="checkin")
        row = units.intake_settings(municipality_id)
        checkin_form.checkin_backdate_days.data = row.checkin_backdate_days if row else None
    return render_template(
        "administration/settings.html",
        form=form,
        checkin_form=checkin_form,
        current=current,
        history=settings.history(municipality_id),
        preview=preview,
        statuses=settings.STATUSES,
        today=today,
        missing_checkout_labels={c.value: c.label for c in form.missing_checkout.choices},
        exemption_labels={c.value: c.label for c in form.extra_exemptions.choices},
    ), status


@bp.post("/settings/checkin")
@staff_required(ADMIN)
def settings_checkin():
    """How many days back site staff may register afterwards (applies at once)."""
    checkin_form = CheckinWindowForm(prefix="checkin")
    if checkin_form.validate_on_submit():
        try:
            changed = settings.set_checkin_backdate_days(
                current_user, checkin_form.checkin_backdate_days.data
            )
        except DomainError as error:
            db.session.rollback()
            checkin_form.checkin_backdate_days.errors.append(_message(error))
        else:
            db.session.commit()
            if changed:
                flash(_("Inställningen för incheckning är sparad och gäller nu."), "success")
            else:
                flash(_("Inget ändrades: det var redan så."), "info")
            # To the top, where the confirmation is (the new value shows in the form and history).
            return redirect(url_for("administration.settings_page"))
    today = local_today()
    current = settings.in_force(current_user.municipality_id, today)
    form = SettingsForm(formdata=None)
    _show_in_force(form, current, today)
    return _settings_page(form, current, today, checkin_form=checkin_form, status=400)


# --- the national norm -----------------------------------------------------------------------


@bp.get("/norm")
@staff_required(ADMIN)
def norm_list():
    """The norm years entered, with their status."""
    return render_template(
        "administration/norm.html",
        years=norms.list_years(),
        import_form=NormImportForm(),
        new_form=NormYearForm(prefix="new"),
    )


@bp.route("/norm/<int:year>", methods=["GET", "POST"])
@staff_required(ADMIN)
def norm_edit(year: int):
    """Enter or check a year's figures, field by field."""
    if not 2000 <= year <= 2100:
        abort(404)
    row = norms.get_year(year)
    form = NormYearForm(obj=row) if request.method == "GET" and row else NormYearForm()
    if request.method == "GET":
        form.year.data = year
        if row is not None:
            form.official.data = row.status == "official"
    amounts = norms.amounts_of(row) if row else norms.amounts_of(norms.latest_before(year))
    errors: dict[str, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        amounts, errors = norms.parse_amount_fields(request.form)
        if not errors:
            norms.save_year(
                current_user,
                year,
                amounts,
                official=form.official.data,
                source_note=form.source_note.data or "",
            )
            db.session.commit()
            flash(_("Riksnormen för %(year)s är sparad.", year=year), "success")
            return redirect(url_for("administration.norm_list"))
    return render_template(
        "administration/norm_form.html",
        form=form,
        year=year,
        exists=row is not None,
        amounts=amounts,
        errors=errors,
        layout=norms.LAYOUT,
    ), (400 if errors else 200)


@bp.post("/norm/new")
@staff_required(ADMIN)
def norm_new():
    """Go to the form of the year typed in."""
    form = NormYearForm(prefix="new")
    if form.year.validate(form):
        return redirect(url_for("administration.norm_edit", year=form.year.data))
    flash(_("Skriv ett år mellan 2000 och 2100."), "error")
    return redirect(url_for("administration.norm_list"))


@bp.post("/norm/import")
@staff_required(ADMIN)
def norm_import():
    """Import a year's figures from a CSV or JSON file (validated whole, or not at all)."""
    form = NormImportForm()
    if form.validate_on_submit():
        try:
            amounts = norms.parse_file(form.file.data.filename or "", form.file.data.read())
        except DomainError as error:
            form.file.errors.append(error.message)
        else:
            norms.save_year(
                current_user,
                form.year.data,
                amounts,
                official=form.official.data,
                source_note=form.source_note.data or "",
            )
            db.session.commit()
            flash(_("Riksnormen för %(year)s är importerad.", year=form.year.data), "success")
            return redirect(url_for("administration.norm_edit", year=form.year.data))
    return render_template(
        "administration/norm.html",
        years=norms.list_years(),
        import_form=form,
        new_form=NormYearForm(prefix="new"),
    ), 400


@bp.get("/norm/<int:year>.json")
@staff_required(ADMIN)
def norm_export(year: int):
    """A year's figures as JSON (the import's format)."""
    row = norms.get_year(year)
    if row is None:
        abort(404)
    return norms.export(row)
