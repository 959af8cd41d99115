"""Factories for test data, and sign-in through the real flow. Tests never hand-build rows."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from functools import lru_cache

import pyotp

from portal.extensions import db
from portal.models import (
    Activity,
    ActivitySession,
    ActivityType,
    Household,
    Municipality,
    MunicipalitySettings,
    Person,
    PersonIdentity,
    Site,
    StaffRole,
    StaffUser,
    Unit,
)
from portal.personnummer import with_check_digit
from portal.refs import new_ref

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    from portal.auth.services import hash_password

    return hash_password(PASSWORD)


def municipality(**kw) -> Municipality:
    m = Municipality(
        code=kw.pop("code", f"{next(_seq) % 10000:04d}"), name=kw.pop("name", "Testkommun")
    )
    db.session.add(m)
    db.session.flush()
    db.session.add(
        MunicipalitySettings(municipality_id=m.id, full_time_hours_per_week=Decimal(40), **kw)
    )
    db.session.flush()
    return m


def unit(m: Municipality, name: str | None = None) -> Unit:
    u = Unit(municipality_id=m.id, name=name or f"Enhet {next(_seq)}")
    db.session.add(u)
    db.session.flush()
    return u


def staff(
    m: Municipality, role: StaffRole, *, unit: Unit | None = None, sites=(), email=None
) -> StaffUser:
    n = next(_seq)
    user = StaffUser(
        municipality_id=m.id,
        email=email or f"{role.value}{n}@test.se",
        name=f"{role.value.title()} {n}",
        role=role,
        unit=unit,
        password_hash=password_hash(),
        totp_secret=pyotp.random_base32(),
    )
    from portal.models import utcnow

    user.totp_confirmed_at = utcnow()
    user.sites = list(sites)
    db.session.add(user)
    db.session.flush()
    return user


def personnummer(birth: date) -> str:
    n = next(_seq)
    nine = birth.strftime("%y%m%d") + f"{n % 1000:03d}"
    return birth.strftime("%Y")[:2] + with_check_digit(nine)


def person(
    m: Municipality, *, unit: Unit | None = None, birth_date: date = date(1990, 5, 1), **kw
) -> Person:
    p = Person(
        public_ref=new_ref(),
        municipality_id=m.id,
        household=Household(municipality_id=m.id),
        unit=unit,
        first_name=kw.pop("first_name", "Test"),
        last_name=kw.pop("last_name", f"Person{next(_seq)}"),
        birth_date=birth_date,
        identity=PersonIdentity(
            personnummer=kw.pop("personnummer", None) or personnummer(birth_date)
        ),
        **kw,
    )
    db.session.add(p)
    db.session.flush()
    return p


def site(m: Municipality, name: str | None = None, **kw) -> Site:
    s = Site(
        public_ref=new_ref(),
        municipality_id=m.id,
        name=name or f"Plats {next(_seq)}",
        address=kw.pop("address", "Testgatan 1"),
        city=kw.pop("city", "Teststad"),
        site_key=new_ref() + new_ref(),
        **kw,
    )
    db.session.add(s)
    db.session.flush()
    return s


def activity(
    s: Site,
    *,
    type=ActivityType.LANGUAGE,
    slots=((1, "09:00", "12:00"),),
    from_date=date(2026, 1, 1),
    capacity=None,
    name=None,
) -> Activity:
    a = Activity(
        public_ref=new_ref(),
        site=s,
        name=name or f"Aktivitet {next(_seq)}",
        type=type,
        capacity=capacity,
        from_date=from_date,
    )
    a.sessions = [
        ActivitySession(
            weekday=wd,
            start_time=time.fromisoformat(st),
            end_time=time.fromisoformat(en),
            valid_from=from_date,
        )
        for wd, st, en in slots
    ]
    db.session.add(a)
    db.session.flush()
    return a


@dataclass
class World:
    """A small municipality with one user of every role and people in two units."""

    municipality: Municipality
    unit_a: Unit
    unit_b: Unit
    site_a: Site
    site_b: Site
    activity_a: Activity
    caseworker: StaffUser
    caseworker_b: StaffUser
    site_staff: StaffUser
    admin: StaffUser
    auditor: StaffUser
    person_a: Person
    person_b: Person
    extra: dict = field(default_factory=dict)

    @classmethod
    def build(cls) -> World:
        m = municipality()
        ua, ub = unit(m, "Enhet A"), unit(m, "Enhet B")
        sa_, sb = site(m, "Plats A"), site(m, "Plats B")
        act = activity(sa_)
        w = cls(
            municipality=m,
            unit_a=ua,
            unit_b=ub,
            site_a=sa_,
            site_b=sb,
            activity_a=act,
            caseworker=staff(m, StaffRole.CASEWORKER, unit=ua),
            caseworker_b=staff(m, StaffRole.CASEWORKER, unit=ub),
            site_staff=staff(m, StaffRole.SITE_STAFF, sites=[sa_]),
            admin=staff(m, StaffRole.ADMINISTRATOR),
            auditor=staff(m, StaffRole.AUDITOR),
            person_a=person(m, unit=ua, first_name="Alma"),
            person_b=person(m, unit=ub, first_name="Bashir"),
        )
        db.session.commit()
        return w


def sign_in(client, user):
    """Sign in through the real pages: dev e-ID for applicants, password + TOTP for staff."""
    if isinstance(user, Person):
        resp = client.post(f"/auth/dev/{user.public_ref}")
        assert resp.status_code == 302, resp.status_code
        return resp
    resp = client.post("/auth/staff", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 302 and resp.location.endswith("/auth/staff/totp"), resp.status_code
    user.totp_last_step = None  # allow signing the same user in twice within one time step
    db.session.commit()
    resp = client.post("/auth/staff/totp", data={"code": pyotp.TOTP(user.totp_secret).now()})
    assert resp.status_code == 302, resp.status_code
    return resp
