"""Site staff pages and administrators' devices: roles (403), scope (404), audit, corrections."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from checkin import services
from portal.attendance import EventFact, derive_visits
from portal.extensions import db
from portal.models import AttendanceEvent, AuditEntry, Device, EventKind, EventSource
from tests import factories
from tests.checkin.conftest import local


def _events():
    return db.session.scalars(sa.select(AttendanceEvent).order_by(AttendanceEvent.id)).all()


def _visits():
    return derive_visits(EventFact.of(e) for e in _events())


def _audits(action=None):
    q = sa.select(AuditEntry)
    if action:
        q = q.where(AuditEntry.action == action)
    return db.session.scalars(q).all()


STAFF_PAGES = ["/checkin/", "/checkin/granska"]


@pytest.mark.parametrize("who", ["caseworker", "admin", "auditor", "person_a"])
def test_other_roles_get_403_on_site_staff_pages(client, ck, login, who):
    login(getattr(ck.world, who))
    for url in STAFF_PAGES + [f"/checkin/platser/{ck.world.site_a.public_ref}"]:
        assert client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in(client, ck):
    assert client.get("/checkin/").status_code == 302
    assert client.get("/checkin/min-kod").status_code == 302


def test_site_staff_see_their_site_and_get_404_for_another(client, ck, login):
    ck.scan(ck.code())
    db.session.commit()
    login(ck.world.site_staff)
    page = client.get(f"/checkin/platser/{ck.world.site_a.public_ref}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Alma" in text and "Incheckad 09:30" in text
    assert ck.person.identity.personnummer not in text
    assert client.get(f"/checkin/platser/{ck.world.site_b.public_ref}").status_code == 404
    assert client.get("/checkin/platser/nosuchsite").status_code == 404
    [audit] = _audits("read")
    assert audit.object_type == "site_attendance" and audit.actor_user_id == ck.world.site_staff.id


def test_another_sites_event_is_not_found(client, ck, login):
    other_staff = factories.staff(
        ck.world.municipality, factories.StaffRole.SITE_STAFF, sites=[ck.world.site_b]
    )
    event = ck.scan(ck.code()).event
    db.session.commit()
    login(other_staff)
    url = f"/checkin/platser/{ck.world.site_a.public_ref}/handelser/{event.event_id}"
    assert client.get(url).status_code == 404
    assert (
        client.get(
            f"/checkin/platser/{ck.world.site_b.public_ref}/handelser/{event.event_id}"
        ).status_code
        == 404
    )


def test_a_correction_is_a_new_row_with_reason_and_audit(client, ck, login):
    event = ck.scan(ck.code()).event
    db.session.commit()
    login(ck.world.site_staff)
    url = f"/checkin/platser/{ck.world.site_a.public_ref}/handelser/{event.event_id}"
    assert client.get(url).status_code == 200
    bad = client.post(url, data={"action": "correct", "c-time": "09:05", "c-reason": ""})
    assert bad.status_code == 400 and "Skriv varför." in bad.get_data(as_text=True)
    resp = client.post(
        url, data={"action": "correct", "c-time": "09:05", "c-reason": "Kortläsaren krånglade"}
    )
    assert resp.status_code == 302
    original, correction = _events()
    assert correction.kind == EventKind.CORRECTION and correction.supersedes_id == original.id
    assert (
        correction.actor_user_id == ck.world.site_staff.id
        and correction.note == "Kortläsaren krånglade"
    )
    assert original.occurred_at == local("2026-03-02 09:30")  # never changed
    [visit] = _visits()
    assert visit.in_at == local("2026-03-02 09:05") and visit.corrected
    [audit] = _audits("correct")
    assert audit.person_id == ck.person.id and audit.why == "Kortläsaren krånglade"


def test_an_annulment_removes_the_visit(client, ck, login):
    event = ck.scan(ck.code()).event
    db.session.commit()
    login(ck.world.site_staff)
    url = f"/checkin/platser/{ck.world.site_a.public_ref}/handelser/{event.event_id}"
    resp = client.post(url, data={"action": "annul", "a-annul_reason": "Fel person skannades"})
    assert resp.status_code == 302
    assert _visits() == []
    assert _events()[1].kind == EventKind.ANNUL
    assert _audits("annul")[0].person_id == ck.person.id


def test_a_rejected_scan_cannot_be_corrected(client, ck, login):
    with pytest.raises(services.ScanRejected):
        ck.scan("garbage")
    db.session.commit()
    event = _events()[0]
    login(ck.world.site_staff)
    url = f"/checkin/platser/{ck.world.site_a.public_ref}/handelser/{event.event_id}"
    resp = client.post(url, data={"action": "annul", "a-annul_reason": "Det var fel"})
    assert "kan inte rättas" in resp.get_data(as_text=True)
    assert len(_events()) == 1


def test_site_staff_register_an_expected_participant_by_hand(client, ck, login):
    login(ck.world.site_staff)
    session_id = ck.world.activity_a.sessions[0].id
    resp = client.post(
        f"/checkin/platser/{ck.world.site_a.public_ref}/registrera",
        data={"person": ck.person.public_ref, "session": session_id, "kind": "in"},
    )
    assert resp.status_code == 302
    [event] = _events()
    assert event.source == EventSource.MANUAL and event.actor_user_id == ck.world.site_staff.id
    assert _audits("register")[0].person_id == ck.person.id
    # Not expected here: refused without a trace.
    resp = client.post(
        f"/checkin/platser/{ck.world.site_a.public_ref}/registrera",
        data={"person": ck.world.person_b.public_ref, "session": session_id, "kind": "in"},
    )
    assert resp.status_code == 404 and len(_events()) == 1


def test_the_review_list_is_scoped_and_audited(client, ck, login):
    login(ck.world.site_staff)
    page = client.get("/checkin/granska")
    assert page.status_code == 200 and "Inget att granska" in page.get_data(as_text=True)
    assert _audits("read")[0].object_type == "checkin_review"


# --- Administrators: devices --------------------------------------------------------------------


def test_site_staff_and_caseworkers_cannot_manage_devices(client, ck, login):
    for who in ("site_staff", "caseworker", "person_a"):
        login(getattr(ck.world, who))
        assert client.get("/checkin/enheter").status_code == 403
        assert (
            client.post(f"/checkin/enheter/{ck.device.public_ref}/avregistrera").status_code == 403
        )


def test_an_administrator_registers_a_device_and_sees_the_code_once(client, ck, login):
    login(ck.world.admin)
    page = client.get("/checkin/enheter")
    assert page.status_code == 200 and "Surfplatta" in page.get_data(as_text=True)
    bad = client.post("/checkin/enheter", data={"site": 0, "name": ""})
    assert bad.status_code == 400
    resp = client.post("/checkin/enheter", data={"site": ck.world.site_b.id, "name": "Kiosk B"})
    text = resp.get_data(as_text=True)
    assert (
        resp.status_code == 200
        and "Engångskod för Kiosk B" in text
        and "data:image/svg+xml" in text
    )
    device = db.session.scalar(sa.select(Device).where(Device.name == "Kiosk B"))
    assert device.site_id == ck.world.site_b.id and device.token_hash is None


def test_an_administrator_revokes_a_device(client, ck, login):
    login(ck.world.admin)
    resp = client.post(f"/checkin/enheter/{ck.device.public_ref}/avregistrera")
    assert resp.status_code == 302
    db.session.refresh(ck.device)
    assert ck.device.revoked_at is not None
    assert _audits("revoke")[0].object_ref == ck.device.public_ref
    again = client.post(f"/checkin/enheter/{ck.device.public_ref}/kod")
    assert again.status_code == 302  # a revoked device gets no new code


def test_another_municipalitys_device_is_not_found(client, ck, login):
    other = factories.municipality(code="9999")
    other_admin = factories.staff(other, factories.StaffRole.ADMINISTRATOR)
    db.session.commit()
    login(other_admin)
    assert client.post(f"/checkin/enheter/{ck.device.public_ref}/avregistrera").status_code == 404
    assert client.post(f"/checkin/enheter/{ck.device.public_ref}/kod").status_code == 404
    resp = client.post("/checkin/enheter", data={"site": ck.world.site_a.id, "name": "Stöld"})
    assert resp.status_code == 400
    assert "Plats A" not in client.get("/checkin/enheter").get_data(as_text=True)


def test_device_pages_and_assets_are_served(client, ck):
    for url in ("/checkin/skanner", "/checkin/skarm", "/checkin/registrera-enhet"):
        assert client.get(url).status_code == 200, url
    with client.get("/checkin/sw.js") as sw:
        assert sw.status_code == 200 and sw.mimetype == "text/javascript"
        assert "checkin-v1" in sw.get_data(as_text=True)
    assert client.get("/checkin/vendor/nothing.js").status_code == 404
    assert client.get("/checkin/vendor/..%2Fpackage.json").status_code == 404
