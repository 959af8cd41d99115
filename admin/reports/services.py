"""Every figure of reports.md, computed from the database by one set of functions.

The page, the CLI and every export call :func:`build`; a report is a :class:`Report` whose
``data`` holds the JSON fields of reports.md and whose tables and chart show the same values.
Queries are set-based: each report reads with a fixed number of queries per month of the
period, whatever the number of people.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa

from admin.reports.common import (
    COMMON_DEFINITION,
    IVO_FIELDS,
    NAMES,
    SUPPRESSION_DEFINITION,
    TEXT_SECTIONS,
    TITLES,
    Request,
)
from admin.reports.figures import Chart, Report, Table
from admin.reports.ivo import ivo_quarter_report
from admin.reports.overview import overview_report
from admin.reports.periods import Period, parse_period
from admin.reports.planning import (
    activities_by_gender_report,
    capacity_report,
    under_planning_report,
)
from admin.reports.spells import returns_report, time_to_plan_report
from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import (
    Municipality,
    ReportText,
    StaffRole,
    StaffUser,
    Unit,
    utcnow,
)

#: Re-exported for the routes, the CLI and the tests: what a report is and which there are.
__all__ = [
    "BUILDERS",
    "IVO_FIELDS",
    "NAMES",
    "TITLES",
    "Request",
    "board_texts",
    "build",
    "may_see_reports",
    "record_access",
    "request_for",
    "save_board_texts",
    "units_for",
]

# --------------------------------------------------------------------------------------------
# Who may see which scope


def may_see_reports(user: StaffUser) -> bool:
    """Caseworkers (their unit), administrators and auditors (the municipality) see reports."""
    return user.role in (StaffRole.CASEWORKER, StaffRole.ADMINISTRATOR, StaffRole.AUDITOR)


def units_for(user: StaffUser) -> list[Unit]:
    """The units a user may choose in the filter (a caseworker: their own only)."""
    query = sa.select(Unit).where(Unit.municipality_id == user.municipality_id)
    if user.role == StaffRole.CASEWORKER:
        query = query.where(Unit.id == user.unit_id)
    return list(db.session.scalars(query.order_by(Unit.name)))


def request_for(
    user: StaffUser, name: str, period: str | None, unit_id: int | None, today: date
) -> Request:
    """Check and resolve a staff member's request for a report.

    Raises DomainError ``unknown_report`` (404), ``invalid_period``, ``forbidden`` (403) for
    a role without reports, and ``unknown_unit`` (404) for a unit outside the user's scope.
    A caseworker's report is always of their own unit.
    """
    if name not in NAMES:
        raise DomainError("unknown_report", f"unknown report {name!r}", status=404)
    if not may_see_reports(user):
        raise DomainError("forbidden", "reports are for caseworkers, administrators, auditors", 403)
    parsed = parse_period(period)
    municipality = db.session.get(Municipality, user.municipality_id)
    allowed = {unit.id: unit for unit in units_for(user)}
    if user.role == StaffRole.CASEWORKER:
        if user.unit_id not in allowed or unit_id not in (None, user.unit_id):
            raise DomainError("unknown_unit", "no such unit", status=404)
        unit = allowed[user.unit_id]
    elif unit_id is None:
        unit = None
    elif unit_id in allowed:
        unit = allowed[unit_id]
    else:
        raise DomainError("unknown_unit", "no such unit", status=404)
    return Request(name, parsed, municipality, unit, user.role == StaffRole.AUDITOR, today)


def record_access(user: StaffUser | None, request: Request, action: str, fmt: str = "") -> None:
    """The audit row of a report view or export: who, which report, which period; no person."""
    unit = str(request.unit.id) if request.unit else "all"
    why = f"period={request.period.key} unit={unit}" + (f" format={fmt}" if fmt else "")
    audit.record(action, "report", object_ref=request.name, why=why, actor=user)


# --------------------------------------------------------------------------------------------
# Building a report


def build(request: Request) -> Report:
    """The report asked for: figures, tables, chart and definitions (changes nothing)."""
    builder: Callable[[Request], tuple[dict, list[Table], Chart, list]] = BUILDERS[request.name]
    data, tables, chart, definitions = builder(request)
    texts = []
    if request.name == "ivo-overview":
        stored = board_texts(request.municipality.id, request.period.key)
        texts = [(label, stored.get(key, "")) for key, label in TEXT_SECTIONS.items()]
        data["board_texts"] = {key: stored.get(key, "") for key in TEXT_SECTIONS}
    definitions = [*definitions, COMMON_DEFINITION]
    if request.suppress:
        definitions.append(SUPPRESSION_DEFINITION)
    return Report(
        name=request.name,
        title=TITLES[request.name],
        period=request.period,
        counted_to=request.counted_to,
        municipality=request.municipality.name,
        unit=request.unit.name if request.unit else None,
        generated_at=utcnow(),
        suppressed=request.suppress,
        data=data,
        tables=tables,
        chart=chart,
        definitions=definitions,
        texts=texts,
    )


BUILDERS = {
    "ivo-quarter": ivo_quarter_report,
    "ivo-overview": overview_report,
    "returns": returns_report,
    "time-to-plan": time_to_plan_report,
    "activities-by-gender": activities_by_gender_report,
    "capacity": capacity_report,
    "under-planning": under_planning_report,
}


# --------------------------------------------------------------------------------------------
# The board's texts


def board_texts(municipality_id: int, period: str) -> dict[str, str]:
    """The board's saved sections of the biennial overview for a period, by section."""
    rows = db.session.scalars(
        sa.select(ReportText).where(
            ReportText.municipality_id == municipality_id,
            ReportText.report == "ivo-overview",
            ReportText.period == period,
        )
    )
    return {row.section: row.body for row in rows}


def save_board_texts(user: StaffUser, period: Period, texts: dict[str, str]) -> None:
    """Save the board's sections for a period (administrators only; audited; flushes).

    Raises DomainError ``forbidden`` (403) for any other role.
    """
    if user.role != StaffRole.ADMINISTRATOR:
        raise DomainError("forbidden", "only administrators write the board's texts", 403)
    existing = {
        row.section: row
        for row in db.session.scalars(
            sa.select(ReportText).where(
                ReportText.municipality_id == user.municipality_id,
                ReportText.report == "ivo-overview",
                ReportText.period == period.key,
            )
        )
    }
    for section in TEXT_SECTIONS:
        body = (texts.get(section) or "").strip()
        row = existing.get(section)
        if row is None:
            row = ReportText(
                municipality_id=user.municipality_id,
                report="ivo-overview",
                period=period.key,
                section=section,
            )
            db.session.add(row)
        row.body = body
        row.updated_by_id = user.id
    audit.record("update", "report_text", object_ref="ivo-overview", why=f"period={period.key}")
    db.session.flush()
