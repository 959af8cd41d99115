"""Issue 19: the reconciliation pages have no duplicate ids (the period form's fields and the
"reconcile now" form's hidden fields used to share "month" and "week"), and the staff pages'
scrolling tables can be reached by keyboard."""

from __future__ import annotations

import re
from collections import Counter

from tests.reconciliation.test_dashboards import (  # noqa: F401 - fixtures
    _today,
    reconcile_september,
    unit_a_people,
)


def duplicate_ids(page: str) -> list[str]:
    counts = Counter(re.findall(r'\sid="([^"]+)"', page))
    return sorted(i for i, n in counts.items() if n > 1)


def scroll_regions_without_focus(page: str) -> list[str]:
    return [
        tag
        for tag in re.findall(r'<div class="table-scroll"[^>]*>', page)
        if 'tabindex="0"' not in tag or "aria-label" not in tag
    ]


def test_the_unit_and_person_dashboards_have_unique_ids(client, world, login, db, unit_a_people):  # noqa: F811
    reconcile_september(world)
    db.session.commit()
    login(world.caseworker)
    page = client.get("/admin/reconciliation/?month=2026-09").get_data(as_text=True)
    assert "Stäm av enheten nu" in page
    assert duplicate_ids(page) == []
    assert scroll_regions_without_focus(page) == []
    ref = unit_a_people["Sara"].public_ref
    person = client.get(f"/admin/reconciliation/people/{ref}?month=2026-09").get_data(as_text=True)
    assert duplicate_ids(person) == []


def test_the_audit_log_table_can_be_scrolled_by_keyboard(client, world, login, db):
    login(world.caseworker)
    client.get(f"/admin/people/{world.person_a.public_ref}")
    client.post("/auth/logout")
    login(world.admin)
    page = client.get("/admin/audit/").get_data(as_text=True)
    assert '<div class="table-scroll"' in page
    assert scroll_regions_without_focus(page) == []
    assert duplicate_ids(page) == []
