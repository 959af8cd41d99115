"""The evaluation: the rule book's steps for one scenario, from who is subject day by day to
the minutes of each slot, the ISO weeks, the period's totals, its status and its flags.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from fractions import Fraction
from functools import cache
from operator import attrgetter
from typing import NamedTuple

from portal.compliance.engine.days import (
    MINUTES_PER_DAY,
    anniversary,
    is_under_one,
    is_working_day,
    iso_week_label,
    minute_of,
    month_index,
)
from portal.compliance.engine.intervals import (
    IntervalSet,
    absence_intervals,
    gaps_of_all,
    total_length,
)
from portal.compliance.engine.plan import Occurrence, own_slot, week_plan
from portal.compliance.engine.results import FIGURES, DayResult, Result, SlotResult, WeekResult
from portal.compliance.engine.scenario_types import Hours, Scenario

#: Reads the eight figures of a day or week row as one tuple.
figures_of = attrgetter(*(f"{name}_minutes" for name in FIGURES))


class Load(NamedTuple):
    """The external occupations active on a day, as the rules look at them."""

    minutes: int
    af_programme: bool
    full_time_occupied: bool


class _Basis(NamedTuple):
    """Who-is-subject facts of one day, settled before any minutes are counted."""

    day: date
    assistance: bool
    mandatory: bool
    voluntary: bool
    exempt_reason: str | None
    subject: bool
    working_day: bool
    external_minutes: int


#: Classified periods by the facts they depend on (see Evaluation._bases); bounded.
_BASES: dict[tuple, dict[int, _Basis]] = {}
_BASES_KEPT = 4096


def evaluate(scenario: Scenario) -> Result:
    """Apply the rule book to one scenario: figures per slot, day, ISO week and period."""
    return Evaluation(scenario).run()


class Evaluation:
    """The lookups one scenario needs, computed once, and the steps of the rule book."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.rules = scenario.rules
        person = scenario.person
        self.full_time, self.target = _full_time_and_target(
            self.rules.full_time_hours_per_week, person.participation_percent
        )
        self.months = {month_index(month) for month in scenario.assistance_months}
        self.mandatory_months: dict[int, bool] = {}
        self.pension_date = anniversary(
            person.birth_date, person.birth_date.year + self.rules.pension_age
        )
        self.loads: dict[tuple[int, ...], Load] = {}
        self.activities = {activity.id: activity for activity in scenario.activities}
        self.week_plan = week_plan(scenario.activities)
        self.approved = IntervalSet(absence_intervals(scenario.absences, "approved"))
        self.pending = IntervalSet(absence_intervals(scenario.absences, "pending"))

    def run(self) -> Result:
        """Classify days, settle open check-ins, count minutes, then sum and judge."""
        bases = self._bases()
        own_slots = self._own_slots_of_open_checkins(bases)
        attended = self._attended_by_activity(own_slots)
        flagged = set(own_slots.values())
        declined_days = {
            offer.day.toordinal() for offer in self.scenario.declined if not offer.acceptable_reason
        }
        days = tuple(
            self._day_result(basis, attended, flagged, ordinal in declined_days)
            for ordinal, basis in bases.items()
        )
        return self._result(days)

    def _bases(self) -> dict[int, _Basis]:
        """Every day of the period classified, shared by scenarios with the same facts.

        Who is subject on which day depends on far fewer facts than a whole scenario (a city's
        people share a handful of combinations), so the classification is kept by those facts.
        """
        key = self._basis_key()
        bases = _BASES.get(key)
        if bases is None:
            bases = {day.toordinal(): self.classify(day) for day in self.scenario.period.days()}
            if len(_BASES) >= _BASES_KEPT:
                _BASES.clear()
            _BASES[key] = bases
        return bases

    def _basis_key(self) -> tuple:
        """Exactly the facts that :meth:`classify` reads, normalised to the period."""
        scenario = self.scenario
        period, person = scenario.period, scenario.person
        pension = self.pension_date
        if pension is not None and pension > period.end:
            pension = None  # not reached in the period
        elif pension is not None and pension < period.start:
            pension = period.start  # reached before it: every day
        statuses = person.statuses
        children = (
            person.children_birth_dates
            if any(status.kind == "parental_leave" for status in statuses)
            else ()
        )
        return (
            period,
            self.rules,
            scenario.assistance_months,
            scenario.requirement_from,
            pension,
            statuses,
            children,
            scenario.external,
        )

    # Section 1: who is subject, day by day.

    def classify(self, day: date) -> _Basis:
        """Assistance, requirement and exemption of one day."""
        month = month_index(day)
        assistance = month in self.months
        mandatory = assistance and self._is_mandatory_month(month)
        requirement_from = self.scenario.requirement_from
        voluntary = (
            assistance
            and not mandatory
            and requirement_from is not None
            and requirement_from <= day
        )
        working_day = is_working_day(day)
        if not (mandatory or voluntary):
            return _Basis(day, assistance, False, False, None, False, working_day, 0)
        load = self._load_on(day)
        reason = self._exemption(day, load)
        return _Basis(
            day, assistance, mandatory, voluntary, reason, reason is None, working_day, load.minutes
        )

    def _is_mandatory_month(self, month: int) -> bool:
        """The month and the configured number of months before it all have assistance."""
        if month not in self.mandatory_months:
            window = range(month - self.rules.mandatory_after_months, month + 1)
            self.mandatory_months[month] = all(earlier in self.months for earlier in window)
        return self.mandatory_months[month]

    def _load_on(self, day: date) -> Load:
        """The external occupations active on day (cached: few distinct sets per period)."""
        external = self.scenario.external
        active = tuple(index for index, job in enumerate(external) if job.active_on(day))
        load = self.loads.get(active)
        if load is None:
            jobs = [external[index] for index in active]
            hours = sum((Fraction(job.hours_per_week) for job in jobs), Fraction(0))
            load = self.loads[active] = Load(
                minutes=half_up(hours * 60 / 5),
                af_programme=any(job.kind == "af_programme" for job in jobs),
                full_time_occupied=hours >= self.full_time,
            )
        return load

    def _exemption(self, day: date, load: Load) -> str | None:
        """The first exemption that applies on day, in the rule book's order."""
        person = self.scenario.person
        if self.pension_date is not None and day >= self.pension_date:
            return "pension_age"
        active = {status.kind for status in person.statuses if status.active_on(day)}
        if "full_sickness_compensation" in active:
            return "full_sickness_compensation"
        if "parental_leave" in active and any(
            is_under_one(born, day) for born in person.children_birth_dates
        ):
            return "parental_leave_child_under_1"
        for kind in self.rules.extra_exemptions:
            if kind in active:
                return kind
        if self.rules.exempt_if_af_activity and load.af_programme:
            return "af_activity"
        if load.full_time_occupied:
            return "full_time_occupied"
        return None

    # Section 2: minutes on subject working days.

    def _occurrences(self, day: date) -> list[Occurrence]:
        """The slots of the person's activities that occur on day, in time order."""
        midnight = day.toordinal() * MINUTES_PER_DAY
        return [
            Occurrence(midnight + start, midnight + end, activity.id, opens, closes)
            for start, end, activity, opens, closes in self.week_plan.get(day.isoweekday(), ())
            if activity.start <= day and (activity.end is None or day <= activity.end)
        ]

    def _own_slots_of_open_checkins(
        self, bases: dict[int, _Basis]
    ) -> dict[tuple[str, int], Occurrence]:
        """Each open check-in that has a slot of its own, keyed by (activity, minute)."""
        own: dict[tuple[str, int], Occurrence] = {}
        for visit in self.scenario.attendance:
            if visit.check_out is not None or visit.activity not in self.activities:
                continue
            moment = minute_of(visit.check_in)
            basis = bases.get(moment // MINUTES_PER_DAY)
            if basis is None or not (basis.subject and basis.working_day):
                continue  # no slot of its own: counts nothing and raises no flag
            slot = own_slot(self._occurrences(basis.day), visit.activity, moment)
            if slot is not None:
                own[(visit.activity, moment)] = slot
        return own

    def _attended_by_activity(
        self, own_slots: dict[tuple[str, int], Occurrence]
    ) -> dict[str, IntervalSet]:
        """The merged check-in intervals of each activity, open ones settled by the policy."""
        intervals: dict[str, list[tuple[int, int]]] = {key: [] for key in self.activities}
        for visit in self.scenario.attendance:
            if visit.check_out is not None and visit.activity in intervals:
                intervals[visit.activity].append(
                    (minute_of(visit.check_in), minute_of(visit.check_out))
                )
        if self.rules.missing_checkout == "count_to_slot_end":
            for (activity, moment), slot in own_slots.items():
                intervals[activity].append((moment, slot.end))
        return {activity: IntervalSet(pieces) for activity, pieces in intervals.items()}

    def _day_result(
        self,
        basis: _Basis,
        attended: dict[str, IntervalSet],
        flagged: set[Occurrence],
        declined: bool,
    ) -> DayResult:
        """The figures of one day; zero unless it is a subject working day."""
        day, assistance, mandatory, voluntary, reason, subject, working_day, external = basis
        if not (subject and working_day):
            return DayResult(
                day, assistance, mandatory, voluntary, reason, subject, working_day,
                declined and subject,
            )  # fmt: skip
        slots = tuple(
            self._slot_result(occurrence, attended[occurrence.activity], occurrence in flagged)
            for occurrence in self._occurrences(day)
        )
        scheduled = present = excused = pending = unexcused = 0
        missing_checkout = False
        for slot in slots:
            scheduled += slot.scheduled_minutes
            present += slot.attended_minutes
            excused += slot.excused_minutes
            pending += slot.pending_minutes
            unexcused += slot.unexcused_minutes
            missing_checkout = missing_checkout or slot.missing_checkout
        target = self.target
        return DayResult(
            day, assistance, mandatory, voluntary, reason, subject, working_day, declined,
            target, external, max(0, target - external),
            scheduled, present, excused, pending, unexcused, missing_checkout, slots,
        )  # fmt: skip

    def _slot_result(
        self, occurrence: Occurrence, attended: IntervalSet, missing_checkout: bool
    ) -> SlotResult:
        """Split one slot's minutes into attended, excused, pending and unexcused."""
        scheduled = occurrence.end - occurrence.start
        absent = attended.gaps(occurrence.start, occurrence.end)
        if not absent:  # attended in full, the usual case
            return SlotResult(
                occurrence.activity, occurrence.opens, occurrence.closes,
                scheduled, scheduled, 0, 0, 0, missing_checkout,
            )  # fmt: skip
        absent_minutes = total_length(absent)
        not_approved = gaps_of_all(absent, self.approved)
        not_approved_minutes = total_length(not_approved)
        unexplained = gaps_of_all(not_approved, self.pending)
        unexplained_minutes = total_length(unexplained)
        return SlotResult(
            occurrence.activity,
            occurrence.opens,
            occurrence.closes,
            scheduled,
            scheduled - absent_minutes,
            absent_minutes - not_approved_minutes,
            not_approved_minutes - unexplained_minutes,
            unexplained_minutes,
            missing_checkout,
        )

    # Weeks and section 3: outcome.

    def _result(self, days: tuple[DayResult, ...]) -> Result:
        """Totals, status and flags of the whole period, its ISO weeks summed on the way.

        One pass over the days: a day that is not a subject working day has no minutes, so
        summing every day's figures sums the counted ones.
        """
        full_time = self.full_time
        weekly_limit, scale = full_time.numerator * 60, 5 * full_time.denominator
        #: Per ISO week: [label, counted days, the eight figures...]
        sums: list[list] = []
        subject_days = mandatory_days = 0
        exempt_reasons: dict[str, int] = {}
        declined = missing_checkout = False
        monday = None
        for day in days:
            when = day.day
            if when.toordinal() - when.weekday() != monday:
                monday = when.toordinal() - when.weekday()
                week = [iso_week_label(when), 0, 0, 0, 0, 0, 0, 0, 0, 0]
                sums.append(week)
            if day.subject:
                subject_days += 1
                mandatory_days += day.mandatory
                declined = declined or day.declined_offer
                missing_checkout = missing_checkout or day.missing_checkout
                week[1] += day.working_day
                week[2] += day.target_minutes
                week[3] += day.external_minutes
                week[4] += day.required_plan_minutes
                week[5] += day.scheduled_minutes
                week[6] += day.attended_minutes
                week[7] += day.excused_minutes
                week[8] += day.pending_minutes
                week[9] += day.unexcused_minutes
            elif day.exempt_reason:
                exempt_reasons[day.exempt_reason] = exempt_reasons.get(day.exempt_reason, 0) + 1
        weeks = [
            WeekResult(
                label,
                counted,
                target,
                external,
                required,
                scheduled,
                *rest,
                plan_gap_minutes=max(0, required - scheduled),
                over_full_time=(external + scheduled) * scale > weekly_limit * counted,
            )  # fmt: skip
            for label, counted, target, external, required, scheduled, *rest in sums
        ]
        totals = dict(
            zip(
                (*FIGURES, "plan_gap"),
                _column_totals(
                    ((*figures_of(week), week.plan_gap_minutes) for week in weeks),
                    len(FIGURES) + 1,
                ),
                strict=True,
            )
        )
        raised = set()
        if declined:
            raised.add("declined_offer")
        if missing_checkout:
            raised.add("missing_checkout")
        if any(week.over_full_time for week in weeks):
            raised.add("over_full_time")
        if totals["plan_gap"] > 0:
            raised.add("under_planned")
        flags = tuple(sorted(raised))
        return Result(
            status=_status(
                subject_days, exempt_reasons, totals, flags, self.rules.shortfall_tolerance_minutes
            ),
            flags=flags,
            subject_days=subject_days,
            mandatory_days=mandatory_days,
            exempt_days=sum(exempt_reasons.values()),
            exempt_reasons=dict(sorted(exempt_reasons.items())),
            **{f"{name}_minutes": minutes for name, minutes in totals.items()},
            weeks=tuple(weeks),
            days=days,
        )


def half_up(value: Fraction) -> int:
    """Round an exact value to the nearest integer, halves up."""
    return math.floor(value + Fraction(1, 2))


@cache
def _full_time_and_target(
    full_time_hours: Hours, participation_percent: int
) -> tuple[Fraction, int]:
    """Full time as an exact number of hours, and a subject working day's target in minutes."""
    full_time = Fraction(full_time_hours)
    return full_time, half_up(full_time * 60 * participation_percent / 100 / 5)


def _column_totals(rows: Iterable[tuple[int, ...]], width: int) -> list[int]:
    """Sum rows of numbers column by column; zeros when there are no rows."""
    return [sum(column) for column in zip(*rows, strict=True)] or [0] * width


def _status(
    subject_days: int,
    exempt_reasons: dict[str, int],
    totals: dict[str, int],
    flags: tuple[str, ...],
    tolerance_minutes: int,
) -> str:
    """The outcome row of the rule book that applies."""
    if subject_days == 0:
        return "exempt" if exempt_reasons else "not_subject"
    if totals["unexcused"] > tolerance_minutes or "declined_offer" in flags:
        return "shortfall"
    if totals["pending"] > 0:
        return "pending_review"
    return "fulfilled"
