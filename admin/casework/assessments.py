"""What the activity requirement rests on for one person: assessments (participation, work
capacity, reason), dated statuses such as parental leave, and external occupations (work,
studies, AF programmes; AF's own rows change only by a new import).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from admin.casework.services import refusal
from portal import audit
from portal.extensions import db
from portal.i18n import local_today
from portal.models import (
    Assessment,
    AssistanceReason,
    ExternalKind,
    ExternalOccupation,
    ExternalSource,
    MunicipalitySettings,
    Person,
    PersonStatus,
    StaffUser,
    StatusKind,
    utcnow,
)


def current_assessment(person: Person, day: date | None = None) -> Assessment | None:
    """The assessment that applies on ``day``: the newest one valid from that day or before."""
    day = day or local_today()
    return db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.person_id == person.id, Assessment.valid_from <= day)
        .order_by(Assessment.valid_from.desc(), Assessment.assessed_at.desc(), Assessment.id.desc())
        .limit(1)
    )


def assessments(person: Person) -> list[Assessment]:
    """Every assessment of a person, newest first."""
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .where(Assessment.person_id == person.id)
            .order_by(Assessment.valid_from.desc(), Assessment.id.desc())
        )
    )


def record_assessment(
    user: StaffUser,
    person: Person,
    *,
    valid_from: date,
    participation_percent: int,
    work_capacity_percent: int,
    reason: AssistanceReason,
    requirement_from: date | None,
    note: str = "",
) -> Assessment:
    """Record a new assessment; it applies from ``valid_from`` until a newer one."""
    for value in (participation_percent, work_capacity_percent):
        if not 0 <= value <= 100:
            raise refusal("percent_range")
    row = Assessment(
        person_id=person.id,
        valid_from=valid_from,
        participation_percent=participation_percent,
        work_capacity_percent=work_capacity_percent,
        reason=reason,
        requirement_from=requirement_from,
        note=(note or "").strip(),
        assessed_by_id=user.id,
        assessed_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("create", "assessment", person=person, object_ref=str(row.id))
    return row


#: The rule book's own exemption kinds (compliance-rules.md §1.4).
RULE_BOOK_EXEMPTIONS = {
    StatusKind.FULL_SICKNESS_COMPENSATION: "always",
    StatusKind.PARENTAL_LEAVE: "child_under_1",
}


def exemption_effect(kind: StatusKind, settings: MunicipalitySettings) -> str:
    """How a status kind affects the requirement: always, child_under_1, municipality, none."""
    if kind in RULE_BOOK_EXEMPTIONS:
        return RULE_BOOK_EXEMPTIONS[kind]
    if str(kind) in (settings.extra_exemptions or []):
        return "municipality"
    return "none"


def statuses(person: Person) -> list[PersonStatus]:
    """A person's statuses, current and ended, newest first."""
    return list(
        db.session.scalars(
            sa.select(PersonStatus)
            .where(PersonStatus.person_id == person.id)
            .order_by(PersonStatus.from_date.desc(), PersonStatus.id.desc())
        )
    )


def externals(person: Person) -> list[ExternalOccupation]:
    """A person's external occupations, newest first."""
    return list(
        db.session.scalars(
            sa.select(ExternalOccupation)
            .where(ExternalOccupation.person_id == person.id)
            .order_by(ExternalOccupation.from_date.desc(), ExternalOccupation.id.desc())
        )
    )


def _check_dates(start: date, end: date | None) -> None:
    if end is not None and end < start:
        raise refusal("dates_ordered")


def add_status(
    user: StaffUser,
    person: Person,
    kind: StatusKind,
    from_date: date,
    to_date: date | None,
    note: str = "",
) -> PersonStatus:
    """Record a dated status such as parental leave or full sickness compensation."""
    _check_dates(from_date, to_date)
    row = PersonStatus(
        person_id=person.id,
        kind=kind,
        from_date=from_date,
        to_date=to_date,
        note=(note or "").strip(),
        recorded_by_id=user.id,
        recorded_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record("create", "person_status", person=person, object_ref=str(row.id), why=str(kind))
    return row


def person_status(person: Person, status_id: int) -> PersonStatus:
    """One of the person's statuses, or 404."""
    row = db.session.get(PersonStatus, status_id)
    if row is None or row.person_id != person.id:
        raise refusal("not_found", 404)
    return row


def end_status(user: StaffUser, person: Person, status_id: int, to_date: date) -> PersonStatus:
    """End a status on ``to_date`` (inclusive)."""
    row = person_status(person, status_id)
    _check_dates(row.from_date, to_date)
    if row.to_date is not None and row.to_date < to_date:
        raise refusal("already_ended")
    row.to_date = to_date
    db.session.flush()
    audit.record("update", "person_status", person=person, object_ref=str(row.id), why="end")
    return row


def add_external(
    user: StaffUser,
    person: Person,
    kind: ExternalKind,
    hours_per_week: Decimal,
    from_date: date,
    to_date: date | None,
    description: str = "",
) -> ExternalOccupation:
    """Record work, studies or an AF programme entered by hand (source manual)."""
    _check_dates(from_date, to_date)
    if not Decimal(0) <= hours_per_week <= Decimal(80):
        raise refusal("hours_range")
    row = ExternalOccupation(
        person_id=person.id,
        kind=kind,
        hours_per_week=hours_per_week,
        from_date=from_date,
        to_date=to_date,
        description=(description or "").strip(),
        source=ExternalSource.MANUAL,
        recorded_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "create", "external_occupation", person=person, object_ref=str(row.id), why=str(kind)
    )
    return row


def external_occupation(person: Person, external_id: int) -> ExternalOccupation:
    """One of the person's external occupations, or 404."""
    row = db.session.get(ExternalOccupation, external_id)
    if row is None or row.person_id != person.id:
        raise refusal("not_found", 404)
    return row


def end_external(
    user: StaffUser, person: Person, external_id: int, to_date: date
) -> ExternalOccupation:
    """End a manually entered external occupation on ``to_date`` (AF's rows come from AF)."""
    row = external_occupation(person, external_id)
    if row.source != ExternalSource.MANUAL:
        raise refusal("af_source")
    _check_dates(row.from_date, to_date)
    if row.to_date is not None and row.to_date < to_date:
        raise refusal("already_ended")
    row.to_date = to_date
    db.session.flush()
    audit.record("update", "external_occupation", person=person, object_ref=str(row.id), why="end")
    return row
