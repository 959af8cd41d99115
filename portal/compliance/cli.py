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
