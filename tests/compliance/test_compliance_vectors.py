"""Every worked scenario in the shared spec's vectors folder, through the engine and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from portal.compliance.cli import compliance_cli
from portal.compliance.engine import evaluate
from portal.compliance.scenario import ScenarioError, parse_scenario

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "vectors"


def _vector_files() -> list[Path]:
    """The vector files; a missing folder is an error, never a silently empty test run."""
    if not VECTORS.is_dir():
        raise RuntimeError(f"compliance vectors not found at {VECTORS}")
    files = sorted(VECTORS.glob("*.json"))
    if not files:
        raise RuntimeError(f"no compliance vectors in {VECTORS}")
    return files


VECTOR_FILES = _vector_files()


def test_vectors_are_found():
    assert any(not path.name.startswith("x") for path in VECTOR_FILES)
    assert any(path.name.startswith("x") for path in VECTOR_FILES)


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda path: path.stem)
def test_engine_matches_vector(path: Path):
    vector = json.loads(path.read_text(encoding="utf-8"))
    if vector.get("expected_error"):
        with pytest.raises(ScenarioError):
            parse_scenario(vector)
        return
    assert evaluate(parse_scenario(vector)).to_contract() == vector["expected"]


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda path: path.stem)
def test_cli_matches_vector(path: Path):
    vector = json.loads(path.read_text(encoding="utf-8"))
    outcome = CliRunner().invoke(compliance_cli, ["evaluate", str(path)])
    if vector.get("expected_error"):
        assert outcome.exit_code == 2
        assert outcome.stdout == ""
        assert len(outcome.stderr.strip().splitlines()) == 1
    else:
        assert outcome.exit_code == 0, outcome.stderr
        assert json.loads(outcome.stdout) == vector["expected"]


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda path: path.stem)
def test_cli_reads_bare_scenario_from_stdin(path: Path):
    vector = json.loads(path.read_text(encoding="utf-8"))
    bare = json.dumps(vector["scenario"])
    outcome = CliRunner().invoke(compliance_cli, ["evaluate", "-"], input=bare)
    if vector.get("expected_error"):
        assert (outcome.exit_code, outcome.stdout) == (2, "")
    else:
        assert json.loads(outcome.stdout) == vector["expected"]
