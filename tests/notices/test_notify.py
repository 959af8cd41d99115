"""notify(): a portal message and e-mail/SMS on verified channels, once, in the caller's
transaction; the municipality's switches."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.models import Channel, OutboxMessage, OutboxStatus, PortalMessage
from portal.notices import APPLICANT_KINDS, notify
from portal.notices import services as notices
from tests.notices.conftest import BASE_URL, verified


def _outbox(db):
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_notify_puts_a_message_in_the_portal_and_queues_each_verified_channel(world, db):
    person = verified(world.person_a, email="alma@example.se", phone="+46701234567")
    notify(None, person, "absence_decision", key="abc", date="2026-12-01")

    message = db.session.scalars(sa.select(PortalMessage)).one()
    assert (message.person_id, message.kind, message.read_at) == (
        person.id,
        "absence_decision",
        None,
    )
    rows = _outbox(db)
    assert {(r.channel, r.recipient) for r in rows} == {
        (Channel.EMAIL, "alma@example.se"),
        (Channel.SMS, "+46701234567"),
    }
    assert all(r.status == OutboxStatus.QUEUED and r.person_id == person.id for r in rows)
    email = next(r for r in rows if r.channel == Channel.EMAIL)
    assert email.subject == "Nytt meddelande i Aktivitetsportalen"
    assert f"{BASE_URL}/meddelanden" in email.body


def test_the_same_notice_is_never_queued_twice(world, db):
    person = verified(world.person_a, email="alma@example.se")
    for _ in range(3):
        notify(None, person, "plan_to_acknowledge", key="2", version=2, valid_from="2026-12-07")
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PortalMessage)) == 1
    assert len(_outbox(db)) == 1
    # A different event of the same kind is a new notice.
    notify(None, person, "plan_to_acknowledge", key="3", version=3, valid_from="2026-12-14")
    assert len(_outbox(db)) == 2


def test_notify_flushes_in_the_callers_transaction_and_a_rollback_takes_it_back(world, db):
    person = verified(world.person_a, email="alma@example.se")
    db.session.commit()
    notify(db.session, person, "absence_decision", key="x", date="2026-12-01")
    assert len(_outbox(db)) == 1  # visible in the transaction …
    db.session.rollback()
    assert _outbox(db) == []  # … and gone with it: the event and its notice go together
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PortalMessage)) == 0


def test_channels_not_chosen_or_not_verified_get_nothing(world, db):
    person = world.person_a
    person.email, person.notify_email = "alma@example.se", True  # chosen, never verified
    person.phone, person.notify_sms = "+46701234567", False  # not chosen
    notify(None, person, "absence_decision", key="x", date="2026-12-01")
    assert _outbox(db) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PortalMessage)) == 1


def test_a_changed_address_is_not_verified_until_a_new_code(world, db):
    person = verified(world.person_a, email="alma@example.se")
    assert notices.delivery_channels(person) == [(Channel.EMAIL, "alma@example.se")]
    person.email = "alma@annan.se"
    assert notices.delivery_channels(person) == []


def test_a_kind_switched_off_by_the_municipality_is_not_sent_at_all(world, db):
    person = verified(world.person_a, email="alma@example.se")
    notices.set_kind_switches(world.municipality.id, set(APPLICANT_KINDS) - {"missed_checkin"})
    notify(
        None, person, "missed_checkin", key="d", date="2026-12-07", start="09:00", end="12:00",
        activity="Svenska",
    )  # fmt: skip
    assert _outbox(db) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PortalMessage)) == 0
    assert notices.kind_switches(world.municipality.id)["missed_checkin"] is False
    notify(None, person, "absence_decision", key="x", date="2026-12-01")
    assert len(_outbox(db)) == 1


def test_unknown_kinds_and_values_that_are_not_plain_data_are_refused(world):
    with pytest.raises(ValueError):
        notify(None, world.person_a, "something_else", key="x")
    with pytest.raises(TypeError):
        notify(None, world.person_a, "absence_decision", key="x", date=object())


def test_texts_are_in_the_persons_language(world, db):
    person = verified(world.person_a, email="alma@example.se", phone="+46701234567", language="en")
    notify(None, person, "intended_decision", key="k1", reply_by="2026-12-14")
    email, sms = sorted(_outbox(db), key=lambda r: r.channel.value)
    assert email.subject == "New message in Aktivitetsportalen"
    assert "14 December 2026" in email.body and "must be answered by" in email.body
    assert sms.body.startswith("You have a new message in Aktivitetsportalen. Reply by")


def test_long_keys_are_shortened_to_fit(world, db):
    person = verified(world.person_a, email="alma@example.se")
    notify(None, person, "absence_decision", key="x" * 300, date="2026-12-01")
    notify(None, person, "absence_decision", key="x" * 300, date="2026-12-01")
    assert len(_outbox(db)) == 1
    assert len(_outbox(db)[0].dedupe_key) <= 120


def test_a_link_given_by_the_caller_must_be_a_local_path(app, world, db):
    person = world.person_a
    notify(None, person, "intended_decision", key="k", reply_by="2026-12-14", link="/ansokan/abc")
    message = db.session.scalars(sa.select(PortalMessage)).one()
    with app.test_request_context():
        assert notices.render(message).link == "/ansokan/abc"
    for bad in ("https://evil.example/", "//evil.example/x", "ansokan"):
        with pytest.raises(ValueError):
            notify(None, person, "intended_decision", key=bad, reply_by="2026-12-14", link=bad)
