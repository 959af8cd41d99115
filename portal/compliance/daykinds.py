"""The rule book's day kinds (section 1) and planned slots, without counting minutes.

Reports ask per day whether a person was subject to the requirement, whether it was voluntary
or mandatory, and whether a slot of a planned activity fell on it (reports.md). That is the
first half of what :func:`portal.compliance.engine.evaluate` does, by the same code: the
engine's own classification (cached by the facts it depends on) and its own occurrences of
slots, so the answer cannot differ from a stored result's days. Pure: no Flask, no database.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from portal.compliance.engine import Scenario
from portal.compliance.engine.evaluation import Evaluation


class DayKind(NamedTuple):
    """One day of the period: the requirement's kind and whether a planned slot fell on it."""

    day: date
    mandatory: bool
    voluntary: bool
    exempt_reason: str | None
    subject: bool
    #: A slot of a planned activity occurs on this subject working day (the engine's
    #: ``slots`` of the day are not empty).
    planned: bool


def day_kinds(scenario: Scenario) -> list[DayKind]:
    """Every day of the scenario's period, classified as evaluate() classifies it."""
    evaluation = Evaluation(scenario)
    kinds = []
    for basis in evaluation._bases().values():
        planned = bool(basis.subject and basis.working_day and evaluation._occurrences(basis.day))
        kinds.append(
            DayKind(
                basis.day,
                basis.mandatory,
                basis.voluntary,
                basis.exempt_reason,
                basis.subject,
                planned,
            )
        )
    return kinds
