"""The applicant's messages and channel choice, the administrators' page; who may see what."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
import time_machine

from portal.models import (
    Channel,
    ContactVerification,
    OutboxMessage,
    OutboxStatus,
    PortalMessage,
)
from portal.notices import notify
from portal.notices.contact import normalise_phone
from portal.notices.services import kind_switches
from tests.notices.conftest import verified


def _code(db, channel: str) -> str:
    row = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.kind == "verify_code", OutboxMessage.channel == channel)
        .order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"\b(\d{6})\b", row.body).group(1)


@pytest.mark.parametrize(
    "who, path, expected",
    [
        ("anonymous", "/meddelanden", 302),
        ("anonymous", "/mina-uppgifter/kontakt", 302),
        ("anonymous", "/admin/notices/", 302),
        ("caseworker", "/meddelanden", 403),
        ("admin", "/meddelanden", 403),
        ("site_staff", "/mina-uppgifter/kontakt", 403),
        ("person_a", "/admin/notices/", 403),
        ("caseworker", "/admin/notices/", 403),
        ("auditor", "/admin/notices/", 403),
        ("site_staff", "/admin/notices/", 403),
        ("person_a", "/meddelanden", 200),
        ("person_a", "/mina-uppgifter/kontakt", 200),
        ("admin", "/admin/notices/", 200),
    ],
)
def test_pages_by_role(client, world, login, who, path, expected):
    if who != "anonymous":
        login(getattr(world, who))
    assert client.get(path).status_code == expected


@pytest.mark.parametrize(
    "who, path",
    [
        ("caseworker", "/mina-uppgifter/kontakt/sms/kod"),
        ("person_a", "/admin/notices/kinds"),
        ("caseworker", "/admin/notices/1/retry"),
    ],
)
def test_posts_by_the_wrong_role_are_refused(client, world, login, who, path):
    login(getattr(world, who))
    assert client.post(path).status_code == 403


def test_messages_newest_first_unread_count_in_the_menu_and_opening_reads(client, world, login, db):
    alma = world.person_a
    with time_machine.travel("2026-12-01 10:00:00+01:00"):
        notify(None, alma, "absence_decision", key="a", date="2026-11-30")
    with time_machine.travel("2026-12-02 10:00:00+01:00"):
        notify(None, alma, "plan_to_acknowledge", key="2", version=2, valid_from="2026-12-07")
    db.session.commit()
    login(alma)
    page = client.get("/meddelanden").get_data(as_text=True)
    assert page.index("Ny version av din plan") < page.index("Din frånvaroanmälan är bedömd")
    assert page.count("Oläst") == 2
    assert re.search(r"Meddelanden\s*<span class=\"tag tag-info\">2<span", page)

    first = db.session.scalars(sa.select(PortalMessage).order_by(PortalMessage.id)).first()
    opened = client.get(f"/meddelanden/{first.id}").get_data(as_text=True)
    assert "Din frånvaroanmälan är bedömd" in opened and "30 november 2026" in opened
    assert 'href="/franvaro"' in opened
    page = client.get("/meddelanden").get_data(as_text=True)
    assert page.count("Oläst") == 1
    assert re.search(r"Meddelanden\s*<span class=\"tag tag-info\">1<span", page)


def test_another_persons_message_is_not_found(client, world, login, db):
    notify(None, world.person_b, "absence_decision", key="a", date="2026-11-30")
    db.session.commit()
    message = db.session.scalars(sa.select(PortalMessage)).one()
    login(world.person_a)
    assert client.get(f"/meddelanden/{message.id}").status_code == 404
    db.session.refresh(message)
    assert message.read_at is None


def test_the_applicant_chooses_channels_and_verifies_the_number_with_a_code(
    client, world, login, db
):
    login(world.person_a)
    resp = client.post(
        "/mina-uppgifter/kontakt",
        data={"choice": "both", "email": "Alma@Example.se", "phone": "070-123 45 67"},
    )
    assert resp.status_code == 302
    db.session.expire_all()
    alma = world.person_a
    assert (alma.email, alma.phone, alma.notify_email, alma.notify_sms) == (
        "alma@example.se",
        "+46701234567",
        True,
        True,
    )
    assert "Inte bekräftad" in client.get("/mina-uppgifter/kontakt").get_data(as_text=True)

    assert client.post("/mina-uppgifter/kontakt/sms/kod").status_code == 302
    row = db.session.scalars(sa.select(OutboxMessage)).one()
    assert (row.kind, row.channel, row.recipient) == ("verify_code", "sms", "+46701234567")
    assert row.status == OutboxStatus.QUEUED and row.next_attempt_at <= row.created_at
    code = _code(db, "sms")
    stored = db.session.scalars(sa.select(ContactVerification)).one()
    assert code not in stored.code_hash  # only a keyed hash is kept

    wrong = "000000" if code != "000000" else "111111"
    resp = client.post("/mina-uppgifter/kontakt/sms/bekrafta", data={"code": wrong})
    assert "Koden stämmer inte" in client.get(resp.location).get_data(as_text=True)
    db.session.refresh(stored)
    assert stored.attempts == 1 and stored.verified_at is None  # the wrong guess is counted

    client.post("/mina-uppgifter/kontakt/sms/bekrafta", data={"code": code})
    db.session.refresh(stored)
    assert stored.verified_at is not None
    page = client.get("/mina-uppgifter/kontakt").get_data(as_text=True)
    assert "Bekräftad" in page

    notify(None, alma, "absence_decision", key="a", date="2026-11-30")
    assert {
        r.channel for r in db.session.scalars(sa.select(OutboxMessage)) if r.kind != "verify_code"
    } == {Channel.SMS}  # e-mail is chosen but not verified yet


def test_choosing_a_channel_needs_its_address(client, world, login, db):
    login(world.person_a)
    resp = client.post("/mina-uppgifter/kontakt", data={"choice": "sms", "phone": ""})
    assert resp.status_code == 400
    assert "Skriv ditt mobilnummer" in resp.get_data(as_text=True)
    resp = client.post("/mina-uppgifter/kontakt", data={"choice": "sms", "phone": "08-123 456 78"})
    assert resp.status_code == 400 and "Skriv ett mobilnummer" in resp.get_data(as_text=True)


def test_codes_are_rate_limited_expire_and_stop_after_wrong_guesses(client, world, login, db):
    verified(world.person_a)  # no addresses yet
    world.person_a.email = "alma@example.se"
    db.session.commit()
    with time_machine.travel("2026-12-06 10:00:00+01:00"):
        login(world.person_a)
        for _ in range(3):
            client.post("/mina-uppgifter/kontakt/email/kod")
        resp = client.post("/mina-uppgifter/kontakt/email/kod")
        assert "för många koder" in client.get(resp.location).get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ContactVerification)) == 3
        code = _code(db, "email")
    with time_machine.travel("2026-12-06 10:16:00+01:00"):  # the code lived 15 minutes
        login(world.person_a)
        resp = client.post("/mina-uppgifter/kontakt/email/bekrafta", data={"code": code})
        assert "ingen giltig kod" in client.get(resp.location).get_data(as_text=True)
    with time_machine.travel("2026-12-06 11:01:00+01:00"):
        login(world.person_a)
        client.post("/mina-uppgifter/kontakt/email/kod")
        code = _code(db, "email")
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            resp = client.post("/mina-uppgifter/kontakt/email/bekrafta", data={"code": wrong})
        assert "fel kod för många gånger" in client.get(resp.location).get_data(as_text=True)
        client.post("/mina-uppgifter/kontakt/email/bekrafta", data={"code": code})
    assert not db.session.scalar(
        sa.select(sa.exists().where(ContactVerification.verified_at.is_not(None)))
    )


def test_phone_numbers_are_normalised():
    assert normalise_phone("070-123 45 67") == "+46701234567"
    assert normalise_phone("0046 70 123 45 67") == "+46701234567"
    assert normalise_phone("+47 412 34 567") == "+4741234567"


def test_administrators_see_failed_deliveries_without_content_and_can_retry(
    client, world, login, db
):
    alma = verified(world.person_a, email="alma@example.se")
    notify(None, alma, "absence_decision", key="a", date="2026-11-30")
    row = db.session.scalars(sa.select(OutboxMessage)).one()
    row.status, row.attempts, row.last_error = (
        OutboxStatus.FAILED,
        8,
        "smtp: ConnectionRefusedError",
    )
    db.session.commit()
    login(world.admin)
    page = client.get("/admin/notices/").get_data(as_text=True)
    assert "Bedömning av frånvaroanmälan" in page and "smtp: ConnectionRefusedError" in page
    assert "a…@example.se" in page and "alma@example.se" not in page
    assert row.body.split("\n")[2] not in page  # no message text
    assert client.post(f"/admin/notices/{row.id}/retry").status_code == 302
    db.session.refresh(row)
    assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 0)
    assert client.post(f"/admin/notices/{row.id}/retry").status_code == 404


def test_administrators_switch_kinds_on_and_off(client, world, login, db):
    login(world.admin)
    resp = client.post("/admin/notices/kinds", data={"kind": ["application_decision", "bogus"]})
    assert resp.status_code == 302
    switches = kind_switches(world.municipality.id)
    assert switches["application_decision"] is True
    assert switches["reminder_tomorrow"] is False and switches["missed_checkin"] is False


def test_a_failed_delivery_of_another_municipality_is_not_shown(client, world, login, db):
    from tests import factories

    other = factories.municipality(name="Annan kommun")
    stranger = verified(factories.person(other), email="x@example.se")
    notify(None, stranger, "absence_decision", key="a", date="2026-11-30")
    row = db.session.scalars(sa.select(OutboxMessage)).one()
    row.status = OutboxStatus.FAILED
    db.session.commit()
    login(world.admin)
    assert "x…@example.se" not in client.get("/admin/notices/").get_data(as_text=True)
    assert client.post(f"/admin/notices/{row.id}/retry").status_code == 404
