"""Reconciliation: the rule book's figures for the people of a municipality, from the database.

A floor service (models and the pure engine; no Flask views). For every person in scope it
collects exactly the rule book's scenario (compliance-rules.md §4) from the database and runs
the engine on it. The scenario is written as the contract's JSON for an export (and for callers
that edit it), and straight as the engine's input objects in bulk runs — what ``parse_scenario``
makes of that JSON, which a test holds — so an exported scenario and a stored result are the
same thing: ``flask compliance evaluate`` on the export prints the stored figures.

Where the scenario's parts come from (docs/reconciliation.md explains each in prose):

- ``assistance_months``: months of approved or partly approved decisions;
- ``rules``: the municipality's settings in force on the period's first day;
- ``person``: birth date, the newest assessment valid by the period's end (participation,
  ``requirement_from``), dated statuses and the household's children;
- ``external``: external occupations;
- ``activities``: the plan versions in force (a version holds from its ``valid_from`` until the
  next version's) with their items and the activity sessions valid on each day. One database
  activity becomes several engine activities, ``<public_ref>~<n>``, wherever its slot set
  changes, so that each engine activity has one date range and one slot set. ``<ref>~0`` is an
  activity with no slots, for visits or declined offers outside the plan;
- ``attendance``: visits derived from the attendance event log by :mod:`portal.attendance`;
  open and auto-closed visits have no check-out;
- ``absences`` and ``declined``: absence reports and declined offers.

Every run reads with a fixed number of queries whatever the number of people (all rows for the
people in scope, grouped in Python), and stores one ComplianceResult per person and period with
an upsert, so running it again changes nothing but ``computed_at``.

The parts live beside this module, each in its own: :mod:`portal.compliance.periods` (months
and weeks), :mod:`portal.compliance.fetch` (the scope and its rows in bulk),
:mod:`portal.compliance.inputs` with :mod:`portal.compliance.scenario_values` (each person's
scenario, both ways) and :mod:`portal.compliance.day_detail` (the stored days). Here:
evaluating, the worker processes and storing.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
from flask import current_app, has_request_context

from portal.compliance.day_detail import day_detail
from portal.compliance.engine import Result, evaluate
from portal.compliance.fetch import Scope, cyclic_gc_paused, fetch_rows
from portal.compliance.inputs import Inputs
from portal.compliance.scenario import ScenarioError, parse_scenario
from portal.errors import DomainError
from portal.extensions import db
from portal.models import ComplianceResult, Person, utcnow

#: Rows per upsert statement; bounds memory without a statement per person.
UPSERT_CHUNK = 1000


# --------------------------------------------------------------------------------------------
# Summary


@dataclass
class ReconcileSummary:
    """What a run did: people per status and flag, and how many events it read."""

    period_from: date
    period_to: date
    #: The last day counted (before period_to while the period is still running).
    evaluated_to: date
    people: int = 0
    events: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_flag: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Evaluating and storing


def _evaluate(scenario: dict[str, Any], public_ref: str) -> Result:
    """Run the contract's parser and the engine; bad data in the database is an error."""
    try:
        return evaluate(parse_scenario(scenario))
    except ScenarioError as error:
        raise DomainError("invalid_input", f"person {public_ref}: {error}", status=500) from None


def evaluated_end(period_from: date, period_to: date, through: date | None = None) -> date:
    """The last day to count: the period's end, or ``through`` if the period runs past it.

    Slots that have not happened yet would otherwise count as unexcused absence, so runs of a
    period still in progress count up to ``through`` (the CLI and the dashboards: yesterday).
    """
    if period_to < period_from:
        raise DomainError("invalid_period", "the period ends before it begins")
    end = period_to if through is None else min(period_to, through)
    if end < period_from:
        raise DomainError("period_not_started", "no day of the period has been completed yet")
    return end


def _inputs(scope: Scope, period_from: date, period_to: date) -> Inputs:
    return Inputs(fetch_rows(scope, period_from, period_to), period_from, period_to)


def scenario_for_person(
    person: Person, period_from: date, period_to: date, *, through: date | None = None
) -> dict[str, Any]:
    """The rule book's JSON scenario of one person and period, built from the database.

    With ``through``, a period still running is counted up to that day (as reconcile does).
    """
    end = evaluated_end(period_from, period_to, through)
    inputs = _inputs(_person_scope(person), period_from, end)
    (row,) = inputs.rows.people
    return inputs.scenario(row)[0]


def evaluate_person(
    person: Person, period_from: date, period_to: date, *, through: date | None = None
) -> Result:
    """The engine's result for one person and period, computed now and not stored."""
    scenario = scenario_for_person(person, period_from, period_to, through=through)
    return _evaluate(scenario, person.public_ref)


def evaluate_scope(
    municipality_id: int, period_from: date, end: date, settings: Any
) -> Iterator[tuple[int, Result]]:
    """Every person's result for the period counted up to ``end`` under ``settings``, computed
    now by the same engine and stored nowhere (the settings page's what-if)."""
    scope = Scope(municipality_id)
    inputs = Inputs(fetch_rows(scope, period_from, end, settings=settings), period_from, end)
    for person in inputs.rows.people:
        yield person.id, evaluate(inputs.engine_scenario(person)[0])


def _person_scope(person: Person) -> Scope:
    return Scope(person.municipality_id, person_id=person.id)


