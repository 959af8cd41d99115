"""Security headers and the once-per-request commit/rollback."""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.extensions import db

CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'; worker-src 'self'; manifest-src 'self'"
)

#: For JSON answers (the APIs): nothing in them is to be run or framed.
API_CSP = "default-src 'none'; frame-ancestors 'none'"


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with no signing work for a request without the
    cookie (the device API's, the kiosk's): it gets a new, empty session at once."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Attach headers to every response and end every request's transaction once."""
    app.session_interface = CookieSessions()
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Behind N reverse proxies: the client address (rate limits, logs), scheme and host
        # come from the last N X-Forwarded-* entries; anything a client adds before is ignored.
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )

    always = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    hsts = "max-age=63072000; includeSubDomains"

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        json = response.mimetype == "application/json"
        if "Content-Security-Policy" not in headers:
            headers.add("Content-Security-Policy", API_CSP if json else CSP)
        headers.extend(always)  # set nowhere else (tests/test_app.py)
        if app.config["PORTAL_ENV"] == "production":
            headers.add("Strict-Transport-Security", hsts)
        if "Cache-Control" not in headers and (
            json or response.mimetype == "text/html" or "Set-Cookie" in headers
        ):
            headers.add("Cache-Control", "no-store")
        return response

    @app.after_request
    def _commit(response: Response) -> Response:
        # Indico's habit: services only flush; the request commits once, or rolls back.
        if not db.session.registry.has():
            return response  # the request never used the session: nothing to end
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
