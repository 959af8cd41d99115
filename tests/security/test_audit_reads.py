"""Every staff read of a person's case writes an audit row (CLI included); the audit and
attendance logs are append-only on SQLite as on PostgreSQL (database triggers)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from portal.extensions import db
from portal.models import (
    AuditEntry,
    ExternalKind,
    ExternalOccupation,
    PersonStatus,
    StatusKind,
)
from tests.reconciliation import builders as rb
from tests.reconciliation.test_dashboards import reconcile_september, unit_a_people  # noqa: F401

NOW = rb.local("2026-11-23T09:00")


@pytest.fixture
def case(world):
    person = world.person_a
    status = PersonStatus(person_id=person.id, kind=StatusKind.OTHER, from_date=date(2026, 1, 1))
    external = ExternalOccupation(
        person_id=person.id, kind=ExternalKind.WORK, hours_per_week=5, from_date=date(2026, 1, 1)
    )
    db.session.add_all([status, external])
    db.session.commit()
    return person, status.id, external.id


def _reads(person_id=None):
    db.session.expire_all()
    q = sa.select(AuditEntry).where(AuditEntry.action.in_(("read", "list", "reconcile")))
    if person_id is not None:
        q = q.where(AuditEntry.person_id == person_id)
    return db.session.scalars(q.order_by(AuditEntry.id)).all()


@pytest.mark.parametrize(
    "path, object_type",
    [
        ("/people/{ref}/assessment/new", "assessment"),
        ("/people/{ref}/statuses/new", "person_status"),
        ("/people/{ref}/statuses/{status}/end", "person_status"),
        ("/people/{ref}/externals/new", "external_occupation"),
        ("/people/{ref}/externals/{external}/end", "external_occupation"),
        ("/people/{ref}/support/2026-09/declined", "declined_offer"),
        ("/people/{ref}/support/2026-09/decision", "sanction_decision"),
        ("/people/{ref}/support/2026-09/notice", "decision_notice"),
    ],
)
def test_casework_form_pages_are_audited_reads(client, world, login, case, path, object_type):
    person, status_id, external_id = case
    login(world.caseworker)
    url = "/admin/cases" + path.format(
        ref=person.public_ref, status=status_id, external=external_id
    )
    assert client.get(url).status_code == 200
    rows = _reads(person.id)
    assert [(r.object_type, r.actor_user_id) for r in rows] == [(object_type, world.caseworker.id)]
    assert rows[0].why  # the endpoint the read came through


def test_a_refused_caseworker_leaves_no_read_row(client, world, login, case):
    person, *_ = case
    login(world.caseworker_b)
    assert client.get(f"/admin/cases/people/{person.public_ref}/assessment/new").status_code == 404
    assert _reads(person.id) == []


def test_the_reconciliation_dashboard_audits_each_listed_person(
    client,
    world,
    login,
    unit_a_people,  # noqa: F811
):
    with time_machine.travel(NOW, tick=True):
        reconcile_september(world)
        db.session.commit()
        login(world.caseworker)
        page = client.get("/admin/reconciliation/?month=2026-09").get_data(as_text=True)
    listed = {p.id for name, p in unit_a_people.items() if name in page}
    assert listed  # the dashboard names people
    rows = _reads()
    assert {r.person_id for r in rows if r.object_type == "compliance_result"} == listed
    assert all(r.action == "list" and r.object_ref == "2026-09" for r in rows)


def test_the_auditor_dashboard_names_nobody_and_logs_no_person(
    client,
    world,
    login,
    unit_a_people,  # noqa: F811
):
    with time_machine.travel(NOW, tick=True):
        reconcile_september(world)
        db.session.commit()
        login(world.auditor)
        assert client.get("/admin/reconciliation/?month=2026-09").status_code == 200
    assert [r for r in _reads() if r.person_id is not None] == []


def test_the_reconcile_command_is_audited(runner, world):
    with time_machine.travel(NOW, tick=False):
        outcome = runner.invoke(
            args=["compliance", "reconcile", "--month", "2026-09", "--unit", "Enhet A"]
        )
        assert outcome.exit_code == 0, outcome.output
        outcome = runner.invoke(
            args=[
                "compliance",
                "reconcile",
                "--month",
                "2026-09",
                "--person",
                world.person_b.public_ref,
            ]
        )
        assert outcome.exit_code == 0, outcome.output
    unit_run, person_run = [r for r in _reads() if r.action == "reconcile"]
    assert unit_run.actor_role == "system" and unit_run.person_id is None
    assert "flask compliance reconcile" in unit_run.why and "unit Enhet A" in unit_run.why
    assert unit_run.object_ref == "2026-09-01..2026-09-30"
    assert person_run.person_id == world.person_b.id


@pytest.mark.commits  # plain SQL on a connection of its own, below the ORM
@pytest.mark.parametrize("table", ["audit_entry", "attendance_event"])
def test_the_logs_refuse_update_and_delete_in_the_database(world, table):
    """Below the ORM guard: plain SQL is refused by the database's triggers (both backends)."""
    from portal import audit

    audit.record("read", "case", person=world.person_a, actor=world.caseworker)
    if table == "attendance_event":
        from tests.reconciliation import builders as b

        b.event(world.person_a, world.activity_a, rb.EventKind.IN, "2026-09-10T09:00")
    db.session.commit()
    with db.engine.connect() as conn:
        assert conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) >= 1
        for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"):
                conn.execute(sa.text(statement))
            conn.rollback()
