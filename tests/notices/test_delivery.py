"""The sender against a real SMTP server in the test process (aiosmtpd)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.models import OutboxMessage, OutboxStatus, utcnow
from portal.notices import notify
from portal.notices.delivery import backoff, send_queued
from tests.conftest import POSTGRES_ONLY
from tests.notices.conftest import verified


def _rows(db):
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_notices_arrive_with_recipient_subject_and_language(world, db, smtp):
    alma = verified(world.person_a, email="alma@example.se", language="sv")
    bashir = verified(world.person_b, email="bashir@example.se", language="en")
    notify(None, alma, "absence_decision", key="a", date="2026-12-01")
    notify(None, bashir, "absence_decision", key="b", date="2026-12-01")
    db.session.commit()

    summary = send_queued()

    assert (summary.sent, summary.retrying, summary.failed) == (2, 0, 0)
    got = {tuple(to): message for to, message in smtp.wait_for(2)}
    sv, en = got[("alma@example.se",)], got[("bashir@example.se",)]
    assert sv["Subject"] == "Nytt meddelande i Aktivitetsportalen"
    assert sv["Content-Language"] == "sv" and sv["From"] == "aktivitetsportalen@kommun.test"
    assert "Du har fått ett nytt meddelande" in sv.get_content()
    assert en["Subject"] == "New message in Aktivitetsportalen"
    assert en["Content-Language"] == "en"
    assert "You have a new message" in en.get_content()
    assert all(r.status == OutboxStatus.SENT and r.sent_at and r.attempts == 1 for r in _rows(db))
    # Sending again sends nothing.
    assert send_queued().sent == 0
    assert len(smtp.inbox.messages) == 2


def test_a_server_that_is_down_leaves_them_queued_and_they_arrive_once_when_it_is_back(
    world, db, smtp_port
):
    from tests.notices.conftest import SmtpServer

    alma = verified(world.person_a, email="alma@example.se")
    notify(None, alma, "absence_decision", key="a", date="2026-12-01")
    db.session.commit()
    now = utcnow()

    down = send_queued(now)  # nothing listens on the port
    assert (down.sent, down.retrying) == (0, 1)
    (row,) = _rows(db)
    assert row.status == OutboxStatus.QUEUED and row.attempts == 1
    assert row.next_attempt_at == now + backoff(1) and "smtp" in row.last_error
    # Before the backoff has passed, nothing is tried.
    assert send_queued(now + timedelta(seconds=30)).retrying == 0

    server = SmtpServer(smtp_port)
    server.start()
    try:
        back = send_queued(now + timedelta(minutes=2))
        again = send_queued(now + timedelta(hours=1))
        assert (back.sent, again.sent) == (1, 0)
        assert len(server.wait_for(1)) == 1
        (row,) = _rows(db)
        assert row.status == OutboxStatus.SENT and row.attempts == 2 and row.last_error == ""
    finally:
        server.stop()


def test_backoff_doubles_and_the_message_fails_after_the_limit(world, db):
    alma = verified(world.person_a, email="alma@example.se")
    notify(None, alma, "absence_decision", key="a", date="2026-12-01")
    db.session.commit()
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(30) == timedelta(hours=6)
    now = utcnow()
    for attempt in range(1, 4):
        summary = send_queued(now, max_attempts=3)
        now += backoff(attempt)
    assert summary.failed == 1
    (row,) = _rows(db)
    assert row.status == OutboxStatus.FAILED and row.attempts == 3
    assert send_queued(now + timedelta(days=1)).failed == 0  # a failed message is left alone


def test_a_refused_recipient_fails_at_once(world, db, smtp):
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 No such user"

    smtp.stop()
    smtp.inbox = Refusing()
    smtp.start()
    alma = verified(world.person_a, email="nobody@example.se")
    notify(None, alma, "absence_decision", key="a", date="2026-12-01")
    db.session.commit()
    assert send_queued().failed == 1
    (row,) = _rows(db)
    assert row.status == OutboxStatus.FAILED and row.last_error == "recipient refused"


@pytest.mark.postgres
@POSTGRES_ONLY
def test_two_senders_at_once_send_each_message_exactly_once(app, world, db, smtp):
    """FOR UPDATE SKIP LOCKED is PostgreSQL's; two senders in threads on one queue."""
    assert db.engine.dialect.name == "postgresql"
    from tests import factories

    people = [
        verified(factories.person(world.municipality), email=f"p{i}@example.se") for i in range(30)
    ]
    for person in people:
        notify(None, person, "absence_decision", key="a", date="2026-12-01")
    db.session.commit()

    start = threading.Barrier(2)
    summaries, errors = [], []

    def sender():
        try:
            with app.app_context():
                start.wait()
                summaries.append(send_queued(batch=3))
                from portal.extensions import db as thread_db

                thread_db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(s.sent for s in summaries) == 30
    received = [to[0] for to, _ in smtp.wait_for(30)]
    assert sorted(received) == sorted(f"p{i}@example.se" for i in range(30))
    assert all(r.status == OutboxStatus.SENT and r.attempts == 1 for r in _rows(db))


