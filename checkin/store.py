"""The scan's store: the few reads and writes a scan makes, behind one small interface, and
the transaction they run in.

The scan itself (checkin.scanning) is written once, over ``ScanStore``. Two implementations:

- ``PostgresStore``: psycopg directly, on a connection of the scans' own pool, the
  statements of checkin.statements compiled once (``Compiled.string`` and
  ``Compiled.params``) and pipelined, so an online scan waits for the database twice: once
  for the device, the person (locked) with their sessions and the person's events, once for
  the insert with the COMMIT.
- ``CoreStore``: the same statements through SQLAlchemy Core on a ``Connection``: SQLite
  (no round trips to save), and the request's own transaction where a scan runs inside a
  larger piece of work (self check-in, auto-close, tests calling the service directly).

``scan_transaction`` gives a store on a connection of its own and ends its transaction, in
one place: committed after the work, and after a refusal (DomainError, which leaves a stored
rejected scan or only reads), rolled back on anything else.
"""

from __future__ import annotations

import threading
import weakref
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from enum import Enum
from functools import cache
from typing import Any, Protocol

import psycopg
import sqlalchemy as sa
from flask import current_app
from psycopg import pq
from psycopg.pq import TransactionStatus
from sqlalchemy.dialects import postgresql

from checkin import codes, schedule, statements, validation
from checkin.keys import PublicKeys
from checkin.rows import DeviceRow, EventRow, inserted, stored
from portal import occurrence
from portal.errors import DomainError
from portal.extensions import db
from portal.models import utcnow


class ScanStore(Protocol):
    """What a scan reads and writes. ``person`` locks the person until the transaction ends;
    ``facts`` after it sees every scan of them committed before the lock."""

    def prefetch_scan(self, token: str, code: object, occurred_at: object) -> None:
        """Read ahead what a scan with this token and code will ask for (or nothing)."""

    def device(self, token: str) -> DeviceRow | None:
        """The device of a bearer token, revoked or not."""

    def person(self, ref: str, serial: int, key_id: str, day: date, site_id: int) -> list[Any]:
        """Rows of ``statements.person_and_card`` (the person locked), empty if unknown."""

    def facts(self, person_id: int, site_id: int, day: date) -> list[Any]:
        """Rows of ``statements.person_facts`` for a Stockholm day."""

    def superseding(self, ids: Iterable[int]) -> list[Any]:
        """Events annulling or correcting any of the events ``ids``."""

    def lock_people(self, refs: Iterable[str]) -> None:
        """Lock the people of these public references, in ascending row id order."""

    def insert(self, values: dict[str, Any], *, last: bool = True) -> tuple[EventRow, bool]:
        """Insert an event unless its event id was seen (True: a duplicate, the stored one
        returned). ``last`` False: another write follows in this transaction."""

    def seen(self, device: DeviceRow) -> None:
        """Write the device's last seen time and sequence number (with the next write)."""

    def commit(self) -> None:
        """End the transaction, keeping what was written."""

    def rollback(self) -> None:
        """End the transaction, undoing what was written."""


class CoreStore:
    """The store through SQLAlchemy Core on a Connection (SQLite; or any database within a
    transaction that a caller ends, with ``owns_transaction`` False)."""

    def __init__(self, connection: sa.Connection, *, owns_transaction: bool = True):
        self.connection = connection
        self.dialect = connection.dialect.name
        self.owns_transaction = owns_transaction

    @classmethod
    def of_session(cls) -> CoreStore:
        """A store in the request's transaction (the request commits it)."""
        return cls(db.session.connection(), owns_transaction=False)

    def _rows(self, statement: sa.Executable, params: dict[str, Any]) -> list[Any]:
        return list(self.connection.execute(statement, params))

    def prefetch_scan(self, token: str, code: object, occurred_at: object) -> None:
        """Nothing: there is no round trip to save."""

    def device(self, token: str) -> DeviceRow | None:
        rows = self._rows(statements.device_by_token(), {"token_hash": codes.sha256_hex(token)})
        return DeviceRow.of(rows[0]) if rows else None

    def person(self, ref: str, serial: int, key_id: str, day: date, site_id: int) -> list[Any]:
        params = {
            "ref": ref,
            "serial": serial,
            "key_id": key_id,
            **occurrence.day_params(day),
        }
        return self._rows(statements.person_and_card(), params)

    def facts(self, person_id: int, site_id: int, day: date) -> list[Any]:
        start, end = schedule.day_bounds(day)
        params = {"person_id": person_id, "site_id": site_id, "start": start, "end": end}
        return self._rows(statements.person_facts(), params)

    def superseding(self, ids: Iterable[int]) -> list[Any]:
        return self._rows(statements.superseding(self.dialect), {"ids": sorted(ids)})

    def lock_people(self, refs: Iterable[str]) -> None:
        self._rows(statements.lock_people(self.dialect), {"refs": sorted(refs)})

    def insert(self, values: dict[str, Any], *, last: bool = True) -> tuple[EventRow, bool]:
        new_id = self.connection.execute(statements.insert_event(self.dialect), values).scalar()
        if new_id is not None:
            return inserted(new_id, values), False
        rows = self._rows(statements.stored_event(), {"event_id": values["event_id"]})
        if not rows:  # cannot happen: DO NOTHING only for this constraint
            raise RuntimeError("event id conflict without a stored event")
        return stored(rows[0]), True

    def seen(self, device: DeviceRow) -> None:
        params = {
            "device_id": device.id,
            "last_seen_at": device.last_seen_at,
            "last_seq": device.last_seq,
        }
        self.connection.execute(statements.device_seen(), params)

    def commit(self) -> None:
        if self.owns_transaction:
            self.connection.commit()

    def rollback(self) -> None:
        if self.owns_transaction:
            self.connection.rollback()


