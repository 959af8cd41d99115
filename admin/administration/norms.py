"""The national norm per year (spec/norm.md): enter, import (CSV or JSON) and export a year's
figures. A year is saved whole or not at all, and every save is audited."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import audit
from portal.errors import DomainError
from portal.extensions import db
from portal.models import NormAmount, NormStatus, NormYear, StaffUser

#: Every amount of a year's table: (category, heading, keys with their labels).
LAYOUT: tuple[tuple[str, Any, tuple[tuple[str, Any], ...]], ...] = (
    (
        "child",
        _l("Personliga kostnader för barn, efter ålder"),
        tuple(
            (key, _l("%(age)s år", age=key))
            for key in ("0", "1-2", "3", "4-6", "7-10", "11-14", "15-18", "19-20")
        ),
    ),
    (
        "child_no_lunch",
        _l("Barn som äter lunch i förskolan fem dagar i veckan"),
        tuple((key, _l("%(age)s år", age=key)) for key in ("0", "1-2", "3", "4-6")),
    ),
    (
        "adult",
        _l("Personliga kostnader för vuxna"),
        (("single", _l("Ensamstående")), ("couple", _l("Sambor, för båda"))),
    ),
    (
        "household_common",
        _l("Gemensamma hushållskostnader, efter antal personer"),
        tuple((str(n), _l("%(n)s personer", n=n)) for n in range(1, 8))
        + (("extra", _l("För varje person utöver sju")),),
    ),
)
#: Largest believable amount (kr/month) for one line: guards against typing an extra digit.
MAX_AMOUNT = 50_000
MAX_FILE_BYTES = 100_000


def _keys() -> list[tuple[str, str]]:
    return [(category, key) for category, _h, keys in LAYOUT for key, _k in keys]


def list_years() -> list[NormYear]:
    """Every year entered, the latest first."""
    return list(db.session.scalars(sa.select(NormYear).order_by(NormYear.year.desc())))


def get_year(year: int) -> NormYear | None:
    return db.session.get(NormYear, year)


def latest_before(year: int) -> NormYear | None:
    """The latest year entered up to ``year`` (a starting point for a new year's form)."""
    return db.session.scalars(
        sa.select(NormYear).where(NormYear.year <= year).order_by(NormYear.year.desc()).limit(1)
    ).first()


def amounts_of(row: NormYear | None) -> dict[tuple[str, str], int]:
    return {(a.category, a.key): a.amount_sek for a in row.amounts} if row else {}


def _amount(raw: Any) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).replace(" ", "").replace("\u00a0", "")
        if not text.isdigit():
            return None
        value = int(text)
    return value if 0 <= value <= MAX_AMOUNT else None


def parse_amount_fields(form: Any) -> tuple[dict[tuple[str, str], Any], dict[str, str]]:
    """Amounts from the form's fields named ``category:key``, and an error per bad field."""
    amounts: dict[tuple[str, str], Any] = {}
    errors: dict[str, str] = {}
    for category, key in _keys():
        name = f"{category}:{key}"
        raw = form.get(name, "")
        value = _amount(raw)
        amounts[(category, key)] = raw if value is None else value
        if value is None:
            errors[name] = _("Skriv ett belopp i hela kronor, 0–%(max)s.", max=MAX_AMOUNT)
    return amounts, errors


def validate(amounts: dict[tuple[str, str], Any]) -> dict[tuple[str, str], int]:
    """Every amount of the layout, each a whole number of kronor, and nothing else.

    Raises DomainError ``norm_invalid`` whose message names the first problem.
    """
    expected = set(_keys())
    unknown = sorted(set(amounts) - expected)
    if unknown:
        raise DomainError("norm_invalid", _("Okänd rad: %(row)s.", row="/".join(unknown[0])))
    checked = {}
    for category, key in _keys():
        if (category, key) not in amounts:
            raise DomainError("norm_invalid", _("Belopp saknas: %(row)s.", row=f"{category}/{key}"))
        value = _amount(amounts[(category, key)])
        if value is None:
            raise DomainError(
                "norm_invalid",
                _(
                    "Ogiltigt belopp för %(row)s: hela kronor 0–%(max)s.",
                    row=f"{category}/{key}",
                    max=MAX_AMOUNT,
                ),
            )
        checked[(category, key)] = value
    return checked


def parse_file(filename: str, data: bytes) -> dict[tuple[str, str], int]:
    """A year's amounts from CSV (``category,key,amount_sek``) or JSON (the export's shape).

    Raises DomainError ``norm_invalid`` naming the problem.
    """
    if len(data) > MAX_FILE_BYTES:
        raise DomainError("norm_invalid", _("Filen är för stor för en normtabell."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("norm_invalid", _("Filen är inte UTF-8-text.")) from None
    amounts: dict[tuple[str, str], Any] = {}
    if filename.lower().endswith(".json") or text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            raise DomainError("norm_invalid", _("Filen är inte giltig JSON.")) from None
        table = document.get("amounts", document) if isinstance(document, dict) else None
        if not isinstance(table, dict):
            raise DomainError("norm_invalid", _("JSON-filen ska vara ett objekt med kategorier."))
        for category, rows in table.items():
            if category in ("year", "status", "source_note"):
                continue
            if not isinstance(rows, dict):
                raise DomainError(
                    "norm_invalid", _("Kategorin %(c)s ska vara ett objekt.", c=category)
                )
            for key, value in rows.items():
                amounts[(str(category), str(key))] = value
    else:
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or {"category", "key", "amount_sek"} - set(reader.fieldnames):
            raise DomainError(
                "norm_invalid", _("CSV-filen ska ha kolumnerna category,key,amount_sek.")
            )
        for line in reader:
            pair = ((line["category"] or "").strip(), (line["key"] or "").strip())
            if pair in amounts:
                raise DomainError(
                    "norm_invalid", _("Raden %(row)s finns två gånger.", row="/".join(pair))
                )
            amounts[pair] = (line["amount_sek"] or "").strip()
    return validate(amounts)


def save_year(
    actor: StaffUser,
    year: int,
    amounts: dict[tuple[str, str], Any],
    *,
    official: bool,
    source_note: str = "",
) -> NormYear:
    """Store a year's complete table, replacing an earlier one of that year (audited)."""
    checked = validate(amounts)
    row = db.session.get(NormYear, year)
    action = "update" if row is not None else "create"
    if row is None:
        row = NormYear(year=year, status=NormStatus.EXAMPLE, source_note="")
        db.session.add(row)
    row.status = NormStatus.OFFICIAL if official else NormStatus.EXAMPLE
    row.source_note = source_note.strip()
    existing = {(a.category, a.key): a for a in row.amounts}
    for (category, key), value in checked.items():
        if (category, key) in existing:
            existing[(category, key)].amount_sek = value
        else:
            row.amounts.append(NormAmount(year=year, category=category, key=key, amount_sek=value))
    db.session.flush()
    audit.record(
        "import" if action == "create" else action,
        "norm_year",
        actor=actor,
        object_ref=str(year),
        why=f"{row.status} {source_note.strip()[:200]}",
    )
    return row


def export(row: NormYear) -> dict[str, Any]:
    """A year's table as JSON, in the shape :func:`parse_file` reads."""
    table: dict[str, Any] = {
        "year": row.year,
        "status": str(row.status),
        "source_note": row.source_note,
    }
    for a in sorted(row.amounts, key=lambda a: (a.category, a.key)):
        table.setdefault(a.category, {})[a.key] = a.amount_sek
    return table
