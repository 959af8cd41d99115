"""Retrying a transaction that PostgreSQL ended as a deadlock victim or a serialization
failure: the work is rolled back entirely, so running it again is safe, and the device is
answered only after it succeeded or the retries ran out (then nothing of it was stored)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from flask_babel import lazy_gettext as _l

from portal.errors import DomainError
from portal.extensions import db

T = TypeVar("T")

#: SQLSTATEs of a transaction PostgreSQL aborted so that another could go on.
RETRYABLE = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
#: How many times the work runs at most.
ATTEMPTS = 5


def is_conflict(error: BaseException) -> bool:
    """Whether an error (psycopg's, or SQLAlchemy's wrapping it) is a deadlock or a
    serialization failure."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "sqlstate", None) in RETRYABLE:
            return True
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) else current.__cause__
    return False


def retry_conflicts(work: Callable[[], T], *, attempts: int = ATTEMPTS) -> T:
    """Run ``work``; when it fails as a deadlock victim or a serialization failure, roll the
    request's session back and run it again (after a short random pause, so two colliding
    requests do not collide again). ``work`` must end or roll back any transaction of its own.

    Raises DomainError ``busy`` (503) when every attempt failed: nothing was stored.
    """
    for attempt in range(attempts):
        try:
            return work()
        except Exception as exc:
            if not is_conflict(exc):
                raise
            db.session.rollback()
            if attempt == attempts - 1:
                raise DomainError(
                    "busy",
                    _l("Servern hann inte spara något av det som skickades. Försök igen."),
                    503,
                ) from exc
            time.sleep(random.uniform(0.005, 0.03) * (attempt + 1))  # noqa: S311 - a jitter
    raise AssertionError("unreachable")
