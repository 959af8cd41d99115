"""What `flask demo logins` (and so `make run`) prints: how to sign in as each demo role and
how to use the demo's scanner."""

from __future__ import annotations

import json

from portal.demo.any_day import (
    DEMO_DEVICE_TOKEN,
    DEMO_OPEN_ENROLLED,
    demo_device,
    running_demo_session,
)
from portal.demo.organisation import DEMO_PASSWORD, DEMO_STAFF, DEMO_TOTP_SECRETS


def logins_text(base_url: str = "http://127.0.0.1:5000") -> str:
    """How to sign in as each demo role (printed by `make run`)."""
    lines = [
        "Demo sign-ins (development only):",
        f"  Applicants: {base_url}/auth/dev  — pick a demo person, or make a new one",
        f"  Staff: {base_url}/auth/staff  — password for all: {DEMO_PASSWORD}",
    ]
    for email, name, role, unit in DEMO_STAFF:
        where = f", {unit}" if unit else ""
        lines.append(f"    {role.value:<14} {email}  ({name}{where})")
    lines.append(
        "  Second factor: run  .venv/bin/flask --app wsgi demo totp EMAIL  for the current code,"
    )
    lines.append(
        "  or add the secret to an authenticator app: "
        + ", ".join(f"{e.split('@')[0]}={s}" for e, s in DEMO_TOTP_SECRETS.items())
    )
    lines.extend(_scanner_lines(base_url))
    return "\n".join(lines)


def _scanner_lines(base_url: str) -> list[str]:
    device = demo_device()
    if device is None:
        return []
    stored = {
        "token": DEMO_DEVICE_TOKEN,
        "device": {"ref": device.public_ref, "name": device.name},
        "site": {"ref": device.site.public_ref, "name": device.site.name},
    }
    lines = [
        f"  Scanner: {device.name} is enrolled with the device token {DEMO_DEVICE_TOKEN}",
        "    (API: Authorization: Bearer <token>). To use it in a browser, open "
        f"{base_url}/checkin/skanner and run in the console:",
        f"    localStorage.setItem('checkin.device', '{json.dumps(stored, ensure_ascii=False)}')"
        "; location.reload()",
        f"    Or sign in as anordnare@ and register by hand at {base_url}/checkin/",
    ]
    running = running_demo_session()
    if running is not None:
        activity, session = running
        lines.append(
            f"  Running now: {activity.name} at {device.site.name}, "
            f"{session.start_time:%H:%M}-{session.end_time:%H:%M} today, with "
            f"{DEMO_OPEN_ENROLLED} demo people enrolled (their QR code: sign in at "
            f"{base_url}/auth/dev, then Min kod)."
        )
    return lines
