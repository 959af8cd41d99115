"""Caseworker units, which unit takes intake, and postcode intake rules (audited).

Routing a new application to the intake unit happens in casework; this is its administration.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    IntakeRule,
    MunicipalitySettings,
    Person,
    Site,
    StaffRole,
    StaffUser,
    Unit,
)

_PREFIX = re.compile(r"[0-9]{1,5}")


def list_units(municipality_id: int) -> list[Unit]:
    """The municipality's units by name."""
    return list(
        db.session.scalars(
            sa.select(Unit).where(Unit.municipality_id == municipality_id).order_by(Unit.name)
        )
    )


def get_unit(municipality_id: int, unit_id: int) -> Unit | None:
    """A unit of the municipality, or None."""
    unit = db.session.get(Unit, unit_id)
    return unit if unit is not None and unit.municipality_id == municipality_id else None


def unit_counts(municipality_id: int) -> dict[int, tuple[int, int]]:
    """Per unit: (active caseworkers, people whose cases it has). Counts only, no names."""
    staff = dict(
        db.session.execute(
            sa.select(StaffUser.unit_id, sa.func.count(StaffUser.id))
            .where(
                StaffUser.municipality_id == municipality_id,
                StaffUser.active.is_(True),
                StaffUser.unit_id.is_not(None),
            )
            .group_by(StaffUser.unit_id)
        ).all()
    )
    people = dict(
        db.session.execute(
            sa.select(Person.unit_id, sa.func.count(Person.id))
            .where(Person.municipality_id == municipality_id, Person.unit_id.is_not(None))
            .group_by(Person.unit_id)
        ).all()
    )
    return {
        unit.id: (staff.get(unit.id, 0), people.get(unit.id, 0))
        for unit in list_units(municipality_id)
    }


def _name_taken(municipality_id: int, name: str, except_id: int | None = None) -> bool:
    query = sa.select(Unit.id).where(
        Unit.municipality_id == municipality_id, sa.func.lower(Unit.name) == name.lower()
    )
    if except_id is not None:
        query = query.where(Unit.id != except_id)
    return db.session.scalar(query) is not None


def create_unit(actor: StaffUser, name: str) -> Unit:
    """Add a unit. Raises DomainError ``unit_name_taken``."""
    name = name.strip()
    if _name_taken(actor.municipality_id, name):
        raise DomainError("unit_name_taken")
    unit = Unit(municipality_id=actor.municipality_id, name=name)
    db.session.add(unit)
    db.session.flush()
    audit.record("create", "unit", actor=actor, object_ref=str(unit.id), why=f"name={name}")
    return unit


def rename_unit(actor: StaffUser, unit: Unit, name: str) -> None:
    """Rename a unit. Raises DomainError ``unit_name_taken``."""
    name = name.strip()
    if name == unit.name:
        return
    if _name_taken(actor.municipality_id, name, except_id=unit.id):
        raise DomainError("unit_name_taken")
    old, unit.name = unit.name, name
    audit.record(
        "update", "unit", actor=actor, object_ref=str(unit.id), why=f"name {old} -> {name}"
    )


def intake_settings(municipality_id: int) -> MunicipalitySettings | None:
    """The settings row that names the intake unit."""
    return db.session.get(MunicipalitySettings, municipality_id)


def set_intake_unit(actor: StaffUser, unit: Unit | None) -> None:
    """Choose the unit that takes new applicants' cases (None: no default intake unit)."""
    settings = intake_settings(actor.municipality_id)
    if settings is None:
        raise DomainError("no_settings", status=409)
    if unit is not None and unit.municipality_id != actor.municipality_id:
        raise DomainError("unit_not_found", status=404)
    new_id = unit.id if unit else None
    if settings.intake_unit_id == new_id:
        return
    settings.intake_unit_id = new_id
    audit.record(
        "update",
        "intake",
        actor=actor,
        object_ref=str(new_id or ""),
        why=f"intake unit={unit.name if unit else '-'}",
    )


def intake_rules(municipality_id: int) -> list[IntakeRule]:
    """The postcode rules, by prefix."""
    return list(
        db.session.scalars(
            sa.select(IntakeRule)
            .where(IntakeRule.municipality_id == municipality_id)
            .order_by(IntakeRule.postcode_prefix)
        )
    )


def add_intake_rule(actor: StaffUser, prefix: str, unit: Unit) -> IntakeRule:
    """Send applicants whose postcode starts with ``prefix`` to ``unit``.

    Raises DomainError ``invalid_prefix`` (1–5 digits) or ``prefix_taken``.
    """
    prefix = prefix.replace(" ", "").strip()
    if not _PREFIX.fullmatch(prefix):
        raise DomainError("invalid_prefix")
    if unit.municipality_id != actor.municipality_id:
        raise DomainError("unit_not_found", status=404)
    taken = db.session.scalar(
        sa.select(IntakeRule.id).where(
            IntakeRule.municipality_id == actor.municipality_id,
            IntakeRule.postcode_prefix == prefix,
        )
    )
    if taken is not None:
        raise DomainError("prefix_taken")
    rule = IntakeRule(municipality_id=actor.municipality_id, postcode_prefix=prefix, unit=unit)
    db.session.add(rule)
    db.session.flush()
    audit.record(
        "create", "intake_rule", actor=actor, object_ref=prefix, why=f"{prefix} -> {unit.name}"
    )
    return rule


def remove_intake_rule(actor: StaffUser, rule_id: int) -> None:
    """Remove a postcode rule. Raises DomainError ``rule_not_found``."""
    rule = db.session.get(IntakeRule, rule_id)
    if rule is None or rule.municipality_id != actor.municipality_id:
        raise DomainError("rule_not_found", status=404)
    audit.record(
        "delete",
        "intake_rule",
        actor=actor,
        object_ref=rule.postcode_prefix,
        why=f"{rule.postcode_prefix}",
    )
    db.session.delete(rule)


def sites_with_staff(municipality_id: int) -> list[tuple[Site, list[StaffUser]]]:
    """Every site with the active site staff bound to it."""
    sites = db.session.scalars(
        sa.select(Site).where(Site.municipality_id == municipality_id).order_by(Site.name)
    ).all()
    staff = db.session.scalars(
        sa.select(StaffUser).where(
            StaffUser.municipality_id == municipality_id,
            StaffUser.role == StaffRole.SITE_STAFF,
            StaffUser.active.is_(True),
        )
    ).all()
    return [(site, [u for u in staff if site in u.sites]) for site in sites]
