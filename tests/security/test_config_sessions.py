"""Configuration fails closed; sessions have an absolute lifetime and are not renewed on
every response."""

import secrets

import pytest

from portal import sessions
from portal.config import ConfigError, load_config, secret_entropy_bits, secret_is_strong
from tests import factories

STRONG = secrets.token_hex(32)


def _production_env(monkeypatch, **values):
    for key in ("PORTAL_ENV", "FLASK_ENV", "SECRET_KEY", "DATABASE_URL", "DEV_LOGIN"):
        monkeypatch.delenv(key, raising=False)
    base = {
        "SECRET_KEY": STRONG,
        "DATABASE_URL": "postgresql://u@db/portal",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
    }
    base.update(values)
    for key, value in base.items():
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, value)


@pytest.mark.parametrize("name", ["staging", "prod", "Production", "produktion", "testing", "x"])
def test_any_other_environment_name_gets_production_rules(monkeypatch, tmp_path, name):
    _production_env(monkeypatch, PORTAL_ENV=name, SECRET_KEY=None)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", STRONG)
    cfg = load_config(str(tmp_path))
    assert cfg["PORTAL_ENV"] == "production"
    assert cfg["PORTAL_ENV_NAME"] == name.lower()
    assert cfg["DEV_LOGIN"] is False
    assert cfg["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize("name", ["development", "test"])
def test_only_development_and_test_get_development_behaviour(monkeypatch, tmp_path, name):
    _production_env(monkeypatch, PORTAL_ENV=name, SECRET_KEY=None, DATABASE_URL=None)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    cfg = load_config(str(tmp_path))
    assert cfg["PORTAL_ENV"] == name
    assert cfg["DEV_LOGIN"] is True
    assert len(cfg["SECRET_KEY"]) >= 32


def test_staging_does_not_offer_the_development_sign_in(monkeypatch, tmp_path, database_url):
    from portal import create_app

    _production_env(monkeypatch, PORTAL_ENV="staging", DATABASE_URL=database_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    assert client.get("/auth/dev").status_code == 404
    assert client.post("/auth/dev/new").status_code in (400, 404)
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


@pytest.mark.parametrize(
    "secret",
    [
        "a" * 32,
        "a" * 64,
        "ab" * 32,
        "0123456789abcdef" * 2,
        "0123456789abcdef" * 4,
        "changeme",
        "9f4c2a7be01d58e3",  # random-looking but too short
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
    ],
)
def test_production_refuses_low_entropy_secrets(monkeypatch, tmp_path, secret):
    assert not secret_is_strong(secret)
    _production_env(monkeypatch, PORTAL_ENV="production", SECRET_KEY=secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))


def test_random_secrets_are_accepted():
    for _ in range(50):
        assert secret_is_strong(secrets.token_hex(32))
        assert secret_is_strong(secrets.token_urlsafe(32))
    assert secret_entropy_bits("a" * 32) == 0
    assert secret_entropy_bits("ab" * 16) == pytest.approx(32)


@pytest.mark.parametrize("storage", [None, "", "memory://"])
def test_production_refuses_per_worker_rate_limit_storage(monkeypatch, tmp_path, storage):
    _production_env(monkeypatch, PORTAL_ENV="production", RATELIMIT_STORAGE_URI=storage)
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        load_config(str(tmp_path))


def test_session_lifetimes_from_the_environment(monkeypatch, tmp_path):
    _production_env(monkeypatch, PORTAL_ENV="production")
    monkeypatch.setenv("SESSION_LIFETIME_SECONDS", "1200")
    monkeypatch.setenv("SESSION_ABSOLUTE_SECONDS", "7200")
    cfg = load_config(str(tmp_path))
    assert cfg["PERMANENT_SESSION_LIFETIME"] == 1200
    assert cfg["SESSION_ABSOLUTE_SECONDS"] == 7200
    assert cfg["SESSION_REFRESH_EACH_REQUEST"] is False
    assert cfg["SESSION_RENEW_SECONDS"] == 300


class _Clock:
    def __init__(self, monkeypatch, start=1_800_000_000):
        self.now = start
        monkeypatch.setattr(sessions, "_now", lambda: self.now)


def test_a_session_ends_at_its_absolute_lifetime_however_active(app, client, world, monkeypatch):
    app.config["SESSION_ABSOLUTE_SECONDS"] = 3 * 3600
    clock = _Clock(monkeypatch)
    factories.sign_in(client, world.caseworker)
    assert client.get("/admin/").status_code == 200
    for _ in range(5):  # active every 30 minutes: the idle limit never strikes
        clock.now += 30 * 60
        assert client.get("/admin/").status_code == 200
    clock.now += 30 * 60 + 1  # three hours after signing in
    resp = client.get("/admin/")
    assert resp.status_code == 302 and "/auth/" in resp.location
    page = client.get("/auth/").get_data(as_text=True)
    assert "inloggningen var för gammal" in page


def test_a_session_ends_after_the_idle_lifetime(app, client, world, monkeypatch):
    clock = _Clock(monkeypatch)
    factories.sign_in(client, world.caseworker)
    clock.now += 3600 + 1
    assert client.get("/admin/").status_code == 302


def test_a_copied_cookie_is_not_renewed_on_every_response(app, client, world, monkeypatch):
    clock = _Clock(monkeypatch)
    factories.sign_in(client, world.caseworker)
    client.get("/admin/")  # the first page stores its CSRF token: a change, one cookie
    # Within the renewal interval no response sets the cookie again.
    clock.now += 10
    assert "Set-Cookie" not in client.get("/admin/").headers
    assert "Set-Cookie" not in client.get("/admin/").headers
    # After it, one response renews it (the idle clock moves), the next does not.
    clock.now += app.config["SESSION_RENEW_SECONDS"]
    assert "session=" in client.get("/admin/").headers.get("Set-Cookie", "")
    assert "Set-Cookie" not in client.get("/admin/").headers


def test_a_signed_in_session_without_a_sign_in_time_is_ended(app, client, world):
    factories.sign_in(client, world.caseworker)
    with client.session_transaction() as sess:
        del sess[sessions.SIGNED_IN_AT]
    assert client.get("/admin/").status_code == 302


def test_the_language_choice_survives_an_expired_session(app, client, world, monkeypatch):
    clock = _Clock(monkeypatch)
    factories.sign_in(client, world.caseworker)
    client.post("/language", data={"lang": "en", "next": "/admin/"})
    clock.now += 9 * 3600
    page = client.get("/admin/", follow_redirects=True).get_data(as_text=True)
    assert "Log in" in page
