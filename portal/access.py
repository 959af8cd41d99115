"""The one place that decides who may see what. Every view goes through these checks.

Wrong role for a page → 403. A record outside the user's scope → 404, so that the
existence of other people's cases is not revealed (no IDOR).

Every view declares its rule here: ``staff_required`` and ``applicant_required`` record
theirs on the view function as they wrap it, and open endpoints say so with ``public`` or
``device_token``. ``rule_of(view)`` reads the declaration; tests/test_access_matrix.py walks
the URL map and refuses any endpoint without one, so a new route cannot ship undeclared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

import sqlalchemy as sa
from flask import abort
from flask_login import current_user

from portal.extensions import db, login_manager
from portal.models import (
    Person,
    Site,
    StaffRole,
    StaffUser,
)

#: Roles that handle individual cases.
CASE_ROLES = (StaffRole.CASEWORKER,)

#: The attribute a view function's declared rule is stored in (copied by functools.wraps).
RULE_ATTRIBUTE = "access_rule"


@dataclass(frozen=True)
class AccessRule:
    """Who may call an endpoint.

    ``kind``: 'public' (anyone, signed in or not), 'device_token' (a site device's bearer
    token, checked by the device API), 'applicant' (a signed-in applicant, staff get 403) or
    'staff' (signed-in staff with one of ``roles``; any staff role if empty).
    ``note`` says why an open endpoint is open.
    """

    kind: str
    roles: tuple[StaffRole, ...] = ()
    note: str = ""

    def allows_role(self, role: StaffRole) -> bool:
        """Whether a member of staff with ``role`` passes the role check."""
        return self.kind == "staff" and (not self.roles or role in self.roles)


def declare(view: Callable, rule: AccessRule) -> Callable:
    """Record ``rule`` on a view function and return it."""
    setattr(view, RULE_ATTRIBUTE, rule)
    return view


def rule_of(view: Callable | None) -> AccessRule | None:
    """The rule a view function declares (through any functools.wraps wrappers), or None."""
    while view is not None:
        rule = getattr(view, RULE_ATTRIBUTE, None)
        if isinstance(rule, AccessRule):
            return rule
        view = getattr(view, "__wrapped__", None)
    return None


def endpoint_rule(app, endpoint: str) -> AccessRule | None:
    """The rule of an endpoint of ``app``: its view's declaration; static files are public."""
    if endpoint == "static" or endpoint.endswith(".static"):
        return AccessRule("public", note="static files")
    return rule_of(app.view_functions.get(endpoint))


def public(note: str) -> Callable:
    """Declare a view open to everyone; ``note`` says why (sign-in pages, health check …)."""

    def decorator(view):
        return declare(view, AccessRule("public", note=note))

    return decorator


def device_token(view: Callable) -> Callable:
    """Declare a device-API view that authenticates a site device's bearer token itself."""
    return declare(view, AccessRule("device_token", note="bearer device token"))


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

        return declare(wrapped, AccessRule("staff", tuple(roles)))

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

    return declare(wrapped, AccessRule("applicant"))


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


# --- Scoped queries: the conditions services filter people by -------------------------------


def case_scope(user: StaffUser) -> sa.ColumnElement[bool]:
    """The people whose cases ``user`` handles, as a condition on Person: a caseworker's own
    unit; nobody for anyone else (nor for a caseworker without a unit)."""
    if user.role == StaffRole.CASEWORKER and user.unit_id is not None:
        return Person.unit_id == user.unit_id
    return sa.false()


def reconciliation_scope(user: StaffUser) -> sa.ColumnElement[bool]:
    """The people whose reconciliation results ``user`` may count: a caseworker's unit, an
    auditor's municipality. Raises DomainError('no_unit' or 'forbidden', 403) otherwise."""
    from portal.errors import DomainError

    if user.role == StaffRole.CASEWORKER:
        if user.unit_id is None:
            raise DomainError("no_unit", "the caseworker belongs to no unit", status=403)
        return Person.unit_id == user.unit_id
    if user.role == StaffRole.AUDITOR:
        return Person.municipality_id == user.municipality_id
    raise DomainError("forbidden", "no access to reconciliation", status=403)


def sees_names(user: StaffUser) -> bool:
    """Whether ``user`` sees who is behind a figure (caseworkers), not only counts (auditors)."""
    return user.role == StaffRole.CASEWORKER


def can_edit_catalogue(user: StaffUser) -> bool:
    """Administrators edit sites, activities and sessions; others read the catalogue."""
    return user.role == StaffRole.ADMINISTRATOR


def enrols_people(user: StaffUser) -> bool:
    """Caseworkers enrol the people of their unit in activities."""
    return user.role == StaffRole.CASEWORKER
