"""``flask compliance ...``: the activity-requirement rules from the command line.

``evaluate`` needs no database or app context: it reads a scenario file and runs the pure engine,
so anyone can check a figure against the rule book by hand.
"""

from __future__ import annotations

import json
import sys
from typing import NoReturn

import click
from flask.cli import AppGroup

from portal.compliance.engine import evaluate
from portal.compliance.scenario import ScenarioError, parse_scenario_json

#: Exit status for invalid input, as the contract (and click's usage errors) use.
EXIT_INVALID = 2

compliance_cli = AppGroup(
    "compliance", help="Evaluate the activity requirement (rule book: compliance-rules.md)."
)


@compliance_cli.command("evaluate", with_appcontext=False)
@click.argument("file", metavar="FILE")
@click.option("--days", is_flag=True, help="Also print every day of the period with its slots.")
def evaluate_command(file: str, days: bool) -> None:
    """Evaluate the scenario in FILE (- for standard input) and print the outcome as JSON."""
    try:
        scenario = parse_scenario_json(_read_text(file), source=_source_name(file))
    except ScenarioError as error:
        fail(str(error))
    result = evaluate(scenario)
    click.echo(json.dumps(result.to_contract(include_days=days), indent=2, ensure_ascii=False))


def fail(message: str) -> NoReturn:
    """Print a one-line message on standard error and exit with the invalid-input status."""
    click.echo(" ".join(message.split()), err=True)
    sys.exit(EXIT_INVALID)


def _source_name(file: str) -> str:
    """How messages name the input."""
    return "stdin" if file == "-" else file


def _read_text(file: str) -> str:
    """The whole input as text (UTF-8, with or without a byte-order mark)."""
    try:
        with click.open_file(file, "rb") as stream:
            return stream.read().decode("utf-8-sig")
    except OSError as error:
        raise ScenarioError(_source_name(file), f"cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise ScenarioError(_source_name(file), "not UTF-8 text") from None


# --------------------------------------------------------------------------------------------
# Reconciliation from the database (portal.compliance.reconcile)

_MONTH_OPTION = click.option("--month", help="A month, YYYY-MM.")
_WEEK_OPTION = click.option("--week", help="An ISO week, YYYY-Www (instead of --month).")
_THROUGH_OPTION = click.option(
    "--through",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Count up to this day (default: yesterday, so a running month counts what is over).",
)


@compliance_cli.command("reconcile")
@_MONTH_OPTION
@_WEEK_OPTION
@click.option("--unit", "unit_name", help="Only the people of this unit (its name).")
@click.option("--person", "person_ref", help="Only this person (public reference).")
@click.option("--municipality", "municipality_code", help="Kommunkod; needed if there are several.")
@_THROUGH_OPTION
def reconcile_command(month, week, unit_name, person_ref, municipality_code, through) -> None:
    """Reconcile a period for every person in scope, store the results and print a summary."""
    from portal.compliance import commands
    from portal.errors import DomainError
    from portal.extensions import db

    try:
        target = commands.resolve_target(municipality_code, unit_name, person_ref)
        period = commands.period_of(month, week)
        last_day = through.date() if through else commands.yesterday()
        summary = commands.run_reconcile(target, period, last_day)
    except DomainError as error:
        db.session.rollback()
        fail(str(error.message))
    db.session.commit()
    click.echo("\n".join(commands.summary_lines(summary)))


@compliance_cli.command("export-scenario")
@click.option("--person", "person_ref", required=True, help="The person's public reference.")
@_MONTH_OPTION
@_WEEK_OPTION
@click.option("-o", "--output", default="-", help="File to write (default: standard output).")
@_THROUGH_OPTION
def export_scenario_command(person_ref, month, week, output, through) -> None:
    """Write the scenario reconcile builds for a person as contract JSON (for `evaluate`)."""
    from portal.compliance import commands
    from portal.errors import DomainError
    from portal.extensions import db

    try:
        target = commands.resolve_target(None, None, person_ref)
        period = commands.period_of(month, week)
        last_day = through.date() if through else commands.yesterday()
        scenario = commands.export_scenario(target.person, period, last_day)
    except DomainError as error:
        db.session.rollback()
        fail(str(error.message))
    db.session.commit()
    with click.open_file(output, "w", encoding="utf-8") as stream:
        stream.write(json.dumps(scenario, indent=2, ensure_ascii=False) + "\n")
