"""Minute intervals on the engine's axis: check-ins and absence reports merged into sets, and
the parts of a slot a set leaves uncovered.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator

from portal.compliance.engine.days import minute_of
from portal.compliance.engine.scenario_types import Absence


class IntervalSet:
    """Disjoint sorted half-open minute intervals, merged from possibly overlapping ones."""

    __slots__ = ("starts", "ends")

    def __init__(self, intervals: Iterable[tuple[int, int]]) -> None:
        starts: list[int] = []
        ends: list[int] = []
        for start, end in sorted(intervals):
            if end <= start:
                continue
            if ends and start <= ends[-1]:
                # Overlapping or touching: double scans and split visits never count twice.
                if end > ends[-1]:
                    ends[-1] = end
            else:
                starts.append(start)
                ends.append(end)
        self.starts = starts
        self.ends = ends

    def gaps(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of [start, end) that the set does not cover."""
        starts, ends = self.starts, self.ends
        index = bisect_right(ends, start)
        count = len(starts)
        if index == count or starts[index] >= end:
            return [(start, end)]  # nothing of it covered
        if starts[index] <= start and ends[index] >= end:
            return []  # covered by one interval: a slot attended in full
        uncovered: list[tuple[int, int]] = []
        cursor = start
        while index < count and starts[index] < end:
            if starts[index] > cursor:
                uncovered.append((cursor, starts[index]))
            if ends[index] > cursor:
                cursor = ends[index]
            index += 1
        if cursor < end:
            uncovered.append((cursor, end))
        return uncovered


def total_length(pieces: list[tuple[int, int]]) -> int:
    """Total minutes of disjoint intervals."""
    total = 0
    for start, end in pieces:
        total += end - start
    return total


def gaps_of_all(pieces: list[tuple[int, int]], cover: IntervalSet) -> list[tuple[int, int]]:
    """The parts of several disjoint intervals that cover leaves uncovered."""
    # Most slots are attended in full and most people report no absence: the common case is free.
    if not pieces or not cover.starts:
        return pieces
    return [gap for start, end in pieces for gap in cover.gaps(start, end)]


def absence_intervals(absences: Iterable[Absence], decision: str) -> Iterator[tuple[int, int]]:
    """The reports with one decision as minute intervals."""
    for absence in absences:
        if absence.decision == decision:
            yield minute_of(absence.start), minute_of(absence.end)
