"""Proxy-aware limits: the client's own address behind TRUSTED_PROXIES, sign-in throttled
per account with a progressive delay (never a lock), a signed-in person's limits their own."""

import pyotp
import pytest

from portal.auth import throttle as throttle_mod
from tests import factories


class _Clock:
    def __init__(self, monkeypatch, start=2_000_000_000.0):
        self.now = start
        monkeypatch.setattr(throttle_mod.time, "time", lambda: self.now)


def _wrong(client, email, addr="10.0.0.1", **headers):
    return client.post(
        "/auth/staff",
        data={"email": email, "password": "wrong"},
        environ_base={"REMOTE_ADDR": addr},
        headers=headers,
    )


class TestPerAccount:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_wrong_passwords_for_one_account_slow_it_down_from_any_address(self, client, world):
        email = world.caseworker.email
        codes = [_wrong(client, email, addr=f"10.0.1.{i}").status_code for i in range(6)]
        assert codes == [200] * 6  # five free failures, the sixth sets a short wait
        resp = _wrong(client, email, addr="10.0.2.1")  # another address: the account waits
        assert resp.status_code == 429
        assert "Vänta" in resp.get_data(as_text=True)
        # Even the right password is not checked during the wait.
        resp = client.post("/auth/staff", data={"email": email, "password": factories.PASSWORD})
        assert resp.status_code == 429

    def test_the_delay_grows_but_never_becomes_a_lock(self, client, world, monkeypatch):
        clock = _Clock(monkeypatch)
        email = world.caseworker.email
        waits = []
        for _ in range(12):
            assert _wrong(client, email).status_code == 200
            waits.append(throttle_mod.throttle().wait_seconds("password", email))
            clock.now += waits[-1] + 0.01
        assert waits[:5] == [0] * 5
        assert waits[5:] == [2, 4, 8, 16, 32, 60, 60]
        # After the last wait the real user signs in at once.
        resp = client.post("/auth/staff", data={"email": email, "password": factories.PASSWORD})
        assert resp.status_code == 302

    def test_other_staff_are_not_affected(self, client, world):
        for i in range(8):
            _wrong(client, world.caseworker.email, addr=f"10.0.3.{i}")
        resp = client.post(
            "/auth/staff",
            data={"email": world.admin.email, "password": factories.PASSWORD},
            environ_base={"REMOTE_ADDR": "10.0.4.1"},
        )
        assert resp.status_code == 302

    def test_unknown_and_known_accounts_are_throttled_alike(self, client, world):
        for email in (world.caseworker.email, "finns.inte@test.se"):
            codes = [_wrong(client, email, addr=f"10.0.5.{i}").status_code for i in range(7)]
            assert codes == [200] * 6 + [429]

    def test_wrong_totp_codes_slow_down_the_account(self, client, world):
        user = world.admin
        client.post("/auth/staff", data={"email": user.email, "password": factories.PASSWORD})
        codes = [
            client.post("/auth/staff/totp", data={"code": "000000"}).status_code for _ in range(7)
        ]
        assert codes == [200] * 6 + [429]
        good = pyotp.TOTP(user.totp_secret).now()
        assert client.post("/auth/staff/totp", data={"code": good}).status_code == 429


class TestBehindProxies:
    @pytest.fixture
    def app_config(self, app_config):
        return {
            **app_config,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "TRUSTED_PROXIES": 1,
        }

    def test_each_client_behind_the_load_balancer_has_its_own_limit(self, app, world):
        # 22 staff members' wrong passwords through one balancer: nobody else gets 429.
        client = app.test_client()
        for i in range(25):
            resp = _wrong(
                client,
                f"person{i}@test.se",
                addr="192.0.2.10",
                **{"X-Forwarded-For": f"10.1.0.{i}"},
            )
            assert resp.status_code == 200

    def test_one_client_is_still_limited(self, app, world):
        client = app.test_client()
        codes = [
            _wrong(
                client, f"p{i}@test.se", addr="192.0.2.10", **{"X-Forwarded-For": "10.1.1.1"}
            ).status_code
            for i in range(21)
        ]
        assert codes[-1] == 429

    def test_a_forged_header_in_front_of_the_trusted_one_is_ignored(self, app, world):
        client = app.test_client()
        codes = [
            _wrong(
                client,
                f"q{i}@test.se",
                addr="192.0.2.10",
                **{"X-Forwarded-For": f"6.6.6.{i}, 10.1.2.1"},
            ).status_code
            for i in range(21)
        ]
        assert codes[-1] == 429


class TestWithoutProxies:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_forwarded_headers_are_ignored_by_default(self, app, world):
        client = app.test_client()
        codes = [
            _wrong(
                client, f"r{i}@test.se", addr="10.2.0.1", **{"X-Forwarded-For": f"10.3.0.{i}"}
            ).status_code
            for i in range(21)
        ]
        assert codes[-1] == 429

    def test_a_signed_in_persons_limits_are_their_own(self, app, world):
        """Self check-ins of a whole municipality behind one address do not share a limit."""
        one, two = app.test_client(), app.test_client()
        factories.sign_in(one, world.person_a)
        factories.sign_in(two, world.person_b)
        url = "/checkin/s/bekrafta?g=not-a-token"
        codes = {one.get(url).status_code for _ in range(60)}
        assert codes == {400}
        assert one.get(url).status_code == 429
        assert two.get(url).status_code == 400  # same address, another person


class TestDeviceEnrolment:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_a_site_enrolling_many_devices_is_not_locked_out(self, app, client, world):
        """Only refused codes count: twelve tablets of one site behind one address enrol."""
        from checkin import services as checkin_services
        from portal.extensions import db

        with app.test_request_context():
            codes = [
                checkin_services.create_device(world.admin, world.site_a, f"Platta {i}")[1]
                for i in range(12)
            ]
        db.session.commit()
        for code in codes:
            assert client.post("/api/checkin/v1/enrol", json={"code": code}).status_code == 201
        # Guessing codes is still limited: ten refusals, then 429.
        wrong = [
            client.post("/api/checkin/v1/enrol", json={"code": "WRONG-CODE-XXXX"}).status_code
            for _ in range(11)
        ]
        assert wrong == [400] * 10 + [429]
