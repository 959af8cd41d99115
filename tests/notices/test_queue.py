"""``flask notices queue``: notices due with time, idempotently; and one notice of every kind,
each from the situation that causes it."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from portal.models import (
    AbsenceReport,
    Application,
    DecisionOutcome,
    OutboxMessage,
    PortalMessage,
    StaffRole,
)
from portal.notices import KINDS, notify
from tests.casework import builders as b
from tests.notices.conftest import verified

SUNDAY_AFTERNOON = "2026-12-06 16:00:00+01:00"
SUNDAY_MORNING = "2026-12-06 11:00:00+01:00"
MONDAY_AFTER_CLASS = "2026-12-07 13:00:00+01:00"


def _count(db, model, **where):
    query = sa.select(sa.func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


@pytest.fixture
def planned(world, db):
    """Alma (e-mail and SMS) and Bashir (no channel) are planned for Monday 09–12."""
    alma = verified(world.person_a, email="alma@example.se", phone="+46701234567")
    b.plan(alma, world.activity_a, valid_from=date(2026, 11, 30))
    b.plan(world.person_b, world.activity_a, valid_from=date(2026, 11, 30))
    db.session.commit()
    return alma, world.person_b


def test_reminders_go_out_the_afternoon_before_and_a_second_run_queues_nothing(runner, db, planned):
    alma, bashir = planned
    with time_machine.travel(SUNDAY_MORNING, tick=False):
        result = runner.invoke(args=["notices", "queue"])
        assert "queued 0 reminder(s)" in result.output
    with time_machine.travel(SUNDAY_AFTERNOON, tick=False):
        first = runner.invoke(args=["notices", "queue"])
        second = runner.invoke(args=["notices", "queue"])
    assert first.exit_code == 0, first.output
    assert "queued 2 reminder(s)" in first.output
    assert "queued 0 reminder(s), 0 missed check-in(s), 0 staff reminder(s)" in second.output
    assert _count(db, PortalMessage, kind="reminder_tomorrow") == 2
    rows = list(db.session.scalars(sa.select(OutboxMessage)))
    assert {(r.person_id, r.channel.value) for r in rows} == {
        (alma.id, "email"),
        (alma.id, "sms"),
    }
    sms = next(r for r in rows if r.channel.value == "sms")
    assert "i morgon, måndag 7 december, kl. 09:00" in sms.body
    assert "/plan" in sms.body


def test_no_reminder_for_a_day_the_person_has_reported_absent(runner, db, planned):
    alma, _ = planned
    b.absence(alma, "2026-12-07 08:00", "2026-12-07 17:00")
    db.session.commit()
    with time_machine.travel(SUNDAY_AFTERNOON, tick=False):
        runner.invoke(args=["notices", "queue"])
    assert _count(db, PortalMessage, person_id=alma.id) == 0


def test_a_missed_check_in_is_noticed_once_and_not_for_who_came(runner, db, world, planned):
    alma, bashir = planned
    b.scan(bashir, world.activity_a, "in", "2026-12-07 08:55")
    db.session.commit()
    with time_machine.travel(MONDAY_AFTER_CLASS, tick=False):
        first = runner.invoke(args=["notices", "queue"])
        second = runner.invoke(args=["notices", "queue"])
    assert "1 missed check-in(s)" in first.output
    assert "0 missed check-in(s)" in second.output
    (message,) = db.session.scalars(
        sa.select(PortalMessage).where(PortalMessage.kind == "missed_checkin")
    )
    assert message.person_id == alma.id
    assert message.params["start"] == "09:00" and message.params["date"] == "2026-12-07"
    assert _count(db, OutboxMessage, kind="missed_checkin") == 2


def test_an_annulled_check_in_does_not_count_as_coming(runner, db, world, planned):
    from portal.models import AttendanceEvent, EventKind, EventSource, EventStatus

    alma, _ = planned
    scan = b.scan(alma, world.activity_a, "in", "2026-12-07 09:00")
    db.session.add(
        AttendanceEvent(
            event_id="annul-1",
            person_id=alma.id,
            site_id=scan.site_id,
            activity_id=scan.activity_id,
            kind=EventKind.ANNUL,
            source=EventSource.MANUAL,
            occurred_at=scan.occurred_at,
            status=EventStatus.ACCEPTED,
            supersedes_id=scan.id,
        )
    )
    db.session.commit()
    with time_machine.travel(MONDAY_AFTER_CLASS, tick=False):
        runner.invoke(args=["notices", "queue"])
    assert _count(db, PortalMessage, person_id=alma.id, kind="missed_checkin") == 1


def test_a_notice_of_every_kind_from_the_situation_that_causes_it(
    app, client, login, runner, db, world, planned
):
    alma, _ = planned
    # application_decision: a caseworker decides Alma's application.
    application = b.application(alma, "2026-12")
    # absence_decision: she reported an absence, which the caseworker accepts.
    report = b.absence(alma, "2026-12-02 08:00", "2026-12-02 17:00")
    # sla_overdue: Bashir's application has waited far beyond the first-contact time.
    from datetime import timedelta

    from portal.models import utcnow

    b.application(world.person_b, "2026-12", submitted_at=utcnow() - timedelta(days=5))
    db.session.commit()
    login(world.caseworker)
    resp = client.post(
        f"/admin/cases/applications/{application.public_ref}/decision",
        data={"outcome": "approved", "amount_sek": "5000", "reasons": "Du har rätt till stöd."},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    resp = client.post(
        f"/admin/cases/absences/{report.public_ref}", data={"decision": "approved", "note": ""}
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)
    # plan_to_acknowledge: the caseworker saves a new plan version.
    from admin.plans import services as plans

    with app.test_request_context():
        item = plans.add_item([], world.activity_a, (), alma)
        plans.save_plan(
            alma,
            item,
            plans.PlanInput(
                valid_from=date.today(),
                follow_up_date=date.today() + timedelta(days=60),
                purpose="Stärka svenskan.",
            ),
            actor_id=world.caseworker.id,
            today=date.today(),
        )
    # intended_decision: the casework code (the lead's) calls notify with the reply date.
    notify(None, alma, "intended_decision", key="sanction-1", reply_by=date(2026, 12, 14))
    db.session.commit()
    # reminder_tomorrow, missed_checkin and sla_overdue: the scheduled queue.
    with time_machine.travel(SUNDAY_AFTERNOON, tick=False):
        runner.invoke(args=["notices", "queue"])
    with time_machine.travel(MONDAY_AFTER_CLASS, tick=False):
        result = runner.invoke(args=["notices", "queue"])
    assert "1 staff reminder(s)" in result.output

    kinds = set(db.session.scalars(sa.select(OutboxMessage.kind)))
    assert kinds == set(KINDS)
    staff = list(
        db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "sla_overdue"))
    )
    assert len(staff) == 2  # one a day: Sunday afternoon's run and Monday's
    assert {(m.staff_user_id, m.person_id, m.recipient) for m in staff} == {
        (world.caseworker_b.id, None, world.caseworker_b.email)
    }
    assert db.session.get(Application, application.id).state == "decided"
    assert db.session.get(AbsenceReport, report.id).decision == "approved"
    # Every applicant notice is also in Alma's list in the portal.
    assert set(
        db.session.scalars(sa.select(PortalMessage.kind).where(PortalMessage.person_id == alma.id))
    ) == set(KINDS) - {"sla_overdue"}
    assert world.caseworker_b.role == StaffRole.CASEWORKER
    assert DecisionOutcome.APPROVED  # the decision itself is only in the portal
