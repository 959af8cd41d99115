"""The device JSON API under /api/checkin/v1/ (OpenAPI document at /openapi.json).

Devices authenticate with ``Authorization: Bearer <device token>``. Every answer is JSON; every
error is ``{"code": ..., "message": ...}`` with a stable code. Rate limits are per device (keyed
on the token's hash) and per IP address where there is no token yet (enrolment).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from checkin import codes, retry, services, validation, wording
from checkin.openapi import openapi_document
from portal.access import device_token, public
from portal.errors import DomainError
from portal.extensions import csrf, db, limiter
from portal.models import EventKind, EventStatus, utcnow
from portal.request_guard import request_json

#: The device API authenticates with a device token, not a browser session, so it is exempt
#: from the cookie-based CSRF check.
api = Blueprint("checkin_api", __name__)
csrf.exempt(api)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def device_rate_key() -> str:
    """Rate-limit key: the device (by token hash) so one busy site does not starve another."""
    token = _bearer()
    return "device:" + codes.sha256_hex(token) if token else "ip:" + get_remote_address()


def device_required(view: Callable) -> Callable:
    """Authenticate the bearer token; the device is in ``g.device``."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        g.device = services.authenticate_device(_bearer())
        return view(*args, **kwargs)

    return device_token(wrapped)


def _error(code: str, message: str, status: int, **extra):
    return jsonify({"code": code, "message": message, **extra}), status


@api.errorhandler(DomainError)
def _domain_error(error: DomainError):
    extra = {"field": error.field} if isinstance(error, validation.InvalidField) else {}
    return _error(error.code, str(error.message), error.status, **extra)


@api.errorhandler(429)
def _rate_limited(error):
    return _error("rate_limited", _("För många anrop. Vänta en stund och försök igen."), 429)


def _json_body() -> dict:
    """The request's JSON object: the app-wide depth guard first (json_too_deep), then the
    device API's own limits of size and nesting (invalid_request, field body), all before the
    body is parsed."""
    request_json()  # refuses absurd nesting before parsing (portal.request_guard)
    validation.check_body(request.get_data(cache=True))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise services.refusal("invalid_request", 400)
    return data


def _person_json(person) -> dict | None:
    if person is None:
        return None
    return {"ref": person.public_ref, "first_name": person.first_name}


def scan_message(kind: EventKind, status: EventStatus, reason: str | None, first_name: str) -> str:
    """What the scanner shows for an accepted scan, in words."""
    if status == EventStatus.FLAGGED:
        return _("%(name)s är registrerad, men händelsen ska granskas.", name=first_name)
    if reason == "already_in":
        return _("%(name)s är redan incheckad.", name=first_name)
    if reason == "not_in":
        return _("%(name)s var inte incheckad. Utcheckningen är sparad.", name=first_name)
    if kind == EventKind.OUT:
        return _("%(name)s är utcheckad. Hej då!", name=first_name)
    return _("%(name)s är incheckad. Välkommen!", name=first_name)


def _outcome_json(outcome: services.ScanOutcome) -> dict:
    event = outcome.event
    person = outcome.person
    extra = {}
    if outcome.clock_off_s is not None:
        extra = {
            "clock_off_s": outcome.clock_off_s,
            "clock_warning": wording.clock_warning(outcome.clock_off_s),
        }
    return {
        **extra,
        "result": "duplicate" if outcome.duplicate else "accepted",
        "event_id": event.event_id,
        "status": str(event.status),
        "kind": str(event.kind),
        "reason": event.reason,
        "occurred_at": event.occurred_at.isoformat(),
        "person": _person_json(person),
        "message": scan_message(
            event.kind, event.status, event.reason, person.first_name if person else ""
        ),
    }


@api.get("/time")
@limiter.limit("120 per minute", key_func=get_remote_address)
@public("the server clock for device clocks (no data)")
def server_time():
    """The server's clock, so kiosks and scanners can correct for their own."""
    now = utcnow()
    return jsonify({"server_time": now.isoformat(), "epoch_ms": int(now.timestamp() * 1000)})


