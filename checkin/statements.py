"""The statements of a scan, built once with SQLAlchemy Core.

They are run by the scan's store (checkin.store): through SQLAlchemy on SQLite, and on
PostgreSQL compiled once to SQL for psycopg (``compiled``) so that they can be pipelined.
Every parameter is a named ``bindparam``; a list is matched with ``= ANY`` on PostgreSQL and
an expanding ``IN`` elsewhere.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from checkin import schedule
from portal.models import AttendanceEvent, Device, Person, PersonalCard, SigningKey

EVENTS = AttendanceEvent.__table__.c
#: The columns visits are derived from (portal.attendance.EventFact), and the session.
FACT_COLUMNS = (
    EVENTS.id,
    EVENTS.person_id,
    EVENTS.activity_id,
    EVENTS.site_id,
    EVENTS.session_id,
    EVENTS.kind,
    EVENTS.status,
    EVENTS.occurred_at,
    EVENTS.supersedes_id,
)
#: Columns of a device as a scan needs them.
DEVICE_COLUMNS = ("id", "site_id", "revoked_at", "last_seen_at", "last_seq")


def _token_hash() -> sa.BindParameter:
    return sa.bindparam("token_hash", type_=sa.String)


def _in(column: sa.ColumnElement, name: str, item_type: Any, dialect: str) -> sa.ColumnElement:
    """``column`` is one of the list parameter ``name``."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(item_type)))
    return column.in_(sa.bindparam(name, expanding=True))


@cache
def device_by_token() -> sa.Select:
    """The device of a token hash (parameter ``token_hash``), revoked or not."""
    table = Device.__table__
    return sa.select(*(table.c[name] for name in DEVICE_COLUMNS)).where(
        table.c.token_hash == _token_hash()
    )


@cache
def person_and_card() -> sa.Select:
    """The person of a code (``ref``) with their card of that serial (``serial``), locked,
    whether the key that signed the code (``key_id``) is revoked, and the sessions they are
    expected at that day (``day``, ``weekday``): one statement, so a revocation is seen by
    every server at the next scan, at no extra cost.

    The sessions come from enrolments and plans, which scans never write, so reading them
    in the locking statement's snapshot is safe; the person's events are read afterwards.
    """
    person, card, key = Person.__table__.c, PersonalCard.__table__.c, SigningKey.__table__.c
    slot = schedule.slot_query()
    key_revoked = (
        sa.select(key.revoked_at)
        .where(key.key_id == sa.bindparam("key_id", type_=sa.String))
        .scalar_subquery()
    )
    return (
        sa.select(
            person.id,
            person.public_ref,
            person.first_name,
            card.id.label("card_id"),
            card.revoked_at.label("card_revoked_at"),
            key_revoked.label("key_revoked_at"),
            slot.c.session_id,
            slot.c.activity_id,
            slot.c.start_time,
            slot.c.end_time,
            slot.c.site_id,
            slot.c.activity_name,
            slot.c.session_ids,
        )
        .select_from(
            Person.__table__.outerjoin(
                PersonalCard.__table__,
                sa.and_(
                    card.person_id == person.id,
                    card.serial == sa.bindparam("serial", type_=sa.Integer),
                ),
            ).outerjoin(slot, sa.true())
        )
        .where(person.public_ref == sa.bindparam("ref", type_=sa.String))
        # Serialise scans of one person (PostgreSQL; SQLite serialises writers anyway).
        .with_for_update(of=Person.__table__)
    )


@cache
def device_and_person() -> sa.Select:
    """The device of a token hash and, only while it may scan, the rows of
    ``person_and_card`` (the person locked): one statement, so that a scan reads both in one
    snapshot and a refused device finds and locks nobody. Every row carries the device as
    ``device_*``; the person's columns are empty when nobody was found (or the device is
    revoked), and there is no row for an unknown token (PostgreSQL)."""
    device = Device.__table__
    person = (
        person_and_card().where(device.c.revoked_at.is_(None)).correlate(device).lateral("scanned")
    )
    return (
        sa.select(
            *(device.c[name].label("device_" + name) for name in DEVICE_COLUMNS),
            *person.c,
        )
        .select_from(device.outerjoin(person, sa.true()))
        .where(device.c.token_hash == _token_hash())
    )


