"""Labels instead of codes: no stored code or raw field name reaches an applicant's page or PDF.

The test walks every value of every enum in portal/models/enums.py (and the vocabularies'
codes and the follow-up's markings), renders the demo applicants' pages and their "My data"
PDF in Swedish, and fails if any of those codes appears as a word of the visible text.
"""

import enum
import html
import re

import sqlalchemy as sa

from portal.compliance.engine import FLAGS
from portal.extensions import db
from portal.models import (
    AbsenceReport,
    Application,
    AttendanceEvent,
    Person,
    PlanVersion,
    enums,
)
from portal.services import my_data, my_data_pdf, vocab
from portal.services.labels import ENUM_LABELS
from tests.portal.pdftext import pdf_text

#: Codes that are also ordinary Swedish words or names ("in", "man", "sms", "sent", "bank").
SWEDISH_WORDS = {"in", "man", "sms", "af", "sent", "bank", "pension"}

ENUMS = [
    value
    for value in vars(enums).values()
    if isinstance(value, type)
    and issubclass(value, enum.Enum)
    and value.__module__ == enums.__name__
]


def _codes() -> set[str]:
    codes = {str(member.value) for cls in ENUMS for member in cls}
    codes |= set(FLAGS)
    for name in dir(vocab):
        table = getattr(vocab, name)
        if name.isupper() and isinstance(table, dict):
            codes |= {k for k in table if isinstance(k, str)}
    codes |= {name for name in my_data_pdf.FIELD_LABELS if "_" in name}
    return codes - SWEDISH_WORDS


CODES = _codes()


def visible_text(page: str) -> str:
    """The text a reader sees: no scripts, styles, tags or attribute values."""
    page = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", page)
    page = re.sub(r"(?s)<[^>]*>", " ", page)
    return html.unescape(page)


def codes_in(text: str) -> set[str]:
    text = re.sub(r"\S+@\S+|https?://\S+", " ", text)  # e-mail addresses and links
    # Whole tokens, so a reference such as "P0mk2z_dA-x" is not read as the code "z_d".
    words = set(re.findall(r"[A-Za-z0-9_-]+", text, flags=re.ASCII))
    return {w for w in words if w in CODES or re.fullmatch(r"[a-z]+(_[a-z]+)+", w)}


def test_every_enum_value_has_a_label():
    for cls in ENUMS:
        labels = ENUM_LABELS.get(cls, {})
        assert {str(m.value) for m in cls} <= set(labels), cls.__name__


def test_the_checker_finds_a_code():
    assert codes_in("Kön: woman") == {"woman"}
    assert codes_in("Läge: decided, se missing_checkout") == {"decided", "missing_checkout"}
    assert codes_in("Du kom in för sent, skriv till anna@example.se") == set()
    assert codes_in("Referens P0mk2z_dA-x9") == set()


def _busy_applicants(limit: int = 4) -> list[Person]:
    """Demo applicants with the most kinds of data: applications, plans, events, absences."""
    score = {}
    for model in (Application, PlanVersion, AttendanceEvent, AbsenceReport):
        for person_id in db.session.scalars(sa.select(model.person_id).distinct()):
            score[person_id] = score.get(person_id, 0) + 1
    best = sorted(score, key=lambda pid: -score[pid])[:limit]
    return [db.session.get(Person, pid) for pid in best]


def test_no_code_on_applicant_pages_or_in_the_pdf(runner, client, login):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    people = _busy_applicants()
    assert people
    found: dict[str, set[str]] = {}
    for person in people:
        client.get("/auth/logout")
        login(person)
        paths = [
            "/",
            "/ansokan",
            "/plan",
            "/plan/versioner",
            "/narvaro",
            "/franvaro",
            "/franvaro/ny",
            "/mina-uppgifter",
            "/beslut",
            "/meddelanden",
            "/checkin/min-kod",
        ]
        paths += [
            f"/ansokan/{a.public_ref}"
            for a in db.session.scalars(
                sa.select(Application).where(Application.person_id == person.id)
            )
        ]
        for path in paths:
            resp = client.get(path, follow_redirects=True)
            assert resp.status_code in (200, 302, 403, 404), (path, resp.status_code)
            if resp.status_code == 200:
                hits = codes_in(visible_text(resp.get_data(as_text=True)))
                if hits:
                    found[path] = hits
        text = pdf_text(my_data_pdf.to_pdf(my_data.collect(person), "sv"))
        if hits := codes_in(text):
            found[f"PDF of {person.public_ref}"] = hits
    assert not found, found