@api.post("/enrol")
@limiter.limit(
    "10 per minute; 50 per hour",
    key_func=get_remote_address,
    deduct_when=lambda response: response.status_code >= 400,
)
@public("exchanges a one-time enrolment code for a device token")
def enrol():
    """Exchange a one-time enrolment code for the device token (shown only in this answer)."""
    data = _json_body()
    code = data.get("code")
    if not isinstance(code, str) or not 4 <= len(code) <= 40:
        raise services.refusal("enrolment_code_invalid", 400)
    device, token = services.enrol_device(code)
    return jsonify(
        {
            "token": token,
            "device": {"ref": device.public_ref, "name": device.name},
            "site": {"ref": device.site.public_ref, "name": device.site.name},
        }
    ), 201


@api.get("/roster")
@limiter.limit("60 per minute", key_func=device_rate_key)
@device_required
def roster():
    """Public keys, revoked serials, the site's sessions today and expected participants."""
    return jsonify(services.roster(g.device))


@api.post("/scans")
@limiter.limit("240 per minute", key_func=device_rate_key)
@device_token
def scan():
    """Record one online scan of a personal code (idempotent on event_id).

    The device is authenticated as by ``device_required`` (services.scan_online). A deadlock
    or serialization failure is retried inside the server before answering.
    """
    token = _bearer()
    validation.check_body(request.get_data(cache=True))
    body = request.get_json(silent=True)
    try:
        outcome = retry.retry_conflicts(lambda: services.scan_online(token, body))
    except services.ScanRejected as rejected:
        # Keep the rejected scan: staff and fraud review see why someone was refused.
        db.session.commit()
        extra = {}
        if rejected.expected_site:
            extra["expected_site"] = rejected.expected_site
        if rejected.clock_off_s is not None:
            extra["clock_off_s"] = rejected.clock_off_s
            extra["clock_warning"] = wording.clock_warning(rejected.clock_off_s)
        message = str(rejected.message)
        if rejected.expected_site:
            message = _("Personen ska vara på %(site)s just nu.", site=rejected.expected_site)
        return _error(
            rejected.code,
            message,
            422,
            event_id=rejected.event.event_id if rejected.event else None,
            person=_person_json(rejected.person),
            **extra,
        )
    return jsonify(_outcome_json(outcome)), 200 if outcome.duplicate else 201


@api.post("/sync")
@limiter.limit("60 per minute", key_func=device_rate_key)
@device_required
def sync():
    """Store a batch of offline scans; answers per item (accepted/duplicate/rejected/error),
    each saying whether it is stored. A deadlock is retried inside the server; if the retries
    run out, the answer (503 ``busy``) is true: nothing of the batch was stored."""
    data = _json_body()
    token = _bearer()
    results = retry.retry_conflicts(lambda: services.sync_online(token, data))
    return jsonify({"results": results, "server_time": utcnow().isoformat()})


@api.get("/kiosk/code")
@limiter.limit("60 per minute", key_func=device_rate_key)
@device_required
def kiosk_code():
    """The site's rotating self check-in code for the current 30-second slot (server clock)."""
    code = services.kiosk_code(g.device)
    url = url_for(
        "checkin.self_scan",
        site_ref=code.site.public_ref,
        slot=code.slot,
        mac=code.mac,
        _external=True,
    )
    return jsonify(
        {
            "url": url,
            "image": codes.qr_svg_data_uri(url, _("QR-kod för incheckning")),
            "site": {"ref": code.site.public_ref, "name": code.site.name},
            "slot": code.slot,
            "valid_from": code.valid_from.isoformat(),
            "valid_until": code.valid_until.isoformat(),
            "server_time": utcnow().isoformat(),
        }
    )


@api.get("/openapi.json")
@public("the API description")
def openapi():
    """The OpenAPI 3 description of this API."""
    return jsonify(openapi_document())
