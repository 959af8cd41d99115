"""Sign-in throttling per account: a progressive delay, never a lock.

Per-address limits (Flask-Limiter, behind ``TRUSTED_PROXIES``) stop one client from trying
many accounts; this stops many clients from trying one account. After ``FREE_FAILURES``
wrong attempts within ``WINDOW_SECONDS`` each further failure makes the account wait
2, 4, 8 … seconds, at most ``MAX_DELAY_SECONDS``, before the next attempt is even checked. A
stranger can therefore make a named user wait a minute at most, never lock them out, and a
password or code cannot be guessed at speed. Counters live in the rate-limit storage (Redis
in production), so every app server sees them; account names are stored only as hashes.
"""

from __future__ import annotations

import hashlib
import logging
import time

from flask import Flask, current_app
from limits.storage import Storage, storage_from_string

#: Wrong attempts allowed without delay within the window.
FREE_FAILURES = 5
#: How long failures are remembered after the first of them.
WINDOW_SECONDS = 15 * 60
#: The longest wait after a failure.
MAX_DELAY_SECONDS = 60

log = logging.getLogger(__name__)


class SignInThrottle:
    """Failure counters and waits per (scope, account) in a ``limits`` storage."""

    def __init__(self, storage: Storage, enabled: bool = True):
        self.storage = storage
        self.enabled = enabled

    @staticmethod
    def _key(kind: str, scope: str, account: str) -> str:
        digest = hashlib.sha256(account.strip().lower().encode()).hexdigest()[:32]
        return f"signin:{kind}:{scope}:{digest}"

    def wait_seconds(self, scope: str, account: str) -> int:
        """Seconds the account must still wait before an attempt is checked (0: none)."""
        if not self.enabled:
            return 0
        key = self._key("wait", scope, account)
        try:
            if self.storage.get(key) <= 0:
                return 0
            return max(1, int(self.storage.get_expiry(key) - time.time() + 0.999))
        except Exception:  # noqa: BLE001 - an unreachable store must not stop sign-in
            log.warning("sign-in throttle storage unavailable")
            return 0

    def failed(self, scope: str, account: str) -> int:
        """Count a wrong attempt; returns the delay (seconds) the account now has to wait."""
        if not self.enabled:
            return 0
        try:
            failures = self.storage.incr(self._key("fail", scope, account), WINDOW_SECONDS)
            if failures <= FREE_FAILURES:
                return 0
            delay = min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)
            wait_key = self._key("wait", scope, account)
            self.storage.clear(wait_key)
            self.storage.incr(wait_key, delay)
            return delay
        except Exception:  # noqa: BLE001
            log.warning("sign-in throttle storage unavailable")
            return 0

    def succeeded(self, scope: str, account: str) -> None:
        """A right attempt forgets the account's failures."""
        if not self.enabled:
            return
        try:
            self.storage.clear(self._key("fail", scope, account))
            self.storage.clear(self._key("wait", scope, account))
        except Exception:  # noqa: BLE001
            log.warning("sign-in throttle storage unavailable")


def throttle() -> SignInThrottle:
    """The current app's sign-in throttle."""
    return current_app.extensions["signin_throttle"]


def init_app(app: Flask) -> None:
    """Create the throttle on the app's rate-limit storage (``SIGNIN_THROTTLE_ENABLED``
    defaults to ``RATELIMIT_ENABLED``)."""
    enabled = bool(app.config.get("SIGNIN_THROTTLE_ENABLED", app.config["RATELIMIT_ENABLED"]))
    storage = storage_from_string(app.config["RATELIMIT_STORAGE_URI"])
    app.extensions["signin_throttle"] = SignInThrottle(storage, enabled)
