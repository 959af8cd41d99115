"""The printable check-in card (PDF) for people without a smartphone."""

from __future__ import annotations

import io
from datetime import datetime

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF

from checkin import codes
from portal.i18n import to_local
from portal.pdf import unicode_font

#: ISO/IEC 7810 ID-1, the size of a bank card, in millimetres.
CARD_W, CARD_H = 85.6, 54.0


def _fonts(pdf: FPDF) -> tuple[str, bool]:
    """The shared Unicode font with Arabic shaping (portal/pdf.py); it never falls back."""
    return unicode_font(pdf), True


def card_pdf(full_name: str, code: str, serial: int, issued_at: datetime) -> bytes:
    """An A4 page with a card to cut out (bank-card size) and a larger code below it."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_title(_("Incheckningskort"))
    pdf.set_author(_("Aktivitetsportalen"))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    family, unicode_ok = _fonts(pdf)

    def text(value: str) -> str:
        return value if unicode_ok else value.encode("latin-1", "replace").decode("latin-1")

    png = io.BytesIO(codes.qr_png(code, scale=8))
    issued = format_date(to_local(issued_at).date(), "long")

    pdf.set_font(family, "B", 18)
    pdf.set_xy(20, 18)
    pdf.cell(170, 10, text(_("Ditt incheckningskort")))
    pdf.set_font(family, "", 11)
    pdf.set_xy(20, 30)
    pdf.multi_cell(
        170,
        6,
        text(
            _(
                "Klipp ut kortet och ta med det till din aktivitet. Personalen skannar koden "
                "när du kommer och när du går. Kortet visar inte ditt personnummer. Om du "
                "tappar kortet: skriv ut ett nytt i Aktivitetsportalen, då slutar det gamla "
                "kortet att fungera."
            )
        ),
    )

    # The card, with a dashed cutting line.
    x, y = 20.0, 62.0
    pdf.set_draw_color(120, 120, 120)
    pdf.set_dash_pattern(dash=2, gap=1.5)
    pdf.rect(x, y, CARD_W, CARD_H)
    pdf.set_dash_pattern()
    qr_size = CARD_H - 8
    pdf.image(png, x=x + CARD_W - qr_size - 3, y=y + 4, w=qr_size, h=qr_size)
    pdf.set_xy(x + 4, y + 5)
    pdf.set_font(family, "B", 9)
    pdf.cell(CARD_W - qr_size - 9, 5, text(_("Aktivitetsportalen")))
    pdf.set_xy(x + 4, y + 14)
    pdf.set_font(family, "B", 11)
    pdf.multi_cell(CARD_W - qr_size - 9, 5.5, text(full_name))
    pdf.set_font(family, "", 8)
    pdf.set_xy(x + 4, y + CARD_H - 15)
    pdf.cell(CARD_W - qr_size - 9, 4, text(_("Kort nummer %(serial)s", serial=serial)))
    pdf.set_xy(x + 4, y + CARD_H - 10)
    pdf.cell(CARD_W - qr_size - 9, 4, text(_("Utfärdat %(date)s", date=issued)))

    # A larger copy of the code on the sheet itself, for a folder or the fridge door.
    pdf.set_xy(20, 130)
    pdf.set_font(family, "B", 12)
    pdf.cell(170, 7, text(_("Samma kod i större storlek")))
    pdf.image(png, x=20, y=140, w=80, h=80)
    pdf.set_xy(20, 224)
    pdf.set_font(family, "", 10)
    pdf.cell(170, 6, text(full_name))
    return bytes(pdf.output())