def test_a_slow_sender_gives_back_what_it_cannot_send_within_its_lease(world, db, monkeypatch):
    from portal.notices import delivery
    from tests import factories

    monkeypatch.setattr(delivery, "LEASE", timedelta(seconds=0.2))
    for i in range(3):
        person = verified(factories.person(world.municipality), email=f"p{i}@example.se")
        notify(None, person, "absence_decision", key="a", date="2026-12-01")
    db.session.commit()
    released = []
    real_release = delivery.release

    def spy(ids, now):
        released.append(list(ids))
        real_release(ids, now)

    monkeypatch.setattr(delivery, "release", spy)

    class SlowMailer:
        def __init__(self):
            self.sent = []

        def send(self, to, subject, body, language):
            import time

            time.sleep(0.15)
            self.sent.append(to)

        def close(self):
            pass

    mailer = SlowMailer()
    summary = send_queued(mailer=mailer)
    assert summary.sent == 3
    assert sorted(mailer.sent) == ["p0@example.se", "p1@example.se", "p2@example.se"]
    assert released  # the rest of a batch went back to the queue and was claimed again
    assert all(r.status == OutboxStatus.SENT and r.attempts == 1 for r in _rows(db))


def test_flask_notices_send_delivers_once_and_says_what_it_did(runner, world, db, smtp):
    alma = verified(world.person_a, email="alma@example.se")
    notify(None, alma, "absence_decision", key="a", date="2026-12-01")
    db.session.commit()
    first = runner.invoke(args=["notices", "send"])
    second = runner.invoke(args=["notices", "send"])
    assert first.exit_code == 0, first.output
    assert "sent 1, retrying later 0, failed 0" in first.output
    assert "sent 0, retrying later 0, failed 0" in second.output
    assert [to for to, _ in smtp.wait_for(1)] == [["alma@example.se"]]


def test_while_the_server_is_down_the_rest_wait_without_each_trying(world, db, smtp_port):
    from tests import factories
    from tests.notices.conftest import SmtpServer

    for i in range(3):
        person = verified(factories.person(world.municipality), email=f"p{i}@example.se")
        notify(None, person, "absence_decision", key="a", date="2026-12-01")
    db.session.commit()
    now = utcnow()
    down = send_queued(now)
    assert (down.sent, down.retrying) == (0, 3)
    rows = _rows(db)
    assert [r.attempts for r in rows] == [1, 0, 0]  # only the first one tried
    assert all(r.status == OutboxStatus.QUEUED for r in rows)
    server = SmtpServer(smtp_port)
    server.start()
    try:
        assert send_queued(now + timedelta(minutes=2)).sent == 3
        assert len(server.wait_for(3)) == 3
    finally:
        server.stop()