def reconcile(
    period_from: date,
    period_to: date,
    *,
    municipality_id: int,
    unit_id: int | None = None,
    person_id: int | None = None,
    through: date | None = None,
) -> ReconcileSummary:
    """Compute and store the result of every person in scope for the period (idempotent).

    Reads with a fixed number of queries, upserts one ComplianceResult per person and period
    (a period still running is counted up to ``through``) and flushes; the caller commits.
    """
    end = evaluated_end(period_from, period_to, through)
    with cyclic_gc_paused():
        return _reconcile(Scope(municipality_id, unit_id, person_id), period_from, period_to, end)


def _reconcile(scope: Scope, period_from: date, period_to: date, end: date) -> ReconcileSummary:
    inputs = _inputs(scope, period_from, end)
    summary = ReconcileSummary(period_from, period_to, end, events=inputs.event_count)
    statuses: Counter[str] = Counter()
    flags: Counter[str] = Counter()
    common = {
        "period_from": period_from,
        "period_to": period_to,
        "evaluated_to": end,
        "computed_at": utcnow(),
    }
    batch: list[dict[str, Any]] = []
    for person_id, status, raised, figures, days, unexcused, inputs_at in _outcomes(inputs):
        statuses[status] += 1
        flags.update(raised)
        batch.append(
            {
                "person_id": person_id,
                "status": status,
                "flags": list(raised),
                # Already JSON (see _outcome): the column's serializer writes them as they are.
                "figures": orjson.Fragment(figures),
                "days": orjson.Fragment(days),
                "unexcused_minutes": unexcused,
                "inputs_at": inputs_at,
                **common,
            }
        )
        if len(batch) >= UPSERT_CHUNK:
            _upsert(batch)
            batch = []
    if batch:
        _upsert(batch)
    _forget_stored_results()
    summary.people = len(inputs.rows.people)
    summary.by_status = dict(sorted(statuses.items()))
    summary.by_flag = dict(sorted(flags.items()))
    return summary


# --------------------------------------------------------------------------------------------
# The engine over many people: in this process, or in forked worker processes

#: (person id, status, flags, figures JSON, days JSON, unexcused minutes, inputs' timestamp)
Outcome = tuple[int, str, tuple[str, ...], bytes, bytes, int, datetime | None]
#: People per piece of work handed to a worker process.
WORKER_CHUNK = 500
#: The inputs of the run in progress, for the forked workers (they inherit it; never pickled).
_FORKED: Inputs | None = None


def _outcome(inputs: Inputs, person: Any) -> Outcome:
    """One person's result in the form it is stored, figures and days encoded as JSON."""
    scenario, inputs_at = inputs.engine_scenario(person)
    result = evaluate(scenario)
    return (
        person.id,
        result.status,
        result.flags,
        orjson.dumps(result.to_contract()),
        orjson.dumps([day_detail(day) for day in result.days]),
        result.unexcused_minutes,
        inputs_at,
    )


def _outcomes(inputs: Inputs) -> Iterator[Outcome]:
    """Every person's outcome, in the order of inputs.rows.people.

    The engine is pure and each person independent, so a large run (RECONCILE_WORKERS,
    RECONCILE_PARALLEL_FROM) is shared among forked worker processes that inherit the fetched
    rows and send back only the encoded results; this process stores them as they arrive, so
    writing overlaps computing. Nothing in a worker touches the database.
    """
    global _FORKED
    people = inputs.rows.people
    workers = _worker_count(len(people))
    if workers <= 1:
        for person in people:
            yield _outcome(inputs, person)
        return
    pieces = [(start, start + WORKER_CHUNK) for start in range(0, len(people), WORKER_CHUNK)]
    _FORKED = inputs
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for piece in pool.imap(_outcomes_of_piece, pieces):
                if isinstance(piece, str):
                    raise DomainError("reconcile_failed", piece, status=500)
                yield from piece
    finally:
        _FORKED = None


def _outcomes_of_piece(piece: tuple[int, int]) -> list[Outcome] | str:
    """In a worker: the outcomes of people[start:stop], or the error that stopped them."""
    inputs = _FORKED
    assert inputs is not None, "workers are forked from a run in progress"
    start, stop = piece
    outcomes = []
    for person in inputs.rows.people[start:stop]:
        try:
            outcomes.append(_outcome(inputs, person))
        except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
            return f"person {person.public_ref}: {type(error).__name__}: {error}"
    return outcomes


def _worker_count(people: int) -> int:
    """How many processes evaluate a run of this many people (1: this one alone)."""
    if has_request_context() or "fork" not in multiprocessing.get_all_start_methods():
        return 1  # a web request evaluates in its own worker; fork is POSIX only
    config = current_app.config
    if people < int(config.get("RECONCILE_PARALLEL_FROM", 2000)):
        return 1
    configured = config.get("RECONCILE_WORKERS")
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
    workers = int(configured) if configured else available
    return max(1, min(workers, -(-people // WORKER_CHUNK)))


_UPDATED = (
    "evaluated_to",
    "status",
    "flags",
    "figures",
    "days",
    "unexcused_minutes",
    "inputs_at",
    "computed_at",
)


def _upsert(batch: list[dict[str, Any]]) -> None:
    """Insert or replace the results of a batch of people in one statement."""
    session = db.session
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(ComplianceResult.__table__)
    statement = statement.on_conflict_do_update(
        index_elements=["person_id", "period_from", "period_to"],
        set_={name: statement.excluded[name] for name in _UPDATED},
    )
    session.execute(statement, batch)


def _forget_stored_results() -> None:
    """Expire results loaded earlier in this session: the upsert bypassed them."""
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, ComplianceResult):
            db.session.expire(instance)
