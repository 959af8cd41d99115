"""The applicant's plan (P4): the plan in force with the week's schedule and hours, its
versions, and acknowledging that one has read a version."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import applicant_required
from portal.blueprint import bp, page_labels
from portal.forms import ButtonForm
from portal.i18n import local_today
from portal.services import plans


def _week_arg() -> date | None:
    """The Monday of the week asked for with ?vecka=YYYY-Www, else None."""
    raw = request.args.get("vecka", "")
    if not raw:
        return None
    try:
        year, week = raw.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        abort(404)


def _iso_week(monday: date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year:04d}-W{week:02d}"


@bp.get("/plan")
@applicant_required
def plan():
    """The plan in force, this week's schedule and the hours explained."""
    today = local_today()
    language = str(get_locale() or "sv")
    this_monday = plans.week_of(today)
    monday = _week_arg()
    schedule = plans.week_schedule(current_user, monday or this_monday, language)
    if monday is None:
        monday = this_monday
        if today.weekday() >= 5 and not any(d.entries for d in schedule if d.day >= today):
            # A weekend with nothing left this week: the week ahead is what a person plans by.
            monday += timedelta(days=7)
            schedule = plans.week_schedule(current_user, monday, language)
    current = plans.current_plan(current_user, today)
    return render_template(
        "portal/plan.html",
        plan=current,
        monday=monday,
        this_monday=this_monday,
        this_week=_iso_week(this_monday),
        next_monday=this_monday + timedelta(days=7),
        week_label=_iso_week(monday),
        previous_week=_iso_week(monday - timedelta(days=7)),
        next_week=_iso_week(monday + timedelta(days=7)),
        schedule=schedule,
        hours=plans.weekly_hours(current_user, current, today),
        today=today,
        ack_form=ButtonForm(),
        map_link=plans.map_link,
        has_versions=bool(current) and len(plans.versions_of(current_user)) > 1,
        **page_labels(),
    )


@bp.get("/plan/versioner")
@applicant_required
def plan_versions():
    """Every version of the plan, newest first."""
    return render_template(
        "portal/plan_versions.html",
        versions=plans.versions_of(current_user),
        current=plans.current_plan(current_user, local_today()),
    )


@bp.get("/plan/version/<int:number>")
@applicant_required
def plan_version(number: int):
    """One version of the plan, as it was written."""
    version = plans.version_of(current_user, number)
    return render_template(
        "portal/plan_version.html",
        version=version,
        ack_form=ButtonForm(),
        map_link=plans.map_link,
        **page_labels(),
    )


@bp.post("/plan/version/<int:number>/bekrafta")
@applicant_required
def plan_acknowledge(number: int):
    """Record that the person has read a plan version."""
    version = plans.version_of(current_user, number)
    if not ButtonForm().validate_on_submit():
        abort(400)
    plans.acknowledge(current_user, version)
    flash(_("Tack! Du har bekräftat att du har läst planen."), "success")
    target = request.form.get("next", "")
    if target == "version":
        return redirect(url_for("portal.plan_version", number=number))
    return redirect(url_for("portal.plan"))
