"""Access rules in one place, proven for every route.

Every endpoint of the app declares its rule through portal/access.py (``staff_required``,
``applicant_required``, ``public``, ``device_token``); the first test fails for any endpoint
without one. The second requests every endpoint with every method as anonymous, the
applicant, another applicant, site staff of another site, a caseworker of another unit, an
administrator and an auditor, with real ids of the applicant's case and site, and asserts the
outcome the declaration promises: sign-in for the anonymous, 403 for a wrong role, 403/404
for a record outside the user's scope, and never a server error.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from portal.access import endpoint_rule
from portal.extensions import db
from portal.models import ExternalKind, ExternalOccupation, PersonStatus, StaffRole, StatusKind
from tests import factories
from tests.casework import builders as cb

#: URL arguments that name a record (a real one of the applicant's, or one that is not there).
OBJECT_ARGS = {
    "ref",
    "person_ref",
    "site_ref",
    "attachment_ref",
    "event_id",
    "external_id",
    "status_id",
    "member_id",
    "message_id",
    "session_id",
}
#: Other arguments: values that parse.
PLAIN_VALUES = {
    "month": "2026-09",
    "day": "2026-09-07",
    "kind": "ansokan",
    "channel": "email",
    "number": 1,
    "slot": 0,
    "mac": "x",
    "name": "x.js",
    "filename": "x.css",
}
ROLES = (
    "anonymous",
    "applicant",
    "other_applicant",
    "site_staff_other_site",
    "caseworker_other_unit",
    "administrator",
    "auditor",
)


def test_every_endpoint_declares_its_access_rule(app):
    missing = [
        f"{rule.endpoint} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if endpoint_rule(app, rule.endpoint) is None
    ]
    assert missing == [], "declare these in portal/access.py terms: " + ", ".join(missing)


@pytest.fixture
def case(world):
    """Person A's case in unit A, with a record of each kind the routes address."""
    person = world.person_a
    status = PersonStatus(person_id=person.id, kind=StatusKind.OTHER, from_date=date(2026, 1, 1))
    external = ExternalOccupation(
        person_id=person.id, kind=ExternalKind.WORK, hours_per_week=5, from_date=date(2026, 1, 1)
    )
    db.session.add_all([status, external])
    application = cb.application(person, "2026-09")
    absence = cb.absence(person, "2026-09-07 09:00", "2026-09-07 12:00")
    other_site_staff = factories.staff(
        world.municipality, StaffRole.SITE_STAFF, sites=[world.site_b]
    )
    db.session.commit()
    by_segment = {
        "absences": absence.public_ref,
        "applications": application.public_ref,
        "ansokan": application.public_ref,
        "people": person.public_ref,
        "activities": world.activity_a.public_ref,
        "sites": world.site_a.public_ref,
        "dev": person.public_ref,
    }
    ids = {
        "person_ref": person.public_ref,
        "site_ref": world.site_a.public_ref,
        "status_id": status.id,
        "external_id": external.id,
    }
    return {"by_segment": by_segment, "ids": ids, "other_site_staff": other_site_staff}


#: What a URL segment before a record argument says about whose the record is: a person's
#: (hidden from other applicants, other units' caseworkers and other sites' staff) or a
#: site's (hidden from other sites' staff). Activities are the municipality's catalogue.
PERSON_SEGMENTS = {"people", "applications", "absences", "ansokan", "bilaga", "dev", "beslut"}
SITE_SEGMENTS = {"sites", "platser", "enheter"}


def _url(rule, case) -> tuple[str, set[str]]:
    """The rule's path with real values, and whose records it names ('person', 'site')."""
    path, owners = "", set()
    for part in rule.rule.split("/")[1:]:
        if part.startswith("<"):
            name = part.strip("<>").split(":")[-1]
            if name in OBJECT_ARGS:
                previous = path.rsplit("/", 1)[-1]
                if name in ("person_ref", "status_id", "external_id", "member_id"):
                    owners.add("person")
                elif name == "site_ref" or previous in SITE_SEGMENTS:
                    owners.add("site")
                elif previous in PERSON_SEGMENTS or name == "attachment_ref":
                    owners.add("person")
                value = case["ids"].get(name) or case["by_segment"].get(previous)
                if value is None:
                    value = 0 if "int:" in part else "x0"
            else:
                value = PLAIN_VALUES.get(name, 1 if "int:" in part else "x")
            part = str(value)
        path += "/" + part
    return path, owners


def _clients(app, world, case):
    people = {
        "applicant": world.person_a,
        "other_applicant": world.person_b,
        "site_staff_other_site": case["other_site_staff"],
        "caseworker_other_unit": world.caseworker_b,
        "administrator": world.admin,
        "auditor": world.auditor,
    }
    clients = {"anonymous": (app.test_client(), None)}
    for role, user in people.items():
        client = app.test_client()
        factories.sign_in(client, user)
        clients[role] = (client, user)
    return clients


def _expected(rule, who: str, user, owners: set[str]) -> str:
    """'open', 'device', 'login', 'forbidden', 'hidden' or 'allowed'."""
    if rule.kind == "public":
        return "open"
    if rule.kind == "device_token":
        return "device"
    if who == "anonymous":
        return "login"
    if rule.kind == "applicant":
        if who not in ("applicant", "other_applicant"):
            return "forbidden"
        return "hidden" if who == "other_applicant" and "person" in owners else "allowed"
    if who in ("applicant", "other_applicant") or not rule.allows_role(user.role):
        return "forbidden"
    if who == "caseworker_other_unit" and "person" in owners:
        return "hidden"
    if who == "site_staff_other_site" and owners:
        return "hidden"
    return "allowed"


def _holds(outcome: str, resp) -> bool:
    status = resp.status_code
    to_sign_in = status == 302 and "/auth/" in (resp.location or "")
    return {
        "open": status < 500,
        "device": status == 401,
        "login": to_sign_in,
        "forbidden": status == 403,
        "hidden": status in (403, 404),
        "allowed": status < 500 and status not in (401, 403) and not to_sign_in,
    }[outcome]


@pytest.mark.commits  # the device API's scans commit on a connection of their own
def test_every_endpoint_as_every_role(app, world, case):
    clients = _clients(app, world, case)
    failures, seen = [], Counter()
    # Signing out last: the anonymous visitor may have signed in through the development
    # e-ID on the way, and signing out ends that person's sessions on the server everywhere.
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "auth.logout", r.rule))
    for rule in rules:
        declared = endpoint_rule(app, rule.endpoint)
        path, owners = _url(rule, case)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for who in ROLES:
                # An open POST (sign-in, sign-out, language) changes the session: the
                # anonymous visitor's only.
                if declared.kind == "public" and method != "GET" and who != "anonymous":
                    continue
                client, user = clients[who]
                resp = client.open(path, method=method, data={})
                resp.close()
                if who == "anonymous" and method != "GET":
                    # An open POST (the development e-ID) may have signed the visitor in:
                    # the next request is anonymous again.
                    clients["anonymous"] = (app.test_client(), None)
                outcome = _expected(declared, who, user, owners)
                seen[outcome] += 1
                if not _holds(outcome, resp):
                    failures.append(f"{method} {path} as {who}: {resp.status_code}, {outcome}")
    assert failures == [], "\n".join(failures)
    # Every kind of outcome was exercised, on hundreds of requests.
    assert set(seen) == {"open", "device", "login", "forbidden", "hidden", "allowed"}
    assert sum(seen.values()) > 800
