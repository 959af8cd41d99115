"""Every user-facing string goes through Flask-Babel; English and applicant Arabic are complete.

Swedish is the source language. Each package (or sub-package) with a ``translations/`` folder
has its own catalog; this test extracts the strings from the code as it is now and requires an
English translation for every one of them, and an Arabic one for every unit an applicant sees
(``APPLICANT_UNITS``). Staff-only units may stay Swedish/English in Arabic (docs/i18n.md).
"""

import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from portal.i18n_tools import ROOT, _sources, translation_units

UNITS = translation_units()
#: The units whose pages, letters, messages and PDFs an applicant reads: complete in Arabic.
APPLICANT_UNITS = [ROOT / "portal", ROOT / "portal" / "notices", ROOT / "checkin"]


def _missing(unit, lang: str, tmp_path) -> list[str]:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            *_sources(unit, UNITS),
        ],
        check=True,
        cwd=ROOT,
    )
    with pot.open("rb") as f:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    po = unit / "translations" / lang / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and m.string and not m.fuzzy and (not isinstance(m.string, tuple) or all(m.string))
    }
    return sorted(wanted - translated)


@pytest.mark.parametrize("unit", UNITS, ids=[str(u.relative_to(ROOT)) for u in UNITS])
def test_english_catalog_covers_every_string_in_the_code(unit, tmp_path):
    missing = _missing(unit, "en", tmp_path)
    assert not missing, (
        f"untranslated in {unit.relative_to(ROOT)} en (run `make i18n`): {missing[:10]}"
    )


@pytest.mark.parametrize(
    "unit", APPLICANT_UNITS, ids=[str(u.relative_to(ROOT)) for u in APPLICANT_UNITS]
)
def test_arabic_catalog_covers_every_string_an_applicant_reads(unit, tmp_path):
    missing = _missing(unit, "ar", tmp_path)
    assert not missing, (
        f"untranslated in {unit.relative_to(ROOT)} ar (run `make i18n`): {missing[:10]}"
    )


def test_the_applicant_units_exist():
    assert all(unit in UNITS for unit in APPLICANT_UNITS)


@pytest.mark.parametrize(
    "unit", APPLICANT_UNITS, ids=[str(u.relative_to(ROOT)) for u in APPLICANT_UNITS]
)
def test_arabic_keeps_every_placeholder(unit):
    """A translation that loses or renames %(name)s / {name} would crash or drop a value."""
    import re

    with (unit / "translations" / "ar" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    pattern = re.compile(r"%\(\w+\)s|\{\w+\}")
    wrong = []
    for m in catalog:
        if not m.id or not m.string:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        wanted = set(pattern.findall(ids[-1])) | set(pattern.findall(ids[0]))
        for text in strings:
            if text and not set(pattern.findall(text)) <= wanted | {"%(num)s"}:
                wrong.append(ids[0])
            if text and isinstance(m.id, str) and set(pattern.findall(text)) != wanted:
                wrong.append(ids[0])
    assert not wrong, wrong[:10]
