"""The reports' inputs, each read for every person in scope at once (a fixed number of queries).

Day kinds, slots and plan gaps come from the rules engine: the stored ComplianceResult of a
month where one covers the days counted, and otherwise the engine run now on the same scenario
reconciliation would build (never stored: a report changes no figure).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from portal.compliance.day_detail import day_detail
from portal.compliance.daykinds import day_kinds
from portal.compliance.engine import STOCKHOLM, evaluate
from portal.compliance.fetch import ASSISTED, Scope, fetch_rows
from portal.compliance.inputs import Inputs
from portal.extensions import db
from portal.models import ComplianceResult, Decision, Person, PersonIdentity

#: The genders the reports split by; ``unknown`` only where no personnummer is held.
GENDERS = ("women", "men", "unknown")


def gender_of(personnummer: str | None) -> str:
    """Legal gender from a personnummer's second-to-last digit: odd a man, even a woman."""
    if not personnummer or len(personnummer) < 2 or not personnummer[-2].isdigit():
        return "unknown"
    return "men" if int(personnummer[-2]) % 2 else "women"


@dataclass(frozen=True)
class ReportScope:
    """Whose figures: a municipality, optionally one unit."""

    municipality_id: int
    unit_id: int | None = None

    def people(self) -> sa.Select:
        """The ids of the people in scope, as a subquery every load filters on."""
        return Scope(self.municipality_id, self.unit_id).people()

    @property
    def reconcile_scope(self) -> Scope:
        return Scope(self.municipality_id, self.unit_id)


@dataclass(frozen=True)
class PersonFacts:
    """What every report may split a person by: gender and unit (never a name)."""

    gender: str
    unit_id: int | None


def people_facts(scope: ReportScope) -> dict[int, PersonFacts]:
    """Gender and unit of every person in scope, in one query."""
    rows = db.session.execute(
        sa.select(Person.id, Person.unit_id, PersonIdentity.personnummer)
        .outerjoin(PersonIdentity, PersonIdentity.person_id == Person.id)
        .where(Person.id.in_(scope.people()))
    )
    return {pid: PersonFacts(gender_of(pnr), unit_id) for pid, unit_id, pnr in rows}


def local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants of Stockholm midnight at ``start`` and the midnight after ``end``."""
    first = datetime.combine(start, time(0), tzinfo=STOCKHOLM).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), time(0), tzinfo=STOCKHOLM).astimezone(UTC)
    return first, after


@dataclass
class MonthResult:
    """One person's engine result for (part of) a month: contract figures and compact days."""

    figures: dict[str, Any]
    days: list[dict[str, Any]]
    stored: bool


def month_results(
    scope: ReportScope, months: list[tuple[str, date, date]], counted_to: date
) -> dict[str, dict[int, MonthResult]]:
    """Per month key, the engine result of every person in scope with assistance that month.

    ``months`` are ``(YYYY-MM, first, last)`` (see Period.months); days after ``counted_to``
    (yesterday, for a running period) are not counted. A stored result is used when it is the
    whole month's and counts at least to the last day needed; the others are evaluated now.
    Queries per month: one for who had assistance, one for stored results, and the
    reconciliation's fixed set only when someone's result is missing.
    """
    found: dict[str, dict[int, MonthResult]] = {}
    for key, first, last in months:
        needed_to = min(last, counted_to)
        if needed_to < first:
            found[key] = {}
            continue
        assisted = _assisted(scope, key)
        stored = _stored(scope, key, first, last, needed_to, with_figures=True)
        results = {
            person_id: MonthResult(figures, days, True)
            for person_id, (days, figures) in stored.items()
        }
        missing = assisted - set(results)
        if missing:
            results.update(_evaluate_now(scope, first, needed_to, missing))
        found[key] = results
    return found


