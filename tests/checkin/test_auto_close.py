"""Auto-close: visits left open after their session end get a missing_checkout event."""

from __future__ import annotations

import sqlalchemy as sa

from checkin import services
from portal.attendance import EventFact, derive_visits
from portal.extensions import db
from portal.models import AttendanceEvent, EventKind, EventSource
from tests.checkin.conftest import local


def _events():
    return db.session.scalars(sa.select(AttendanceEvent).order_by(AttendanceEvent.id)).all()


def test_an_open_visit_is_closed_at_session_end_with_missing_checkout(ck, monday):
    ck.scan(ck.code())
    db.session.commit()
    monday.move_to(local("2026-03-02 11:59"))
    assert services.auto_close() == 0  # the session has not ended yet
    monday.move_to(local("2026-03-02 12:05"))
    assert services.auto_close() == 1
    db.session.commit()
    closing = _events()[-1]
    assert (closing.kind, closing.source, closing.reason) == (
        EventKind.AUTO_CLOSE,
        EventSource.AUTO,
        "missing_checkout",
    )
    assert closing.occurred_at == local("2026-03-02 12:00")
    [visit] = derive_visits(EventFact.of(e) for e in _events())
    assert visit.missing_checkout and visit.out_at is None
    assert visit.auto_closed_at == local("2026-03-02 12:00")


def test_auto_close_is_idempotent_and_leaves_closed_visits_alone(ck, monday, runner):
    ck.scan(ck.code())
    ck.scan(ck.code(ck.person), "out", at=local("2026-03-02 11:00"))
    db.session.commit()
    # Bashir: checked in by hand, never out.
    from portal.models import EventStatus

    db.session.add(
        AttendanceEvent(
            event_id="6f1f5e5e-0000-4000-8000-000000000001",
            person_id=ck.world.person_b.id,
            site_id=ck.world.site_a.id,
            activity_id=ck.world.activity_a.id,
            session_id=ck.world.activity_a.sessions[0].id,
            kind=EventKind.IN,
            source=EventSource.MANUAL,
            occurred_at=local("2026-03-02 09:10"),
            status=EventStatus.ACCEPTED,
        )
    )
    db.session.commit()
    monday.move_to(local("2026-03-02 12:30"))
    first = runner.invoke(args=["checkin", "auto-close"])
    second = runner.invoke(args=["checkin", "auto-close"])
    assert first.exit_code == 0 and "auto-closed 1 visit(s)" in first.output
    assert "auto-closed 0 visit(s)" in second.output
    db.session.expire_all()
    closes = [e for e in _events() if e.kind == EventKind.AUTO_CLOSE]
    assert [c.person_id for c in closes] == [ck.world.person_b.id]


def test_a_late_check_out_that_arrives_after_auto_close_still_counts(ck, monday):
    import uuid

    code = ck.code()
    ck.scan(code)
    monday.move_to(local("2026-03-02 12:30"))
    services.auto_close()
    services.sync_batch(
        ck.device,
        [
            {
                "event_id": str(uuid.uuid4()),
                "code": code,
                "mode": "out",
                "occurred_at": local("2026-03-02 11:40").isoformat(),
            }
        ],
    )
    [visit] = derive_visits(EventFact.of(e) for e in _events())
    assert visit.out_at == local("2026-03-02 11:40") and not visit.missing_checkout


def test_the_rotate_key_command(runner, app):
    result = runner.invoke(args=["checkin", "rotate-key"])
    assert result.exit_code == 0 and "new signing key" in result.output
