"""Database constraints and append-only tables, on every backend."""

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.models import (
    ActivitySession,
    AppendOnlyViolation,
    Assessment,
    AssistanceReason,
    AttendanceEvent,
    AuditEntry,
    EventKind,
    EventSource,
    EventStatus,
    ExternalKind,
    ExternalOccupation,
)


def _event(world, **kw):
    base = {
        "event_id": "0b7f6c9e-1d5a-4a47-9d67-000000000001",
        "person_id": world.person_a.id,
        "site_id": world.site_a.id,
        "kind": EventKind.IN,
        "source": EventSource.STAFF_SCAN,
        "occurred_at": datetime(2026, 9, 7, 7, 0, tzinfo=UTC),
        "status": EventStatus.ACCEPTED,
    }
    base.update(kw)
    return AttendanceEvent(**base)


def test_event_id_is_unique(world, db):
    db.session.add(_event(world))
    db.session.commit()
    db.session.add(_event(world))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_attendance_events_are_append_only(world, db):
    event = _event(world)
    db.session.add(event)
    db.session.commit()
    event.note = "changed"
    with pytest.raises(AppendOnlyViolation):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AttendanceEvent, event.id))
    with pytest.raises(AppendOnlyViolation):
        db.session.commit()
    db.session.rollback()


def test_audit_log_is_append_only(world, db):
    entry = AuditEntry(actor_role="caseworker", action="read", object_type="case")
    db.session.add(entry)
    db.session.commit()
    db.session.delete(entry)
    with pytest.raises(AppendOnlyViolation):
        db.session.commit()
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        # The database itself refuses, so hand-written SQL cannot rewrite history either.
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            db.session.execute(sa.text("UPDATE audit_entry SET why = 'x'"))
        db.session.rollback()


def test_timestamps_come_back_as_aware_utc(world, db):
    db.session.add(_event(world))
    db.session.commit()
    db.session.expire_all()
    event = db.session.scalars(sa.select(AttendanceEvent)).one()
    assert event.occurred_at == datetime(2026, 9, 7, 7, 0, tzinfo=UTC)
    assert event.occurred_at.tzinfo is not None


def test_naive_timestamps_are_refused(world, db):
    db.session.add(_event(world, occurred_at=datetime(2026, 9, 7, 9, 0)))
    with pytest.raises(sa.exc.StatementError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize(
    "row",
    [
        lambda w: Assessment(
            person_id=w.person_a.id,
            valid_from=date(2026, 1, 1),
            participation_percent=101,
            reason=AssistanceReason.UNEMPLOYMENT,
        ),
        lambda w: ExternalOccupation(
            person_id=w.person_a.id,
            kind=ExternalKind.WORK,
            hours_per_week=-1,
            from_date=date(2026, 1, 1),
        ),
        lambda w: ExternalOccupation(
            person_id=w.person_a.id,
            kind=ExternalKind.WORK,
            hours_per_week=5,
            from_date=date(2026, 2, 1),
            to_date=date(2026, 1, 1),
        ),
        lambda w: ActivitySession(
            activity_id=w.activity_a.id,
            weekday=8,
            start_time=time(9),
            end_time=time(10),
            valid_from=date(2026, 1, 1),
        ),
        lambda w: ActivitySession(
            activity_id=w.activity_a.id,
            weekday=1,
            start_time=time(10),
            end_time=time(9),
            valid_from=date(2026, 1, 1),
        ),
        lambda w: _event(w, kind=EventKind.ANNUL),
    ],
    ids=[
        "percent>100",
        "negative-hours",
        "to<from",
        "weekday-8",
        "end<start",
        "annul-without-target",
    ],
)
def test_check_constraints(world, db, row):
    db.session.add(row(world))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_enum_values_are_checked_by_the_database(world, db):
    with pytest.raises((IntegrityError, sa.exc.StatementError)):
        db.session.execute(
            sa.text(
                "INSERT INTO external_occupation (person_id, kind, hours_per_week, from_date,"
                " description, source, recorded_at)"
                " VALUES (:p, 'holiday', 1, '2026-01-01', '', 'manual', '2026-01-01 00:00:00')"
            ),
            {"p": world.person_a.id},
        )
    db.session.rollback()
