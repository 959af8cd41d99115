"""Migrations: upgrade an empty database to head, no drift from the models, downgrade to base."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tests.conftest import TEST_DATABASE_URL, _pg_url, _recreate_pg_database, _test_config

BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


@pytest.fixture(params=BACKENDS)
def fresh_app(request, tmp_path):
    from portal import create_app

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/migrate.sqlite3"
    else:
        url = _pg_url(TEST_DATABASE_URL, "migrations")
        _recreate_pg_database(url)
    app = create_app(_test_config(url, tmp_path))
    with app.app_context():
        yield app
        from portal.extensions import db

        db.engine.dispose()


def _diff(db):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, db.metadata)


def test_upgrade_matches_models_and_downgrades_cleanly(fresh_app):
    from portal.extensions import db

    upgrade(revision="heads")
    assert _diff(db) == []
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade(revision="heads")
    assert _diff(db) == []
