"""The app factory, configuration, health check, headers and error pages."""

import pytest

from portal.config import ConfigError, load_config

STRONG = "5f0c2a9e71d84b3c8e6a1f47d2b09c35e8a7146b2d9f3c0e"


def test_healthz_reports_database(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok"}


def test_security_headers_on_every_page(client):
    resp = client.get("/auth/")
    assert resp.status_code == 200
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in resp.headers  # only in production


def test_unknown_page_is_a_clear_404_in_swedish(client):
    resp = client.get("/finns-inte")
    assert resp.status_code == 404
    assert "Sidan finns inte" in resp.get_data(as_text=True)


def test_api_errors_are_json_with_a_code(client):
    resp = client.get("/api/checkin/v1/finns-inte")
    assert resp.status_code == 404
    assert resp.get_json()["code"] == "http_404"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SECRET_KEY": "", "DATABASE_URL": "postgresql://x/y"}, "SECRET_KEY"),
        ({"SECRET_KEY": "dev", "DATABASE_URL": "postgresql://x/y"}, "SECRET_KEY"),
        ({"SECRET_KEY": STRONG, "DATABASE_URL": ""}, "DATABASE_URL"),
        (
            {"SECRET_KEY": STRONG, "DATABASE_URL": "postgresql://x/y", "DEV_LOGIN": "1"},
            "DEV_LOGIN",
        ),
    ],
)
def test_production_refuses_unsafe_configuration(monkeypatch, tmp_path, env, message):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    for key in ("SECRET_KEY", "DATABASE_URL", "DEV_LOGIN"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path))


def test_production_config_hardens_cookies_and_disables_dev_login(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/portal")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.delenv("DEV_LOGIN", raising=False)
    cfg = load_config(str(tmp_path))
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["SESSION_COOKIE_HTTPONLY"]
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert cfg["DEV_LOGIN"] is False
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_development_defaults_to_sqlite_in_instance(monkeypatch, tmp_path):
    for key in ("PORTAL_ENV", "FLASK_ENV", "SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(key, raising=False)
    cfg = load_config(str(tmp_path))
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/portal.sqlite3"
    assert len(cfg["SECRET_KEY"]) >= 32
    assert load_config(str(tmp_path))["SECRET_KEY"] == cfg["SECRET_KEY"]


def test_hsts_in_production(app, client):
    app.config["PORTAL_ENV"] = "production"
    resp = client.get("/healthz")
    assert "max-age" in resp.headers["Strict-Transport-Security"]


def test_language_switch_to_english_and_back(client):
    resp = client.post("/language", data={"lang": "en", "next": "/auth/"}, follow_redirects=True)
    assert "Log in" in resp.get_data(as_text=True)
    resp = client.post("/language", data={"lang": "sv", "next": "/auth/"}, follow_redirects=True)
    assert "Logga in" in resp.get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client):
    resp = client.post("/language", data={"lang": "en", "next": "//evil.example/x"})
    assert resp.location == "/"


def test_arabic_is_right_to_left(client):
    resp = client.post("/language", data={"lang": "ar", "next": "/auth/"}, follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert 'dir="rtl"' in html and 'lang="ar"' in html


def test_json_answers_have_a_strict_policy_and_are_not_kept(client):
    resp = client.get("/api/checkin/v1/time")
    assert resp.status_code == 200
    assert resp.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert len(resp.headers.getlist("X-Frame-Options")) == 1