# --- PostgreSQL: psycopg, pipelined ----------------------------------------------------------

_STATEMENTS: dict[str, Callable[[], sa.Executable]] = {
    "device": statements.device_by_token,
    "person": statements.person_and_card,
    "device_and_person": statements.device_and_person,
    "facts": statements.person_facts,
    "facts_by_ref": lambda: statements.person_facts(by_ref=True),
    "facts_for_device": lambda: statements.person_facts(by_ref=True, by_token=True),
    "superseding": lambda: statements.superseding("postgresql"),
    "lock_people": lambda: statements.lock_people("postgresql"),
    "insert": lambda: statements.insert_event("postgresql"),
    "stored": statements.stored_event,
    "seen": statements.device_seen,
}
#: The statements that only read (an exchange of them alone may be sent again).
_READS = frozenset(
    {"device", "device_and_person", "facts", "facts_by_ref", "facts_for_device", "superseding"}
)
_IDLE = TransactionStatus.IDLE


@cache
def _compiled(name: str) -> tuple[str, dict[str, Any]]:
    """A statement's SQL for psycopg and the values of its literal parameters (compiled once)."""
    compiled = _STATEMENTS[name]().compile(dialect=postgresql.psycopg.dialect())
    literals = {key: value for key, value in compiled.params.items() if value is not None}
    return compiled.string, literals


def _named_rows(cursor: psycopg.Cursor) -> Callable[[Sequence[Any]], Any]:
    """psycopg's ``namedtuple_row``, with the names read from the result's field names: the
    row type is made once per statement, and no ``Cursor.description`` (a Column object per
    column, for every result) is built on the way."""
    result = cursor.pgresult
    if result is None or not result.nfields:
        return tuple
    return _row_type(tuple(result.fname(i) for i in range(result.nfields)))._make


@cache
def _row_type(names: tuple[bytes | None, ...]) -> type:
    return namedtuple("Row", [(n or b"_").decode() for n in names], rename=True)


def _has_rows(cursor: psycopg.Cursor) -> bool:
    """Whether the cursor's statement returned rows (a SELECT, or RETURNING)."""
    result = cursor.pgresult
    return result is not None and result.status == pq.ExecStatus.TUPLES_OK


def _plain(value: object) -> object:
    """A parameter as psycopg sends it (enum members as their text)."""
    return value.value if isinstance(value, Enum) else value


