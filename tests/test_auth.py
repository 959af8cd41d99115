"""Sign-in: staff password + TOTP, applicant dev e-ID, sign-out, CSRF and rate limits."""

import pyotp
import pytest

from portal.extensions import db
from portal.models import Person, PersonIdentity
from tests import factories


def test_staff_sign_in_needs_password_and_totp(client, world):
    user = world.caseworker
    resp = client.post("/auth/staff", data={"email": user.email, "password": factories.PASSWORD})
    assert resp.location.endswith("/auth/staff/totp")
    # Not signed in before the second factor.
    assert client.get("/admin/").status_code == 302
    resp = client.post("/auth/staff/totp", data={"code": pyotp.TOTP(user.totp_secret).now()})
    assert resp.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, world):
    resp = client.post("/auth/staff", data={"email": world.caseworker.email, "password": "nope"})
    assert resp.status_code == 200
    assert "Fel e-postadress eller lösenord." in resp.get_data(as_text=True)
    resp = client.post("/auth/staff", data={"email": "nobody@test.se", "password": "nope"})
    assert "Fel e-postadress eller lösenord." in resp.get_data(as_text=True)


def test_totp_code_cannot_be_replayed(client, world):
    user = world.admin
    code = pyotp.TOTP(user.totp_secret).now()
    client.post("/auth/staff", data={"email": user.email, "password": factories.PASSWORD})
    assert client.post("/auth/staff/totp", data={"code": code}).status_code == 302
    other = factories.sign_in  # noqa: F841 - a second browser replays the same code
    client2 = client.application.test_client()
    client2.post("/auth/staff", data={"email": user.email, "password": factories.PASSWORD})
    resp = client2.post("/auth/staff/totp", data={"code": code})
    assert resp.status_code == 200
    assert "Koden stämmer inte" in resp.get_data(as_text=True)


def test_first_sign_in_enrols_totp_with_a_qr_code(client, world):
    user = world.auditor
    user.totp_secret = None
    user.totp_confirmed_at = None
    db.session.commit()
    resp = client.post("/auth/staff", data={"email": user.email, "password": factories.PASSWORD})
    assert resp.location.endswith("/auth/staff/totp/enrol")
    page = client.get("/auth/staff/totp/enrol").get_data(as_text=True)
    assert "data:image/svg+xml;base64," in page
    db.session.refresh(user)
    assert user.totp_secret and user.totp_confirmed_at is None
    resp = client.post("/auth/staff/totp/enrol", data={"code": pyotp.TOTP(user.totp_secret).now()})
    assert resp.status_code == 302
    db.session.refresh(user)
    assert user.totp_confirmed_at is not None


def test_totp_page_without_password_step_is_forbidden(client, world):
    assert client.get("/auth/staff/totp").status_code == 403


def test_inactive_staff_cannot_sign_in(client, world):
    world.caseworker.active = False
    db.session.commit()
    resp = client.post(
        "/auth/staff", data={"email": world.caseworker.email, "password": factories.PASSWORD}
    )
    assert resp.status_code == 200


def test_dev_stand_in_lists_people_and_signs_in(client, world):
    page = client.get("/auth/dev").get_data(as_text=True)
    assert "Endast för utveckling och test." in page
    assert world.person_a.full_name in page
    # The personnummer is never shown or put in a URL.
    assert world.person_a.identity.personnummer not in page
    resp = client.post(f"/auth/dev/{world.person_a.public_ref}")
    assert resp.location.endswith("/start")
    assert "Alma" in client.get("/start").get_data(as_text=True)


def test_dev_stand_in_creates_a_new_applicant(client, world):
    resp = client.post(
        "/auth/dev/new",
        data={"personnummer": "19811218-9876", "first_name": "Nora", "last_name": "Ny"},
    )
    assert resp.status_code == 302
    identity = db.session.query(PersonIdentity).filter_by(personnummer="198112189876").one()
    assert identity.person.first_name == "Nora"
    # Signing in again finds the same person.
    client.post("/auth/logout")
    client.post(
        "/auth/dev/new", data={"personnummer": "198112189876", "first_name": "N", "last_name": "N"}
    )
    assert db.session.query(Person).filter_by(first_name="Nora").count() == 1


def test_dev_stand_in_refuses_an_invalid_personnummer(client, world):
    resp = client.post(
        "/auth/dev/new", data={"personnummer": "19811218-9875", "first_name": "A", "last_name": "B"}
    )
    assert resp.status_code == 400
    assert "Personnumret är inte giltigt" in resp.get_data(as_text=True)


def test_dev_stand_in_is_404_when_disabled(app, client, world):
    app.config["DEV_LOGIN"] = False
    assert client.get("/auth/dev").status_code == 404
    assert client.post(f"/auth/dev/{world.person_a.public_ref}").status_code == 404


def test_logout_is_a_post(client, world, login):
    login(world.person_a)
    assert client.get("/auth/logout").status_code == 405
    client.post("/auth/logout")
    assert client.get("/start").status_code == 302


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_post_without_csrf_token_is_refused(self, client, world):
        resp = client.post(
            "/auth/staff", data={"email": world.admin.email, "password": factories.PASSWORD}
        )
        assert resp.status_code == 400
        assert "Ladda om sidan" in resp.get_data(as_text=True)
        resp = client.post(f"/auth/dev/{world.person_a.public_ref}")
        assert resp.status_code == 400

    def test_language_switch_needs_csrf_token(self, client):
        assert client.post("/language", data={"lang": "en"}).status_code == 400


class TestRateLimit:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_sign_in_attempts_are_limited_per_address(self, client, world):
        # Different accounts from one address: the per-address limit (20 a minute).
        codes = [
            client.post(
                "/auth/staff", data={"email": f"nobody{i}@test.se", "password": "wrong"}
            ).status_code
            for i in range(22)
        ]
        assert codes[:20] == [200] * 20
        assert codes[-1] == 429


def test_passwords_are_hashed_in_full_unless_a_test_asks_for_less(app):
    from argon2 import extract_parameters, profiles

    from portal.auth.services import hash_password

    assert extract_parameters(hash_password("x")) == profiles.CHEAPEST  # this test's config
    app.testing = False  # as in production: the profile of the config is not honoured
    try:
        assert extract_parameters(hash_password("x")) == profiles.RFC_9106_LOW_MEMORY
    finally:
        app.testing = True
