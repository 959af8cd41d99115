"""The activity requirement: pure rules engine and scenario contract (no Flask, no database).

The ``flask compliance`` commands live in :mod:`portal.compliance.cli`, which is not imported
here so that this package stays importable without Flask.
"""

from portal.compliance.engine import Result, Rules, Scenario, evaluate
from portal.compliance.scenario import (
    ScenarioError,
    parse_scenario,
    parse_scenario_json,
    scenario_to_dict,
)

__all__ = [
    "Result",
    "Rules",
    "Scenario",
    "ScenarioError",
    "evaluate",
    "parse_scenario",
    "parse_scenario_json",
    "scenario_to_dict",
]
