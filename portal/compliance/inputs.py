"""Building the scenario of each person: the fetched rows grouped by person, and each person's
scenario collected once and written as the contract's JSON or as the engine's input.

The rows come from :func:`portal.compliance.fetch.fetch_rows`, the values are written with
the helpers of :mod:`portal.compliance.scenario_values`; docs/reconciliation.md says where each
part of the scenario comes from.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter
from typing import Any, NamedTuple

from portal import occurrence
from portal.attendance import pair_events
from portal.compliance import engine
from portal.compliance import scenario_values as values
from portal.compliance.engine import STOCKHOLM
from portal.compliance.fetch import Rows
from portal.models.enums import EventKind

#: Engine id of the slot-less activity for a declined offer that names no activity.
UNSPECIFIED_OFFER = "unspecified~0"


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


class _Parts(NamedTuple):
    """One person's scenario in Python values, before it is written either way."""

    person: Any
    assessment: Any | None
    statuses: list[Any]
    children: list[date]
    months: list[str]
    external: list[Any]
    activities: list[values.Shape]
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
        self.rules = values.rules(rows.settings)
        self.engine_rules = (
            engine.Rules() if self.rules is None else values.engine_rules(self.rules)
        )
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
        self._plans: dict[tuple, tuple[list, list[values.Shape]]] = {}
        self._unplanned: dict[str, values.Shape] = {}
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
                            "from": values.iso(row.from_date),
                            "to": values.iso(row.to_date),
                        }
                        for row in parts.statuses
                    ],
                    "children_birth_dates": [born.isoformat() for born in parts.children],
                },
                "assistance_months": parts.months,
                "requirement_from": values.iso(assessment.requirement_from) if assessment else None,
                "external": [
                    {
                        "kind": str(row.kind),
                        "hours_per_week": values.json_number(row.hours_per_week),
                        "from": values.iso(row.from_date),
                        "to": values.iso(row.to_date),
                    }
                    for row in parts.external
                ],
                "activities": [dict(shape.contract) for shape in parts.activities],
                "attendance": [
                    {"activity": activity, "in": values.instant(came), "out": values.instant(left)}
                    for activity, came, left, _, _ in parts.visits
                ],
                "absences": [
                    {
                        "from": values.instant(row.from_at),
                        "to": values.instant(row.to_at),
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
                assistance_months=tuple(values.month_start(month) for month in parts.months),
                rules=self.engine_rules,
                requirement_from=assessment.requirement_from if assessment else None,
                external=tuple(
                    engine.ExternalOccupation(
                        str(row.kind), values.exact(row.hours_per_week), row.from_date, row.to_date
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
        extra: dict[str, values.Shape] = {}
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
            activities.sort(key=values.shape_order)
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
    ) -> tuple[list[values.Shape], dict[int, list[tuple[date, date, str]]]]:
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
        shapes: list[values.Shape] = []
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
    ) -> tuple[list[tuple[date, date, str]], list[values.Shape]]:
        """The (from, to, id) runs of one activity in a plan, and their engine activities."""
        activity = self.activities[activity_id]
        numbered = []
        shaped = []
        for number, run in enumerate(self._runs(activity_id, spans), start=1):
            engine_id = f"{activity.public_ref}~{number}"
            numbered.append((run.start, run.end, engine_id))
            shaped.append(
                values.shape(engine_id, str(activity.type), run.start, run.end, run.slots)
            )
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
        extra: dict[str, values.Shape],
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
        extra: dict[str, values.Shape],
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
                shape = self._unplanned[engine_id] = values.shape(
                    engine_id, kind, self.period_from, self.period_to, frozenset()
                )
            extra[engine_id] = shape
        return engine_id


def _visit_order(visit: tuple) -> tuple:
    return visit[0], visit[1] or 0  # check-in, then activity


_received_at = attrgetter("received_at")
_OUT = EventKind.OUT.value


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
