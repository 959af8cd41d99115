"""Fonts for the PDFs the portal makes: one Unicode font for every document.

Every PDF (the check-in card, "My data", decision letters) calls :func:`unicode_font`, which
embeds DejaVu Sans (Latin with å, ä, ö, Arabic, Cyrillic, Greek, …) and turns on fpdf2's text
shaping (HarfBuzz, the ``uharfbuzz`` package), so Arabic letters join and run right to left and
a Swedish name inside an Arabic sentence keeps its own direction. The font comes from Debian's
``fonts-dejavu-core``, installed by the project's setup (``make fonts``); nothing is downloaded
when a PDF is made, and a missing font is a clear error instead of a PDF full of "?".
"""

from __future__ import annotations

import re
from pathlib import Path

from fpdf import FPDF

#: Debian's fonts-dejavu-core, installed by the project's setup (make fonts / make browser).
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
#: The family name the fonts are registered under in each document.
FAMILY = "DejaVu"
#: Languages written right to left: their documents are right-aligned.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})


class FontMissing(RuntimeError):
    """The Unicode font or the shaping engine is not installed (code ``pdf_font_missing``).

    Without them a PDF would print '?' for Arabic and unjoined letters in the wrong order.
    """

    code = "pdf_font_missing"


#: Text that reads right without shaping: Latin with its accented letters, Greek, Cyrillic,
#: punctuation and symbols. Anything else (Arabic, Hebrew, combining marks, Indic scripts…)
#: needs HarfBuzz to join, order and place its letters.
_NEEDS_NO_SHAPING = re.compile("[\x00-\u02ff\u0370-\u03ff\u0400-\u052f\u1e00-\u1eff\u2000-\u2bff]*")


def needs_shaping(language: str | None, *texts: str) -> bool:
    """Whether a document in ``language`` holding ``texts`` needs text shaping: always for a
    right-to-left language, else only when some text is in a script that needs it (an Arabic
    name in a Swedish document). Shaping every cell of a long table costs about two thirds of
    the time it takes to make the PDF (``bench/pdf.py``), so plain Latin text goes without."""
    return is_rtl(language) or not all(_NEEDS_NO_SHAPING.fullmatch(text) for text in texts)


def unicode_font(pdf: FPDF, *, shaping: bool = True) -> str:
    """Add DejaVu Sans (regular and bold) to ``pdf``, turn on text shaping (unless ``shaping``
    is False: see :func:`needs_shaping`), return the family.

    Raises :class:`FontMissing` when the font files or the ``uharfbuzz`` package are missing.
    """
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        raise FontMissing(f"{regular} is missing: install Debian's fonts-dejavu-core (make fonts)")
    pdf.add_font(FAMILY, "", str(regular))
    pdf.add_font(FAMILY, "B", str(bold))
    if not shaping:
        return FAMILY
    try:
        pdf.set_text_shaping(True)
    except ImportError as exc:  # fpdf2 raises FPDFException wrapping the ImportError
        raise FontMissing("the text shaping engine is missing: pip install uharfbuzz") from exc
    except Exception as exc:  # noqa: BLE001 - fpdf2's FPDFException when uharfbuzz is absent
        if "uharfbuzz" in str(exc):
            raise FontMissing("the text shaping engine is missing: pip install uharfbuzz") from exc
        raise
    return FAMILY


def is_rtl(language: str | None) -> bool:
    """Whether documents in ``language`` (a locale such as "ar" or "sv_SE") run right to left."""
    return bool(language) and str(language).split("_")[0].split("-")[0] in RTL_LANGUAGES


def align(language: str | None) -> str:
    """The fpdf2 alignment of running text in ``language``: right for Arabic, else left."""
    return "R" if is_rtl(language) else "L"
