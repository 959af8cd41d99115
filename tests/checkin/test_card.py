"""The printable card: every QR code on it, the small cut-out card's included, keeps its quiet
zone and decodes from a 150 dpi rendering with a real decoder (ZXing-C++)."""

from __future__ import annotations

from datetime import UTC, datetime

import pypdfium2
import pytest
import zxingcpp
from flask_babel import force_locale

from checkin import card, services
from checkin.card import card_pdf

DPI = 150


def _codes_on(pdf: bytes, dpi: int = DPI) -> list[zxingcpp.Result]:
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=dpi / 72).to_pil().convert("L")
    return list(zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode))


@pytest.mark.parametrize(
    "name",
    ["Alma Andersson", "Maria-Magdalena Östlund-Åkerberg von Schwerin", "محمد عبد الرحمن"],
)
def test_every_code_on_the_card_decodes_at_150_dpi(ck, name):
    code = services.personal_code(ck.person, printed=True)
    pdf = card_pdf(name, code, 12, datetime(2026, 12, 31, 12, tzinfo=UTC))
    found = _codes_on(pdf)
    assert [r.text for r in found] == [code, code]
    sizes = sorted(abs(r.position.top_right.x - r.position.top_left.x) for r in found)
    assert sizes[0] < sizes[1]  # the cut-out card's code and the larger copy


@pytest.mark.parametrize(
    ("language", "name"),
    [
        ("sv", "Maria-Magdalena Östlund-Åkerberg von Schwerin Karlsson"),
        ("ar", "محمد عبد الرحمن بن عبد العزيز آل سعود الحسيني"),
    ],
)
def test_the_cut_out_cards_code_stands_alone_in_its_quiet_zone(app, ck, language, name):
    """Cut out along the dashed line, the card still scans, and the four modules of white
    around its code hold no text, however long the name. In Arabic the sheet is mirrored:
    the card at the right, its code at the card's left, the text right-aligned beside it."""
    code = services.personal_code(ck.person, printed=True)
    with app.test_request_context(), force_locale(language):
        pdf = card_pdf(name, code, 123456, datetime(2026, 12, 31, 12, tzinfo=UTC))
    page = pypdfium2.PdfDocument(pdf)[0]
    image = page.render(scale=DPI / 72).to_pil().convert("L")
    px = DPI / 25.4  # pixels per millimetre
    x, y = card.card_x(language), card.CARD_Y
    assert (x > 100) == (language == "ar") and (card.code_x(language) < x + 5) == (language == "ar")
    cut = image.crop(
        (round(x * px), round(y * px), round((x + card.CARD_W) * px), round((y + card.CARD_H) * px))
    )
    [found] = zxingcpp.read_barcodes(cut, formats=zxingcpp.BarcodeFormat.QRCode)
    assert found.text == code

    # The quiet zone: the frame between the code's outer square and its modules.
    modules = len(card._qr_matrix(code))
    size = card.QR_SIZE
    left, top = card.code_x(language), y + 1
    unit = size / (modules + 2 * card.QUIET_ZONE)
    inner = card.QUIET_ZONE * unit
    outer_box = [round(v * px) for v in (left, top, left + size, top + size)]
    inner_box = [
        round(v * px) for v in (left + inner, top + inner, left + size - inner, top + size - inner)
    ]
    pixels = image.load()
    dark = [
        (i, j)
        for i in range(outer_box[0] + 1, outer_box[2] - 1)
        for j in range(outer_box[1] + 1, outer_box[3] - 1)
        if not (inner_box[0] - 1 <= i <= inner_box[2] and inner_box[1] - 1 <= j <= inner_box[3])
        and pixels[i, j] < 200
    ]
    assert dark == []
