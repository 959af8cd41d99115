"""The municipality's settings in force on a day: one function that every reader uses.

Settings are dated (:class:`~portal.models.SettingsVersion`): a version applies from its
``effective_from`` until the next one, so a past month is reconciled under the rules that
applied then. Before the first version, the row in ``municipality_settings`` holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.models import MunicipalitySettings, SettingsVersion
from portal.models.enums import MissingCheckoutPolicy

#: The dated settings, in the order the settings page and the history show them.
DATED_FIELDS = (
    "full_time_hours_per_week",
    "mandatory_after_months",
    "pension_age",
    "missing_checkout",
    "extra_exemptions",
    "exempt_if_af_activity",
    "shortfall_tolerance_minutes",
    "sla_first_contact_hours",
    "sla_plan_hours",
    "reply_deadline_days",
)
#: Those of them that are the rule book's (compliance-rules.md): they change reconciliation.
RULE_FIELDS = DATED_FIELDS[:7]


@dataclass(frozen=True)
class SettingsInForce:
    """The dated settings that apply on a day, and where they come from."""

    municipality_id: int
    full_time_hours_per_week: Decimal
    mandatory_after_months: int
    pension_age: int
    missing_checkout: MissingCheckoutPolicy
    extra_exemptions: tuple[str, ...]
    exempt_if_af_activity: bool
    shortfall_tolerance_minutes: int
    sla_first_contact_hours: int
    sla_plan_hours: int
    reply_deadline_days: int
    #: The first day of the version (None: the settings from before any dated version).
    effective_from: date | None
    #: When these settings were last changed (results computed before are out of date).
    updated_at: datetime | None
    #: The SettingsVersion row, or None for the undated settings.
    version_id: int | None = None
    #: Not dated (the municipality's current choice): the unit that takes intake.
    intake_unit_id: int | None = None


def _from_row(row: MunicipalitySettings | SettingsVersion, **extra) -> SettingsInForce:
    values = {name: getattr(row, name) for name in DATED_FIELDS}
    values["extra_exemptions"] = tuple(values["extra_exemptions"] or ())
    values["missing_checkout"] = MissingCheckoutPolicy(values["missing_checkout"])
    return SettingsInForce(municipality_id=row.municipality_id, **values, **extra)


def settings_in_force(session: Session, municipality_id: int, day: date) -> SettingsInForce | None:
    """The municipality's settings that apply on ``day`` (None: the municipality has none).

    The newest version with ``effective_from <= day`` wins (of two with the same date, the one
    saved last); before the first version, the undated ``municipality_settings`` row applies.
    """
    version = session.scalars(
        sa.select(SettingsVersion)
        .where(
            SettingsVersion.municipality_id == municipality_id,
            SettingsVersion.effective_from <= day,
        )
        .order_by(SettingsVersion.effective_from.desc(), SettingsVersion.id.desc())
        .limit(1)
    ).first()
    base = session.get(MunicipalitySettings, municipality_id)
    intake_unit_id = base.intake_unit_id if base is not None else None
    if version is not None:
        return _from_row(
            version,
            effective_from=version.effective_from,
            updated_at=version.created_at,
            version_id=version.id,
            intake_unit_id=intake_unit_id,
        )
    if base is None:
        return None
    return _from_row(
        base, effective_from=None, updated_at=base.updated_at, intake_unit_id=intake_unit_id
    )
