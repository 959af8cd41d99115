"""The OpenAPI 3 description of the device API (served at /api/checkin/v1/openapi.json)."""

from __future__ import annotations

ERROR_CODES = [
    "invalid_request",
    "unauthorized",
    "device_revoked",
    "enrolment_code_invalid",
    "unknown_code",
    "bad_signature",
    "revoked_key",
    "revoked_card",
    "expired_code",
    "wrong_site",
    "not_enrolled",
    "refused_offline",
    "event_id_conflict",
    "rate_limited",
    "busy",
    "http_404",
    "http_405",
]


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    texts = {
        400: "Malformed request (invalid_request with field, enrolment_code_invalid)",
        401: "Missing or unknown device token (unauthorized)",
        403: "The device has been revoked (device_revoked)",
        409: "The event id is another site's (event_id_conflict); nothing stored or told",
        422: "The scan was refused and stored as rejected; code says why",
        429: "Too many requests for this device or address (rate_limited)",
        503: "Retried deadlocks ran out (busy); nothing of the request was stored",
    }
    return {str(s): _json(_ref("Error"), texts[s]) for s in statuses}


SCAN_ITEM = {
    "type": "object",
    "required": ["event_id", "code", "mode", "occurred_at"],
    "properties": {
        "event_id": {
            "type": "string",
            "format": "uuid",
            "description": "Made by the device; the idempotency key",
        },
        "code": {"type": "string", "maxLength": 512, "description": "The scanned personal code"},
        "mode": {"type": "string", "enum": ["in", "out"], "description": "Chosen by staff"},
        "occurred_at": {
            "type": "string",
            "format": "date-time",
            "description": "When the scan happened, by the device's clock, with offset",
        },
        "device_seq": {
            "type": "integer",
            "minimum": 0,
            "maximum": 2**63 - 1,
            "description": "Device sequence number (an integer: not a boolean or a string)",
        },
        "offline": {
            "type": "boolean",
            "description": "Scanned while offline (true/false; a string is refused)",
        },
    },
}
#: The clock fields of an answer to a device whose clock is off by more than five minutes.
CLOCK_FIELDS = {
    "clock_off_s": {
        "type": "integer",
        "description": "The device's clock is this many seconds ahead (negative: behind)",
    },
    "clock_warning": {"type": "string", "description": "For the device's screen, translated"},
}


