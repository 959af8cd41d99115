"""The printable check-in card (PDF) for people without a smartphone."""

from __future__ import annotations

from datetime import datetime

import segno
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from fpdf import FPDF

from portal.i18n import to_local
from portal.pdf import align, is_rtl, needs_shaping, unicode_font

#: ISO/IEC 7810 ID-1, the size of a bank card, in millimetres.
CARD_W, CARD_H = 85.6, 54.0


#: The page's width (mm).
A4_W = 210.0
#: Where the card to cut out lies on the page (top left corner, mm; mirrored in Arabic).
CARD_X, CARD_Y = 20.0, 62.0
#: The side of the cut-out card's code with its quiet zone (mm): the card's height, less 2.
QR_SIZE = CARD_H - 2
#: Modules of white around a QR code that a reader needs to find it (ISO/IEC 18004: 4).
QUIET_ZONE = 4
#: The smallest text on the card (pt); longer text is shortened, never run into the code.
MIN_FONT = 6.0


def _qr_matrix(data: str) -> list[list[bool]]:
    """The QR code's modules (True = dark), without a border."""
    qr = segno.make(data, error="m", boost_error=True, micro=False)
    return [[bool(m) for m in row] for row in qr.matrix]


def _draw_qr(pdf: FPDF, matrix: list[list[bool]], x: float, y: float, size: float) -> None:
    """Draw a QR code as vector squares, its quiet zone included in ``size`` and painted
    white, so it stays sharp at any print or scan resolution and nothing can enter it."""
    modules = len(matrix) + 2 * QUIET_ZONE
    unit = size / modules
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(
                x + (QUIET_ZONE + start) * unit,
                y + (QUIET_ZONE + r) * unit,
                (c - start) * unit,
                unit,
                style="F",
            )


def _fitted(pdf: FPDF, family: str, style: str, size: float, value: str, width: float) -> str:
    """Set the largest font size (from ``size`` down to MIN_FONT) at which ``value`` fits
    ``width``; at the smallest, shorten it with an ellipsis."""
    while size > MIN_FONT:
        pdf.set_font(family, style, size)
        if pdf.get_string_width(value) <= width:
            return value
        size -= 0.5
    pdf.set_font(family, style, MIN_FONT)
    while value and pdf.get_string_width(value + "…") > width:
        value = value[:-1]
    return value + "…" if value else value


def _name_lines(pdf: FPDF, family: str, name: str, width: float, lines: int) -> list[str]:
    """The name in at most ``lines`` lines of ``width``, broken between words, in the largest
    bold size from 11 pt down that fits (a word too long for a line is shortened)."""
    words = name.split()
    size = 11.0
    while True:
        pdf.set_font(family, "B", size)
        out: list[str] = []
        for word in words:
            candidate = f"{out[-1]} {word}" if out else word
            if out and pdf.get_string_width(candidate) <= width:
                out[-1] = candidate
            else:
                out.append(word)
        fits = all(pdf.get_string_width(line) <= width for line in out)
        if (fits and len(out) <= lines) or size <= MIN_FONT:
            break
        size -= 0.5
    out = out[:lines]
    return [_fitted(pdf, family, "B", size, line, width) for line in out]


def card_pdf(full_name: str, code: str, serial: int, issued_at: datetime) -> bytes:
    """An A4 page with a card to cut out (bank-card size) and a larger code below it.

    Both codes are drawn as vectors with their quiet zone of four modules kept white; on the
    card, the text has a column of its own beside the code (before it in the reading
    direction: to its left, or to its right in Arabic, where the whole sheet is mirrored) and
    is made smaller (or shortened) rather than allowed into the code's quiet zone.
    """
    language = str(get_locale() or "sv")
    rtl, side = is_rtl(language), align(language)
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_lang(language)
    pdf.set_title(_("Incheckningskort"))
    pdf.set_author(_("Aktivitetsportalen"))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    family = unicode_font(pdf, shaping=needs_shaping(language, full_name))
    matrix = _qr_matrix(code)
    issued = format_date(to_local(issued_at).date(), "medium")

    pdf.set_font(family, "B", 18)
    pdf.set_xy(20, 18)
    pdf.cell(170, 10, _("Ditt incheckningskort"), align=side)
    pdf.set_font(family, "", 11)
    pdf.set_xy(20, 30)
    pdf.multi_cell(
        170,
        6,
        _(
            "Klipp ut kortet och ta med det till din aktivitet. Personalen skannar koden "
            "när du kommer och när du går. Kortet visar inte ditt personnummer. Om du "
            "tappar kortet: skriv ut ett nytt i Aktivitetsportalen, då slutar det gamla "
            "kortet att fungera."
        ),
        align=side,
    )

    # The card, with a dashed cutting line; the code (with its quiet zone) fills the card's
    # height at its far side, the text keeps to the column beside it.
    x, y = card_x(language), CARD_Y
    pdf.set_draw_color(120, 120, 120)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    pdf.rect(x, y, CARD_W, CARD_H)
    pdf.set_dash_pattern()
    qr_size = QR_SIZE
    qr_x = code_x(language)
    _draw_qr(pdf, matrix, qr_x, y + 1, qr_size)
    if rtl:
        text_x = qr_x + qr_size + 0.5
        column = x + CARD_W - 4 - text_x
    else:
        text_x = x + 4
        column = qr_x - text_x - 0.5
    pdf.set_text_color(0, 0, 0)
    title = _fitted(pdf, family, "B", 8, _("Aktivitetsportalen"), column)
    pdf.set_xy(text_x, y + 5)
    pdf.cell(column, 4, title, align=side)
    line_y = y + 13
    for line in _name_lines(pdf, family, full_name, column, 4):
        pdf.set_xy(text_x, line_y)
        pdf.cell(column, 5, line, align=side)
        line_y += 5
    serial_text = _fitted(pdf, family, "", 7.5, _("Kort nummer %(serial)s", serial=serial), column)
    pdf.set_xy(text_x, y + CARD_H - 14)
    pdf.cell(column, 4, serial_text, align=side)
    issued_text = _fitted(pdf, family, "", 7.5, _("Utfärdat %(date)s", date=issued), column)
    pdf.set_xy(text_x, y + CARD_H - 9)
    pdf.cell(column, 4, issued_text, align=side)

    # A larger copy of the code on the sheet itself, for a folder or the fridge door.
    pdf.set_xy(20, 130)
    pdf.set_font(family, "B", 12)
    pdf.cell(170, 7, _("Samma kod i större storlek"), align=side)
    _draw_qr(pdf, matrix, 110 if rtl else 20, 140, 80)
    pdf.set_xy(20, 224)
    pdf.set_font(family, "", 10)
    pdf.cell(170, 6, full_name, align=side)
    return bytes(pdf.output())


def card_x(language: str) -> float:
    """The cut-out card's left edge (mm): at the page's start edge in the reading direction."""
    return A4_W - CARD_X - CARD_W if is_rtl(language) else CARD_X


def code_x(language: str) -> float:
    """The left edge (mm) of the cut-out card's code with its quiet zone: at the card's far
    side in the reading direction."""
    x = card_x(language)
    return x + 1 if is_rtl(language) else x + CARD_W - QR_SIZE - 1