class PostgresStore:
    """The store on a psycopg connection in autocommit mode: BEGIN and COMMIT are sent as
    statements of a pipeline, so they travel with the statements (psycopg, left to begin
    and commit itself, waits for each in a round trip of its own). Each statement keeps its
    cursor with the connection (a reused cursor keeps its parameter adapters)."""

    def __init__(
        self,
        connection: psycopg.Connection,
        cursors: dict[str, psycopg.Cursor],
        *,
        reconnect: Callable[[Exception], tuple[psycopg.Connection, dict]] | None = None,
        commit_with_last_insert: bool = True,
    ):
        self.connection = connection
        self._cursors = cursors
        #: Called with the error when the connection turns out to be dead at the first
        #: exchange; gives a new (connection, cursors) to run it again on.
        self._reconnect = reconnect
        self._exchanged = False
        #: Send the COMMIT with the last insert (an online scan: nothing follows it).
        self.commit_with_last_insert = commit_with_last_insert
        self._device: tuple[str, DeviceRow | None] | None = None
        self._person: tuple[tuple, list] | None = None
        self._facts: tuple[tuple, list] | None = None
        self._seen: dict[str, Any] | None = None

    def _cursor(self, name: str) -> psycopg.Cursor:
        cursor = self._cursors.get(name)
        if cursor is None or cursor.closed:
            cursor = self._cursors[name] = self.connection.cursor(row_factory=_named_rows)
        return cursor

    def exchange(self, *calls: tuple[str, dict[str, Any]], commit: bool = False) -> list[list]:
        """Send the statements (and a COMMIT after them) in one round trip; their rows.

        A connection that died while idle in the pool (a database restart) is found here,
        not by a ping on every checkout: the first exchange only reads, so it is sent again
        on a new connection; later ones are not (the scanner sends the scan again).
        """
        first, self._exchanged = not self._exchanged, True
        try:
            cursors = self._pipeline(calls, commit)
        except psycopg.OperationalError as exc:
            reads_only = {name for name, _ in calls} <= _READS
            if not (first and reads_only and self.connection.broken and self._reconnect):
                raise
            self.connection, self._cursors = self._reconnect(exc)
            cursors = self._pipeline(calls, commit)
        return [cursor.fetchall() if _has_rows(cursor) else [] for cursor in cursors]

    def _pipeline(self, calls: tuple, commit: bool) -> list[psycopg.Cursor]:
        connection = self.connection
        cursors = []
        with connection.pipeline():
            if connection.info.transaction_status == _IDLE:
                self._cursor("BEGIN").execute(b"BEGIN")
            for name, params in calls:
                sql, literals = _compiled(name)
                cursor = self._cursor(name)
                cursor.execute(sql, {**literals, **{k: _plain(v) for k, v in params.items()}})
                cursors.append(cursor)
            if commit:
                self._cursor("COMMIT").execute(b"COMMIT")
        return cursors

    def prefetch_scan(self, token: str, code: object, occurred_at: object) -> None:
        """Read in one round trip what a scan with this device token and code will read.

        For a genuine code: the device with the person (locked, only while the device may
        scan) and their sessions that day, then the person's events of the day at the
        device's site; otherwise just the device. Nothing is decided here: ``device``,
        ``person`` and ``facts`` use what was read when they ask for the same.
        """
        claims = day = None
        if isinstance(code, str) and len(code) <= 512:
            try:
                claims = codes.verify_personal_code(code, PublicKeys())
                day = schedule.local_day(validation.parse_moment(occurred_at, utcnow()))
            except (codes.CodeError, DomainError):
                claims = None
        if claims is None or day is None:
            self._device = (token, self.device(token))
            return
        token_hash = codes.sha256_hex(token)
        start, end = schedule.day_bounds(day)
        rows, fact_rows = self.exchange(
            (
                "device_and_person",
                {
                    "token_hash": token_hash,
                    "ref": claims.person_ref,
                    "serial": claims.serial,
                    "key_id": claims.key_id,
                    **occurrence.day_params(day),
                },
            ),
            (
                "facts_for_device",
                {"token_hash": token_hash, "ref": claims.person_ref, "start": start, "end": end},
            ),
        )
        device = DeviceRow.of(rows[0], "device_") if rows else None
        self._device = (token, device)
        if device is None or device.revoked_at is not None:
            return
        person_rows = [row for row in rows if row.id is not None]
        key = (claims.person_ref, claims.serial, claims.key_id, day, device.site_id)
        self._person = (key, person_rows)
        if person_rows:
            self._facts = ((person_rows[0].id, device.site_id, day), fact_rows)

    def device(self, token: str) -> DeviceRow | None:
        if self._device is not None and self._device[0] == token:
            return self._device[1]
        rows = self.exchange(("device", {"token_hash": codes.sha256_hex(token)}))[0]
        return DeviceRow.of(rows[0]) if rows else None

    def person(self, ref: str, serial: int, key_id: str, day: date, site_id: int) -> list[Any]:
        """The person's rows and, in the same round trip (after the lock), their events."""
        key = (ref, serial, key_id, day, site_id)
        if self._person is not None and self._person[0] == key:
            return self._person[1]
        start, end = schedule.day_bounds(day)
        params = {
            "ref": ref,
            "serial": serial,
            "key_id": key_id,
            **occurrence.day_params(day),
        }
        facts = {"ref": ref, "site_id": site_id, "start": start, "end": end}
        rows, fact_rows = self.exchange(("person", params), ("facts_by_ref", facts))
        if rows:
            self._facts = ((rows[0].id, site_id, day), fact_rows)
        return rows

    def facts(self, person_id: int, site_id: int, day: date) -> list[Any]:
        if self._facts is not None and self._facts[0] == (person_id, site_id, day):
            return self._facts[1]
        start, end = schedule.day_bounds(day)
        params = {"person_id": person_id, "site_id": site_id, "start": start, "end": end}
        return self.exchange(("facts", params))[0]

    def superseding(self, ids: Iterable[int]) -> list[Any]:
        return self.exchange(("superseding", {"ids": sorted(ids)}))[0]

    def lock_people(self, refs: Iterable[str]) -> None:
        self.exchange(("lock_people", {"refs": sorted(refs)}))

    def seen(self, device: DeviceRow) -> None:
        self._seen = {
            "device_id": device.id,
            "last_seen_at": device.last_seen_at,
            "last_seq": device.last_seq,
        }

    def insert(self, values: dict[str, Any], *, last: bool = True) -> tuple[EventRow, bool]:
        calls = [("insert", dict(values))]
        if self._seen is not None:
            calls.append(("seen", self._seen))
            self._seen = None
        new = self.exchange(*calls, commit=self.commit_with_last_insert and last)[0]
        if new:
            return inserted(new[0].id, values), False
        rows = self.exchange(("stored", {"event_id": values["event_id"]}))[0]
        if not rows:  # cannot happen: DO NOTHING only for this constraint
            raise RuntimeError("event id conflict without a stored event")
        return stored(rows[0]), True

    def commit(self) -> None:
        if self._seen is not None:
            self.exchange(("seen", self._seen), commit=True)
            self._seen = None
        self.connection.commit()  # nothing to send if the COMMIT went with the insert

    def rollback(self) -> None:
        if not self.connection.closed:
            self.connection.rollback()


