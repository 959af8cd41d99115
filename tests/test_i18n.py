"""Every user-facing string goes through Flask-Babel, and English is complete.

Swedish is the source language. Each package (or sub-package) with a ``translations/`` folder
has its own catalog; this test extracts the strings from the code as it is now and requires an
English translation for every one of them. Arabic may be partial (it proves right-to-left).
"""

import subprocess
import sys

import pytest
from babel.messages.pofile import read_po

from portal.i18n_tools import ROOT, _sources, translation_units

UNITS = translation_units()


@pytest.mark.parametrize("unit", UNITS, ids=[str(u.relative_to(ROOT)) for u in UNITS])
def test_english_catalog_covers_every_string_in_the_code(unit, tmp_path):
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
    po = unit / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as f:
        catalog = read_po(f)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and m.string and not m.fuzzy and (not isinstance(m.string, tuple) or all(m.string))
    }
    missing = sorted(wanted - translated)
    assert not missing, f"untranslated in {po.relative_to(ROOT)} (run `make i18n`): {missing[:10]}"
