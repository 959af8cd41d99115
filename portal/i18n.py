"""Languages (Swedish default, English, Arabic right-to-left) and local-time formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from flask import Flask, current_app, g, request, session
from flask_babel import format_date, format_datetime, format_time, get_locale

from portal.extensions import babel

STOCKHOLM = ZoneInfo("Europe/Stockholm")
RTL_LANGUAGES = {"ar"}
#: Names of the languages in their own language, for the switcher.
LANGUAGE_NAMES = {"sv": "Svenska", "en": "English", "ar": "العربية"}


def select_locale() -> Locale:
    """The language chosen in the session, else the signed-in person's, else Swedish."""
    config = current_app.config
    if not request.cookies and "_login_user" not in g:
        # No session or remember cookie and no one signed in during this request (a device
        # calling the check-in API): there is no choice to look up. An API client may ask
        # for its language with Accept-Language (its error messages are then in it).
        if request.path.startswith("/api/"):
            asked = request.accept_languages.best_match(config["LANGUAGES"])
            if asked:
                return _locale(asked)
        return _locale(config["BABEL_DEFAULT_LOCALE"])
    languages = config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return _locale(chosen)
    from flask_login import current_user

    preferred = getattr(current_user, "language", None)
    if preferred in languages:
        return _locale(preferred)
    return _locale(config["BABEL_DEFAULT_LOCALE"])


@cache
def _locale(code: str) -> Locale:
    """The Locale of a language code, parsed once (Flask-Babel takes it as it is)."""
    return Locale.parse(code)


def to_local(value: datetime) -> datetime:
    """Convert an aware UTC datetime to Europe/Stockholm wall-clock time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(STOCKHOLM)


def local_now() -> datetime:
    """Now in Europe/Stockholm."""
    return datetime.now(UTC).astimezone(STOCKHOLM)


def local_today() -> date:
    """Today's date in Europe/Stockholm (not the server's)."""
    return local_now().date()


def init_app(app: Flask) -> None:
    """Wire Flask-Babel and the template helpers."""
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: "Europe/Stockholm")

    @app.context_processor
    def _language_context():
        lang = str(get_locale() or "sv")
        return {
            "current_lang": lang,
            "text_direction": "rtl" if lang in RTL_LANGUAGES else "ltr",
            "language_names": LANGUAGE_NAMES,
            "languages": app.config["LANGUAGES"],
        }

    @app.template_filter("localdt")
    def _localdt(value: datetime | None, fmt: str = "short") -> str:
        return format_datetime(value, fmt) if value else ""

    @app.template_filter("localdate")
    def _localdate(value: date | datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = to_local(value).date()
        return format_date(value, fmt)

    @app.template_filter("isodate")
    def _isodate(value: str | None) -> date | None:
        """An ISO date text (as stored in JSON) as a date, for the date filters."""
        return date.fromisoformat(value) if value else None

    @app.template_filter("localtime")
    def _localtime(value: datetime | None) -> str:
        """The local wall-clock time, e.g. "09:05", formatted by Babel for the locale."""
        return format_time(to_local(value), "HH:mm") if value else ""

    @app.context_processor
    def _request_lang():
        return {"request_path": request.path}

    from portal import formatting

    formatting.init_app(app)
