"""The text of a PDF, as a reader's copy and paste (or a screen reader) gets it."""

import io

from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """Every page's extracted text, joined with newlines."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
