"""The exchange with Arbetsförmedlingen (AF) behind one small interface (A9).

``AfExchange`` is what the rest of the app uses: ``fetch()`` returns what AF holds as parsed
records, ``send(export)`` delivers what AF may ask for. ``FileExchange`` implements it with the
documented JSON and CSV files (docs/af-format.md); the UI and the ``flask af`` commands use it.
A real connection (SSBTEK, or AF's API platform) can replace it by implementing the same two
methods; nothing else changes.

Parsing here is syntax only (the shape of the file, dates, numbers, personnummer check digits).
Matching people and deciding what to write is the service's job (admin/af/services.py).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from flask_babel import lazy_gettext as _l

from portal import personnummer
from portal.errors import DomainError

IMPORT_FORMAT = "aktivitetsportalen-af/1"
EXPORT_FORMAT = "aktivitetsportalen-af-export/1"
#: Files above this size are refused before they are read (a municipality's file is far smaller).
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_REFERENCE = 64
MAX_NAME = 200
MAX_OBLIGATION = 500
MAX_OBLIGATIONS = 50
MAX_REASON = 2000
MAX_HOURS = Decimal(80)
#: Separator of several obligations in one CSV cell.
OBLIGATION_SEPARATOR = "|"

CSV_IMPORT_COLUMNS = (
    "personnummer",
    "action_plan_reference",
    "obligations",
    "hours_per_week_needed",
    "part_time_reason",
    "activity_reference",
    "activity_name",
    "activity_hours_per_week",
    "activity_from",
    "activity_to",
)
CSV_EXPORT_COLUMNS = (
    "personnummer",
    "requirement",
    "requirement_from",
    "scheduled_hours",
    "attended_hours",
    "activity_name",
    "activity_type",
    "activity_hours_per_week",
    "activity_from",
    "activity_to",
)

Format = Literal["json", "csv"]


# --------------------------------------------------------------------------------------------
# What AF holds, and what goes back


@dataclass(frozen=True)
class AfActivity:
    """An activity AF has planned for the person (it has dates and hours, but no times)."""

    reference: str
    name: str
    hours_per_week: Decimal
    from_date: date
    to_date: date | None


@dataclass(frozen=True)
class AfRecord:
    """Everything AF holds about one person; ``rows`` are the file's rows it came from."""

    rows: tuple[int, ...]
    personnummer: str
    action_plan_reference: str
    obligations: tuple[str, ...]
    hours_per_week_needed: Decimal | None
    part_time_reason: str
    activities: tuple[AfActivity, ...]


@dataclass(frozen=True)
class RowProblem:
    """Why a row of the file cannot be read: row number, field and a sentence for people."""

    row: int
    field: str
    code: str
    message: Any


@dataclass
class AfBatch:
    """A parsed file: the readable records and the problems of the rows that were not."""

    format: Format
    records: list[AfRecord] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


@dataclass(frozen=True)
class ExportActivity:
    """A planned municipal activity, as AF is told about it."""

    name: str
    type: str
    hours_per_week: Decimal
    from_date: date
    to_date: date | None


@dataclass(frozen=True)
class ExportPerson:
    """What AF may ask about one person for one month."""

    personnummer: str
    #: applies, exempt or not_applicable.
    requirement: str
    requirement_from: date | None
    scheduled_hours: Decimal
    attended_hours: Decimal
    activities: tuple[ExportActivity, ...]


@dataclass(frozen=True)
class AfExport:
    """One month's export for a municipality (or one unit of it)."""

    municipality_code: str
    month: str
    generated_at: str
    people: tuple[ExportPerson, ...]


class AfExchange(Protocol):
    """The exchange with AF: read what AF holds, deliver what AF may ask for."""

    def fetch(self) -> AfBatch:
        """What AF holds, parsed; rows that cannot be read are in ``problems``."""
        ...

    def send(self, export: AfExport) -> None:
        """Deliver an export to AF."""
        ...


# --------------------------------------------------------------------------------------------
# Files


