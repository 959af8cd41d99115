"""The activity catalogue (A3): administrators manage sites, activities and sessions;
caseworkers browse it read-only and enrol their unit's people.

Enrolment lists name people only to caseworkers of the person's unit; administrators see
counts, never names (no case content).
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from admin.catalogue import services
from admin.catalogue.forms import (
    ACTIVITY_TYPE_LABELS,
    WEEKDAY_LABELS,
    ActivityForm,
    EndEnrolmentForm,
    EndSessionForm,
    EnrolForm,
    SessionForm,
    SiteForm,
)
from portal import audit, nav
from portal.access import (
    can_edit_catalogue,
    can_handle_case,
    case_person_or_404,
    enrols_people,
    staff_required,
)
from portal.errors import DomainError
from portal.i18n import local_today
from portal.models import ActivityType, EnrolmentStatus, StaffRole

bp = Blueprint("catalogue", __name__, template_folder="templates")

ADMIN = StaffRole.ADMINISTRATOR
CASEWORKER = StaffRole.CASEWORKER

nav.register(str(ADMIN), "catalogue.index", _l("Aktivitetskatalog"))
nav.register(str(CASEWORKER), "catalogue.index", _l("Aktivitetskatalog"))


@bp.app_template_filter("activity_type")
def _activity_type_label(value) -> str:
    """The Swedish (translated) label of an activity type."""
    try:
        return str(ACTIVITY_TYPE_LABELS[ActivityType(value)])
    except ValueError:
        return str(value)


@bp.app_template_filter("weekday_name")
def _weekday_label(value: int) -> str:
    """The name of an ISO weekday 1–5."""
    return str(WEEKDAY_LABELS.get(int(value), value))


def _locale() -> str:
    return str(get_locale() or "sv")


def _site_or_404(ref: str):
    site = services.get_site(current_user.municipality_id, ref)
    if site is None:
        abort(404)
    return site


def _activity_or_404(ref: str):
    activity = services.get_activity(current_user.municipality_id, ref)
    if activity is None:
        abort(404)
    return activity


def _parse_date(value: str | None, default: date) -> date:
    """A date from the query string, or default when it is missing, invalid or absurd."""
    try:
        parsed = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    # Browsing the calendar further than a few years either way is a typing error.
    return parsed if abs((parsed - default).days) <= 5 * 366 else default


# --------------------------------------------------------------------------------------------
# Browsing (administrators and caseworkers)


@bp.get("/")
@staff_required(ADMIN, CASEWORKER)
def index():
    """All activities with their occupancy, filterable by type and site."""
    try:
        chosen_type = (
            ActivityType(request.args.get("type", "")) if request.args.get("type") else None
        )
    except ValueError:
        chosen_type = None
    sites = services.list_sites(current_user.municipality_id)
    site = next((s for s in sites if s.public_ref == request.args.get("site")), None)
    activities = services.list_activities(
        current_user.municipality_id, type=chosen_type, site_id=site.id if site else None
    )
    return render_template(
        "catalogue/index.html",
        activities=activities,
        occupancy=services.occupancy(a.id for a in activities),
        sites=sites,
        chosen_type=chosen_type,
        chosen_site=site,
        type_labels=ACTIVITY_TYPE_LABELS,
        today=local_today(),
        can_edit=can_edit_catalogue(current_user),
    )


@bp.get("/sites")
@staff_required(ADMIN, CASEWORKER)
def sites():
    """Sites with address, coordinates and opening hours."""
    return render_template(
        "catalogue/sites.html",
        sites=services.list_sites(current_user.municipality_id),
        can_edit=can_edit_catalogue(current_user),
    )


@bp.get("/activities/<ref>")
@staff_required(ADMIN, CASEWORKER)
def activity(ref: str):
    """An activity: details, sessions, the coming weeks' calendar, occupancy and enrolments."""
    act = _activity_or_404(ref)
    return _render_activity(act)


