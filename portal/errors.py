"""Error pages and the domain error type. Error pages never echo request data."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from portal.extensions import db


class DomainError(Exception):
    """A service's refusal, with a stable ``code`` and a user-facing message.

    Views and the API translate it; the same code reaches the user as a sentence in their
    language.
    """

    status = 400

    def __init__(self, code: str, message: str | None = None, status: int | None = None):
        super().__init__(code)
        self.code = code
        self.message = message if message is not None else code
        if status is not None:
            self.status = status


_TITLES = {
    400: _l("Felaktig begäran"),
    403: _l("Du har inte behörighet"),
    404: _l("Sidan finns inte"),
    405: _l("Metoden är inte tillåten"),
    413: _l("För stor att ta emot"),
    429: _l("För många försök"),
    500: _l("Något gick fel"),
    503: _l("Tjänsten går inte att nå just nu"),
}
_TEXTS = {
    400: _l("Begäran kunde inte tolkas. Gå tillbaka och försök igen."),
    403: _l("Du har inte behörighet att se den här sidan."),
    404: _l("Vi hittar inte sidan du söker. Kontrollera adressen eller gå till startsidan."),
    405: _l("Det går inte att göra så här på den här sidan."),
    413: _l("Det du skickade är för stort. Välj en mindre fil eller korta texten."),
    429: _l("Du har försökt för många gånger. Vänta en stund och försök igen."),
    500: _l("Något gick fel hos oss. Ingenting av det du skickade har sparats. Försök igen."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, code: str | None = None, message: str | None = None):
    """Render an error as JSON for the API or as an HTML page for people."""
    text = message or str(_TEXTS.get(status, _TEXTS[500]))
    if _wants_json():
        return jsonify({"code": code or f"http_{status}", "message": text}), status
    return render_template(
        "error.html", status=status, title=_TITLES.get(status, _TITLES[500]), text=text
    ), status


def forget_request_body() -> None:
    """Make the current request look bodiless (empty form, files, data and JSON), without
    reading what the client sent."""
    import io

    from werkzeug.datastructures import ImmutableMultiDict

    cache = request.__dict__
    cache["stream"] = io.BytesIO()
    cache["form"] = ImmutableMultiDict()
    cache["files"] = ImmutableMultiDict()
    request._cached_data = b""
    request._cached_json = (None, None)


def init_app(app: Flask) -> None:
    """Register handlers so that every error has a clear page and no stack trace leaks."""

    for status in (400, 403, 404, 405, 429):
        app.register_error_handler(status, lambda e, s=status: render_error(s))

    @app.errorhandler(413)
    def _too_large(e):
        # The body was refused unread. Rendering the page builds forms (the sign-out and
        # language forms), which would read request.form and raise 413 again: the request
        # is given an empty body first.
        forget_request_body()
        return render_error(413)

    @app.errorhandler(CSRFError)
    def _csrf(e):
        from flask_babel import gettext as _

        return render_error(
            400, "csrf", _("Sidan hann bli för gammal. Ladda om sidan och försök igen.")
        )

    @app.errorhandler(DomainError)
    def _domain(e: DomainError):
        return render_error(e.status, e.code, str(e.message))

    @app.errorhandler(500)
    def _server_error(e):
        db.session.rollback()
        return render_error(500)