def openapi_document() -> dict:
    """The document; paths are relative to the server URL /api/checkin/v1."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Aktivitetsportalen check-in device API",
            "version": "1.0.0",
            "description": (
                "Scanners and kiosks at activity sites. Enrol with a one-time code from an "
                "administrator, then send `Authorization: Bearer <token>`. Every error is JSON "
                '`{"code", "message"}` with a stable code. Scans and sync are idempotent on '
                "`event_id`."
            ),
        },
        "servers": [{"url": "/api/checkin/v1"}],
        "components": {
            "securitySchemes": {"device": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string", "enum": ERROR_CODES},
                        "message": {"type": "string", "description": "For people, translated"},
                        "event_id": {"type": "string", "nullable": True},
                        "person": {"allOf": [_ref("Person")], "nullable": True},
                        "field": {
                            "type": "string",
                            "description": "invalid_request: the field that is wrong",
                        },
                        "expected_site": {
                            "type": "string",
                            "description": "wrong_site: where the person is expected now",
                        },
                        **CLOCK_FIELDS,
                    },
                },
                "Person": {
                    "type": "object",
                    "properties": {
                        "ref": {"type": "string", "description": "Public reference"},
                        "first_name": {"type": "string"},
                    },
                },
                "ScanRequest": {
                    **SCAN_ITEM,
                    "properties": {
                        **SCAN_ITEM["properties"],
                        "device_time": {
                            "type": "string",
                            "format": "date-time",
                            "description": "The device's clock when sending (clock skew review)",
                        },
                    },
                },
                "ScanResult": {
                    "type": "object",
                    "properties": {
                        "result": {"type": "string", "enum": ["accepted", "duplicate"]},
                        "event_id": {"type": "string", "format": "uuid"},
                        "status": {"type": "string", "enum": ["accepted", "flagged"]},
                        "kind": {"type": "string", "enum": ["in", "out"]},
                        "reason": {
                            "type": "string",
                            "nullable": True,
                            "description": "already_in, not_in, forced, or why it was flagged",
                        },
                        "occurred_at": {"type": "string", "format": "date-time"},
                        "person": _ref("Person"),
                        "message": {"type": "string"},
                        **CLOCK_FIELDS,
                    },
                },
                "SyncRequest": {
                    "type": "object",
                    "required": ["items"],
                    "properties": {
                        "device_time": {"type": "string", "format": "date-time"},
                        "items": {
                            "type": "array",
                            "maxItems": 200,
                            "items": {
                                **SCAN_ITEM,
                                "properties": {
                                    **SCAN_ITEM["properties"],
                                    "local_result": {
                                        "type": "string",
                                        "enum": ["accepted", "rejected", "forced"],
                                        "description": (
                                            "What the device did offline: let in, turned away, "
                                            "or let in although its own check failed"
                                        ),
                                    },
                                },
                            },
                        },
                    },
                },
                "SyncResult": {
                    "type": "object",
                    "properties": {
                        "server_time": {"type": "string", "format": "date-time"},
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "event_id": {"type": "string", "nullable": True},
                                    "result": {
                                        "type": "string",
                                        "enum": ["accepted", "duplicate", "rejected", "error"],
                                        "description": (
                                            "accepted/duplicate/rejected are stored: remove from "
                                            "the queue; error was not stored: keep and retry"
                                        ),
                                    },
                                    "stored": {
                                        "type": "boolean",
                                        "description": "Whether the item is stored",
                                    },
                                    "status": {"type": "string"},
                                    "reason": {"type": "string", "nullable": True},
                                    "code": {"type": "string"},
                                    "field": {"type": "string"},
                                    "message": {"type": "string"},
                                },
                            },
                        },
                    },
                },
                "Roster": {
                    "type": "object",
                    "properties": {
                        "device": {"type": "object"},
                        "site": {"type": "object"},
                        "day": {"type": "string", "format": "date"},
                        "server_time": {"type": "string", "format": "date-time"},
                        "keys": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "key_id": {"type": "string"},
                                    "public_key": {
                                        "type": "string",
                                        "description": "Raw Ed25519 public key, base64url",
                                    },
                                    "retired": {"type": "boolean"},
                                },
                            },
                        },
                        "revoked": {
                            "type": "array",
                            "items": {"type": "string", "description": "<person ref>:<serial>"},
                        },
                        "revoked_keys": {
                            "type": "array",
                            "items": {"type": "string"},
                            "description": "Key ids whose codes are refused (not in keys)",
                        },
                        "sessions": {"type": "array", "items": {"type": "object"}},
                        "participants": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "ref": {"type": "string"},
                                    "first_name": {"type": "string"},
                                    "serial": {"type": "integer", "nullable": True},
                                    "sessions": {"type": "array", "items": {"type": "integer"}},
                                },
                            },
                        },
                        "margins": {"type": "object"},
                    },
                },
            },
        },
        "security": [{"device": []}],
        "paths": {
            "/time": {
                "get": {
                    "summary": "The server's clock",
                    "security": [],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "server_time": {"type": "string", "format": "date-time"},
                                    "epoch_ms": {"type": "integer"},
                                },
                            },
                            "Server time",
                        )
                    },
                }
            },
            "/enrol": {
                "post": {
                    "summary": "Exchange a one-time enrolment code for a device token",
                    "security": [],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["code"],
                                    "properties": {"code": {"type": "string"}},
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "token": {"type": "string"},
                                    "device": {"type": "object"},
                                    "site": {"type": "object"},
                                },
                            },
                            "Enrolled; the token is shown only here",
                        ),
                        **_errors(400, 403, 429),
                    },
                }
            },
            "/roster": {
                "get": {
                    "summary": "Keys, revocations, today's sessions and expected participants",
                    "responses": {
                        "200": _json(_ref("Roster"), "Everything needed offline"),
                        **_errors(401, 403, 429),
                    },
                }
            },
            "/scans": {
                "post": {
                    "summary": "Record one online scan",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("ScanRequest")}},
                    },
                    "responses": {
                        "201": _json(_ref("ScanResult"), "Stored"),
                        "200": _json(_ref("ScanResult"), "Seen before (same event_id)"),
                        **_errors(400, 401, 403, 409, 422, 429, 503),
                    },
                }
            },
            "/sync": {
                "post": {
                    "summary": "Store a batch of offline scans",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("SyncRequest")}},
                    },
                    "responses": {
                        "200": _json(_ref("SyncResult"), "Per-item results"),
                        **_errors(400, 401, 403, 429, 503),
                    },
                }
            },
            "/kiosk/code": {
                "get": {
                    "summary": "The site's rotating self check-in code for the current slot",
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "url": {"type": "string"},
                                    "image": {"type": "string", "description": "SVG data URI"},
                                    "site": {"type": "object"},
                                    "slot": {"type": "integer"},
                                    "valid_from": {"type": "string", "format": "date-time"},
                                    "valid_until": {"type": "string", "format": "date-time"},
                                    "server_time": {"type": "string", "format": "date-time"},
                                },
                            },
                            "The current code",
                        ),
                        **_errors(401, 403, 429),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3 document"}},
                }
            },
        },
    }