def _render_activity(act, session_form=None, enrol_form=None):
    today = local_today()
    start = _parse_date(request.args.get("from"), today)
    weeks = services.session_calendar([act], start, 4, _locale())
    enrolments = services.active_enrolments(act)
    own, others = [], {EnrolmentStatus.ENROLLED: 0, EnrolmentStatus.WAITING: 0}
    for e in enrolments:
        # Names only to the caseworkers of the person's unit; everyone else gets counts.
        if can_handle_case(current_user, e.person):
            own.append((e, services.queue_position(e)))
        else:
            others[e.status] += 1
    for e, _position in own:
        audit.record("read", "enrolment", person=e.person, object_ref=act.public_ref)
    if enrols_people(current_user) and enrol_form is None:
        enrol_form = _enrol_form(today)
    return render_template(
        "catalogue/activity.html",
        activity=act,
        occupancy=services.occupancy([act.id])[act.id],
        weeks=weeks,
        previous_from=weeks[0].monday - timedelta(weeks=4),
        next_from=weeks[0].monday + timedelta(weeks=4),
        own=own,
        others=others,
        session_form=session_form or (SessionForm() if can_edit_catalogue(current_user) else None),
        end_session_form=EndSessionForm(),
        enrol_form=enrol_form,
        end_enrolment_form=EndEnrolmentForm(),
        can_edit=can_edit_catalogue(current_user),
        today=today,
    )


def _enrol_form(today: date, formdata=None) -> EnrolForm:
    form = EnrolForm(formdata=formdata) if formdata is not None else EnrolForm()
    form.person.choices = [SelectChoice("", _("Välj person"))] + [
        SelectChoice(p.public_ref, f"{p.last_name}, {p.first_name}")
        for p in services.unit_people(current_user.unit_id)
    ]
    if formdata is None:
        form.from_date.data = today
    return form


# --------------------------------------------------------------------------------------------
# Sites (administrators)


def _site_data(form: SiteForm) -> services.SiteData:
    return services.SiteData(
        name=form.name.data,
        address=form.address.data or "",
        postal_code=form.postal_code.data or "",
        city=form.city.data or "",
        latitude=float(form.latitude.data) if form.latitude.data is not None else None,
        longitude=float(form.longitude.data) if form.longitude.data is not None else None,
        opening_hours=form.opening_hours.data or "",
        provider=form.provider.data or "",
        active=form.active.data,
    )


@bp.route("/sites/new", methods=["GET", "POST"])
@staff_required(ADMIN)
def new_site():
    """Create a site; it gets a fresh random key for its check-in code."""
    form = SiteForm()
    if form.validate_on_submit():
        try:
            site = services.create_site(current_user.municipality_id, _site_data(form))
        except DomainError as e:
            form.latitude.errors.append(e.message)
        else:
            flash(_("Platsen %(name)s är sparad.", name=site.name), "success")
            return redirect(url_for("catalogue.sites"))
    return render_template("catalogue/site_form.html", form=form, site=None)


@bp.route("/sites/<ref>/edit", methods=["GET", "POST"])
@staff_required(ADMIN)
def edit_site(ref: str):
    """Change a site's address, coordinates or opening hours."""
    site = _site_or_404(ref)
    form = SiteForm(obj=site)
    if form.validate_on_submit():
        try:
            services.update_site(site, _site_data(form))
        except DomainError as e:
            form.latitude.errors.append(e.message)
        else:
            flash(_("Platsen %(name)s är sparad.", name=site.name), "success")
            return redirect(url_for("catalogue.sites"))
    return render_template("catalogue/site_form.html", form=form, site=site)


# --------------------------------------------------------------------------------------------
# Activities and sessions (administrators)


def _activity_form(obj=None) -> ActivityForm:
    form = ActivityForm(obj=obj)
    form.site.choices = [SelectChoice("", _("Välj plats"))] + [
        SelectChoice(s.public_ref, s.name)
        for s in services.list_sites(current_user.municipality_id)
        if s.active
    ]
    if obj is not None and request.method == "GET":
        form.site.data = obj.site.public_ref
        form.type.data = obj.type.value
    return form


def _activity_data(form: ActivityForm) -> services.ActivityData:
    return services.ActivityData(
        site=_site_or_404(form.site.data),
        name=form.name.data,
        type=ActivityType(form.type.data),
        from_date=form.from_date.data,
        to_date=form.to_date.data,
        capacity=form.capacity.data,
        description=form.description.data or "",
        what_to_bring=form.what_to_bring.data or "",
        active=form.active.data,
        open_on_holidays=form.open_on_holidays.data,
    )


@bp.route("/activities/new", methods=["GET", "POST"])
@staff_required(ADMIN)
def new_activity():
    """Create an activity; sessions are added on its page."""
    form = _activity_form()
    if request.method == "GET":
        form.from_date.data = local_today()
    if form.validate_on_submit():
        try:
            act = services.create_activity(_activity_data(form))
        except DomainError as e:
            form.to_date.errors.append(e.message)
        else:
            flash(_("Aktiviteten är sparad. Lägg till veckans pass nedan."), "success")
            return redirect(url_for("catalogue.activity", ref=act.public_ref))
    return render_template("catalogue/activity_form.html", form=form, activity=None)