class FileExchange:
    """The exchange as files: read an uploaded or local file, write an export to a file.

    ``source`` is the file's bytes (an upload) or a path; ``target`` a path or a binary
    stream. ``fmt`` chooses the export format; an import's format is read from its content.
    """

    def __init__(
        self,
        source: bytes | Path | None = None,
        target: Path | IO[bytes] | None = None,
        fmt: Format = "json",
    ) -> None:
        self.source = source
        self.target = target
        self.fmt = fmt

    def fetch(self) -> AfBatch:
        """Parse the source file (JSON or CSV, told apart by its content)."""
        if self.source is None:
            raise DomainError("af_no_file", _l("Välj en fil."))
        data = self.source if isinstance(self.source, bytes) else _read_limited(self.source)
        return parse_file(data)

    def send(self, export: AfExport) -> None:
        """Write the export as JSON or CSV to the target."""
        if self.target is None:
            raise DomainError("af_no_target", _l("Det finns inget mål för exporten."))
        payload = render_export(export, self.fmt)
        if isinstance(self.target, Path):
            self.target.write_bytes(payload)
        else:
            self.target.write(payload)


def _read_limited(path: Path) -> bytes:
    with path.open("rb") as f:
        data = f.read(MAX_FILE_BYTES + 1)
    return data


