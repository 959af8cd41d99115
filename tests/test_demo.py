"""Demo data: a believable municipality, loaded once."""

import sqlalchemy as sa

from portal.models import (
    AbsenceDecision,
    AbsenceReport,
    Activity,
    ActivityType,
    AttendanceEvent,
    EventKind,
    Person,
    PersonStatus,
    StaffRole,
    StaffUser,
)


def test_demo_load_is_idempotent_and_complete(runner, db):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    people = db.session.scalar(sa.select(sa.func.count(Person.id)))
    assert 55 <= people <= 70
    assert {u.role for u in db.session.scalars(sa.select(StaffUser))} == set(StaffRole)
    types = {a.type for a in db.session.scalars(sa.select(Activity))}
    assert {
        ActivityType.MOTIVATION,
        ActivityType.LANGUAGE,
        ActivityType.WORKPLACE,
        ActivityType.JOB_SEARCH,
        ActivityType.EDUCATION,
    } <= types
    kinds = set(db.session.scalars(sa.select(AttendanceEvent.kind)))
    assert {EventKind.IN, EventKind.OUT, EventKind.AUTO_CLOSE} <= kinds
    decisions = set(db.session.scalars(sa.select(AbsenceReport.decision)))
    assert decisions == set(AbsenceDecision)
    assert db.session.scalar(sa.select(sa.func.count(PersonStatus.id))) >= 5

    again = runner.invoke(args=["demo", "load"])
    assert "nothing loaded" in again.output
    assert db.session.scalar(sa.select(sa.func.count(Person.id))) == people


def test_demo_logins_and_totp(runner, db):
    runner.invoke(args=["demo", "load"])
    out = runner.invoke(args=["demo", "logins"]).output
    assert "/auth/dev" in out and "handlaggare@demo.aktivitetsportalen.se" in out
    code = runner.invoke(args=["demo", "totp", "admin@demo.aktivitetsportalen.se"]).output.strip()
    assert code.isdigit() and len(code) == 6


def test_users_create(runner, db, world):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "ny@test.se",
            "--name",
            "Ny",
            "--role",
            "caseworker",
            "--unit",
            "Enhet A",
        ],
        input="ett-langt-losenord-123\nett-langt-losenord-123\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.email == "ny@test.se"))
    assert user.unit.name == "Enhet A" and user.password_hash.startswith("$argon2id$")
    assert user.totp_confirmed_at is None
