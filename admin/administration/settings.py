"""Dated municipality settings: the page's current values, their history, saving a change
from a chosen month, and the what-if of proposed rules over the last reconciled month.

A change is a new :class:`~portal.models.SettingsVersion` from the first of a month; the month
that is running or a later one (never retroactive, so months already decided keep the rules
they were decided under). Every reader asks :func:`settings_in_force` for a day.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal import audit
from portal.compliance.reconcile import evaluate_scope
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import local_today
from portal.models import (
    ComplianceResult,
    MunicipalitySettings,
    Person,
    SettingsVersion,
    StaffUser,
    Unit,
)
from portal.models.enums import MissingCheckoutPolicy, StatusKind
from portal.services.settings_versions import (
    DATED_FIELDS,
    RULE_FIELDS,
    SettingsInForce,
    settings_in_force,
)

#: Status kinds an administrator may add as exemptions (the rule book's own are built in).
EXTRA_EXEMPTION_KINDS = (
    StatusKind.ACTIVITY_COMPENSATION,
    StatusKind.SICK_LEAVE,
    StatusKind.CARE_OF_RELATIVE,
    StatusKind.OTHER,
)
#: The statuses in the order the what-if lists them.
STATUSES = ("fulfilled", "pending_review", "shortfall", "exempt", "not_subject")


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def in_force(municipality_id: int, day: date | None = None) -> SettingsInForce:
    """The settings in force on ``day`` (today by default). Raises ``no_settings``."""
    settings = settings_in_force(db.session, municipality_id, day or local_today())
    if settings is None:
        raise DomainError("no_settings", status=409)
    return settings


def history(municipality_id: int) -> list[SettingsVersion]:
    """Every dated version, the latest first date first (of one date, the newest first)."""
    return list(
        db.session.scalars(
            sa.select(SettingsVersion)
            .where(SettingsVersion.municipality_id == municipality_id)
            .order_by(SettingsVersion.effective_from.desc(), SettingsVersion.id.desc())
        )
    )


def _check(values: dict[str, Any]) -> None:
    """The database's CHECKs, said first as errors with a code naming the setting."""
    ranges = {
        "mandatory_after_months": (0, 24),
        "pension_age": (55, 80),
        "shortfall_tolerance_minutes": (0, 6000),
        "sla_first_contact_hours": (1, 24 * 60),
        "sla_plan_hours": (1, 24 * 60),
        "reply_deadline_days": (1, 60),
    }
    for name, (low, high) in ranges.items():
        if not (isinstance(values[name], int) and low <= values[name] <= high):
            raise DomainError("invalid_setting", name)
    hours = values["full_time_hours_per_week"]
    if not (isinstance(hours, Decimal | int) and 0 < hours <= 60) or Decimal(hours) % Decimal(
        "0.25"
    ):
        raise DomainError("invalid_setting", "full_time_hours_per_week")
    try:
        MissingCheckoutPolicy(values["missing_checkout"])
    except ValueError:
        raise DomainError("invalid_setting", "missing_checkout") from None
    allowed = {str(kind) for kind in EXTRA_EXEMPTION_KINDS}
    if not set(values["extra_exemptions"]) <= allowed:
        raise DomainError("invalid_setting", "extra_exemptions")


def proposal(base: SettingsInForce, values: dict[str, Any]) -> SettingsInForce:
    """``base`` with the dated settings in ``values`` (checked) in their place."""
    values = {name: values[name] for name in DATED_FIELDS}
    values["extra_exemptions"] = tuple(sorted(values["extra_exemptions"]))
    values["full_time_hours_per_week"] = Decimal(values["full_time_hours_per_week"])
    _check(values)
    values["missing_checkout"] = MissingCheckoutPolicy(values["missing_checkout"])
    return dataclasses.replace(
        base, **values, effective_from=None, updated_at=None, version_id=None
    )


def changes(before: SettingsInForce, after: SettingsInForce) -> list[tuple[str, Any, Any]]:
    """(setting, old value, new value) for each dated setting that differs."""
    return [
        (name, getattr(before, name), getattr(after, name))
        for name in DATED_FIELDS
        if getattr(before, name) != getattr(after, name)
    ]


def check_effective_from(effective_from: date, today: date) -> None:
    """A change applies from the first of the running month or a later one.

    Raises DomainError ``not_first_of_month`` or ``retroactive``.
    """
    if effective_from.day != 1:
        raise DomainError("not_first_of_month")
    if effective_from < first_of_month(today):
        raise DomainError("retroactive")


