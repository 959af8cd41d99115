"""Intake: which unit a new applicant's case goes to, by the municipality's rule.

A postcode rule (the longest matching prefix) wins; otherwise the municipality's intake unit;
otherwise its first unit, so that an application never reaches nobody. The case then waits in
that unit's intake queue (no caseworker yet) with the usual service-level timers.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import IntakeRule, MunicipalitySettings, Person, Unit


def normalise_postcode(text: str | None) -> str | None:
    """'392 34' -> '39234'; None for anything that is not five digits."""
    digits = "".join((text or "").split())
    return digits if len(digits) == 5 and digits.isdigit() else None


def intake_unit(municipality_id: int, postcode: str | None) -> Unit | None:
    """The unit that takes a new case for this postcode under the municipality's rule."""
    code = normalise_postcode(postcode)
    if code:
        rules = db.session.scalars(
            sa.select(IntakeRule).where(IntakeRule.municipality_id == municipality_id)
        ).all()
        matching = [r for r in rules if code.startswith(r.postcode_prefix)]
        if matching:
            return max(matching, key=lambda r: len(r.postcode_prefix)).unit
    settings = db.session.get(MunicipalitySettings, municipality_id)
    if settings is not None and settings.intake_unit_id is not None:
        return db.session.get(Unit, settings.intake_unit_id)
    return db.session.scalar(
        sa.select(Unit).where(Unit.municipality_id == municipality_id).order_by(Unit.id).limit(1)
    )


def route_to_intake(person: Person) -> Unit | None:
    """Give a person without a unit the intake unit of their municipality (flushes)."""
    if person.unit_id is not None:
        return person.unit
    unit = intake_unit(person.municipality_id, person.postcode)
    if unit is None:
        current_app.logger.error(
            "intake: municipality %s has no unit; person ref=%s has no caseworker unit",
            person.municipality_id,
            person.public_ref,
        )
        return None
    person.unit_id = unit.id
    db.session.flush()
    current_app.logger.info("intake: person ref=%s routed to unit %s", person.public_ref, unit.id)
    return unit
