"""Browser tests: the app served on localhost, driven by Playwright in Debian's Chromium.

Fixtures: ``live_server`` (base URL), ``browser``, ``phone`` (390×844 page), ``desktop``
(1280×900 page), ``axe_check(page)`` (WCAG 2.1 AA, fails on any violation) and
``shot(page, name)`` (a screenshot into tests/screenshots/, which git ignores).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import TEST_DATABASE_URL

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
WCAG_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def pytest_collection_modifyitems(config, items):
    """Every test here drives Chromium against a live server: a second app, on connections of
    its own, which sees only what the test committed.

    A journey through the pages runs once: on PostgreSQL, production's database, when
    TEST_DATABASE_URL names one (as in CI), else on SQLite. What differs between the two
    databases is tested below the pages, on both; the SQLite copies are reported as
    deselected, never skipped.
    """
    here = Path(__file__).parent
    kept, once_is_enough = [], []
    for item in items:
        if here not in item.path.parents:
            kept.append(item)
            continue
        item.add_marker(pytest.mark.browser)
        item.add_marker(pytest.mark.commits)
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec else None
        (once_is_enough if TEST_DATABASE_URL and backend == "sqlite" else kept).append(item)
    if once_is_enough:
        config.hook.pytest_deselected(items=once_is_enough)
        items[:] = kept


def closed_before_sent(wsgi_app):
    """Read and close each response before the server writes it.

    Werkzeug's development server closes a response only after it has drained the socket, and
    skips the close when that read fails: a page the test's browser closes with a request in
    flight (a static file's 304, say) leaves the file open until the garbage collector finds it,
    and ``filterwarnings = error`` fails whichever test runs then. Gunicorn always closes.
    """

    def app(environ, start_response):
        body = wsgi_app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return app


@pytest.fixture
def live_server(app, app_config):
    """Serve a second app instance on the same database in a background thread."""
    from portal import create_app

    served = create_app(app_config)
    server = make_server("127.0.0.1", 0, closed_before_sent(served), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with served.app_context():
        from portal.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make browser`", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _page(browser, **kw):
    context = browser.new_context(locale="sv-SE", timezone_id="Europe/Stockholm", **kw)
    context.set_default_timeout(10_000)
    return context, context.new_page()


@pytest.fixture
def phone(browser):
    context, page = _page(
        browser,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context, page = _page(browser, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture(scope="session")
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def axe_check(_axe):
    """Run axe-core on the page; fail with a readable list of WCAG 2.1 AA violations."""
    from playwright.sync_api import Error as PlaywrightError

    def check(page, label: str = ""):
        page.wait_for_load_state("load")
        try:
            results = _axe.run(page, options=WCAG_AA)
        except PlaywrightError:
            # The page was still being replaced by a navigation that the last click started
            # (the document axe walked went away under it): check the page that loaded.
            page.wait_for_load_state("load")
            results = _axe.run(page, options=WCAG_AA)
        violations = results.response.get("violations", [])
        if violations:
            lines = [f"{label or page.url}: {len(violations)} axe violation(s)"]
            for v in violations:
                targets = ", ".join(str(n.get("target")) for n in v.get("nodes", [])[:4])
                lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} at {targets}")
            pytest.fail("\n".join(lines), pytrace=False)

    return check


@pytest.fixture
def shot(request):
    """Save a full-page screenshot named after the test and a step."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        test = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")
        page.screenshot(path=str(SCREENSHOTS / f"{test}--{name}.png"), full_page=True)

    return take


def sign_in_applicant(page, base_url: str, person) -> None:
    """Sign an applicant in through the development e-ID page, as a person would."""
    page.goto(f"{base_url}/auth/dev")
    page.get_by_role("button", name=f"Logga in som {person.full_name}").click()
    page.wait_for_url(f"{base_url}/start")


def sign_in_staff(page, base_url: str, user) -> None:
    """Sign staff in with password and a current TOTP code."""
    import pyotp

    from tests.factories import PASSWORD

    page.goto(f"{base_url}/auth/staff")
    page.get_by_label("E-postadress").fill(user.email)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Fortsätt").click()
    page.get_by_label("Engångskod").fill(pyotp.TOTP(user.totp_secret).now())
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
