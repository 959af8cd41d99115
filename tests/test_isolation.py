"""The test harness itself: a test's rows are rolled back, and leaving its transaction is loud."""

import threading

import pytest
import sqlalchemy as sa

from portal.models import Municipality
from tests import factories
from tests.conftest import rolled_back

pytestmark = pytest.mark.commits  # each test opens the rolled-back transaction itself


def _count(db) -> int:
    with db.engine.connect() as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(Municipality))


def test_what_a_test_commits_is_rolled_back_after_it(db):
    with rolled_back(db):
        factories.municipality()
        db.session.commit()  # releases a savepoint, inside the test's transaction
        factories.municipality()
        db.session.commit()
        db.session.rollback()  # what the app does after an error: the commits stand
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Municipality)) == 2
    assert _count(db) == 0


def test_a_second_connection_in_a_rolled_back_test_is_an_error(db):
    with rolled_back(db), pytest.raises(RuntimeError, match="pytest.mark.commits"):
        db.engine.connect()


def test_the_session_from_another_thread_in_a_rolled_back_test_is_an_error(app, db):
    errors = []

    def query():
        with app.app_context():
            try:
                db.session.scalar(sa.select(sa.func.count()).select_from(Municipality))
            except RuntimeError as exc:
                errors.append(exc)

    with rolled_back(db):
        thread = threading.Thread(target=query)
        thread.start()
        thread.join()
    assert len(errors) == 1 and "pytest.mark.commits" in str(errors[0])