@cache
def person_facts(by_ref: bool = False, by_token: bool = False) -> sa.Select:
    """The person's events at a site in [``start``, ``end``), plus every event annulling or
    correcting one of them; every row is looked up by person (annulments and corrections
    carry the person of the event they supersede), so it is one index range however busy
    the site is. ``by_ref``: the person of a public reference (``ref``), to go with the
    statement that finds them; ``by_token``: at the site of the device of a token hash."""
    person = EVENTS.person_id == schedule.person_parameter(by_ref)
    if by_token:
        table = Device.__table__
        site = sa.select(table.c.site_id).where(table.c.token_hash == _token_hash())
        site = site.scalar_subquery()
    else:
        site = sa.bindparam("site_id", type_=sa.Integer)
    matching = (
        person,
        EVENTS.site_id == site,
        EVENTS.occurred_at >= sa.bindparam("start", type_=EVENTS.occurred_at.type),
        EVENTS.occurred_at < sa.bindparam("end", type_=EVENTS.occurred_at.type),
    )
    superseded = sa.select(EVENTS.id).where(*matching).scalar_subquery()
    return sa.select(*FACT_COLUMNS).where(
        person,
        sa.or_(sa.and_(*matching[1:]), EVENTS.supersedes_id.in_(superseded)),
    )


@cache
def superseding(dialect: str) -> sa.Select:
    """Events that annul or correct any of the events ``ids`` (a correction of a correction)."""
    return sa.select(*FACT_COLUMNS).where(_in(EVENTS.supersedes_id, "ids", sa.Integer, dialect))


@cache
def lock_people(dialect: str) -> sa.Select:
    """Lock the people of the public references ``refs`` in ascending row id order."""
    table = Person.__table__
    return (
        sa.select(table.c.id)
        .where(_in(table.c.public_ref, "refs", sa.String, dialect))
        .order_by(table.c.id)
        .with_for_update()
    )


@cache
def insert_event(dialect: str) -> sa.Insert:
    """The idempotent insert of an event: ``INSERT … ON CONFLICT (event_id) DO NOTHING
    RETURNING id`` (no row back: the event id was seen before)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = AttendanceEvent.__table__
    return (
        insert(table)
        .values({c.key: sa.bindparam(c.key, type_=c.type) for c in table.columns if c.key != "id"})
        .on_conflict_do_nothing(index_elements=[table.c.event_id])
        .returning(table.c.id)
    )


@cache
def stored_event() -> sa.Select:
    """A stored event by its event id (``event_id``), with its person's ref and first name."""
    person = Person.__table__.c
    return (
        sa.select(
            EVENTS.id,
            EVENTS.event_id,
            EVENTS.person_id,
            EVENTS.site_id,
            EVENTS.activity_id,
            EVENTS.session_id,
            EVENTS.kind,
            EVENTS.status,
            EVENTS.reason,
            EVENTS.occurred_at,
            EVENTS.device_id,
            EVENTS.token_hash,
            person.public_ref,
            person.first_name,
        )
        .select_from(
            AttendanceEvent.__table__.outerjoin(Person.__table__, person.id == EVENTS.person_id)
        )
        .where(EVENTS.event_id == sa.bindparam("event_id", type_=sa.String))
    )


@cache
def device_seen() -> sa.Update:
    """Write a device's last seen time and sequence number."""
    table = Device.__table__
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("device_id", type_=sa.Integer))
        .values(
            last_seen_at=sa.bindparam("last_seen_at", type_=table.c.last_seen_at.type),
            last_seq=sa.bindparam("last_seq", type_=table.c.last_seq.type),
        )
    )
