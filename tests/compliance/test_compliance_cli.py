"""``flask compliance evaluate``: JSON on stdout and exit 0, or one line on stderr and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.compliance.cli import compliance_cli
from tests.compliance.compliance_builders import scenario, visit, visits_on, weekdays


def evaluate(*args: str, stdin: str | bytes | None = None):
    """Run ``compliance evaluate`` with these arguments."""
    return CliRunner().invoke(compliance_cli, ["evaluate", *args], input=stdin)


def write(tmp_path: Path, data: object, name: str = "case.json") -> Path:
    """A scenario file."""
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def assert_refused(outcome, message: str) -> None:
    """Exit 2, nothing on stdout, exactly one line on stderr."""
    assert outcome.exit_code == 2
    assert outcome.stdout == ""
    assert outcome.stderr.count("\n") == 1
    assert outcome.stderr.strip() == message


def test_evaluates_a_file(tmp_path):
    data = scenario(attendance=visits_on(weekdays("2026-09-07", "2026-09-11")))
    outcome = evaluate(str(write(tmp_path, data)))
    assert outcome.exit_code == 0
    assert outcome.stderr == ""
    printed = json.loads(outcome.stdout)
    assert (printed["status"], printed["attended_hours"]) == ("fulfilled", 15.0)
    assert "days" not in printed


def test_reads_standard_input():
    outcome = evaluate("-", stdin=json.dumps({"scenario": scenario()}))
    assert outcome.exit_code == 0
    assert json.loads(outcome.stdout)["unexcused_hours"] == 15.0


def test_days_option_adds_the_drill_down(tmp_path):
    outcome = evaluate("--days", str(write(tmp_path, scenario())))
    days = json.loads(outcome.stdout)["days"]
    assert [day["date"] for day in days][:2] == ["2026-09-07", "2026-09-08"]
    assert days[0]["slots"][0]["unexcused_hours"] == 3.0


def test_names_the_invalid_field(tmp_path):
    data = scenario(attendance=[visit("x", "2026-09-07T09:00", None)])
    outcome = evaluate(str(write(tmp_path, data)))
    assert_refused(outcome, "attendance[0].activity: unknown activity 'x'")


def test_refuses_bad_json_on_stdin():
    assert_refused(
        evaluate("-", stdin='{"period": '),
        "stdin: invalid JSON at line 1 column 12: Expecting value",
    )


def test_refuses_a_missing_file(tmp_path):
    missing = tmp_path / "nope.json"
    assert_refused(evaluate(str(missing)), f"{missing}: cannot read: No such file or directory")


def test_refuses_a_directory(tmp_path):
    outcome = evaluate(str(tmp_path))
    assert (outcome.exit_code, outcome.stdout) == (2, "")
    assert outcome.stderr.startswith(f"{tmp_path}: cannot read")


def test_refuses_text_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"namn": "Åsa"}'.encode("latin-1"))
    assert_refused(evaluate(str(path)), f"{path}: not UTF-8 text")


def test_accepts_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(scenario()).encode())
    assert evaluate(str(path)).exit_code == 0


@pytest.mark.parametrize("payload", ["[]", "null", "42", '"scenario"'])
def test_refuses_json_that_is_not_an_object(payload):
    assert_refused(evaluate("-", stdin=payload), "scenario: must be an object")


def test_needs_no_app_or_database():
    # Invoked on the bare group: no Flask app exists, so an app context would fail.
    outcome = evaluate("-", stdin=json.dumps(scenario()))
    assert outcome.exit_code == 0, outcome.stderr


def test_group_lists_the_command():
    outcome = CliRunner().invoke(compliance_cli, ["--help"])
    assert outcome.exit_code == 0
    assert "evaluate" in outcome.stdout
