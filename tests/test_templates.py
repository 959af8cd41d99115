"""Rules every template keeps, read from the template files themselves."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted(
    path
    for package in ("portal", "checkin", "admin")
    for path in (ROOT / package).rglob("*.html")
    if "node_modules" not in path.parts
)
_SCROLL = re.compile(r"<div[^>]*class=\"[^\"]*\btable-scroll\b[^\"]*\"[^>]*>")


def test_the_templates_are_found():
    assert len(TEMPLATES) > 50


def test_every_scrolling_table_can_be_reached_and_named():
    """WCAG 2.1.1 and axe's scrollable-region-focusable: a table that scrolls sideways on a
    phone must take keyboard focus, and a screen reader must hear what it holds."""
    unreachable = [
        f"{path.relative_to(ROOT)}: {tag}"
        for path in TEMPLATES
        for tag in _SCROLL.findall(path.read_text(encoding="utf-8"))
        if 'tabindex="0"' not in tag
        or 'role="region"' not in tag
        or not re.search(r"aria-label(ledby)?=\"[^\"]+\"", tag)
    ]
    assert unreachable == []
