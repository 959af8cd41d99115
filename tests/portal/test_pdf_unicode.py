"""Every PDF embeds one Unicode font and shapes Arabic right to left (portal/pdf.py)."""

from datetime import UTC, datetime

import pytest
import time_machine
from flask_babel import force_locale

from admin.casework import sanctions
from checkin.card import card_pdf
from portal import pdf as portal_pdf
from portal.extensions import db
from portal.models import SanctionKind
from tests.casework.builders import local
from tests.portal.pdftext import pdf_text
from tests.portal.test_decisions import ASSESSMENT, notice  # noqa: F401 - a fixture

NAME = "علي حسن Åström"


def test_the_card_prints_an_arabic_name_and_arabic_text(app):
    with app.test_request_context(), force_locale("ar"):
        text = pdf_text(card_pdf(NAME, "ABCD1234", 3, datetime(2026, 12, 1, 9, tzinfo=UTC)))
    assert "علي" in text and "حسن" in text and "Åström" in text
    assert "بطاقة" in text  # "card", from the Arabic catalogue
    assert "???" not in text


def test_the_arabic_decision_letter_is_shaped_and_keeps_the_amount(
    client,
    world,
    login,
    notice,  # noqa: F811 - the fixture imported above
):
    world.person_a.first_name = "علي"
    with time_machine.travel(local("2026-10-13 09:00"), tick=False):
        row = sanctions.record_sanction(
            world.caseworker, world.person_a, "2026-09", SanctionKind.REDUCTION, 800,
            ASSESSMENT, "",
        )  # fmt: skip
        db.session.commit()
        login(world.person_a)
        with client.session_transaction() as session:
            session["lang"] = "ar"
        resp = client.get(f"/beslut/aktivitetskrav/{row.public_ref}/brev.pdf")
    assert resp.status_code == 200
    text = " ".join(pdf_text(resp.data).split())
    assert "علي" in text
    assert "الاعتراض" in text  # "Hur du överklagar", from the Arabic catalogue
    assert "800" in text and "???" not in text


def test_a_missing_font_is_a_clear_error_not_question_marks(app, monkeypatch, tmp_path):
    monkeypatch.setattr(portal_pdf, "FONT_DIR", tmp_path)
    with app.test_request_context(), pytest.raises(portal_pdf.FontMissing, match="fonts-dejavu"):
        card_pdf(NAME, "ABCD1234", 3, datetime(2026, 12, 1, 9, tzinfo=UTC))


def test_right_to_left_languages_are_right_aligned():
    assert portal_pdf.align("ar") == "R" and portal_pdf.align("ar_SA") == "R"
    assert portal_pdf.align("sv") == "L" and portal_pdf.align(None) == "L"


@pytest.mark.parametrize(
    ("language", "texts", "shaped"),
    [
        ("sv", ("Alma Åström", "Zoë Ødegård – 6 855 kr", "Ольга"), False),
        ("en", ("Alma",), False),
        ("sv", ("Alma", "علي حسن"), True),  # an Arabic name in a Swedish document
        ("sv", ("Jose\u0301",), True),  # a combining accent is placed by shaping
        ("ar", ("Alma",), True),  # right to left: always
    ],
)
def test_text_is_shaped_when_a_script_needs_it(language, texts, shaped):
    assert portal_pdf.needs_shaping(language, *texts) is shaped


def test_a_swedish_pdf_shapes_an_arabic_name(app, world):
    from portal.services import my_data, my_data_pdf

    world.person_a.first_name = "علي"
    db.session.commit()
    with app.test_request_context():
        text = pdf_text(my_data_pdf.to_pdf(my_data.collect(world.person_a), "sv"))
    assert "علي" in text and "Om dig" in text
