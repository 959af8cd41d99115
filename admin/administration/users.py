"""Staff users and roles: create, edit, deactivate, reset the second factor (all audited).

Rules that hold whoever asks: the municipality always keeps an active administrator, and no
administrator changes their own role or deactivates themselves. Deactivating a user, resetting
their second factor or password raises their session version, which ends every session they
have at once (portal.auth.services.load_user refuses the older version).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from portal import audit
from portal.auth.services import hash_password
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Site, StaffRole, StaffUser, Unit

#: Length of a generated one-time password (letters and digits, ~95 bits).
PASSWORD_LENGTH = 16
_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def list_users(municipality_id: int) -> list[StaffUser]:
    """The municipality's staff users, active first, by name."""
    return list(
        db.session.scalars(
            sa.select(StaffUser)
            .where(StaffUser.municipality_id == municipality_id)
            .order_by(StaffUser.active.desc(), StaffUser.name, StaffUser.id)
        )
    )


def get_user(municipality_id: int, user_id: int) -> StaffUser | None:
    """A staff user of the municipality, or None."""
    user = db.session.get(StaffUser, user_id)
    return user if user is not None and user.municipality_id == municipality_id else None


def new_password() -> str:
    """A random one-time password to hand to the user."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _active_admins(municipality_id: int) -> int:
    """How many active administrators there are, their rows locked until the transaction ends
    (two administrators demoting each other at once cannot leave none)."""
    return len(
        db.session.scalars(
            sa.select(StaffUser.id)
            .where(
                StaffUser.municipality_id == municipality_id,
                StaffUser.role == StaffRole.ADMINISTRATOR,
                StaffUser.active.is_(True),
            )
            .with_for_update()
        ).all()
    )


def _is_last_admin(user: StaffUser) -> bool:
    return (
        user.active
        and user.role == StaffRole.ADMINISTRATOR
        and _active_admins(user.municipality_id) <= 1
    )


def _scope(
    municipality_id: int, role: StaffRole, unit_id: int | None, site_ids: list[int]
) -> tuple[Unit | None, list[Site]]:
    """The unit and sites a role needs, checked: caseworkers one unit, site staff sites."""
    unit = None
    sites: list[Site] = []
    if role == StaffRole.CASEWORKER:
        unit = db.session.get(Unit, unit_id) if unit_id else None
        if unit is None or unit.municipality_id != municipality_id:
            raise DomainError("unit_required")
    if role == StaffRole.SITE_STAFF:
        if site_ids:
            sites = list(
                db.session.scalars(
                    sa.select(Site).where(
                        Site.id.in_(site_ids), Site.municipality_id == municipality_id
                    )
                )
            )
        if not sites or len(sites) != len(set(site_ids)):
            raise DomainError("sites_required")
    return unit, sites


def _email_taken(email: str, except_id: int | None = None) -> bool:
    query = sa.select(StaffUser.id).where(sa.func.lower(StaffUser.email) == email)
    if except_id is not None:
        query = query.where(StaffUser.id != except_id)
    return db.session.scalar(query) is not None


def _describe(user: StaffUser) -> str:
    unit = f" unit={user.unit.name}" if user.unit else ""
    sites = f" sites={','.join(sorted(s.name for s in user.sites))}" if user.sites else ""
    return f"role={user.role}{unit}{sites}"


def create_user(
    actor: StaffUser,
    *,
    email: str,
    name: str,
    role: StaffRole,
    unit_id: int | None = None,
    site_ids: list[int] | None = None,
) -> tuple[StaffUser, str]:
    """Create a staff user with a one-time password (returned, shown once); audited.

    The user enrols a second factor at first sign-in. Raises DomainError ``email_taken``,
    ``unit_required`` (a caseworker needs a unit) or ``sites_required`` (site staff need sites).
    """
    email = email.strip().lower()
    if _email_taken(email):
        raise DomainError("email_taken")
    unit, sites = _scope(actor.municipality_id, role, unit_id, site_ids or [])
    password = new_password()
    user = StaffUser(
        municipality_id=actor.municipality_id,
        email=email,
        name=name.strip(),
        role=role,
        unit=unit,
        password_hash=hash_password(password),
    )
    user.sites = sites
    db.session.add(user)
    db.session.flush()
    audit.record("create", "staff_user", actor=actor, object_ref=str(user.id), why=_describe(user))
    return user, password


def update_user(
    actor: StaffUser,
    user: StaffUser,
    *,
    email: str,
    name: str,
    role: StaffRole,
    unit_id: int | None = None,
    site_ids: list[int] | None = None,
) -> list[str]:
    """Change a user's name, e-mail, role, unit and sites; returns what changed (audited).

    Raises DomainError ``own_role`` (nobody changes their own role), ``last_admin`` (the last
    active administrator keeps the role), ``email_taken``, ``unit_required``, ``sites_required``.
    """
    email = email.strip().lower()
    if role != user.role:
        if user.id == actor.id:
            raise DomainError("own_role", status=403)
        if _is_last_admin(user):
            raise DomainError("last_admin", status=409)
    if _email_taken(email, except_id=user.id):
        raise DomainError("email_taken")
    unit, sites = _scope(actor.municipality_id, role, unit_id, site_ids or [])
    before = (user.email, user.name, _describe(user))
    user.email, user.name, user.role, user.unit = email, name.strip(), role, unit
    user.sites = sites
    db.session.flush()
    changed = [
        label
        for label, old, new in zip(
            ("email", "name", "access"),
            before,
            (user.email, user.name, _describe(user)),
            strict=True,
        )
        if old != new
    ]
    if changed:
        audit.record(
            "update",
            "staff_user",
            actor=actor,
            object_ref=str(user.id),
            why=f"changed {','.join(changed)}: {_describe(user)}",
        )
    return changed


def _end_sessions(user: StaffUser) -> None:
    user.session_version = (user.session_version or 0) + 1


def deactivate_user(actor: StaffUser, user: StaffUser) -> None:
    """Deactivate a user and end their sessions at once (audited).

    Raises DomainError ``own_account`` (not yourself), ``last_admin``.
    """
    if user.id == actor.id:
        raise DomainError("own_account", status=403)
    if _is_last_admin(user):
        raise DomainError("last_admin", status=409)
    if not user.active:
        return
    user.active = False
    _end_sessions(user)
    audit.record(
        "deactivate", "staff_user", actor=actor, object_ref=str(user.id), why="deactivated"
    )


def reactivate_user(actor: StaffUser, user: StaffUser) -> str:
    """Let a deactivated user sign in again, with a new one-time password (audited)."""
    if user.active:
        raise DomainError("already_active", status=409)
    password = new_password()
    user.active = True
    user.password_hash = hash_password(password)
    _end_sessions(user)
    audit.record(
        "reactivate", "staff_user", actor=actor, object_ref=str(user.id), why="reactivated"
    )
    return password


def reset_second_factor(actor: StaffUser, user: StaffUser) -> None:
    """Forget the user's authenticator; they enrol a new one at next sign-in (audited).

    Ends the user's sessions. Raises DomainError ``own_account`` for oneself (another
    administrator must do it, so a stolen session cannot move the second factor).
    """
    if user.id == actor.id:
        raise DomainError("own_account", status=403)
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    _end_sessions(user)
    audit.record(
        "reset_2fa", "staff_user", actor=actor, object_ref=str(user.id), why="second factor reset"
    )


def reset_password(actor: StaffUser, user: StaffUser) -> str:
    """Give the user a new one-time password (returned, shown once) and end their sessions."""
    if user.id == actor.id:
        raise DomainError("own_account", status=403)
    password = new_password()
    user.password_hash = hash_password(password)
    _end_sessions(user)
    audit.record(
        "reset_password", "staff_user", actor=actor, object_ref=str(user.id), why="password reset"
    )
    return password
