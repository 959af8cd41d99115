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
"""

from __future__ import annotations

import multiprocessing
import os
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from operator import attrgetter
from typing import Any, NamedTuple

import orjson
from flask import current_app, has_request_context

from portal import occurrence
from portal.attendance import pair_events
from portal.compliance import engine
from portal.compliance.day_detail import day_detail
from portal.compliance.engine import STOCKHOLM, Result, evaluate
from portal.compliance.fetch import Rows, Scope, _cyclic_gc_paused, fetch_rows
from portal.compliance.scenario import ScenarioError, parse_scenario
from portal.errors import DomainError
from portal.extensions import db
from portal.models import ComplianceResult, Person, utcnow
from portal.models.enums import EventKind

#: Engine id of the slot-less activity for a declined offer that names no activity.
UNSPECIFIED_OFFER = "unspecified~0"
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
# Building the scenario of each person


def _json_number(value: Decimal | int) -> int | float:
    """Hours as a JSON number the contract reads back exactly (whole numbers as integers)."""
    if value == int(value):
        return int(value)
    return float(value)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _instant(moment: datetime | None) -> str | None:
    """A stored UTC timestamp as ISO text with its offset; the engine converts it."""
    return None if moment is None else moment.isoformat(timespec="seconds")


def _newest(*moments: datetime | None) -> datetime | None:
    present = [moment for moment in moments if moment is not None]
    return max(present) if present else None


@dataclass
class _Run:
    """An engine activity being built: one database activity over one date range."""

    start: date
    end: date
    slots: frozenset[tuple[int, time, time]] | None


class _Event(NamedTuple):
    """An attendance event as _event_columns reads it."""

    id: int
    person_id: int | None
    activity_id: int | None
    site_id: int | None
    kind: str
    status: str
    occurred_at: datetime
    supersedes_id: int | None
    received_at: datetime


_EVENT_PERSON = _Event._fields.index("person_id")


class _Shape(NamedTuple):
    """One engine activity, as contract JSON and as the engine's own object (both immutable
    in use: shared by everyone with the same plan shape)."""

    contract: dict[str, Any]
    engine: engine.Activity


class _Parts(NamedTuple):
    """One person's scenario in Python values, before it is written either way."""

    person: Any
    assessment: Any | None
    statuses: list[Any]
    children: list[date]
    months: list[str]
    external: list[Any]
    activities: list[_Shape]
    #: (engine activity id, check-in, check-out or None) as UTC instants, in time order, each
    #: with the index of its day in Inputs._midnights.
    visits: list[tuple[str, datetime, datetime | None, int, int]]
    absences: list[Any]
    #: (day, engine activity id, acceptable reason)
    offers: list[tuple[date, str, bool]]
    inputs_at: datetime | None


