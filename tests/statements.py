"""Counting the SQL statements an action sends, for the tests that hold a count steady."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

#: The test's own transaction (tests/conftest.py) opens and releases savepoints around the
#: code under test; they are not the code's statements.
_SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


@contextmanager
def counted(engine: sa.Engine) -> Iterator[list[str]]:
    """The statements sent on ``engine`` inside the block, savepoints left out."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(_SAVEPOINTS):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
