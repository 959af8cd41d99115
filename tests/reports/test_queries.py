"""Every report reads with a fixed number of queries, whatever the number of people."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from admin.reports import services
from portal.models import PlanVersion
from portal.models.enums import SanctionKind
from tests.reconciliation import builders as b
from tests.reports import worlds as w
from tests.reports.test_services import q3  # noqa: F401  (the shared world)
from tests.statements import counted


def _more_people(world, db, n: int) -> None:
    for i in range(n):
        p = w.person(world, "woman" if i % 2 else "man")
        b.assistance(p, ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09"], world.caseworker)
        b.assessment(p, date(2026, 5, 1), participation=50)
        plan = b.plan(p, date(2026, 7, 1), [(world.activity_a, [], date(2026, 7, 1), None)])
        plan.created_at = b.local("2026-07-02T10:00")
        b.visit(p, world.activity_a, "2026-09-14", "09:00", "12:00")
        w.sanction(p, world.caseworker, SanctionKind.REDUCTION, b.local("2026-09-20T10:00"))
    db.session.commit()


@pytest.mark.parametrize("name", services.NAMES)
def test_queries_do_not_grow_with_people(world, q3, db, name):  # noqa: F811
    db.session.expire_all()
    with counted(db.engine) as few:
        w.report(world, name, "2026-Q3")
    _more_people(world, db, 6)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PlanVersion)) == 10
    db.session.expire_all()
    with counted(db.engine) as many:
        w.report(world, name, "2026-Q3")
    assert len(few) >= 5
    assert len(many) == len(few), (len(few), len(many))