class Inputs:
    """The fetched rows grouped by person, and the builder of each person's scenario.

    A person's scenario is collected once (:meth:`_collect`) and then written either as the
    rule book's JSON contract (:meth:`scenario`, for export and for callers that edit it) or
    straight as the engine's input (:meth:`engine_scenario`, for bulk runs). A test holds the
    two to each other: ``parse_scenario(scenario)`` equals ``engine_scenario``.
    """

    def __init__(self, rows: Rows, period_from: date, period_to: date) -> None:
        self.rows = rows
        self.period_from = period_from
        self.period_to = period_to
        self.rules = _rules(rows.settings)
        self.engine_rules = engine.Rules() if self.rules is None else _engine_rules(self.rules)
        self.engine_period = engine.Period(period_from, period_to)
        self.settings_at = rows.settings.updated_at if rows.settings else None
        self.activities = {row.id: row for row in rows.activities}
        self.sessions: dict[int, list[Any]] = defaultdict(list)
        for row in rows.sessions:
            self.sessions[row.activity_id].append(row)
        self.decisions = _group(rows.decisions)
        self.assessments = _group(rows.assessments)
        self.statuses = _group(rows.statuses)
        self.children = _group(rows.children, key="id")
        self.external = _group(rows.external)
        self.versions = _group(rows.versions)
        self.items: dict[int, list[Any]] = defaultdict(list)
        for row in rows.items:
            self.items[row.plan_version_id].append(row)
        # The log is the largest load: grouped by position (reading a SQLAlchemy row's field by
        # name costs ten times more), each person's turned into _Event tuples when needed.
        self.events: dict[int, list[Any]] = defaultdict(list)
        for row in rows.events:
            self.events[row[_EVENT_PERSON]].append(row)
        self.absences = _group(rows.absences)
        self.declined = _group(rows.declined)
        self._plans: dict[tuple, tuple[list, list[_Shape]]] = {}
        self._unplanned: dict[str, _Shape] = {}
        # Local midnights (as instants) from the day before the period to the day after it, so
        # a visit's local day is a bisection instead of a time-zone conversion per visit.
        self._first_day = period_from - _DAY
        self._midnights = [
            datetime.combine(
                self._first_day + timedelta(days=offset), time(0), tzinfo=STOCKHOLM
            ).astimezone(UTC)
            for offset in range((period_to - period_from).days + 4)
        ]
        self._days = [
            self._first_day + timedelta(days=offset) for offset in range(len(self._midnights))
        ]
        # The UTC offset of each of those days, None on the two days a year the clocks change.
        offsets = [midnight.astimezone(STOCKHOLM).utcoffset() for midnight in self._midnights]
        self._offsets = [
            offset if offset == following else None
            for offset, following in zip(offsets, offsets[1:], strict=False)
        ]

    @property
    def event_count(self) -> int:
        return len(self.rows.events)

    def scenario(self, person: Any) -> tuple[dict[str, Any], datetime | None]:
        """The contract's scenario for one person, and the newest change among its inputs."""
        parts = self._collect(person)
        assessment = parts.assessment
        scenario: dict[str, Any] = {
            "period": {"from": self.period_from.isoformat(), "to": self.period_to.isoformat()},
        }
        if self.rules is not None:
            scenario["rules"] = self.rules
        scenario.update(
            {
                "person": {
                    "birth_date": person.birth_date.isoformat(),
                    "participation_percent": (
                        assessment.participation_percent if assessment else 100
                    ),
                    "statuses": [
                        {
                            "kind": str(row.kind),
                            "from": _iso(row.from_date),
                            "to": _iso(row.to_date),
                        }
                        for row in parts.statuses
                    ],
                    "children_birth_dates": [born.isoformat() for born in parts.children],
                },
                "assistance_months": parts.months,
                "requirement_from": _iso(assessment.requirement_from) if assessment else None,
                "external": [
                    {
                        "kind": str(row.kind),
                        "hours_per_week": _json_number(row.hours_per_week),
                        "from": _iso(row.from_date),
                        "to": _iso(row.to_date),
                    }
                    for row in parts.external
                ],
                "activities": [dict(shape.contract) for shape in parts.activities],
                "attendance": [
                    {"activity": activity, "in": _instant(came), "out": _instant(left)}
                    for activity, came, left, _, _ in parts.visits
                ],
                "absences": [
                    {
                        "from": _instant(row.from_at),
                        "to": _instant(row.to_at),
                        "reason": str(row.reason),
                        "decision": str(row.decision),
                    }
                    for row in parts.absences
                ],
                "declined": [
                    {"date": day.isoformat(), "activity": activity, "acceptable_reason": fine}
                    for day, activity, fine in parts.offers
                ],
            }
        )
        return scenario, parts.inputs_at

    def engine_scenario(self, person: Any) -> tuple[engine.Scenario, datetime | None]:
        """The engine's input for one person (what parse_scenario makes of :meth:`scenario`)."""
        parts = self._collect(person)
        assessment = parts.assessment
        local, wall_clock = engine.local_minute, self._wall_clock
        return (
            engine.Scenario(
                period=self.engine_period,
                person=engine.Person(
                    birth_date=person.birth_date,
                    participation_percent=(assessment.participation_percent if assessment else 100),
                    statuses=tuple(
                        engine.Status(str(row.kind), row.from_date, row.to_date)
                        for row in parts.statuses
                    ),
                    children_birth_dates=tuple(parts.children),
                ),
                assistance_months=tuple(_month_start(month) for month in parts.months),
                rules=self.engine_rules,
                requirement_from=assessment.requirement_from if assessment else None,
                external=tuple(
                    engine.ExternalOccupation(
                        str(row.kind), _exact(row.hours_per_week), row.from_date, row.to_date
                    )
                    for row in parts.external
                ),
                activities=tuple(shape.engine for shape in parts.activities),
                attendance=tuple(
                    engine.Attendance(
                        activity,
                        wall_clock(came, came_on),
                        None if left is None else wall_clock(left, left_on),
                    )
                    for activity, came, left, came_on, left_on in parts.visits
                ),
                absences=tuple(
                    engine.Absence(
                        local(row.from_at), local(row.to_at), str(row.reason), str(row.decision)
                    )
                    for row in parts.absences
                ),
                declined=tuple(
                    engine.DeclinedOffer(day, activity, bool(fine))
                    for day, activity, fine in parts.offers
                ),
            ),
            parts.inputs_at,
        )

    def _wall_clock(self, moment: datetime, index: int) -> datetime:
        """engine.local_minute of a UTC instant on the day at index in _midnights, faster."""
        offset = self._offsets[index] if 0 <= index < len(self._offsets) else None
        if offset is None:
            return engine.local_minute(moment)
        local = moment + offset  # still labelled UTC: only its fields are read
        return datetime(local.year, local.month, local.day, local.hour, local.minute)

    def _collect(self, person: Any) -> _Parts:
        """Everything of one person's scenario, sorted as the contract lists it."""
        pid = person.id
        assessment = _newest_assessment(self.assessments.get(pid, ()))
        statuses = sorted(self.statuses.get(pid, ()), key=lambda row: (row.from_date, row.kind))
        external = sorted(self.external.get(pid, ()), key=lambda row: (row.from_date, row.kind))
        decisions = self.decisions.get(pid, ())
        versions = self.versions.get(pid, ())
        absences = sorted(self.absences.get(pid, ()), key=lambda row: (row.from_at, row.to_at))
        declined = sorted(self.declined.get(pid, ()), key=lambda row: row.date)
        events = list(map(_Event._make, self.events.get(pid, ())))

        shapes, runs = self._plan(versions)
        extra: dict[str, _Shape] = {}
        visits = self._attendance(events, runs, extra)
        offers = [
            (
                offer.date,
                self._engine_activity(offer.activity_id, offer.date, runs, extra),
                bool(offer.acceptable_reason),
            )
            for offer in declined
        ]
        activities = [*shapes, *extra.values()] if extra else list(shapes)
        if len(activities) > 1:
            activities.sort(key=_shape_order)
        inputs_at = _newest(
            self.settings_at,
            max((row.decided_at for row in decisions), default=None),
            assessment.assessed_at if assessment else None,
            max((row.recorded_at for row in statuses), default=None),
            max((row.recorded_at for row in external), default=None),
            max((row.created_at for row in versions), default=None),
            max(map(_received_at, events), default=None),
            max((_newest(row.created_at, row.decided_at) for row in absences), default=None),
            max((row.recorded_at for row in declined), default=None),
        )
        return _Parts(
            person=person,
            assessment=assessment,
            statuses=statuses,
            children=sorted(row.birth_date for row in self.children.get(pid, ())),
            months=sorted({row.month for row in decisions}),
            external=external,
            activities=activities,
            visits=visits,
            absences=absences,
            offers=offers,
            inputs_at=inputs_at,
        )

    # The plan: versions and items, split where the slot set of an activity changes.

    def _plan(
        self, versions: Iterable[Any]
    ) -> tuple[list[_Shape], dict[int, list[tuple[date, date, str]]]]:
        """Engine activities of the plan, and per database activity its (from, to, id) runs."""
        entries: dict[int, list[tuple[date, date, list[int]]]] = defaultdict(list)
        ordered = sorted(versions, key=lambda row: (row.valid_from, row.version))
        for index, version in enumerate(ordered):
            in_force_to = self.period_to
            if index + 1 < len(ordered):
                in_force_to = min(in_force_to, ordered[index + 1].valid_from - timedelta(days=1))
            in_force_from = max(version.valid_from, self.period_from)
            if in_force_to < in_force_from:
                continue  # replaced before the period began, or the same day it took effect
            for item in self.items.get(version.id, ()):
                activity = self.activities.get(item.activity_id)
                if activity is None:
                    continue  # an activity of another municipality cannot be on this plan
                start = max(in_force_from, item.from_date, activity.from_date)
                end = min(
                    in_force_to,
                    item.to_date or in_force_to,
                    activity.to_date or in_force_to,
                )
                if start <= end:
                    entries[item.activity_id].append((start, end, list(item.session_ids or ())))
        shapes: list[_Shape] = []
        runs: dict[int, list[tuple[date, date, str]]] = {}
        for activity_id, spans in entries.items():
            # Most people of an activity share its dates and sessions: build each shape once.
            key = (activity_id, tuple((start, end, tuple(ids)) for start, end, ids in spans))
            built = self._plans.get(key)
            if built is None:
                built = self._plans[key] = self._engine_activities(activity_id, spans)
            runs[activity_id], shaped = built
            shapes.extend(shaped)
        return shapes, runs

    def _engine_activities(
        self, activity_id: int, spans: list[tuple[date, date, list[int]]]
    ) -> tuple[list[tuple[date, date, str]], list[_Shape]]:
        """The (from, to, id) runs of one activity in a plan, and their engine activities."""
        activity = self.activities[activity_id]
        numbered = []
        shaped = []
        for number, run in enumerate(self._runs(activity_id, spans), start=1):
            engine_id = f"{activity.public_ref}~{number}"
            numbered.append((run.start, run.end, engine_id))
            shaped.append(_shape(engine_id, str(activity.type), run.start, run.end, run.slots))
        return numbered, shaped

    def _runs(self, activity_id: int, spans: list[tuple[date, date, list[int]]]) -> Iterator[_Run]:
        """Maximal date ranges over which the activity's slot set for the person is constant."""
        sessions = self.sessions.get(activity_id, ())
        cuts = {self.period_from, self.period_to + timedelta(days=1)}
        for start, end, _ in spans:
            cuts.update((start, end + timedelta(days=1)))
        for row in sessions:
            cuts.add(row.valid_from)
            if row.valid_to is not None:
                cuts.add(row.valid_to + timedelta(days=1))
        edges = sorted(cut for cut in cuts if self.period_from <= cut <= self.period_to + _DAY)
        current: _Run | None = None
        for first, following in zip(edges, edges[1:], strict=False):
            slots = _slots_on(first, spans, sessions)
            last = following - _DAY
            if current is not None and current.slots == slots and current.end + _DAY == first:
                current.end = last
                continue
            if current is not None and current.slots is not None:
                yield current
            current = _Run(first, last, slots)
        if current is not None and current.slots is not None:
            yield current

    # Attendance and offers, each put on the engine activity that covers its day.

    def _attendance(
        self,
        events: Iterable[Any],
        runs: dict[int, list[tuple[date, date, str]]],
        extra: dict[str, _Shape],
    ) -> list[tuple[str, datetime, datetime | None, int, int]]:
        """The person's visits in the period, from the event log, in time order.

        Open and auto-closed visits have no check-out (the rule book's policy decides).
        """
        if not events:
            return []
        visits = []
        midnights, days = self._midnights, self._days
        last = len(midnights) - 3  # the index of the period's last day (index 1 is its first)
        for opening, closing, _ in pair_events(events):
            came = opening.occurred_at
            left = closing.occurred_at if closing is not None and closing.kind == _OUT else None
            came_on = bisect_right(midnights, came) - 1
            left_on = bisect_right(midnights, left) - 1 if left is not None else came_on
            if left_on < 1 or came_on > last:
                continue  # wholly before or after the period
            day = days[came_on if came_on >= 1 else left_on]
            visits.append((came, opening.activity_id, day, left, came_on, left_on))
        visits.sort(key=_visit_order)
        attendance = []
        for came, activity_id, day, left, came_on, left_on in visits:
            engine_id = self._engine_activity(activity_id, day, runs, extra)
            attendance.append((engine_id, came, left, came_on, left_on))
        return attendance

    def _engine_activity(
        self,
        activity_id: int | None,
        day: date,
        runs: dict[int, list[tuple[date, date, str]]],
        extra: dict[str, _Shape],
    ) -> str:
        """The engine activity of a database activity on day; a slot-less one if unplanned."""
        for start, end, engine_id in runs.get(activity_id, ()):
            if start <= day <= end:
                return engine_id
        activity = self.activities.get(activity_id)
        engine_id = f"{activity.public_ref}~0" if activity is not None else UNSPECIFIED_OFFER
        if engine_id not in extra:
            shape = self._unplanned.get(engine_id)
            if shape is None:
                kind = str(activity.type) if activity is not None else "other"
                shape = self._unplanned[engine_id] = _shape(
                    engine_id, kind, self.period_from, self.period_to, frozenset()
                )
            extra[engine_id] = shape
        return engine_id


