"""The steps of a draft application: household and its members, incomes, costs, assets, the
declaration, and the review that submits it. Step 5, documents, is in ``attachment_routes.py``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import applicant_required
from portal.blueprint import ERROR_MESSAGES, after_step, bp, draft_of, step_page
from portal.errors import DomainError
from portal.forms import (
    MEMBER_ERRORS,
    AssetsForm,
    ButtonForm,
    CostsForm,
    DeclarationForm,
    IncomesForm,
    MemberForm,
    personnummer_message,
)
from portal.i18n import local_today
from portal.models import ItemCategory
from portal.services import applications
from portal.template_filters import month_name


@bp.route("/ansokan/<ref>/hushall", methods=["GET", "POST"])
@applicant_required
def step_household(ref: str):
    """Step 1: who lives with the applicant."""
    application, leave = draft_of(ref)
    if leave:
        return leave
    form = ButtonForm()
    if form.validate_on_submit():
        applications.mark_step_done(application, "household")
        return after_step(application, "household")
    return step_page(
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
    application, leave = draft_of(ref)
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
    return step_page(
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
    application, leave = draft_of(ref)
    if leave:
        return leave
    if not ButtonForm().validate_on_submit():
        abort(400)
    applications.remove_member(application, current_user, member_id)
    flash(_("Personen är borttagen från hushållet."), "success")
    return redirect(url_for("portal.step_household", ref=ref))


def _lines_step(ref: str, step: str, form_class, category: ItemCategory, template: str):
    """Incomes, costs and assets: one amount per kind, saved as the application's lines."""
    application, leave = draft_of(ref)
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
        return after_step(application, step)
    return step_page(template, application, step, 400 if form.errors else 200, form=form)


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
    application, leave = draft_of(ref)
    if leave:
        return leave
    form = DeclarationForm()
    if request.method == "GET":
        form.accept.data = applications.declaration_accepted(application)
    if form.validate_on_submit():
        applications.save_declaration(application, form.accept.data)
        return after_step(application, "declaration")
    return step_page(
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
    application, leave = draft_of(ref)
    if leave:
        return leave
    form = ButtonForm()
    missing = applications.missing_steps(application)
    if form.validate_on_submit() and not missing:
        applications.submit(application, current_user)
        flash(
            _("Din ansökan för %(month)s är skickad.", month=month_name(application.month)),
            "success",
        )
        return redirect(url_for("portal.application_detail", ref=ref))
    return step_page(
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
