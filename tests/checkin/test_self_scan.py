"""Self check-in: a phone camera opens the kiosk's rotating code URL."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa

from checkin import codes, services
from portal.extensions import db
from portal.models import AttendanceEvent, EventKind, EventSource, EventStatus
from tests.checkin.conftest import local


def _url(site, at):
    slot = codes.slot_of(at)
    mac = codes.site_mac(site.site_key, site.public_ref, slot)
    return f"/checkin/s/{site.public_ref}/{slot}/{mac}"


def _complete(client, resp, **position):
    """Follow the scan to the confirm page and submit it as the page's script would."""
    assert resp.status_code == 302, resp.status_code
    grace = parse_qs(urlparse(resp.location).query)["g"][0]
    page = client.get(resp.location)
    assert page.status_code == 200 and b"self-scan-form" in page.data
    return client.post("/checkin/s/bekrafta", data={"grace": grace, **position})


def _events():
    return db.session.scalars(sa.select(AttendanceEvent).order_by(AttendanceEvent.id)).all()


def test_a_signed_in_applicant_is_checked_in_and_later_out(client, ck, login, monday):
    login(ck.person)
    done = _complete(client, client.get(_url(ck.world.site_a, local("2026-03-02 09:30"))))
    assert done.status_code == 302 and "/checkin/s/klart/" in done.location
    page = client.get(done.location)
    assert "Du är incheckad" in page.get_data(as_text=True)
    monday.move_to(local("2026-03-02 11:50"))
    login(ck.person)  # the sign-in lasts an hour
    done = _complete(client, client.get(_url(ck.world.site_a, local("2026-03-02 11:50"))))
    assert "Du är utcheckad" in client.get(done.location).get_data(as_text=True)
    assert [(e.kind, e.source, e.status) for e in _events()] == [
        (EventKind.IN, EventSource.SELF_SCAN, EventStatus.ACCEPTED),
        (EventKind.OUT, EventSource.SELF_SCAN, EventStatus.ACCEPTED),
    ]


def test_scanning_twice_at_once_does_not_toggle_back(client, ck, login):
    login(ck.person)
    url = _url(ck.world.site_a, local("2026-03-02 09:30"))
    _complete(client, client.get(url))
    again = _complete(client, client.get(url))
    assert "Du är incheckad" in client.get(again.location).get_data(as_text=True)
    assert len(_events()) == 1


def test_reloading_the_confirmation_is_idempotent(client, ck, login):
    login(ck.person)
    resp = client.get(_url(ck.world.site_a, local("2026-03-02 09:30")))
    grace = parse_qs(urlparse(resp.location).query)["g"][0]
    for _ in range(3):
        client.post("/checkin/s/bekrafta", data={"grace": grace})
    assert len(_events()) == 1


def test_a_code_replayed_outside_the_window_is_refused_and_kept(client, ck, login):
    login(ck.person)
    stale = _url(ck.world.site_a, local("2026-03-02 09:30") - timedelta(seconds=61))
    resp = client.get(stale)
    assert resp.status_code == 400
    assert "Koden hann gå ut" in resp.get_data(as_text=True)
    [event] = _events()
    assert (event.status, event.reason, event.person_id) == (
        EventStatus.REJECTED,
        "expired_code",
        ck.person.id,
    )


def test_a_forged_site_code_is_unknown(client, ck, login):
    login(ck.person)
    slot = codes.slot_of(local("2026-03-02 09:30"))
    resp = client.get(f"/checkin/s/{ck.world.site_a.public_ref}/{slot}/AAAAAAAAAAAAAAAA")
    assert resp.status_code == 400
    resp = client.get(f"/checkin/s/nosuchsite/{slot}/AAAAAAAAAAAAAAAA")
    assert resp.status_code == 400
    assert {e.reason for e in _events()} == {"unknown_code"}


