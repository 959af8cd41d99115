"""Audit rows for every staff read or change of a person's case (product A10)."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from portal.extensions import db
from portal.models import AuditEntry, Person, StaffUser


def record(
    action: str,
    object_type: str,
    *,
    person: Person | None = None,
    object_ref: str | None = None,
    why: str = "",
    actor: StaffUser | None = None,
) -> AuditEntry:
    """Add an audit row for the acting staff member; it is committed with the request.

    ``why`` is the purpose given by the user, or else the endpoint the access came through.
    """
    actor = actor or (current_user if getattr(current_user, "is_staff", False) else None)
    if not why and has_request_context():
        why = request.endpoint or ""
    entry = AuditEntry(
        actor_user_id=actor.id if actor else None,
        actor_role=str(actor.role) if actor else "system",
        action=action,
        object_type=object_type,
        object_ref=object_ref,
        person_id=person.id if person else None,
        why=why[:300],
    )
    db.session.add(entry)
    return entry


def record_people(
    action: str,
    object_type: str,
    person_ids: list[int],
    *,
    object_ref: str | None = None,
    why: str = "",
    actor: StaffUser | None = None,
) -> None:
    """One audit row per person shown in a list (a list of named people is a read of each)."""
    for person_id in dict.fromkeys(person_ids):
        entry = record(action, object_type, object_ref=object_ref, why=why, actor=actor)
        entry.person_id = person_id