def _evaluate_now(
    scope: ReportScope, first: date, last: date, person_ids: set[int]
) -> dict[int, MonthResult]:
    """Run the engine for these people over first..last on reconciliation's scenario."""
    inputs = Inputs(fetch_rows(scope.reconcile_scope, first, last), first, last)
    results = {}
    for person in inputs.rows.people:
        if person.id not in person_ids:
            continue
        scenario, _ = inputs.engine_scenario(person)
        result = evaluate(scenario)
        results[person.id] = MonthResult(
            result.to_contract(), [day_detail(day) for day in result.days], False
        )
    return results


def group_rows(rows, key: str = "person_id") -> dict[Any, list[Any]]:
    """Rows grouped by a column, in the order fetched."""
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def month_index(key: str) -> int:
    """``YYYY-MM`` as a count of months, so that consecutive months differ by one."""
    return int(key[:4]) * 12 + int(key[5:7]) - 1


def month_key(index: int) -> str:
    """The inverse of :func:`month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (0.5 = median) of values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(round(share * 1000)) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]


def to_local_date(moment: datetime) -> date:
    """The Stockholm date of a stored UTC instant."""
    return moment.astimezone(STOCKHOLM).date()


@dataclass(frozen=True)
class IvoDays:
    """What the IVO figures need of one person's days in a month (people ids per question)."""

    subject: set[int]
    planned: set[int]
    voluntary_planned: set[int]
    mandatory_planned: set[int]


def ivo_days(scope: ReportScope, months: list[tuple[str, date, date]], counted_to: date) -> IvoDays:
    """Who was subject, and who had a planned slot on a voluntary or mandatory subject day.

    Stored results are read where one covers the month (as :func:`month_results`); for the
    others only the rule book's day kinds are computed (portal.compliance.daykinds), which is
    all these figures depend on. Queries per month: a fixed set, whatever the number of people.
    """
    found = IvoDays(set(), set(), set(), set())
    for key, first, last in months:
        needed_to = min(last, counted_to)
        if needed_to < first:
            continue
        assisted = _assisted(scope, key)
        stored = _stored(scope, key, first, last, needed_to, with_figures=False)
        for person_id, days in stored.items():
            for day in days:
                if day.get("subject"):
                    _note(found, person_id, bool(day.get("slots")), day)
        missing = assisted - set(stored)
        if missing:
            inputs = Inputs(fetch_rows(scope.reconcile_scope, first, needed_to), first, needed_to)
            for person in inputs.rows.people:
                if person.id not in missing:
                    continue
                scenario, _ = inputs.engine_scenario(person)
                for kind in day_kinds(scenario):
                    if kind.subject:
                        _note(found, person.id, kind.planned, kind._asdict())
    return found


def _note(found: IvoDays, person_id: int, planned: bool, day: dict) -> None:
    found.subject.add(person_id)
    if planned:
        found.planned.add(person_id)
        if day.get("mandatory"):
            found.mandatory_planned.add(person_id)
        elif day.get("voluntary"):
            found.voluntary_planned.add(person_id)


def _assisted(scope: ReportScope, key: str) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Decision.person_id)
            .where(
                Decision.month == key,
                Decision.outcome.in_(ASSISTED),
                Decision.person_id.in_(scope.people()),
            )
            .distinct()
        )
    )


def _stored(
    scope: ReportScope,
    key: str,
    first: date,
    last: date,
    needed_to: date,
    *,
    with_figures: bool,
) -> dict[int, Any]:
    """Stored whole-month results that count at least to needed_to: days (and figures)."""
    month_first = first.replace(day=1)
    month_last = (month_first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if first != month_first or last != month_last:
        return {}
    columns = [ComplianceResult.person_id, ComplianceResult.days]
    if with_figures:
        columns.append(ComplianceResult.figures)
    rows = db.session.execute(
        sa.select(*columns).where(
            ComplianceResult.period_from == month_first,
            ComplianceResult.period_to == month_last,
            sa.func.coalesce(ComplianceResult.evaluated_to, ComplianceResult.period_to)
            >= needed_to,
            ComplianceResult.person_id.in_(scope.people()),
        )
    )
    cut = needed_to.isoformat()
    found = {}
    for row in rows:
        days = [day for day in row.days if day["date"] <= cut]
        found[row.person_id] = (days, row.figures) if with_figures else days
    return found
