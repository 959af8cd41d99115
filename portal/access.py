"""The one place that decides who may see what. Every view goes through these checks.

Wrong role for a page → 403. A record outside the user's scope → 404, so that the
existence of other people's cases is not revealed (no IDOR).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from portal.extensions import db, login_manager
from portal.models import (
    Activity,
    Enrolment,
    Person,
    PlanItem,
    PlanVersion,
    Site,
    StaffRole,
    StaffUser,
)

#: Roles that handle individual cases.
CASE_ROLES = (StaffRole.CASEWORKER,)


def is_staff(user=None) -> bool:
    user = user or current_user
    return bool(user.is_authenticated and getattr(user, "is_staff", False))


def is_applicant(user=None) -> bool:
    user = user or current_user
    return bool(user.is_authenticated and isinstance(user, Person))


def staff_required(*roles: StaffRole) -> Callable:
    """Decorate a view: signed-in staff with one of ``roles`` (any staff role if none)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not is_staff() or (roles and current_user.role not in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def applicant_required(view):
    """Decorate a view: a signed-in applicant (staff are refused with 403)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if not is_applicant():
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def can_handle_case(user: StaffUser, person: Person) -> bool:
    """Caseworkers handle the cases of their own unit; nobody else sees case content."""
    return (
        user.role == StaffRole.CASEWORKER
        and user.unit_id is not None
        and person.unit_id == user.unit_id
    )


def case_person_or_404(public_ref: str) -> Person:
    """Load a person for casework by public reference, or 404 if outside the user's unit."""
    person = db.session.scalar(sa.select(Person).where(Person.public_ref == public_ref))
    if person is None or not can_handle_case(current_user, person):
        abort(404)
    return person


def staff_site_ids(user: StaffUser) -> set[int]:
    """The sites a member of staff works at (site staff: their scope; others: none)."""
    if user.role == StaffRole.SITE_STAFF:
        return {site.id for site in user.sites}
    return set()


def site_or_404(public_ref: str) -> Site:
    """Load a site the current site staff member is scoped to, or 404."""
    site = db.session.scalar(sa.select(Site).where(Site.public_ref == public_ref))
    if site is None:
        abort(404)
    if current_user.role == StaffRole.ADMINISTRATOR:
        return site
    if site.id not in staff_site_ids(current_user):
        abort(404)
    return site


def person_at_sites(person_id: int, site_ids: set[int]) -> bool:
    """Whether a person is enrolled or planned at one of the given sites (site staff scope)."""
    if not site_ids:
        return False
    enrolled = (
        sa.select(Enrolment.id)
        .join(Activity)
        .where(Enrolment.person_id == person_id, Activity.site_id.in_(site_ids))
    )
    planned = (
        sa.select(PlanItem.id)
        .join(PlanVersion)
        .join(Activity, PlanItem.activity_id == Activity.id)
        .where(PlanVersion.person_id == person_id, Activity.site_id.in_(site_ids))
    )
    return bool(
        db.session.scalar(sa.select(sa.exists(enrolled)))
        or db.session.scalar(sa.select(sa.exists(planned)))
    )
