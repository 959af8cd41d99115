"""The plan builder (A4): a caseworker builds a versioned plan for a person of their unit.

Every page reads a person's case and is audited; saving is audited as a change.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.af import services as af
from admin.catalogue import services as catalogue
from admin.catalogue.forms import ACTIVITY_TYPE_LABELS
from admin.plans import services
from admin.plans.forms import PlanForm
from portal import audit, nav
from portal.access import case_person_or_404, staff_required
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import local_today
from portal.models import ActivityType, EnrolmentStatus, StaffRole
from portal.request_guard import page_number

bp = Blueprint("plans", __name__, template_folder="templates")

CASEWORKER = StaffRole.CASEWORKER
PER_PAGE = 50

nav.register(str(CASEWORKER), "plans.index", _l("Planer"))


@bp.get("/")
@staff_required(CASEWORKER)
def index():
    """The unit's people with their newest plan version and follow-up date."""
    page = page_number()
    rows, total = services.unit_people_with_plans(current_user.unit_id, page, PER_PAGE)
    for person, _version in rows:
        audit.record("read", "plan", person=person)
    return render_template(
        "plans/index.html",
        rows=rows,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        today=local_today(),
    )


@bp.get("/people/<ref>")
@staff_required(CASEWORKER)
def person(ref: str):
    """A person's current plan and the history of its versions."""
    who = case_person_or_404(ref)
    versions = services.versions(who)
    audit.record("read", "plan", person=who)
    current = versions[0] if versions else None
    return render_template(
        "plans/person.html",
        person=who,
        current=current,
        items=services.draft_from_version(current, None) if current else [],
        versions=versions,
    )


@bp.get("/people/<ref>/versions/<int:number>")
@staff_required(CASEWORKER)
def version(ref: str, number: int):
    """One version of a person's plan, as it was saved."""
    who = case_person_or_404(ref)
    found = services.get_version(who, number)
    if found is None:
        abort(404)
    audit.record("read", "plan", person=who, object_ref=f"v{number}")
    return render_template(
        "plans/version.html",
        person=who,
        version=found,
        items=services.draft_from_version(found, None),
    )


@bp.route("/people/<ref>/build", methods=["GET", "POST"])
@staff_required(CASEWORKER)
def build(ref: str):
    """Build the next version: add and remove activities, see the totals, then save."""
    who = case_person_or_404(ref)
    today = local_today()
    form = PlanForm()
    current = services.current_version(who)
    if request.method == "GET":
        valid_from = max(today, current.valid_from) if current else today
        form.valid_from.data = valid_from
        if current is not None:
            form.purpose.data = current.purpose
        items = services.draft_from_version(current, valid_from)
        outcome = _Outcome()
    else:
        valid_from = services.calculation_start(form.valid_from.data, today)
        items = services.parse_draft(request.form.getlist("item"), who.municipality_id)
        outcome = _apply(request.form.get("action", ""), who, items, form, today)
        if outcome.redirect:
            return redirect(outcome.redirect)
        items = outcome.items
    audit.record("read", "plan", person=who)
    return _render_builder(who, items, form, valid_from, today, current, outcome)


class _Outcome:
    """What an action did: the new draft, a message for the user, or where to go next."""

    def __init__(self, items=None, message=None, category="success", anchor=None):
        self.items = items
        self.message = message
        self.category = category
        self.anchor = anchor
        self.redirect = None


def _apply(action: str, who, items, form: PlanForm, today) -> _Outcome:
    """Carry out one button of the builder."""
    verb, _sep, ref = action.partition(":")
    if verb == "save":
        return _save(who, items, form, today)
    if verb == "remove":
        return _Outcome(services.remove_item(items, ref), anchor="plan-items")
    if verb not in ("add", "queue"):
        return _Outcome(items)
    activity = catalogue.get_activity(who.municipality_id, ref)
    if activity is None:
        abort(404)
    try:
        if verb == "add":
            chosen = request.form.getlist(f"sessions-{ref}", type=int)
            items = services.add_item(items, activity, chosen, who)
            return _Outcome(
                items, _("%(name)s är tillagd i planen.", name=activity.name), anchor="totals"
            )
        enrolment = services.queue_for(who, activity, today)
    except DomainError as e:
        # A refusal shown on the page, not a failed request: the audit row of this read stays.
        return _Outcome(items, e.message, "error", anchor=f"act-{ref}")
    audit.record("create", "enrolment", person=who, object_ref=activity.public_ref)
    if enrolment.status == EnrolmentStatus.WAITING:
        text = _(
            "%(name)s står nu i kö till %(activity)s.", name=who.full_name, activity=activity.name
        )
    else:
        text = _(
            "En plats blev ledig: %(name)s har fått plats på %(activity)s.",
            name=who.full_name,
            activity=activity.name,
        )
    return _Outcome(items, text, anchor=f"act-{ref}")


def _save(who, items, form: PlanForm, today) -> _Outcome:
    if not form.validate_on_submit():
        return _Outcome(items)
    data = services.PlanInput(
        valid_from=form.valid_from.data,
        follow_up_date=form.follow_up_date.data,
        purpose=form.purpose.data,
        note=form.note.data or "",
        accept_under_planned=form.accept_under_planned.data,
    )
    try:
        saved = services.save_plan(who, items, data, actor_id=current_user.id, today=today)
    except DomainError as e:
        # Nothing half-written: drop whatever the service flushed before it refused.
        db.session.rollback()
        field = {
            "valid_from_past": form.valid_from,
            "valid_from_far": form.valid_from,
            "before_previous": form.valid_from,
            "follow_up_too_early": form.follow_up_date,
            "purpose_missing": form.purpose,
            "text_too_long": form.purpose,
            "under_planned": form.accept_under_planned,
        }.get(e.code)
        if field is None:
            return _Outcome(items, e.message, "error")
        field.errors.append(e.message)
        return _Outcome(items)
    audit.record("create", "plan", person=who, object_ref=f"v{saved.version}")
    flash(_("Version %(n)d av planen är sparad.", n=saved.version), "success")
    outcome = _Outcome(items)
    outcome.redirect = url_for("plans.person", ref=who.public_ref)
    return outcome


def _type_filter():
    try:
        return ActivityType(request.form.get("type", "")) if request.form.get("type") else None
    except ValueError:
        return None


def _render_builder(who, items, form, valid_from, today, current, outcome: _Outcome):
    check = services.check_plan(who, items, valid_from, today)
    type_filter = _type_filter()
    offered = services.catalogue_for_builder(who.municipality_id, valid_from, type_filter)
    enrolments = {e.activity_id: e for e in catalogue.person_enrolments(who)}
    queue = {
        activity_id: catalogue.queue_position(e)
        for activity_id, e in enrolments.items()
        if e.status == EnrolmentStatus.WAITING
    }
    return render_template(
        "plans/build.html",
        person=who,
        form=form,
        items=items,
        check=check,
        current=current,
        offered=offered,
        occupancy=catalogue.occupancy(a.id for a in offered),
        in_plan={item.activity.id for item in items},
        enrolled={a for a, e in enrolments.items() if e.status == EnrolmentStatus.ENROLLED},
        queue=queue,
        type_filter=type_filter,
        type_labels=ACTIVITY_TYPE_LABELS,
        outcome=outcome,
        today=today,
        af_plan=af.action_plan(who),
        af_activities=[
            row
            for row in af.af_activities(who)
            if row.to_date is None or row.to_date >= check.valid_from
        ],
    )