@bp.route("/activities/<ref>/edit", methods=["GET", "POST"])
@staff_required(ADMIN)
def edit_activity(ref: str):
    """Change an activity's details, dates or capacity."""
    act = _activity_or_404(ref)
    form = _activity_form(act)
    if form.validate_on_submit():
        try:
            promoted = services.update_activity(act, _activity_data(form), local_today())
        except DomainError as e:
            target = form.capacity if e.code.startswith("capacity") else form.to_date
            target.errors.append(e.message)
        else:
            flash(_("Aktiviteten är sparad."), "success")
            if promoted:
                flash(
                    _("%(n)d personer i kön fick en plats.", n=len(promoted)),
                    "success",
                )
            return redirect(url_for("catalogue.activity", ref=act.public_ref))
    return render_template("catalogue/activity_form.html", form=form, activity=act)


@bp.post("/activities/<ref>/sessions")
@staff_required(ADMIN)
def add_session(ref: str):
    """Add a weekly session to an activity."""
    act = _activity_or_404(ref)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            services.add_session(
                act,
                weekday=int(form.weekday.data),
                start_time=form.start_time.data,
                end_time=form.end_time.data,
                valid_from=form.valid_from.data,
                valid_to=form.valid_to.data,
            )
        except DomainError as e:
            field = {"times_reversed": form.end_time, "session_overlap": form.start_time}.get(
                e.code, form.valid_from
            )
            field.errors.append(e.message)
        else:
            flash(_("Passet är tillagt."), "success")
            return redirect(url_for("catalogue.activity", ref=act.public_ref) + "#sessions")
    return _render_activity(act, session_form=form)


@bp.post("/activities/<ref>/sessions/<int:session_id>/end")
@staff_required(ADMIN)
def end_session(ref: str, session_id: int):
    """Stop a session from today on (a session that has not started is removed)."""
    act = _activity_or_404(ref)
    session = next((s for s in act.sessions if s.id == session_id), None)
    if session is None:
        abort(404)
    if not EndSessionForm().validate_on_submit():
        abort(400)
    outcome = services.end_session(act, session, local_today())
    flash(
        _("Passet är borttaget.") if outcome == "deleted" else _("Passet är avslutat från i dag."),
        "success",
    )
    return redirect(url_for("catalogue.activity", ref=act.public_ref) + "#sessions")


# --------------------------------------------------------------------------------------------
# Enrolments (caseworkers, for their unit's people)


@bp.post("/activities/<ref>/enrol")
@staff_required(CASEWORKER)
def enrol(ref: str):
    """Give a person of the caseworker's unit a place, or a place in the queue."""
    act = _activity_or_404(ref)
    today = local_today()
    form = _enrol_form(today, formdata=request.form)
    if form.validate_on_submit():
        person = case_person_or_404(form.person.data)
        try:
            enrolment = services.enrol(person, act, form.from_date.data, today)
        except DomainError as e:
            form.from_date.errors.append(e.message)
        else:
            audit.record("create", "enrolment", person=person, object_ref=act.public_ref)
            if enrolment.status == EnrolmentStatus.WAITING:
                flash(
                    _("Aktiviteten är full. %(name)s står nu i kö.", name=person.full_name),
                    "warning",
                )
            else:
                flash(_("%(name)s har fått en plats.", name=person.full_name), "success")
            return redirect(url_for("catalogue.activity", ref=act.public_ref) + "#enrolments")
    return _render_activity(act, enrol_form=form)


@bp.post("/activities/<ref>/people/<person_ref>/end")
@staff_required(CASEWORKER)
def end_enrolment(ref: str, person_ref: str):
    """End a person's place (the first in the queue gets it), or take them out of the queue."""
    act = _activity_or_404(ref)
    person = case_person_or_404(person_ref)
    enrolment = services.current_enrolment(person, act)
    if enrolment is None:
        abort(404)
    if not EndEnrolmentForm().validate_on_submit():
        abort(400)
    promoted = services.end_enrolment(enrolment, local_today())
    audit.record("update", "enrolment", person=person, object_ref=act.public_ref)
    flash(_("Platsen för %(name)s är avslutad.", name=person.full_name), "success")
    if promoted is not None:
        flash(_("Platsen gick till den som stod först i kön."), "success")
    return redirect(url_for("catalogue.activity", ref=act.public_ref) + "#enrolments")
