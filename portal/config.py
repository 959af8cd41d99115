"""Configuration from the environment, with safe development defaults."""

from __future__ import annotations

import os
from pathlib import Path

from portal.extensions import json_text

#: SQLAlchemy engine options: check a pooled connection before use; JSON columns via orjson.
ENGINE_OPTIONS = {"pool_pre_ping": True, "json_serializer": json_text}

#: Values that must never reach production as a secret key.
_WEAK_SECRETS = {"", "dev", "development", "secret", "changeme", "change-me"}


class ConfigError(RuntimeError):
    """Raised when the environment does not describe a configuration that may start."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def environment() -> str:
    """Return 'production', 'testing' or 'development' from PORTAL_ENV (or FLASK_ENV)."""
    return (os.environ.get("PORTAL_ENV") or os.environ.get("FLASK_ENV") or "development").lower()


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from environment variables.

    Production refuses to start without a real SECRET_KEY and a DATABASE_URL, and never
    enables the development e-identification stand-in.
    """
    env = environment()
    production = env == "production"
    secret = os.environ.get("SECRET_KEY", "")
    database_url = os.environ.get("DATABASE_URL", "")
    if production:
        if secret.lower() in _WEAK_SECRETS or len(secret) < 32:
            raise ConfigError("SECRET_KEY must be set to a random value of at least 32 characters")
        if not database_url:
            raise ConfigError("DATABASE_URL must be set in production")
        if _bool(os.environ.get("DEV_LOGIN")):
            raise ConfigError("DEV_LOGIN (the development e-ID stand-in) is refused in production")
    if not secret:
        # Development only: a per-instance random key, kept in instance/ so sessions survive
        # restarts. Production never reaches this line.
        key_file = Path(instance_path) / "dev-secret-key"
        key_file.parent.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text(os.urandom(32).hex())
        secret = key_file.read_text().strip()
    if not database_url:
        database_url = "sqlite:///" + str(Path(instance_path) / "portal.sqlite3")
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://") :]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]

    return {
        "PORTAL_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": dict(ENGINE_OPTIONS),
        "DEV_LOGIN": (not production) and _bool(os.environ.get("DEV_LOGIN"), default=True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": int(os.environ.get("SESSION_LIFETIME_SECONDS", "3600")),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
        + 65536,
        "MAX_UPLOAD_BYTES": int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(Path(instance_path) / "uploads"),
        "RECONCILE_WORKERS": int(os.environ.get("RECONCILE_WORKERS", "0")) or None,
        "RECONCILE_PARALLEL_FROM": int(os.environ.get("RECONCILE_PARALLEL_FROM", "2000")),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(os.environ.get("RATELIMIT_ENABLED"), default=True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "LANGUAGES": ["sv", "en", "ar"],
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", ""),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
        "OIDC_PERSONNUMMER_CLAIM": os.environ.get("OIDC_PERSONNUMMER_CLAIM", "personal_number"),
        "OIDC_SCOPES": os.environ.get("OIDC_SCOPES", "openid profile"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "no-reply@aktivitetsportalen.local"),
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS"), default=True),
        "SMS_PROVIDER_URL": os.environ.get("SMS_PROVIDER_URL", ""),
        "SMS_PROVIDER_TOKEN": os.environ.get("SMS_PROVIDER_TOKEN", ""),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
    }
