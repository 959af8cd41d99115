"""``flask af``: exchange files with Arbetsförmedlingen from the command line.

For a nightly job or a file AF delivers by other means. The commands act as the system (the
audit log shows no staff member) for a whole municipality, or one unit with ``--unit``.
"""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale

from admin.af import services
from admin.af.adapters import FileExchange
from portal.errors import DomainError
from portal.extensions import db
from portal.i18n import local_today
from portal.models import Municipality, Unit

af_cli = AppGroup("af", help="Exchange with Arbetsförmedlingen (formats: docs/af-format.md).")

_STATUS_TEXT = {
    services.CREATE: "new",
    services.UPDATE: "updated",
    services.UNCHANGED: "unchanged",
    services.UNMATCHED: "no such person in the municipality; not imported",
    services.NOT_IN_UNIT: "not in the unit; not imported",
}


def _municipality(code: str | None) -> Municipality:
    query = sa.select(Municipality)
    if code:
        query = query.where(Municipality.code == code)
    found = db.session.scalars(query.limit(2)).all()
    if not found:
        raise click.ClickException(f"no municipality {code}" if code else "no municipality")
    if len(found) > 1:
        raise click.ClickException("several municipalities: choose one with --municipality CODE")
    return found[0]


def _unit(municipality: Municipality, name: str | None) -> Unit | None:
    if name is None:
        return None
    unit = db.session.scalar(
        sa.select(Unit).where(Unit.municipality_id == municipality.id, Unit.name == name)
    )
    if unit is None:
        raise click.ClickException(f"no unit named {name!r}")
    return unit


@af_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--municipality", "code", default=None, help="Kommunkod, if there are several.")
@click.option("--unit", "unit_name", default=None, help="Import only for this unit's people.")
def import_command(file: Path, dry_run: bool, code: str | None, unit_name: str | None):
    """Import FILE (JSON or CSV) from AF: all rows or none. Exit status 1 if rows are invalid."""
    municipality = _municipality(code)
    unit = _unit(municipality, unit_name)
    with force_locale("en"):
        try:
            batch = FileExchange(source=file).fetch()
            report = services.import_batch(
                batch,
                municipality_id=municipality.id,
                unit_id=unit.id if unit else None,
                actor=None,
                today=local_today(),
                dry_run=dry_run,
            )
        except DomainError as e:
            db.session.rollback()
            raise click.ClickException(str(e.message)) from None
        for problem in report.problems:
            click.echo(f"row {problem.row}: {problem.field or '-'}: {problem.message}", err=True)
        for outcome in report.outcomes:
            rows = ",".join(str(r) for r in outcome.rows)
            extra = ""
            if outcome.status in services.WRITTEN:
                extra = (
                    f" (activities: {outcome.added} new, {outcome.changed} changed,"
                    f" {outcome.ended} ended)"
                )
            click.echo(
                f"row {rows}: {outcome.masked_personnummer}: {_STATUS_TEXT[outcome.status]}{extra}"
            )
    db.session.commit()  # the import, or on a dry run only the audit rows of what was read
    counts = ", ".join(f"{_STATUS_TEXT[s].split(';')[0]}: {report.count(s)}" for s in _STATUS_TEXT)
    if report.blocked:
        click.echo(f"{report.invalid_rows} invalid row(s): nothing imported. {counts}", err=True)
        raise SystemExit(1)
    verb = "dry run, nothing written" if dry_run else "imported"
    click.echo(f"{verb}. {counts}")


@af_cli.command("export")
@click.option("--month", required=True, help="The month, YYYY-MM.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default=None)
@click.option("--municipality", "code", default=None, help="Kommunkod, if there are several.")
@click.option("--unit", "unit_name", default=None, help="Only this unit's people.")
def export_command(
    month: str, output: Path | None, fmt: str | None, code: str | None, unit_name: str | None
):
    """Write what AF may ask for a month to OUTPUT (or standard output)."""
    municipality = _municipality(code)
    unit = _unit(municipality, unit_name)
    fmt = fmt or ("csv" if output is not None and output.suffix.lower() == ".csv" else "json")
    with force_locale("en"):
        try:
            built = services.build_export(
                municipality,
                month,
                unit_id=unit.id if unit else None,
                today=local_today(),
                actor=None,
            )
        except DomainError as e:
            db.session.rollback()
            raise click.ClickException(str(e.message)) from None
    if output is None:
        with click.open_file("-", "wb") as stream:
            FileExchange(target=stream, fmt=fmt).send(built)
    else:
        FileExchange(target=output, fmt=fmt).send(built)
        click.echo(f"{len(built.people)} people written to {output}", err=True)
    db.session.commit()  # the audit rows of the export
