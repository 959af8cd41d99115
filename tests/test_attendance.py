"""Deriving visits from the event log: pairs, double scans, corrections, annulments."""

from datetime import UTC, datetime

from portal.attendance import EventFact, derive_visits, open_visits
from portal.models.enums import EventKind as K
from portal.models.enums import EventStatus as S


def t(hh, mm):
    return datetime(2026, 9, 7, hh, mm, tzinfo=UTC)


def ev(id, kind, when, *, status=S.ACCEPTED, supersedes=None, activity=1, person=1):
    return EventFact(
        id=id,
        person_id=person,
        activity_id=activity,
        site_id=1,
        kind=kind,
        status=status,
        occurred_at=when,
        supersedes_id=supersedes,
    )


def test_in_and_out_make_a_visit_regardless_of_arrival_order():
    visits = derive_visits([ev(2, K.OUT, t(10, 0)), ev(1, K.IN, t(7, 0))])
    assert [(v.in_at, v.out_at) for v in visits] == [(t(7, 0), t(10, 0))]


def test_double_scan_in_is_ignored_and_orphan_out_too():
    visits = derive_visits(
        [ev(1, K.IN, t(7, 0)), ev(2, K.IN, t(7, 1)), ev(3, K.OUT, t(10, 0)), ev(4, K.OUT, t(10, 5))]
    )
    assert len(visits) == 1 and visits[0].out_at == t(10, 0)


def test_auto_close_marks_a_missing_checkout_and_leaves_it_open():
    (visit,) = derive_visits(
        [ev(1, K.IN, t(7, 0)), ev(2, K.AUTO_CLOSE, t(10, 0), status=S.FLAGGED)]
    )
    assert visit.missing_checkout and visit.out_at is None and visit.auto_closed_at == t(10, 0)
    assert open_visits([ev(1, K.IN, t(7, 0))])[0].in_event_id == 1


def test_rejected_events_never_count():
    assert derive_visits([ev(1, K.IN, t(7, 0), status=S.REJECTED)]) == []


def test_annulment_removes_the_event():
    visits = derive_visits(
        [ev(1, K.IN, t(7, 0)), ev(2, K.OUT, t(10, 0)), ev(3, K.ANNUL, t(11, 0), supersedes=1)]
    )
    assert visits == []


def test_correction_moves_the_time_and_chains():
    events = [
        ev(1, K.IN, t(7, 30)),
        ev(2, K.OUT, t(10, 0)),
        ev(3, K.CORRECTION, t(7, 0), supersedes=1),
        ev(4, K.CORRECTION, t(6, 55), supersedes=3),
    ]
    (visit,) = derive_visits(events)
    assert visit.in_at == t(6, 55) and visit.corrected


def test_separate_streams_per_activity_and_person():
    events = [
        ev(1, K.IN, t(7, 0)),
        ev(2, K.IN, t(7, 0), activity=2),
        ev(3, K.OUT, t(8, 0), activity=2),
        ev(4, K.IN, t(7, 0), person=2),
    ]
    visits = derive_visits(events)
    assert len(visits) == 3
