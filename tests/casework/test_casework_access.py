"""Every casework page: caseworkers of the person's unit only. Another unit's caseworker gets
404 (nothing revealed, nothing audited); every other role gets 403; anonymous users sign in."""

import pytest

from tests.casework.builders import CASE_PAGES, UNIT_PAGES, audit_rows


def call(client, method, path, refs):
    url = path.format(**refs)
    return client.post(url, data={}) if method == "POST" else client.get(url)


def statuses(client, pages, refs) -> dict:
    return {
        f"{method} {path}": call(client, method, path, refs).status_code for method, path in pages
    }


def test_caseworker_of_another_unit_gets_404_and_nothing_is_audited(client, world, login, refs):
    login(world.caseworker_b)
    got = statuses(client, CASE_PAGES, refs)
    assert {page: code for page, code in got.items() if code != 404} == {}
    assert audit_rows() == []


@pytest.mark.parametrize("who", ["site_staff", "admin", "auditor", "person_a"])
def test_other_roles_get_403(client, world, login, refs, who):
    login(getattr(world, who))
    got = statuses(client, CASE_PAGES + UNIT_PAGES, refs)
    assert {page: code for page, code in got.items() if code != 403} == {}
    assert audit_rows() == []


def test_anonymous_is_sent_to_sign_in(client, refs):
    for method, path in CASE_PAGES + UNIT_PAGES:
        resp = call(client, method, path, refs)
        assert resp.status_code == 302 and "/auth/" in resp.location, (method, path)


def test_the_own_units_caseworker_reaches_every_page(client, world, login, refs):
    login(world.caseworker)
    for method, path in CASE_PAGES + UNIT_PAGES:
        if path.endswith("/x"):
            continue  # attachments that do not exist
        status = call(client, method, path, refs).status_code
        # 400: reached, and the empty form was refused with its error summary.
        assert status in ((200, 302) if method == "GET" else (200, 302, 400)), (method, path)
