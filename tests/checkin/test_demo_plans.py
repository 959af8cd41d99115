"""The demo's plans do not put anyone at two activities at once (the fraud review would flag
every such person as being at two sites)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from checkin import review, schedule
from portal.i18n import local_today
from portal.models import Site


def test_nobody_in_the_demo_is_expected_at_two_places_at_once(runner, db):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    monday = local_today() - timedelta(days=local_today().weekday())
    for offset in range(7):
        day = monday + timedelta(days=offset)
        by_person = defaultdict(list)
        for expected in schedule.expected_on(day):
            by_person[expected.person_id].append(expected)
        for person_id, sessions in by_person.items():
            sessions.sort(key=lambda e: e.starts_at)
            for before, after in zip(sessions, sessions[1:], strict=False):
                assert before.ends_at <= after.starts_at, (day, person_id)
    sites = {s.id for s in db.session.scalars(db.select(Site))}
    travel = [i for i in review.review_items(sites) if i.rule == "impossible_travel"]
    assert travel == []
