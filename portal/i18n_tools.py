"""Translation upkeep for developers: ``python -m portal.i18n_tools extract|missing|fill``.

- extract [UNIT ...]: re-extract messages and update the en/ar catalogs (no line numbers, so
  catalogs edited by several people merge cleanly).
- missing LANG [PKG]: list msgids without a translation (fuzzy counts as missing).
- fill PO JSON: set translations from a JSON object {msgid: msgstr}.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("portal", "checkin", "admin")
LANGUAGES = ("en", "ar")


def translation_units(root: Path = ROOT) -> list[Path]:
    """Every folder with its own ``translations/`` catalog (a package or a sub-package)."""
    units = []
    for pkg in PACKAGES:
        for folder in sorted((root / pkg).rglob("translations")):
            if folder.is_dir() and "node_modules" not in folder.parts:
                units.append(folder.parent)
    return units


def _sources(unit: Path, units: list[Path]) -> list[str]:
    """The unit's .py and template files, leaving out nested units (they have their own)."""
    nested = [u for u in units if u != unit and unit in u.parents]
    files = []
    for path in sorted(unit.rglob("*")):
        if path.suffix not in (".py", ".html") or "node_modules" in path.parts:
            continue
        if any(n in path.parents for n in nested):
            continue
        files.append(str(path.relative_to(ROOT)))
    return files


def _pybabel(*args: str) -> None:
    subprocess.run(  # noqa: S603 - a fixed argv, no shell
        [sys.executable, "-m", "babel.messages.frontend", "-q", *args], check=True, cwd=ROOT
    )


def extract(only: list[str] | None = None) -> None:
    """Extract each unit's strings (or only the named units') and update its catalogs."""
    units = translation_units()
    for unit in units:
        rel = unit.relative_to(ROOT)
        if only and str(rel) not in only:
            continue
        pot = f"{rel}/translations/messages.pot"
        _pybabel(
            "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-location",
            "--sort-output", "--omit-header", "-o", pot, *_sources(unit, units),
        )  # fmt: skip
        for lang in LANGUAGES:
            po = unit / "translations" / lang / "LC_MESSAGES" / "messages.po"
            cmd = "update" if po.exists() else "init"
            extra = ["--no-fuzzy-matching", "--ignore-obsolete"] if cmd == "update" else []
            _pybabel(cmd, "-i", pot, "-d", f"{rel}/translations", "-l", lang, "--no-wrap", *extra)


def missing(lang: str, units=None) -> dict[str, list[str]]:
    """Untranslated or fuzzy msgids per unit (e.g. 'admin/casework')."""
    out = {}
    for unit in units or [str(u.relative_to(ROOT)) for u in translation_units()]:
        pkg = unit
        po = ROOT / unit / "translations" / lang / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as f:
            catalog = read_po(f)
        out[pkg] = [
            m.id if isinstance(m.id, str) else m.id[0]
            for m in catalog
            if m.id
            and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
        ]
    return out


def fill(po_path: str, json_path: str) -> None:
    """Write translations from a JSON mapping into a catalog."""
    data = json.loads(Path(json_path).read_text(encoding="utf-8"))
    with open(po_path, "rb") as f:
        catalog = read_po(f)
    for message in catalog:
        key = message.id if isinstance(message.id, str) else (message.id[0] if message.id else "")
        if key and key in data:
            value = data[key]
            message.string = tuple(value) if isinstance(message.id, tuple | list) else value
            message.flags.discard("fuzzy")
    with open(po_path, "wb") as f:
        write_po(f, catalog, width=0, no_location=True)


def main(argv: list[str]) -> int:
    if argv[:1] == ["extract"]:
        extract(argv[1:] or None)
    elif argv[:1] == ["missing"] and len(argv) >= 2:
        result = missing(argv[1], argv[2:] or None)
        for pkg, ids in result.items():
            for msgid in ids:
                print(f"{pkg}\t{json.dumps(msgid, ensure_ascii=False)}")
    elif argv[:1] == ["fill"] and len(argv) == 3:
        fill(argv[1], argv[2])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
