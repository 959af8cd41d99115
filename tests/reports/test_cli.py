"""``flask reports``: the page's figures as JSON or a file; bad input exits 2 with one line."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa
import time_machine
from openpyxl import load_workbook

from admin.reports import services
from portal.models import AuditEntry
from tests.reconciliation import builders as b
from tests.reports import worlds as w
from tests.reports.test_services import q3  # noqa: F401  (the shared world)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(b.local("2026-12-06T09:00"), tick=True):
        yield


def invoke(runner, *args):
    return runner.invoke(args=["reports", *args], catch_exceptions=False)


def test_json_has_the_fields_of_reports_md(runner, world, q3, db):  # noqa: F811
    result = invoke(runner, "ivo-quarter", "--period", "2026-Q3")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for field in services.IVO_FIELDS:
        assert set(data[field]) == {"total", "women", "men", "unknown"}
    assert data["mandatory_with_activities"] == {"total": 4, "women": 1, "men": 2, "unknown": 1}
    page = w.report(world, "ivo-quarter", "2026-Q3").json()
    assert {k: v for k, v in data.items() if k != "generated_at"} == {
        k: v for k, v in page.items() if k != "generated_at"
    }
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.object_type == "report"))
    assert entry.actor_role == "system" and entry.why == "period=2026-Q3 unit=all format=json"


def test_unit_by_name_and_suppression(runner, world, q3):  # noqa: F811
    result = invoke(runner, "ivo-quarter", "--period", "2026-Q3", "--unit", "Enhet B")
    assert json.loads(result.stdout)["mandatory_with_activities"]["total"] == 1
    hidden = invoke(runner, "ivo-quarter", "--period", "2026-Q3", "--suppress-small")
    assert json.loads(hidden.stdout)["mandatory_with_activities"]["total"] == "<5"


@pytest.mark.parametrize("name", services.NAMES)
def test_every_report_prints_json_and_writes_files(runner, world, q3, tmp_path, name):  # noqa: F811
    assert invoke(runner, name, "--period", "2026-Q3").exit_code == 0
    for fmt in ("xlsx", "pdf", "csv"):
        out = tmp_path / f"r.{fmt}"
        result = invoke(runner, name, "--period", "2026-Q3", "--format", fmt, "--out", str(out))
        assert result.exit_code == 0 and out.stat().st_size > 0
    load_workbook(io.BytesIO((tmp_path / "r.xlsx").read_bytes()))
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ivo-quarter", "--period", "2026-Q5"], "--period: invalid period '2026-Q5'"),
        (["ivo-quarter", "--period", "2026-Q3", "--unit", "Enhet Z"], "unknown unit 'Enhet Z'"),
        (["ivo-quarter", "--period", "2026-Q3", "--format", "pdf"], "give --out FILE"),
        (["no-such", "--period", "2026-Q3"], "Invalid value"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(runner, world, args, message):
    result = invoke(runner, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""
