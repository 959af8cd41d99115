"""The browser fixtures (tests/browser/conftest.py) for the reconciliation pages' browser tests."""

from tests.browser.conftest import (  # noqa: F401  (fixtures, found by name)
    _axe,
    axe_check,
    browser,
    desktop,
    live_server,
    phone,
    shot,
)
