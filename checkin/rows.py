"""The rows a scan works with: plain values read by the scan's store (checkin.store), not ORM
objects, so that a scan is the same whichever store ran it."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, datetime
from typing import Any

from portal.models import AttendanceEvent, EventKind, EventStatus


@dataclass
class DeviceRow:
    """A device as a scan needs it (its last seen time and sequence are updated in place)."""

    id: int
    site_id: int
    revoked_at: datetime | None
    last_seen_at: datetime | None
    last_seq: int | None

    @classmethod
    def of(cls, row: Any, prefix: str = "") -> DeviceRow:
        """The device in a result row, its columns named with ``prefix``."""
        return cls(*(getattr(row, prefix + f.name) for f in dataclass_fields(cls)))


@dataclass(frozen=True)
class PersonRow:
    """A scanned person as a scan answers with them."""

    id: int
    public_ref: str
    first_name: str


@dataclass
class EventRow:
    """A stored event as a scan answers with it."""

    id: int
    event_id: str
    person_id: int | None
    site_id: int | None
    activity_id: int | None
    session_id: int | None
    kind: EventKind
    status: EventStatus
    reason: str | None
    occurred_at: datetime
    #: The event's person (for a repeated scan: the stored one's).
    person: PersonRow | None = None
    device_id: int | None = None
    token_hash: str | None = None

    @classmethod
    def of(cls, event: AttendanceEvent, person: PersonRow | None = None) -> EventRow:
        """The row of an event read through the ORM."""
        return cls(
            event.id,
            event.event_id,
            event.person_id,
            event.site_id,
            event.activity_id,
            event.session_id,
            EventKind(event.kind),
            EventStatus(event.status),
            event.reason,
            event.occurred_at,
            person,
            event.device_id,
            event.token_hash,
        )


def event_values(given: dict[str, Any]) -> dict[str, Any]:
    """Every column of an event for the insert: the given values, else the column default."""
    values = {}
    for column in AttendanceEvent.__table__.columns:
        if column.key == "id":
            continue
        if column.key in given:
            value = given[column.key]
        elif column.default is not None:
            value = column.default.arg
            value = value(None) if callable(value) else value
        else:
            value = None
        values[column.key] = value
    return values


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def stored(row: Any) -> EventRow:
    """The event of a row of ``statements.stored_event``."""
    person = None
    if row.person_id is not None:
        person = PersonRow(row.person_id, row.public_ref, row.first_name)
    return EventRow(
        row.id,
        row.event_id,
        row.person_id,
        row.site_id,
        row.activity_id,
        row.session_id,
        EventKind(row.kind),
        EventStatus(row.status),
        row.reason,
        _utc(row.occurred_at),
        person,
        row.device_id,
        row.token_hash,
    )


def inserted(new_id: int, values: dict[str, Any]) -> EventRow:
    """The event just inserted with these values."""
    return EventRow(
        new_id,
        values["event_id"],
        values["person_id"],
        values["site_id"],
        values["activity_id"],
        values["session_id"],
        EventKind(values["kind"]),
        EventStatus(values["status"]),
        values["reason"],
        values["occurred_at"],
        None,
        values["device_id"],
        values["token_hash"],
    )
