"""Fonts for the PDFs the portal makes: a Unicode font, so å, ä, ö and names in any script print."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

#: Debian's fonts-dejavu-core, installed by the project's setup (make browser / .ci/run).
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class FontMissing(RuntimeError):
    """The Unicode font is not installed; a PDF in the core font would print '?' for text."""


def unicode_font(pdf: FPDF) -> str:
    """Add DejaVu Sans (regular and bold) to the document and return its family name."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        raise FontMissing(f"{regular} is missing: install Debian's fonts-dejavu-core")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    return "DejaVu"