def save_version(
    actor: StaffUser,
    values: dict[str, Any],
    effective_from: date,
    note: str = "",
    *,
    today: date | None = None,
) -> SettingsVersion:
    """Store the settings in ``values`` as in force from ``effective_from`` (audited).

    Compared with the settings that would otherwise apply on that day; raises DomainError
    ``no_change`` when nothing differs, ``invalid_setting`` (message: the setting),
    ``not_first_of_month``, ``retroactive``.
    """
    check_effective_from(effective_from, today or local_today())
    before = in_force(actor.municipality_id, effective_from)
    after = proposal(before, values)
    changed = changes(before, after)
    if not changed:
        raise DomainError("no_change")
    version = SettingsVersion(
        municipality_id=actor.municipality_id,
        effective_from=effective_from,
        note=note.strip()[:500],
        created_by_id=actor.id,
        **{name: getattr(after, name) for name in DATED_FIELDS},
    )
    version.extra_exemptions = list(after.extra_exemptions)
    db.session.add(version)
    db.session.flush()
    summary = "; ".join(f"{name} {_plain(old)} -> {_plain(new)}" for name, old, new in changed)
    audit.record(
        "update",
        "settings",
        actor=actor,
        object_ref=effective_from.isoformat(),
        why=f"from {effective_from.isoformat()}: {summary}",
    )
    return version


def set_checkin_backdate_days(actor: StaffUser, days: int) -> bool:
    """How many days back site staff may register a missed check-in or check-out, from now
    on (audited). False when it was already so; raises ``no_settings`` or ``invalid_setting``."""
    if not (isinstance(days, int) and 0 <= days <= 31):
        raise DomainError("invalid_setting", "checkin_backdate_days")
    row = db.session.get(MunicipalitySettings, actor.municipality_id)
    if row is None:
        raise DomainError("no_settings", status=409)
    if row.checkin_backdate_days == days:
        return False
    before, row.checkin_backdate_days = row.checkin_backdate_days, days
    audit.record(
        "update",
        "settings",
        actor=actor,
        object_ref="checkin_backdate_days",
        why=f"checkin_backdate_days {before} -> {days}",
    )
    return True


def _plain(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ",".join(map(str, value)) or "-"
    return str(value)


# --------------------------------------------------------------------------------------------
# What-if


@dataclass
class Tally:
    """One column of the what-if: people per status and the hours that decide them."""

    by_status: Counter = field(default_factory=Counter)
    unexcused_minutes: int = 0
    plan_gap_minutes: int = 0

    @property
    def people(self) -> int:
        return sum(self.by_status.values())

    def add(self, status: str, unexcused: int, plan_gap: int) -> None:
        self.by_status[status] += 1
        self.unexcused_minutes += unexcused
        self.plan_gap_minutes += plan_gap


@dataclass
class WhatIfRow:
    """One unit (or the whole municipality) under the rules in force and the proposed ones."""

    label: str
    real: Tally = field(default_factory=Tally)
    proposed: Tally = field(default_factory=Tally)
    #: People whose status would differ.
    moved: int = 0


@dataclass
class WhatIf:
    """The last reconciled month under the rules that applied and under the proposal."""

    period_from: date
    period_to: date
    evaluated_to: date
    rows: list[WhatIfRow]
    total: WhatIfRow
    rules_changed: list[str]


def last_reconciled_month(municipality_id: int) -> tuple[date, date, date] | None:
    """(first day, last day, last day counted) of the latest month with stored results."""
    people = sa.select(Person.id).where(Person.municipality_id == municipality_id)
    rows = db.session.execute(
        sa.select(
            ComplianceResult.period_from,
            ComplianceResult.period_to,
            sa.func.max(ComplianceResult.evaluated_to),
        )
        .where(ComplianceResult.person_id.in_(people))
        .group_by(ComplianceResult.period_from, ComplianceResult.period_to)
        .order_by(ComplianceResult.period_from.desc())
    ).all()
    for start, end, counted in rows:
        if start.day == 1 and next_month(start) - timedelta(days=1) == end:
            return start, end, counted or end
    return None


def what_if(municipality_id: int, values: dict[str, Any]) -> WhatIf | None:
    """The last reconciled month under the rules in force then and under ``values``.

    Both columns are computed now by the reconciliation's engine over the same inputs and
    stored nowhere. None when no month has been reconciled yet. Raises ``invalid_setting``.
    """
    month = last_reconciled_month(municipality_id)
    if month is None:
        return None
    start, end, counted = month
    real_rules = in_force(municipality_id, start)
    proposed_rules = proposal(real_rules, values)
    units = dict(
        db.session.execute(
            sa.select(Person.id, Unit.name)
            .outerjoin(Unit, Person.unit_id == Unit.id)
            .where(Person.municipality_id == municipality_id)
        ).all()
    )
    real = dict(evaluate_scope(municipality_id, start, counted, real_rules))
    proposed = dict(evaluate_scope(municipality_id, start, counted, proposed_rules))
    rows: dict[str, WhatIfRow] = {}
    total = WhatIfRow(label="")
    for person_id, result in real.items():
        other = proposed[person_id]
        unit = units.get(person_id) or ""
        row = rows.setdefault(unit, WhatIfRow(label=unit))
        for target in (row, total):
            target.real.add(result.status, result.unexcused_minutes, result.plan_gap_minutes)
            target.proposed.add(other.status, other.unexcused_minutes, other.plan_gap_minutes)
            if other.status != result.status:
                target.moved += 1
    return WhatIf(
        period_from=start,
        period_to=end,
        evaluated_to=counted,
        rows=[rows[name] for name in sorted(rows)],
        total=total,
        rules_changed=[
            name for name, _, _ in changes(real_rules, proposed_rules) if name in RULE_FIELDS
        ],
    )
