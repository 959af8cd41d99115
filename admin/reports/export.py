"""A report as CSV, XLSX or PDF: the same values the page shows, with what they mean.

Every export carries the municipality's name, the period, the unit, when it was made and the
definitions. The PDF uses DejaVu Sans (Debian's ``fonts-dejavu-core``) so that å, ä and ö
print; without the font it refuses with a clear error instead of printing question marks.
"""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from admin.reports.figures import Report, shown
from portal.errors import DomainError
from portal.i18n import to_local

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def filename(report: Report, fmt: str) -> str:
    """``ivo-quarter_2026-Q3.pdf`` (no person data, safe characters only)."""
    period = "".join(ch if ch.isalnum() or ch in "-" else "_" for ch in report.period.key)
    return f"{report.name}_{period}.{fmt}"


def render(report: Report, fmt: str) -> bytes:
    """The report in one of FORMATS. Raises DomainError ``unknown_format`` for any other."""
    if fmt == "csv":
        return to_csv(report)
    if fmt == "xlsx":
        return to_xlsx(report)
    if fmt == "pdf":
        return to_pdf(report)
    raise DomainError("unknown_format", f"unknown format {fmt!r} (csv, xlsx, pdf)", status=404)


def _about(report: Report) -> list[tuple[str, str]]:
    """The report's heading lines: what, where, when, whose."""
    period = report.period
    return [
        (_("Rapport"), str(report.title)),
        (_("Kommun"), report.municipality),
        (_("Enhet"), report.unit or _("Alla enheter")),
        (_("Period"), f"{report.period.key} ({period.start.isoformat()}–{period.end.isoformat()})"),
        (_("Räknat till och med"), report.counted_to.isoformat()),
        (_("Skapad"), to_local(report.generated_at).strftime("%Y-%m-%d %H:%M")),
    ]


def to_csv(report: Report) -> bytes:
    """Semicolon-separated UTF-8 with a byte-order mark (what Swedish spreadsheets open).

    The heading lines come first, then each table as its caption, header row and rows, then
    the definitions; blank lines separate the parts.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for key, value in _about(report):
        writer.writerow([key, value])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([str(table.caption)])
        writer.writerow([str(column.label) for column in table.columns])
        for row in table.rows:
            writer.writerow(
                [
                    _csv_cell(value, column.kind)
                    for value, column in zip(row, table.columns, strict=True)
                ]
            )
    for heading, text in report.texts:
        writer.writerow([])
        writer.writerow([str(heading), text])
    writer.writerow([])
    for definition in report.definitions:
        writer.writerow([_("Definition"), str(definition)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_cell(value, kind: str) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}" if kind == "share" else f"{value:g}"
    return str(value)


def to_xlsx(report: Report) -> bytes:
    """One sheet per table (header row, frozen below it, typed cells) and one about it."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    first = True
    used: set[str] = set()
    for table in report.tables:
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = _sheet_title(str(table.caption), used)
        sheet.append([str(column.label) for column in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(row))
            for value, column, cell in zip(row, table.columns, sheet[sheet.max_row], strict=True):
                if isinstance(value, float) and column.kind == "share":
                    cell.number_format = "0.0%"
                elif isinstance(value, float):
                    cell.number_format = "0.00"
        sheet.freeze_panes = "B2"
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = max(
                12, min(48, len(str(column.label)) + 4)
            )
    about = book.create_sheet(_sheet_title(_("Om rapporten"), used))
    for key, value in _about(report):
        about.append([key, value])
    for heading, text in report.texts:
        about.append([str(heading), text])
    for definition in report.definitions:
        about.append([_("Definition"), str(definition)])
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(text: str, used: set[str]) -> str:
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in text)[:28].strip() or "Blad"
    title, n = clean, 2
    while title in used:
        title, n = f"{clean[:25]} {n}", n + 1
    used.add(title)
    return title


def to_pdf(report: Report) -> bytes:
    """An A4 PDF: heading lines, the tables, the board's texts and the definitions."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from portal.pdf import FontMissing, unicode_font

    pdf = FPDF(orientation="landscape" if _wide(report) else "portrait", format="A4")
    try:
        family = unicode_font(pdf)  # the one font helper of every PDF (portal/pdf.py)
    except FontMissing as missing:
        raise DomainError("font_missing", str(missing), status=500) from None
    pdf.set_title(f"{report.title} {report.period.key}")
    pdf.set_author(report.municipality)
    pdf.set_creator("Aktivitetsportalen")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 8, f"{report.title} – {report.municipality}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    for key, value in _about(report)[1:]:
        pdf.multi_cell(0, 5, f"{key}: {value}", new_x="LMARGIN", new_y="NEXT")
    heading = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
    for table in report.tables:
        pdf.ln(4)
        pdf.set_font(family, "B", 11)
        pdf.multi_cell(0, 6, str(table.caption), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 8)
        aligns = ["LEFT" if column.kind == "text" else "RIGHT" for column in table.columns]
        with pdf.table(headings_style=heading, text_align=aligns, line_height=4.5) as grid:
            grid.row([str(column.label) for column in table.columns])
            for row in table.rows:
                grid.row(
                    [
                        shown(value, column.kind)
                        for value, column in zip(row, table.columns, strict=True)
                    ]
                )
    for title, text in report.texts:
        pdf.ln(4)
        pdf.set_font(family, "B", 11)
        pdf.multi_cell(0, 6, str(title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 9)
        pdf.multi_cell(0, 5, text or _("(Ingen text skriven.)"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, "B", 8)
    pdf.multi_cell(0, 4, _("Definitioner"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 7)
    for number, definition in enumerate(report.definitions, start=1):
        pdf.multi_cell(0, 3.5, f"{number}. {definition}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _wide(report: Report) -> bool:
    return any(len(table.columns) > 5 for table in report.tables)
