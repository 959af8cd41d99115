"""Hostile request input, checked in one place: redirect targets, page numbers and JSON.

- ``safe_next(target)``: the only check of a redirect target taken from a request. Only a
  same-site path is accepted; browsers drop tabs and line breaks inside URLs, so
  ``"/\\t/evil.example"`` would become ``//evil.example``, and a line break in a Location
  header is refused by the server; both are rejected here.
- ``page_number()``: a page number from the query string, clamped to a range the database
  can page to.
- ``request_json()`` and the app's JSON provider: JSON nested deeper than ``MAX_JSON_DEPTH``
  is refused before it is parsed (Python's parser would recurse until it fails).
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import lazy_gettext as _l

from portal.errors import DomainError

#: Deepest JSON nesting any endpoint accepts (the device API's deepest document has 4 levels).
MAX_JSON_DEPTH = 32
#: Highest page number a list pages to; larger numbers are clamped to it.
MAX_PAGE = 10_000
#: Longest redirect target accepted.
MAX_NEXT_LENGTH = 2048

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class JSONTooDeep(ValueError):
    """A JSON document nested deeper than ``MAX_JSON_DEPTH`` (a ValueError, as parse errors
    are, so ``get_json(silent=True)`` treats it as unreadable JSON)."""


def safe_next(target: object, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default``.

    Accepted: a string starting with one ``/``, without a backslash, control character or
    whitespace, with no scheme or host when parsed, at most ``MAX_NEXT_LENGTH`` long.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_NEXT_LENGTH:
        return default
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ch.isspace() or unicodedata.category(ch)[0] in "CZ" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def page_number(name: str = "page") -> int:
    """The page number in query argument ``name``: 1 if missing or not a number, at most
    ``MAX_PAGE``."""
    raw = request.args.get(name, "")
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return min(max(int(raw), 1), MAX_PAGE)


def json_depth_exceeds(data: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a JSON text nests arrays/objects deeper than ``limit`` (checked without parsing:
    strings are skipped, brackets counted, stopping at the first level past the limit)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def request_json() -> object:
    """The request's JSON body, parsed; None if it is not JSON (as ``get_json(silent=True)``).

    Raises DomainError('json_too_deep'), a 400 in the user's language, for a document nested
    deeper than ``MAX_JSON_DEPTH``, found before parsing.
    """
    data = request.get_data(cache=True)
    if json_depth_exceeds(data):
        raise DomainError("json_too_deep", _l("Begäran är för djupt nästlad."), 400)
    return request.get_json(silent=True)


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing too deeply nested documents before parsing them, so every
    ``request.get_json()`` in the app is guarded (a 400, or None when silent)."""

    def loads(self, s: str | bytes, **kwargs):
        if json_depth_exceeds(s):
            raise JSONTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return super().loads(s, **kwargs)


def init_app(app: Flask) -> None:
    """Install the guarded JSON provider (keeping the app's JSON settings)."""
    provider = GuardedJSONProvider(app)
    provider.sort_keys = app.json.sort_keys
    provider.ensure_ascii = app.json.ensure_ascii
    provider.compact = app.json.compact
    provider.mimetype = app.json.mimetype
    app.json = provider