def parse_file(data: bytes) -> AfBatch:
    """Check a file's size and content, then parse it as JSON or CSV.

    Raises DomainError for a file that cannot be read at all (too large, empty, not UTF-8
    text, neither the JSON nor the CSV format); row problems are returned in the batch.
    """
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(
            "af_file_too_large", _l("Filen är för stor. Den får vara högst 2 MB."), status=413
        )
    if not data.strip():
        raise DomainError("af_file_empty", _l("Filen är tom."))
    if b"\x00" in data:
        raise DomainError(
            "af_file_binary", _l("Filen är inte en textfil. Välj en JSON- eller CSV-fil.")
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(
            "af_file_encoding",
            _l("Filen måste vara sparad som UTF-8. Spara om den och försök igen."),
        ) from None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return _parse_json(stripped)
    return _parse_csv(text)


# --------------------------------------------------------------------------------------------
# Field readers: each returns a value or records a problem and returns None


class _Row:
    """Reads the fields of one row and collects its problems."""

    def __init__(self, number: int, problems: list[RowProblem]) -> None:
        self.number = number
        self.problems = problems
        self.ok = True

    def problem(self, field_name: str, code: str, message) -> None:
        self.ok = False
        self.problems.append(RowProblem(self.number, field_name, code, message))

    def text(self, value: Any, field_name: str, limit: int, *, required: bool = True) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.problem(field_name, "not_text", _l("Ska vara text."))
            return ""
        value = value.strip()
        if required and not value:
            self.problem(field_name, "missing", _l("Saknas."))
        elif len(value) > limit:
            self.problem(field_name, "too_long", _l("Får vara högst %(n)d tecken.", n=limit))
        return value

    def pnr(self, value: Any) -> str:
        raw = self.text(value, "personnummer", 13)
        if not raw:
            return ""
        try:
            return personnummer.parse(raw)
        except personnummer.InvalidPersonnummer:
            self.problem(
                "personnummer", "invalid_personnummer", _l("Är inte ett giltigt personnummer.")
            )
            return ""

    def hours(self, value: Any, field_name: str, *, required: bool) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(field_name, "missing", _l("Saknas."))
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
            self.problem(
                field_name, "not_number", _l("Ska vara ett antal timmar, till exempel 12,5.")
            )
            return None
        try:
            hours = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            self.problem(
                field_name, "not_number", _l("Ska vara ett antal timmar, till exempel 12,5.")
            )
            return None
        if not hours.is_finite() or hours < 0 or hours > MAX_HOURS:
            self.problem(field_name, "hours_range", _l("Ska vara mellan 0 och 80 timmar."))
            return None
        if hours != hours.quantize(Decimal("0.01")):
            self.problem(field_name, "hours_precision", _l("Högst två decimaler."))
            return None
        return hours

    def day(self, value: Any, field_name: str, *, required: bool) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(field_name, "missing", _l("Saknas."))
            return None
        try:
            if not isinstance(value, str) or len(value.strip()) != 10:
                raise ValueError(value)
            return date.fromisoformat(value.strip())
        except ValueError:
            self.problem(field_name, "not_date", _l("Ska vara ett datum som 2026-09-01."))
            return None

    def activity(self, ref, name, hours, start, end) -> AfActivity | None:
        reference = self.text(ref, "activity_reference", MAX_REFERENCE)
        title = self.text(name, "activity_name", MAX_NAME)
        per_week = self.hours(hours, "activity_hours_per_week", required=True)
        from_date = self.day(start, "activity_from", required=True)
        to_date = self.day(end, "activity_to", required=False)
        if from_date and to_date and to_date < from_date:
            self.problem("activity_to", "dates_reversed", _l("Slutar före det börjar."))
        if not (reference and title and per_week is not None and from_date):
            return None
        return AfActivity(reference, title, per_week, from_date, to_date)


# --------------------------------------------------------------------------------------------
# JSON


def _parse_json(text: str) -> AfBatch:
    try:
        document = json.loads(text, parse_float=Decimal)
    except (json.JSONDecodeError, RecursionError):
        raise DomainError(
            "af_file_json", _l("Filen är inte giltig JSON. Kontrollera filen och försök igen.")
        ) from None
    if not isinstance(document, dict) or document.get("format") != IMPORT_FORMAT:
        raise DomainError(
            "af_file_format",
            _l(
                'Filen har inte formatet "%(format)s". Se beskrivningen av filformatet.',
                format=IMPORT_FORMAT,
            ),
        )
    people = document.get("people")
    if not isinstance(people, list):
        raise DomainError("af_file_format", _l('Filen saknar listan "people".'))
    batch = AfBatch("json")
    seen: dict[str, int] = {}
    for number, entry in enumerate(people, start=1):
        row = _Row(number, batch.problems)
        if not isinstance(entry, dict):
            row.problem("", "not_object", _l("Ska vara ett objekt med personens uppgifter."))
            continue
        record = _json_record(row, entry)
        if record is not None:
            _add_record(batch, record, seen, row)
    return batch


def _json_record(row: _Row, entry: dict) -> AfRecord | None:
    pnr = row.pnr(entry.get("personnummer"))
    reference = row.text(entry.get("action_plan_reference"), "action_plan_reference", MAX_REFERENCE)
    obligations = _obligations(row, entry.get("obligations", []))
    needed = row.hours(entry.get("hours_per_week_needed"), "hours_per_week_needed", required=False)
    reason = row.text(entry.get("part_time_reason"), "part_time_reason", MAX_REASON, required=False)
    raw_activities = entry.get("activities", [])
    if not isinstance(raw_activities, list):
        row.problem("activities", "not_list", _l("Ska vara en lista."))
        raw_activities = []
    activities = []
    for item in raw_activities:
        if not isinstance(item, dict):
            row.problem("activities", "not_object", _l("Varje aktivitet ska vara ett objekt."))
            continue
        activity = row.activity(
            item.get("reference"), item.get("name"), item.get("hours_per_week"),
            item.get("from"), item.get("to"),
        )  # fmt: skip
        if activity is not None:
            activities.append(activity)
    if not row.ok:
        return None
    return AfRecord((row.number,), pnr, reference, obligations, needed, reason, tuple(activities))


def _obligations(row: _Row, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(OBLIGATION_SEPARATOR)
    if not isinstance(value, list):
        row.problem("obligations", "not_list", _l("Ska vara en lista med text."))
        return ()
    texts = [row.text(v, "obligations", MAX_OBLIGATION, required=False) for v in value]
    texts = [t for t in texts if t]
    if len(texts) > MAX_OBLIGATIONS:
        row.problem("obligations", "too_many", _l("Högst %(n)d skyldigheter.", n=MAX_OBLIGATIONS))
    return tuple(texts)


def _add_record(batch: AfBatch, record: AfRecord, seen: dict[str, int], row: _Row) -> None:
    """Add a record, refusing a second record for the same person (which one would be true?)."""
    refs = [a.reference for a in record.activities]
    if len(set(refs)) != len(refs):
        row.problem(
            "activity_reference", "duplicate_activity", _l("Samma aktivitet finns två gånger.")
        )
        return
    if record.personnummer in seen:
        row.problem(
            "personnummer",
            "duplicate_person",
            _l("Personen finns redan på rad %(row)d.", row=seen[record.personnummer]),
        )
        return
    seen[record.personnummer] = record.rows[0]
    batch.records.append(record)


# --------------------------------------------------------------------------------------------
# CSV: one row per AF activity; a person without activities has one row with them empty


def _parse_csv(text: str) -> AfBatch:
    first_line = text.splitlines()[0] if text else ""
    delimiter = ";" if ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        header = []
    if tuple(header) != CSV_IMPORT_COLUMNS:
        raise DomainError(
            "af_file_format",
            _l(
                "Filen är varken JSON eller CSV med rätt rubrikrad. "
                "Första raden ska vara: %(columns)s",
                columns=";".join(CSV_IMPORT_COLUMNS),
            ),
        )
    batch = AfBatch("csv")
    groups: dict[str, list[tuple[int, list[str]]]] = {}
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            row = _Row(line, batch.problems)
            if len(cells) != len(CSV_IMPORT_COLUMNS):
                row.problem(
                    "",
                    "column_count",
                    _l(
                        "Raden har %(found)d kolumner men ska ha %(wanted)d.",
                        found=len(cells),
                        wanted=len(CSV_IMPORT_COLUMNS),
                    ),
                )
                continue
            pnr = row.pnr(cells[0])
            if pnr:
                groups.setdefault(pnr, []).append((line, cells))
    except csv.Error:
        raise DomainError(
            "af_file_csv", _l("Filen kunde inte läsas som CSV (ett citattecken saknas?).")
        ) from None
    for pnr, rows in groups.items():
        record = _csv_record(pnr, rows, batch.problems)
        if record is not None:
            _add_record(batch, record, {}, _Row(rows[0][0], batch.problems))
    batch.problems.sort(key=lambda p: (p.row, p.field))
    return batch


def _csv_record(pnr: str, rows: list[tuple[int, list[str]]], problems: list[RowProblem]):
    """Join a person's rows; the person's own columns must agree on every row."""
    first_line, first = rows[0]
    head = _Row(first_line, problems)
    reference = head.text(first[1], "action_plan_reference", MAX_REFERENCE)
    obligations = _obligations(head, first[2])
    needed = head.hours(first[3], "hours_per_week_needed", required=False)
    reason = head.text(first[4], "part_time_reason", MAX_REASON, required=False)
    ok = head.ok
    activities = []
    for line, cells in rows:
        row = _Row(line, problems)
        if line != first_line and [c.strip() for c in cells[1:5]] != [
            c.strip() for c in first[1:5]
        ]:
            row.problem(
                "action_plan_reference",
                "rows_disagree",
                _l("Personens uppgifter skiljer sig från rad %(row)d.", row=first_line),
            )
        if any(c.strip() for c in cells[5:]):
            activity = row.activity(*cells[5:10])
            if activity is not None:
                activities.append(activity)
        ok = ok and row.ok
    if not ok:
        return None
    return AfRecord(
        tuple(line for line, _ in rows),
        pnr,
        reference,
        obligations,
        needed,
        reason,
        tuple(activities),
    )


# --------------------------------------------------------------------------------------------
# Export


def _hours_number(value: Decimal) -> int | float:
    return int(value) if value == int(value) else float(value)


def export_document(export: AfExport) -> dict:
    """The export as the documented JSON object."""
    return {
        "format": EXPORT_FORMAT,
        "municipality": export.municipality_code,
        "month": export.month,
        "generated_at": export.generated_at,
        "people": [
            {
                "personnummer": p.personnummer,
                "requirement": p.requirement,
                "requirement_from": p.requirement_from.isoformat() if p.requirement_from else None,
                "planned_activities": [
                    {
                        "name": a.name,
                        "type": a.type,
                        "hours_per_week": _hours_number(a.hours_per_week),
                        "from": a.from_date.isoformat(),
                        "to": a.to_date.isoformat() if a.to_date else None,
                    }
                    for a in p.activities
                ],
                "progress": {
                    "scheduled_hours": _hours_number(p.scheduled_hours),
                    "attended_hours": _hours_number(p.attended_hours),
                },
            }
            for p in export.people
        ],
    }


def _cell(value: str) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value != int(value) else str(int(value))


def export_rows(export: AfExport) -> Iterable[list[str]]:
    """The export as CSV rows: one per planned activity, or one for a person with none."""
    yield list(CSV_EXPORT_COLUMNS)
    for p in export.people:
        person = [
            p.personnummer,
            p.requirement,
            p.requirement_from.isoformat() if p.requirement_from else "",
            _decimal_text(p.scheduled_hours),
            _decimal_text(p.attended_hours),
        ]
        if not p.activities:
            yield person + ["", "", "", "", ""]
        for a in p.activities:
            yield person + [
                _cell(a.name),
                a.type,
                _decimal_text(a.hours_per_week),
                a.from_date.isoformat(),
                a.to_date.isoformat() if a.to_date else "",
            ]


def render_export(export: AfExport, fmt: Format) -> bytes:
    """The export as the bytes of a JSON or CSV (UTF-8, semicolons) file."""
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerows(export_rows(export))
        return out.getvalue().encode("utf-8")
    return (json.dumps(export_document(export), ensure_ascii=False, indent=2) + "\n").encode(
        "utf-8"
    )