# --- The scan's transaction ------------------------------------------------------------------

#: The scans' engine of each app engine (see _scan_engine).
_SCAN_ENGINES: weakref.WeakKeyDictionary[sa.Engine, sa.Engine] = weakref.WeakKeyDictionary()
_SCAN_ENGINES_LOCK = threading.Lock()


def _scan_engine() -> sa.Engine:
    """The engine of the scans' PostgreSQL connections: the app's database and engine
    options, but no ping on checkout (a round trip per scan; PostgresStore finds a dead
    connection at its first exchange instead) and no reset on checkin. Disposed of with the
    app's engine."""
    engine = db.engine
    scan = _SCAN_ENGINES.get(engine)
    if scan is not None:
        return scan
    with _SCAN_ENGINES_LOCK:
        scan = _SCAN_ENGINES.get(engine)
        if scan is None:
            options = dict(current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
            options["pool_pre_ping"] = False
            # A scan's connection goes back idle, out of autocommit mode, or is dropped.
            options["pool_reset_on_return"] = None
            scan = _SCAN_ENGINES[engine] = sa.create_engine(engine.url, **options)
            sa.event.listen(engine, "engine_disposed", lambda _engine: scan.dispose())
    return scan


@contextmanager
def _ending(store: ScanStore) -> Iterator[None]:
    """The one place a scan's transaction ends: committed after the work, and after a
    refusal too (which leaves only reads behind, or a stored rejected scan; a ROLLBACK would
    also make psycopg discard its prepared statements); rolled back on any other error."""
    try:
        yield
    except DomainError:
        store.commit()
        raise
    except BaseException:
        store.rollback()
        raise
    store.commit()


@contextmanager
def scan_transaction(*, batch: bool = False) -> Iterator[ScanStore]:
    """A store on a database connection of its own, in one transaction ended here.

    ``batch``: several inserts follow each other (a sync), so the COMMIT is not sent with
    the first. On SQLite the connection is one of the app engine's.
    """
    if db.engine.dialect.name != "postgresql":
        with db.engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                # SQLite has no row locks (lock_people's FOR UPDATE is dropped): the write
                # lock is taken first, so scans are serialised before they read what they
                # decide on, as a person's row lock serialises them on PostgreSQL.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            store = CoreStore(connection)
            with _ending(store):
                yield store
        return
    engine = _scan_engine()
    pooled: Any = None

    def checkout() -> tuple[psycopg.Connection, dict]:
        nonlocal pooled
        pooled = engine.raw_connection()
        pooled.driver_connection.autocommit = True
        return pooled.driver_connection, pooled.info.setdefault("scan_cursors", {})

    def reconnect(error: Exception) -> tuple[psycopg.Connection, dict]:
        pooled.invalidate(error)
        pooled.close()
        engine.dispose()  # the pool's other connections are as likely to be dead
        return checkout()

    connection, cursors = checkout()
    try:
        store = PostgresStore(
            connection, cursors, reconnect=reconnect, commit_with_last_insert=not batch
        )
        with _ending(store):
            yield store
    finally:
        _check_in(pooled)


def _check_in(pooled: Any) -> None:
    """Give a scan's connection back to the pool, out of autocommit mode, or drop it."""
    connection = pooled.driver_connection
    try:
        if connection is None:
            pass  # already invalidated
        elif not connection.closed and connection.info.transaction_status == _IDLE:
            connection.autocommit = False
        else:
            pooled.invalidate()
    finally:
        pooled.close()
