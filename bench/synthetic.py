"""What the synthetic-municipality benchmarks (reconcile.py, reports.py) share.

A throw-away database (a SQLite file, or a PostgreSQL database derived from
BENCH_DATABASE_URL and dropped afterwards), bulk inserts with ids assigned by the generator,
the municipality with its settings, units and one caseworker, and a timer that reports to
standard error.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
CHUNK = 20_000


def utc(day: date, at: clock) -> datetime:
    """A Stockholm wall-clock moment in UTC, as the database stores it."""
    return datetime.combine(day, at, tzinfo=STOCKHOLM).astimezone(UTC)


# --------------------------------------------------------------------------------------------
# The database


@dataclass(frozen=True)
class Database:
    url: str
    #: For the log: where the rows are.
    where: str
    #: Uploads and the SQLite file.
    workdir: str
    postgres: bool


def _admin(url: str, *statements: str) -> None:
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(sa.text(statement.format(name=target.database)))
    admin.dispose()


@contextmanager
def database(base: str, suffix: str, *, keep: bool = False) -> Iterator[Database]:
    """A fresh database for one run: PostgreSQL ``<base's name>_<suffix>`` when ``base`` (a
    BENCH_DATABASE_URL) is set, a SQLite file otherwise; removed afterwards unless ``keep``."""
    workdir = tempfile.mkdtemp(prefix=f"bench-{suffix}-")
    try:
        if not base:
            url = f"sqlite:///{workdir}/bench.sqlite3"
            yield Database(url, f"SQLite {workdir}/bench.sqlite3", workdir, postgres=False)
            return
        if base.startswith("postgresql://"):
            base = "postgresql+psycopg://" + base[len("postgresql://") :]
        target = sa.make_url(base)
        name = f"{target.database or 'bench'}_{suffix}"
        url = target.set(database=name).render_as_string(hide_password=False)
        _admin(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', 'CREATE DATABASE "{name}"')
        try:
            yield Database(url, f"PostgreSQL database {name}", workdir, postgres=True)
        finally:
            if not keep:
                _admin(url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def migrated_app(target: Database) -> Any:
    """The app on the benchmark's database, its schema migrated."""
    import logging

    from flask_migrate import upgrade

    from portal import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": target.url, "SECRET_KEY": SECRET, "UPLOAD_DIR": target.workdir}
    )
    with app.app_context():
        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade(revision="heads")
    return app


def after_load(db: Any) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move them past the rows; then commit
    and refresh the planner's statistics, as a production database would have them."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        for table in ("compliance_result", "audit_entry"):
            conn.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                )
            )
    db.session.commit()
    analyse(db)


def analyse(db: Any) -> None:
    """VACUUM ANALYZE on PostgreSQL (nothing on SQLite)."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))


def timed(label: str, action: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``action``; its wall seconds (returned) and Python's CPU seconds on standard error."""
    started, cpu = time.perf_counter(), time.process_time()
    outcome = action()
    seconds = time.perf_counter() - started
    print(
        f"  {label}: {seconds:.2f} s wall, {time.process_time() - cpu:.2f} s CPU in Python",
        file=sys.stderr,
    )
    return seconds, outcome


# --------------------------------------------------------------------------------------------
# Rows


class BulkRows:
    """Rows inserted in bulk (COPY on PostgreSQL, executemany otherwise); ids assigned here."""

    #: The tables COPY fills on PostgreSQL (None: all); the others get SQLAlchemy's inserts,
    #: which fill the columns' Python-side defaults.
    copied: frozenset[str] | None = None

    def __init__(self, conn: sa.Connection, seed: int = 2026) -> None:
        self.conn = conn
        self.rng = Random(seed)  # noqa: S311 - reproducible data, not security
        self.ids: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def insert(self, table: sa.Table, rows: list[dict]) -> None:
        if not rows:
            return
        copy = self.copied is None or table.name in self.copied
        if copy and self.conn.dialect.name == "postgresql":
            import orjson

            columns = list(rows[0])
            json_columns = {c.name for c in table.columns if isinstance(c.type, sa.JSON)}
            raw = self.conn.connection.driver_connection
            with raw.cursor() as cursor:
                statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
                with cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(
                            [
                                orjson.dumps(row[c]).decode() if c in json_columns else row[c]
                                for c in columns
                            ]
                        )
            return
        for start in range(0, len(rows), CHUNK):
            self.conn.execute(sa.insert(table), rows[start : start + CHUNK])

    def municipality(self, code: str, created: datetime, units: int) -> None:
        """The municipality, its settings (40 h full time, mandatory after 2 months), ``units``
        units and one caseworker: sets ``municipality_id``, ``unit_ids`` and ``staff_id``."""
        from portal.models import Municipality, MunicipalitySettings, StaffUser, Unit

        self.municipality_id = self.next_id("municipality")
        self.insert(
            Municipality.__table__,
            [{"id": self.municipality_id, "code": code, "name": "Benchkommun"}],
        )
        self.insert(
            MunicipalitySettings.__table__,
            [
                {
                    "municipality_id": self.municipality_id,
                    "full_time_hours_per_week": Decimal(40),
                    "mandatory_after_months": 2,
                    "pension_age": 67,
                    "missing_checkout": "count_to_slot_end",
                    "extra_exemptions": ["activity_compensation"],
                    "exempt_if_af_activity": False,
                    "shortfall_tolerance_minutes": 0,
                    "reply_deadline_days": 7,
                    "sla_first_contact_hours": 48,
                    "sla_plan_hours": 48,
                    "updated_at": created,
                }
            ],
        )
        self.unit_ids = [self.next_id("unit") for _ in range(units)]
        self.insert(
            Unit.__table__,
            [
                {"id": u, "municipality_id": self.municipality_id, "name": f"Enhet {u}"}
                for u in self.unit_ids
            ],
        )
        self.staff_id = self.next_id("staff_user")
        self.insert(
            StaffUser.__table__,
            [
                {
                    "id": self.staff_id,
                    "municipality_id": self.municipality_id,
                    "email": "bench@example.se",
                    "name": "Bench",
                    "role": "caseworker",
                    "unit_id": self.unit_ids[0],
                    "password_hash": "x",
                    "active": True,
                    "created_at": created,
                }
            ],
        )
