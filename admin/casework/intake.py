"""Intake at the caseworker's end: taking a case from the unit's intake queue, and moving a
case to another unit of the municipality (portal/services/intake.py routes new cases)."""

from __future__ import annotations

import sqlalchemy as sa

from admin.casework.services import refusal
from portal import audit
from portal.extensions import db
from portal.models import Person, StaffUser, Unit

#: Why a case moves to another unit; stored in the audit row (no case content there).
TRANSFER_REASONS = ("moved", "wrong_unit", "workload")


def take_case(user: StaffUser, person: Person) -> None:
    """Become the person's caseworker: the case leaves the unit's intake queue (audited)."""
    person.caseworker_id = user.id
    db.session.flush()
    audit.record("assign", "case", person=person, object_ref=person.public_ref, why="take")


def transfer_targets(user: StaffUser) -> list[Unit]:
    """The other units of the caseworker's municipality a case can be moved to."""
    return list(
        db.session.scalars(
            sa.select(Unit)
            .where(Unit.municipality_id == user.municipality_id, Unit.id != user.unit_id)
            .order_by(Unit.name)
        )
    )


def transfer_case(user: StaffUser, person: Person, unit_id: int, reason: str) -> Unit:
    """Move a case to another unit of the municipality; it lands in that unit's intake queue.

    The caseworker loses access at once (the case is no longer their unit's). Audited with
    the units and the reason code. Raises DomainError 'unit_unknown'.
    """
    target = db.session.get(Unit, unit_id)
    if (
        target is None
        or target.municipality_id != user.municipality_id
        or target.id == person.unit_id
        or reason not in TRANSFER_REASONS
    ):
        raise refusal("unit_unknown")
    audit.record(
        "transfer",
        "case",
        person=person,
        object_ref=person.public_ref,
        why=f"unit {person.unit_id} -> {target.id}: {reason}",
    )
    person.unit_id = target.id
    person.caseworker_id = None
    db.session.flush()
    return target
