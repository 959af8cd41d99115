"""``flask reports NAME --period P``: a report's figures on standard output or in a file.

The command computes with the same functions as the page and the exports, as the system
(exact counts unless ``--suppress-small``), and writes an audit row like a view does. Invalid
input exits 2 with one line on standard error.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson
import sqlalchemy as sa
from flask_babel import force_locale

from admin.reports import export, services
from admin.reports.periods import parse_period
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import local_today
from portal.models import Municipality, Unit


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def _municipality(code: str | None) -> Municipality:
    query = sa.select(Municipality)
    if code:
        query = query.where(Municipality.code == code)
    found = db.session.scalars(query.limit(2)).all()
    if not found:
        _fail(f"no municipality {code}" if code else "no municipality")
    if len(found) > 1:
        _fail("several municipalities: choose one with --municipality CODE")
    return found[0]


def _unit(municipality: Municipality, text: str | None) -> Unit | None:
    if text is None:
        return None
    query = sa.select(Unit).where(Unit.municipality_id == municipality.id)
    match = Unit.id == int(text) if text.isdigit() else Unit.name == text
    unit = db.session.scalar(query.where(match))
    if unit is None:
        _fail(f"--unit: unknown unit {text!r} (give its name or id)")
    return unit


@click.command("reports")
@click.argument("name", type=click.Choice(services.NAMES))
@click.option("--period", required=True, help="YYYY-Qn, YYYY-MM, YYYY, YYYY..YYYY or D..D.")
@click.option("--unit", "unit_text", default=None, help="A unit's name or id (default: all).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx", "pdf"]), default="json")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--municipality", "code", default=None, help="Kommunkod, if there are several.")
@click.option("--suppress-small", is_flag=True, help="Show counts 1-4 as <5 (the auditor's view).")
def reports_cli(name, period, unit_text, fmt, out, code, suppress_small):
    """Print or write report NAME for a period (json keys as in reports.md)."""
    try:
        parsed = parse_period(period)
    except DomainError as error:
        _fail(f"--period: {error.message}")
    if fmt in ("xlsx", "pdf") and out is None:
        _fail(f"--format {fmt} writes a file: give --out FILE")
    municipality = _municipality(code)
    unit = _unit(municipality, unit_text)
    request = services.Request(name, parsed, municipality, unit, suppress_small, local_today())
    with force_locale("sv"):
        try:
            report = services.build(request)
            body = (
                orjson.dumps(report.json(), option=orjson.OPT_INDENT_2) + b"\n"
                if fmt == "json"
                else export.render(report, fmt)
            )
        except DomainError as error:
            _fail(error.message)
    services.record_access(None, request, "export", fmt)
    db.session.commit()
    if out is None:
        click.echo(body.decode("utf-8-sig"), nl=False)
    else:
        out.write_bytes(body)
        click.echo(f"wrote {out}", err=True)
