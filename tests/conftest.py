"""Fixtures shared by every test: the app on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

Every database test runs once per backend. The schema is built by the real migrations once per
backend and worker; each test then starts from empty tables.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from portal.config import ENGINE_OPTIONS
from tests import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def pytest_configure(config):
    if IN_CI and not TEST_DATABASE_URL:
        raise pytest.UsageError(
            "CI=true but TEST_DATABASE_URL is not set: PostgreSQL is required in CI"
        )


def _pg_url(base: str, suffix: str) -> str:
    url = sa.make_url(
        base.replace("postgresql://", "postgresql+psycopg://", 1)
        if base.startswith("postgresql://")
        else base
    )
    return url.set(database=f"{url.database}_{suffix}").render_as_string(hide_password=False)


def _recreate_pg_database(url: str) -> None:
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{target.database}"'))
    except sa.exc.OperationalError as exc:  # never skip: a missing server is a failure
        pytest.fail(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}", pytrace=False)
    finally:
        admin.dispose()


BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
#: Runs a test on PostgreSQL only: skipped on a developer's machine without TEST_DATABASE_URL,
#: and failing (never skipped) in CI, where PostgreSQL must be there.
POSTGRES_ONLY = pytest.mark.parametrize(
    "database_url",
    [
        pytest.param(
            "postgresql",
            marks=[]
            if TEST_DATABASE_URL or IN_CI
            else [pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")],
        )
    ],
    indirect=True,
)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> str:
    """A migrated, empty database for this backend and worker."""
    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / f"test-{WORKER}.sqlite3")
    else:
        url = _pg_url(TEST_DATABASE_URL, f"t_{WORKER}")
        _recreate_pg_database(url)
    from flask_migrate import upgrade

    from portal import create_app

    app = create_app(_test_config(url, tmp_path_factory.mktemp("uploads")))
    with app.app_context():
        upgrade(revision="heads")
        from portal.extensions import db

        db.engine.dispose()
    return url


def _test_config(url: str, upload_dir) -> dict:
    engine_options = dict(ENGINE_OPTIONS)
    if url.startswith("postgresql"):
        # A test that waits for a lock its own thread holds fails instead of hanging.
        engine_options["connect_args"] = {"options": "-c lock_timeout=20000"}
    return {
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "UPLOAD_DIR": str(upload_dir),
        "DEV_LOGIN": True,
        "SERVER_NAME": None,
    }


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """The config the ``app`` fixture is built with; override keys in a test module."""
    return _test_config(database_url, tmp_path / "uploads")


@pytest.fixture
def app(app_config):
    """The app with empty tables, inside an application context.

    The tables are emptied before each test (not after as well: the next test empties them
    anyway, and each emptying is a TRUNCATE of every table on PostgreSQL).
    """
    from portal import create_app
    from portal.extensions import db

    app = create_app(app_config)
    with app.app_context():
        _empty_tables(db)
        yield app
        db.session.remove()
        db.engine.dispose()


def _empty_tables(db) -> None:
    from portal.models import Base

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE"))
        else:
            # SQLite has no TRUNCATE: the append-only triggers (0004_security) are lifted
            # for the emptying and put back as they were.
            guards = conn.execute(
                sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            ).all()
            for name, _sql in guards:
                conn.execute(sa.text(f'DROP TRIGGER "{name}"'))
            for name in tables:
                conn.execute(sa.text(f"DELETE FROM {name}"))
            for _name, sql in guards:
                conn.execute(sa.text(sql))


@pytest.fixture
def db(app):
    from portal.extensions import db

    return db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app):
    """A small municipality: two units, two sites, an activity, one staff user per role."""
    return factories.World.build()


@pytest.fixture
def login(client):
    """Sign a user in through the real sign-in flow: ``login(user)``."""

    def _login(user, c=None):
        return factories.sign_in(c or client, user)

    return _login
