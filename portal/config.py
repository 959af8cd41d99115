"""Configuration from the environment, with safe development defaults."""

from __future__ import annotations

import math
import os
from collections import Counter
from pathlib import Path

from portal.extensions import json_text

#: SQLAlchemy engine options: check a pooled connection before use; JSON columns via orjson.
ENGINE_OPTIONS = {"pool_pre_ping": True, "json_serializer": json_text}

#: Values that must never reach production as a secret key.
_WEAK_SECRETS = {"", "dev", "development", "secret", "changeme", "change-me"}

#: The only environment names that get development behaviour (the dev e-ID stand-in, a
#: generated secret, plain-HTTP cookies). Any other name, misspelt ones included, gets
#: production's rules: the configuration fails closed.
DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "test"})

#: A production secret needs at least this many characters, this many distinct ones and
#: this much estimated entropy (Shannon entropy of its characters times its length).
SECRET_MIN_LENGTH = 32
SECRET_MIN_DISTINCT = 12
SECRET_MIN_BITS = 100.0


class ConfigError(RuntimeError):
    """Raised when the environment does not describe a configuration that may start."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def environment() -> str:
    """The environment name from PORTAL_ENV (or FLASK_ENV), lower case; 'development' if unset."""
    raw = os.environ.get("PORTAL_ENV") or os.environ.get("FLASK_ENV") or "development"
    return raw.strip().lower()


def has_production_rules(env: str) -> bool:
    """Whether ``env`` gets production's rules: every name but 'development' and 'test'."""
    return env not in DEVELOPMENT_ENVIRONMENTS


def secret_entropy_bits(secret: str) -> float:
    """Estimated entropy of a secret in bits: its characters' Shannon entropy times length.

    A repeated character scores 0, 'abab…' one bit a character, a random hex string close to
    four bits a character.
    """
    if not secret:
        return 0.0
    counts = Counter(secret)
    total = len(secret)
    per_char = -sum(n / total * math.log2(n / total) for n in counts.values())
    return per_char * total


def _is_periodic(secret: str) -> bool:
    """Whether the secret is a shorter string repeated (``'0123456789abcdef' * 2``)."""
    return any(
        len(secret) % period == 0 and secret == secret[:period] * (len(secret) // period)
        for period in range(1, len(secret) // 2 + 1)
    )


def secret_is_strong(secret: str) -> bool:
    """Whether a secret key is long, varied and unpredictable enough for production."""
    return (
        secret.lower() not in _WEAK_SECRETS
        and len(secret) >= SECRET_MIN_LENGTH
        and len(set(secret)) >= SECRET_MIN_DISTINCT
        and secret_entropy_bits(secret) >= SECRET_MIN_BITS
        and not _is_periodic(secret)
    )


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from environment variables.

    Any environment but 'development' and 'test' gets production's rules (``PORTAL_ENV`` in
    the result is then 'production', so every check of it fails closed). Production refuses
    to start without a strong SECRET_KEY, a DATABASE_URL and shared rate-limit storage, and
    never enables the development e-identification stand-in.
    """
    env_name = environment()
    production = has_production_rules(env_name)
    env = "production" if production else env_name
    secret = os.environ.get("SECRET_KEY", "")
    database_url = os.environ.get("DATABASE_URL", "")
    ratelimit_storage = os.environ.get("RATELIMIT_STORAGE_URI", "").strip()
    if production:
        if not secret_is_strong(secret):
            raise ConfigError(
                "SECRET_KEY must be a random value of at least 32 varied characters, e.g. "
                "python3 -c 'import secrets; print(secrets.token_hex(32))'"
            )
        if not database_url:
            raise ConfigError("DATABASE_URL must be set in production")
        if _bool(os.environ.get("DEV_LOGIN")):
            raise ConfigError("DEV_LOGIN (the development e-ID stand-in) is refused in production")
        if not ratelimit_storage or ratelimit_storage.startswith("memory://"):
            raise ConfigError(
                "RATELIMIT_STORAGE_URI must name shared storage (redis://…) in production: "
                "memory:// counts per worker"
            )
    idle_seconds = int(os.environ.get("SESSION_LIFETIME_SECONDS", "3600"))
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
        "PORTAL_ENV_NAME": env_name,
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
        "PERMANENT_SESSION_LIFETIME": idle_seconds,
        #: A sign-in ends this long after it began however active the user is.
        "SESSION_ABSOLUTE_SECONDS": int(os.environ.get("SESSION_ABSOLUTE_SECONDS", "28800")),
        #: The cookie is re-signed only when the session changes or, while in use, at most
        #: this often (so a copied cookie does not get a fresh lifetime with every response).
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_RENEW_SECONDS": max(1, min(300, idle_seconds // 4)),
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
        + 65536,
        "MAX_UPLOAD_BYTES": int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024))),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(Path(instance_path) / "uploads"),
        "RECONCILE_WORKERS": int(os.environ.get("RECONCILE_WORKERS", "0")) or None,
        "RECONCILE_PARALLEL_FROM": int(os.environ.get("RECONCILE_PARALLEL_FROM", "2000")),
        "RATELIMIT_STORAGE_URI": ratelimit_storage or "memory://",
        #: How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host
        #: (0: none, the client address is the connection's).
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
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
