"""The reports' day kinds are the engine's: every valid vector classifies the same both ways."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from portal.compliance.daykinds import day_kinds
from portal.compliance.engine import evaluate
from portal.compliance.scenario import ScenarioError, parse_scenario

VECTORS = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "vectors"
FILES = sorted(p for p in VECTORS.glob("*.json") if not p.name.startswith("x"))


def test_vectors_are_found():
    assert FILES


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_day_kinds_equal_the_engines_days(path: Path):
    data = json.loads(path.read_text(encoding="utf-8"))
    try:
        scenario = parse_scenario(data.get("scenario", data))
    except ScenarioError as error:  # a setting this branch's engine does not know yet
        pytest.skip(f"the engine on this branch refuses the vector: {error}")
    days = evaluate(scenario).days
    kinds = day_kinds(scenario)
    assert [k.day for k in kinds] == [d.day for d in days]
    for kind, day in zip(kinds, days, strict=True):
        assert (kind.mandatory, kind.voluntary, kind.exempt_reason, kind.subject) == (
            day.mandatory,
            day.voluntary,
            day.exempt_reason,
            day.subject,
        )
        assert kind.planned == bool(day.slots)
