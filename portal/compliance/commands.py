"""What ``flask compliance reconcile`` and ``export-scenario`` do, apart from click itself.

Operators schedule ``reconcile`` nightly (docs/reconciliation.md); ``export-scenario`` writes
the exact input a stored result was computed from, for ``compliance evaluate`` to check by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal import audit
from portal.compliance.engine import STOCKHOLM
from portal.compliance.periods import period_bounds
from portal.compliance.reconcile import (
    ReconcileSummary,
    reconcile,
    scenario_for_person,
)
from portal.errors import DomainError
from portal.extensions import db
from portal.models import Municipality, Person, Unit


def yesterday(now: datetime | None = None) -> date:
    """The last day that is over in Stockholm: what a run of a running period counts up to."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(STOCKHOLM).date() - timedelta(days=1)


@dataclass(frozen=True)
class Target:
    """Whom a command is about: a municipality, and optionally a unit or a person."""

    municipality: Municipality
    unit: Unit | None = None
    person: Person | None = None


def resolve_target(
    municipality_code: str | None, unit_name: str | None, person_ref: str | None
) -> Target:
    """Look up the options' municipality, unit and person; refuse anything ambiguous."""
    person = None
    if person_ref:
        person = db.session.scalar(sa.select(Person).where(Person.public_ref == person_ref))
        if person is None:
            raise DomainError("unknown_person", f"no person with reference {person_ref!r}")
    if municipality_code:
        municipality = db.session.scalar(
            sa.select(Municipality).where(Municipality.code == municipality_code)
        )
        if municipality is None:
            raise DomainError(
                "unknown_municipality", f"no municipality with code {municipality_code!r}"
            )
    elif person is not None:
        municipality = db.session.get(Municipality, person.municipality_id)
    else:
        found = db.session.scalars(sa.select(Municipality).limit(2)).all()
        if len(found) != 1:
            raise DomainError(
                "which_municipality",
                "no municipality in the database"
                if not found
                else "several municipalities: give --municipality CODE",
            )
        municipality = found[0]
    if person is not None and person.municipality_id != municipality.id:
        raise DomainError("unknown_person", f"no person with reference {person_ref!r} there")
    unit = None
    if unit_name:
        unit = db.session.scalar(
            sa.select(Unit).where(Unit.municipality_id == municipality.id, Unit.name == unit_name)
        )
        if unit is None:
            raise DomainError("unknown_unit", f"no unit named {unit_name!r}")
    return Target(municipality, unit, person)


def period_of(month: str | None, week: str | None) -> tuple[date, date]:
    """The period named by exactly one of --month and --week."""
    if bool(month) == bool(week):
        raise DomainError("which_period", "give either --month YYYY-MM or --week YYYY-Www")
    return period_bounds(month or week or "")


def _os_user() -> str:
    """Who ran a command, as the operating system knows them (for the audit row)."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def run_reconcile(target: Target, period: tuple[date, date], through: date) -> ReconcileSummary:
    """Reconcile the target for the period, counting up to ``through``; the caller commits.

    The run reads every targeted person's case: it is audited (a system actor, the command
    and its target as the purpose).
    """
    summary = reconcile(
        *period,
        municipality_id=target.municipality.id,
        unit_id=target.unit.id if target.unit else None,
        person_id=target.person.id if target.person else None,
        through=through,
    )
    scope = (
        f"person {target.person.public_ref}"
        if target.person
        else f"unit {target.unit.name}"
        if target.unit
        else f"municipality {target.municipality.code}"
    )
    audit.record(
        "reconcile",
        "compliance_result",
        person=target.person,
        object_ref=f"{period[0].isoformat()}..{period[1].isoformat()}"[:40],
        why=f"flask compliance reconcile by {_os_user()}: {scope}, {summary.people} people",
    )
    return summary


def summary_lines(summary: ReconcileSummary) -> list[str]:
    """A run's summary as lines of text for the terminal or a cron log."""
    lines = [
        f"period {summary.period_from.isoformat()}..{summary.period_to.isoformat()}"
        f" counted through {summary.evaluated_to.isoformat()}",
        f"people {summary.people}, events {summary.events}",
        "status:",
    ]
    lines += [f"  {status}: {count}" for status, count in summary.by_status.items()]
    lines.append("flags:" if summary.by_flag else "flags: none")
    lines += [f"  {flag}: {count}" for flag, count in summary.by_flag.items()]
    return lines


def export_scenario(person: Person, period: tuple[date, date], through: date) -> dict[str, Any]:
    """A person's scenario as reconcile builds it, with an audit row for the export."""
    scenario = scenario_for_person(person, *period, through=through)
    audit.record(
        "export",
        "compliance_scenario",
        person=person,
        object_ref=person.public_ref,
        why="flask compliance export-scenario",
    )
    return scenario