def test_someone_not_expected_here_is_told_and_the_refusal_is_kept(client, ck, login):
    login(ck.world.person_b)
    resp = _complete(client, client.get(_url(ck.world.site_a, local("2026-03-02 09:30"))))
    assert resp.status_code == 422
    assert "ingen aktivitet här just nu" in resp.get_data(as_text=True)
    [event] = _events()
    assert (event.status, event.reason) == (EventStatus.REJECTED, "not_enrolled")


def test_signing_in_first_is_not_locked_out_by_the_rotation(client, ck, monday):
    resp = client.get(_url(ck.world.site_a, local("2026-03-02 09:30")))
    assert resp.status_code == 302 and resp.location.endswith("/auth/")
    monday.move_to(local("2026-03-02 09:35"))  # e-identification took five minutes
    signed_in = client.post(f"/auth/dev/{ck.person.public_ref}")
    assert signed_in.status_code == 302 and signed_in.location.startswith("/checkin/s/bekrafta?g=")
    done = _complete(client, signed_in)
    assert "Du är incheckad" in client.get(done.location).get_data(as_text=True)
    [event] = _events()
    assert event.occurred_at == local("2026-03-02 09:30")  # when the code was scanned


def test_the_grace_lasts_ten_minutes(client, ck, monday):
    client.get(_url(ck.world.site_a, local("2026-03-02 09:30")))
    monday.move_to(local("2026-03-02 09:41"))
    signed_in = client.post(f"/auth/dev/{ck.person.public_ref}")
    page = client.get(signed_in.location)
    assert page.status_code == 400 and "Koden hann gå ut" in page.get_data(as_text=True)
    assert _events() == []


def test_a_tampered_grace_token_is_refused(client, ck, login):
    login(ck.person)
    resp = client.post("/checkin/s/bekrafta", data={"grace": "abc.def.ghi"})
    assert resp.status_code == 400
    assert _events() == []


def test_after_login_accepts_only_local_paths(client, ck):
    with client.session_transaction() as session:
        session["after_login"] = "https://evil.example/"
    resp = client.post(f"/auth/dev/{ck.person.public_ref}")
    assert resp.location == "/start"
    with client.session_transaction() as session:
        session["after_login"] = "//evil.example/"
    assert client.post(f"/auth/dev/{ck.person.public_ref}").location == "/start"


def test_staff_cannot_self_check_in(client, ck, login):
    login(ck.world.site_staff)
    assert client.get(_url(ck.world.site_a, local("2026-03-02 09:30"))).status_code == 403


def test_the_phone_position_is_recorded_with_its_distance_and_never_blocks(client, ck, login):
    ck.world.site_a.latitude, ck.world.site_a.longitude = 59.3293, 18.0686
    db.session.commit()
    login(ck.person)
    done = _complete(
        client,
        client.get(_url(ck.world.site_a, local("2026-03-02 09:30"))),
        latitude="59.3493",
        longitude="18.0686",
    )
    assert done.status_code == 302
    [event] = _events()
    assert event.status == EventStatus.ACCEPTED and 2000 < event.distance_m < 2500


def test_another_persons_result_page_is_not_found(client, ck, login):
    login(ck.person)
    done = _complete(client, client.get(_url(ck.world.site_a, local("2026-03-02 09:30"))))
    login(ck.world.person_b)
    assert client.get(done.location).status_code == 404


def test_services_grace_roundtrip(ck):
    token = services.grace_token(ck.world.site_a)
    site, event_id, scanned = services.read_grace(token)
    assert site.id == ck.world.site_a.id and scanned == local("2026-03-02 09:30")


class TestSelfScanRateLimit:
    """Self check-in is limited per IP address (a phone cannot hammer the code URL)."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_self_scans_are_limited_per_address(self, client, ck):
        url = _url(ck.world.site_a, local("2026-03-02 09:30"))
        assert {client.get(url).status_code for _ in range(60)} == {302}
        assert client.get(url).status_code == 429
        other = client.get(url, environ_base={"REMOTE_ADDR": "10.0.0.2"})
        assert other.status_code == 302
