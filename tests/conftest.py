"""Fixtures shared by every test: the app on SQLite and (with TEST_DATABASE_URL) PostgreSQL.

Every database test runs once per backend. The schema is built by the real migrations once per
backend and worker; each test then starts from empty tables.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
import sqlalchemy.orm
from flask_sqlalchemy.session import Session as FlaskSession

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
        # argon2's cheapest parameters: a staff sign-in in a test need not cost 60 ms of hashing
        # (the app honours this only when TESTING; see portal.auth.services).
        "ARGON2_PROFILE": "CHEAPEST",
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


@pytest.fixture(scope="session")
def worker_app(database_url, tmp_path_factory):
    """The one app of this worker and backend, shared by the tests on the default config."""
    from portal import create_app
    from portal.extensions import db

    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("uploads")))
    yield app
    with app.app_context():
        db.engine.dispose()


#: Whether the worker's database may hold rows a test committed (it is emptied before the next
#: test). Migrations may leave rows too, so it starts out dirty.
_committed = {"sqlite": True, "postgresql": True}


@pytest.fixture
def app(request, app_config, database_url, worker_app):
    """The app, inside an application context, on a database that looks empty to the test.

    On the default config a test runs in the worker's one app, inside a transaction rolled back
    after it: ``db.session`` joins that transaction and each commit in the test and in the
    app's code releases a savepoint (SQLAlchemy's ``join_transaction_mode``). A test whose code
    needs real commits (a scan on a connection of its own, another thread, a second server)
    says so with ``@pytest.mark.commits``: it runs on tables emptied before it. A test on a
    config of its own gets an app of its own, on emptied tables too.
    """
    from portal.extensions import db

    backend = sa.make_url(database_url).get_backend_name()
    default = _test_config(database_url, app_config["UPLOAD_DIR"])
    if app_config != default:
        yield from _own_app(app_config, backend)
    elif request.node.get_closest_marker("commits"):
        yield from _committing(worker_app, app_config, backend)
    else:
        with _config(worker_app, app_config), worker_app.app_context(), rolled_back(db):
            yield worker_app


def _own_app(app_config: dict, backend: str):
    from portal import create_app
    from portal.extensions import db

    app = create_app(app_config)
    with app.app_context():
        _empty_tables(db)
        _committed[backend] = True
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def _committing(app, app_config: dict, backend: str):
    from portal.extensions import db

    with _config(app, app_config), app.app_context():
        if _committed[backend]:
            _empty_tables(db)
        _committed[backend] = True
        try:
            yield app
        finally:
            db.session.remove()


@contextmanager
def _config(app, app_config: dict):
    """The test's config on the shared app, and the app's own back after it (a test may
    change ``app.config``)."""
    from portal.extensions import limiter

    saved = dict(app.config)
    app.config.update(app_config)
    # The limiter is one object for every app and takes "enabled" from the last app made: a
    # test with an app of its own and limits on must not leave them on for this one.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    try:
        yield
    finally:
        app.config.clear()
        app.config.update(saved)


class _JoinedSession(FlaskSession):
    """``db.session`` in a rolled-back test: every statement on the test's connection, and
    only from the test's thread (another thread would share the connection)."""

    def __init__(self, db, *, thread: int, **kwargs):
        super().__init__(db, **kwargs)
        self._thread = thread

    def get_bind(self, *args, **kwargs):
        if threading.get_ident() != self._thread:
            raise RuntimeError(_NEEDS_COMMITS)
        return self.bind


_NEEDS_COMMITS = (
    "the database was used outside the test's transaction (another connection or thread): "
    "mark the test @pytest.mark.commits"
)


@contextmanager
def rolled_back(db):
    """``db.session`` in a transaction on one connection, rolled back at the end. Checking
    out any other connection meanwhile is an error: it would not see the test's rows."""
    if _committed[db.engine.dialect.name]:
        _empty_tables(db)
        _committed[db.engine.dialect.name] = False
    connection = db.engine.connect()
    outer = connection.begin()
    if connection.dialect.name == "sqlite":
        # pysqlite begins a transaction only before a write: without this BEGIN the session's
        # first SAVEPOINT would open the transaction, and releasing it would commit.
        connection.exec_driver_sql("BEGIN")
    scoped, db.session = (
        db.session,
        sa.orm.scoped_session(
            sa.orm.sessionmaker(
                class_=_JoinedSession,
                db=db,
                thread=threading.get_ident(),
                bind=connection,
                join_transaction_mode="create_savepoint",
                query_cls=db.Query,
            )
        ),
    )

    def refuse(*_args):
        raise RuntimeError(_NEEDS_COMMITS)

    sa.event.listen(sa.pool.Pool, "checkout", refuse)
    try:
        yield
    finally:
        sa.event.remove(sa.pool.Pool, "checkout", refuse)
        db.session.remove()
        db.session = scoped
        outer.rollback()
        connection.close()


def _empty_tables(db) -> None:
    from portal.models import Base

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # DELETE with triggers off (the append-only guards and the foreign keys' checks)
            # takes a millisecond where a TRUNCATE of every table takes a hundred or more.
            # Turning triggers off needs a superuser, as the CI's postgres user is.
            conn.execute(
                sa.text(
                    "SET LOCAL session_replication_role = replica; "
                    + "; ".join(f"DELETE FROM {name}" for name in tables)
                )
            )
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