def _shape(
    engine_id: str, kind: str, start: date, end: date, slots: frozenset[tuple[int, time, time]]
) -> _Shape:
    """An engine activity written both ways."""
    ordered = sorted(slots)
    return _Shape(
        contract={
            "id": engine_id,
            "type": kind,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "slots": [
                {"weekday": weekday, "start": f"{opens:%H:%M}", "end": f"{closes:%H:%M}"}
                for weekday, opens, closes in ordered
            ],
        },
        engine=engine.Activity(
            engine_id,
            kind,
            start,
            end,
            tuple(
                engine.Slot(weekday, _clock_minute(opens), _clock_minute(closes))
                for weekday, opens, closes in ordered
            ),
        ),
    )


def _clock_minute(moment: time) -> time:
    """A session time as the contract reads it: hours and minutes."""
    return time(moment.hour, moment.minute)


def _shape_order(shape: _Shape) -> tuple[date, str]:
    return shape.engine.start, shape.engine.id


def _visit_order(visit: tuple) -> tuple:
    return visit[0], visit[1] or 0  # check-in, then activity


_received_at = attrgetter("received_at")
_OUT = EventKind.OUT.value


def _month_start(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _exact(hours: Decimal | int) -> int | Decimal:
    """Hours as the contract's parser reads them back: whole numbers as integers."""
    return int(hours) if hours == int(hours) else Decimal(repr(float(hours)))


def _engine_rules(rules: dict[str, Any]) -> engine.Rules:
    """The contract's ``rules`` as the engine's settings."""
    return engine.Rules(
        full_time_hours_per_week=rules["full_time_hours_per_week"],
        mandatory_after_months=rules["mandatory_after_months"],
        pension_age=rules["pension_age"],
        missing_checkout=rules["missing_checkout"],
        extra_exemptions=tuple(rules["extra_exemptions"]),
        exempt_if_af_activity=rules["exempt_if_af_activity"],
        shortfall_tolerance_minutes=rules["shortfall_tolerance_minutes"],
    )


_DAY = timedelta(days=1)


def _slots_on(
    day: date, spans: list[tuple[date, date, list[int]]], sessions: Iterable[Any]
) -> frozenset[tuple[int, time, time]] | None:
    """The slots planned on day (None when no plan item covers it)."""
    covering = [chosen for start, end, chosen in spans if start <= day <= end]
    if not covering:
        return None
    every = any(not chosen for chosen in covering)
    chosen_ids = {session_id for chosen in covering for session_id in chosen}
    return frozenset(
        (row.weekday, row.start_time, row.end_time)
        for row in sessions
        if occurrence.session_valid(row, day) and (every or occurrence.chosen(row.id, chosen_ids))
    )


def _group(rows: Iterable[Any], key: str = "person_id") -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


def _newest_assessment(rows: Iterable[Any]) -> Any | None:
    """The assessment that applies at the period's end: the latest valid_from, then newest."""
    return max(rows, key=lambda row: (row.valid_from, row.assessed_at, row.id), default=None)


def _rules(settings: Any | None) -> dict[str, Any] | None:
    """The municipality's settings as the contract's ``rules``."""
    if settings is None:
        return None
    return {
        "full_time_hours_per_week": _json_number(settings.full_time_hours_per_week),
        "mandatory_after_months": settings.mandatory_after_months,
        "pension_age": settings.pension_age,
        "missing_checkout": str(settings.missing_checkout),
        "extra_exemptions": list(settings.extra_exemptions or ()),
        "exempt_if_af_activity": bool(settings.exempt_if_af_activity),
        "shortfall_tolerance_minutes": settings.shortfall_tolerance_minutes,
    }


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
    with _cyclic_gc_paused():
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
