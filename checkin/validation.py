"""Strict checks of what a device sends: JSON types as JSON types, integers within range, and
no deeper nesting than the API's documents have.

A device's queue must never be blocked by a value the server cannot store, and a value must
never be taken for something else (the string ``"false"`` is not a boolean). Every refusal is
an ``invalid_request`` (400) naming the field, raised before anything is written.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.errors import DomainError

#: The deepest nesting of arrays and objects a device API body may have (a sync batch is an
#: object holding a list of objects: 3).
MAX_DEPTH = 4
#: The largest body the device API reads (200 sync items of a few hundred bytes each).
MAX_BODY_BYTES = 256 * 1024
#: Device sequence numbers are stored as a signed 64-bit integer.
MAX_SEQ = 2**63 - 1
#: Offline events older than this, or this far in the future, are refused as malformed.
MAX_EVENT_AGE = timedelta(days=31)
MAX_EVENT_AHEAD = timedelta(days=1)

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class InvalidField(DomainError):
    """A field of a device's request with the wrong type, form or range (400).

    ``field`` names it (``items[3].device_seq`` inside a sync batch) and ``problem`` says
    what is wrong: ``type``, ``range``, ``format`` or ``missing``.
    """

    def __init__(self, field: str, problem: str):
        super().__init__(
            "invalid_request",
            _l("Fältet %(field)s är felaktigt.", field=field),
            400,
        )
        self.field = field
        self.problem = problem


def check_body(raw: bytes) -> None:
    """Refuse a body that is too large or nested deeper than MAX_DEPTH, before it is parsed
    (Python's JSON parser recurses, and a deep enough body would exhaust the stack)."""
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidField("body", "range")
    brackets = _STRINGS.sub(b"", raw).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        depth += 1 if byte in (0x5B, 0x7B) else -1
        if depth > MAX_DEPTH:
            raise InvalidField("body", "range")


def boolean(value: Any, field: str, default: bool) -> bool:
    """A JSON boolean (``true``/``false``); absent or null gives the default."""
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidField(field, "type")
    return value


def integer(value: Any, field: str, *, minimum: int = 0, maximum: int = MAX_SEQ) -> int | None:
    """A JSON integer within [minimum, maximum], or None when absent. Booleans (which Python
    counts as integers) and floats are refused."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(field, "type")
    if not minimum <= value <= maximum:
        raise InvalidField(field, "range")
    return value


def string(value: Any, field: str, *, max_length: int, optional: bool = False) -> str | None:
    """A JSON string of at most ``max_length`` characters (None only when optional)."""
    if value is None and optional:
        return None
    if value is None:
        raise InvalidField(field, "missing")
    if not isinstance(value, str):
        raise InvalidField(field, "type")
    if len(value) > max_length:
        raise InvalidField(field, "range")
    return value


def choice(value: Any, field: str, choices: Iterable[str], *, optional: bool = False) -> str | None:
    """One of the given strings (None only when optional)."""
    text = string(value, field, max_length=32, optional=optional)
    if text is not None and text not in set(choices):
        raise InvalidField(field, "format")
    return text


def moment_value(value: Any, field: str, *, optional: bool = False) -> str | int | float | None:
    """A time as sent: an ISO 8601 string or epoch milliseconds (a number, not a boolean)."""
    if value is None:
        if optional:
            return None
        raise InvalidField(field, "missing")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidField(field, "type")
    if isinstance(value, str) and len(value) > 64:
        raise InvalidField(field, "range")
    return value


def parse_event_id(value: object, field: str = "event_id") -> str:
    """A client event id as a canonical UUID string, or invalid_request naming the field."""
    try:
        return str(uuid.UUID(str(value)))
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidField(field, "format") from exc


def parse_moment(value: object, now: datetime, field: str = "occurred_at") -> datetime:
    """An ISO 8601 time with offset (or epoch milliseconds), within sane limits, as UTC."""
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = datetime.fromtimestamp(value / 1000, UTC)
        else:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, TypeError, OverflowError, OSError) as exc:
        raise InvalidField(field, "format") from exc
    if moment.tzinfo is None:
        raise InvalidField(field, "format")
    moment = moment.astimezone(UTC)
    if not (now - MAX_EVENT_AGE <= moment <= now + MAX_EVENT_AHEAD):
        raise InvalidField(field, "range")
    return moment
