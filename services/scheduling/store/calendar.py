"""Therapists, time off, rooms, services and clinic settings: read and written by admins."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, time
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from services.scheduling.domain.calendar import (
    ClinicSettings,
    Interval,
    NoShowPolicy,
    Room,
    Service,
    Therapist,
)
from services.scheduling.domain.errors import NotFound, StaffSubjectTaken
from services.scheduling.store.tables import clinic_settings, rooms, services, therapists, time_off
from shared.db import insert_if_absent, utcnow

DEFAULT_SETTINGS = ClinicSettings(time_zone="America/New_York")


def new_id() -> str:
    """A fresh random id for a calendar row."""
    return str(uuid.uuid4())


# -- therapists ------------------------------------------------------------------------------


def hours_to_json(weekly_hours: dict[int, Iterable[tuple[time, time]]]) -> list[list[Any]]:
    """Weekly hours as stored: [[weekday, "HH:MM", "HH:MM"], ...] sorted."""
    return sorted(
        [day, start.strftime("%H:%M"), end.strftime("%H:%M")]
        for day, shifts in weekly_hours.items()
        for start, end in shifts
    )


def hours_from_json(stored: list[list[Any]]) -> dict[int, tuple[tuple[time, time], ...]]:
    """Weekly hours from their stored form, keyed by weekday."""
    hours: dict[int, list[tuple[time, time]]] = {}
    for day, start, end in stored:
        hours.setdefault(int(day), []).append((time.fromisoformat(start), time.fromisoformat(end)))
    return {day: tuple(sorted(shifts)) for day, shifts in hours.items()}


# Built once: booking loads its therapist in every transaction (see store.appointments).
_ALL_THERAPISTS = sa.select(therapists).order_by(therapists.c.name, therapists.c.id)
_THERAPISTS = _ALL_THERAPISTS.where(therapists.c.id.in_(sa.bindparam("ids", expanding=True)))
_TIME_OFF = (
    sa.select(time_off)
    .where(time_off.c.therapist_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(time_off.c.start)
)
_TIME_OFF_IN_WINDOW = _TIME_OFF.where(
    time_off.c.start < sa.bindparam("until"), time_off.c.end > sa.bindparam("since")
)


def save_therapist(connection: Connection, therapist: Therapist) -> None:
    """Insert a therapist, or replace name, NPI, credentials, hours and login of one."""
    values = {
        "name": therapist.name,
        "npi": therapist.npi,
        "credentials": therapist.credentials,
        "weekly_hours": hours_to_json(dict(therapist.weekly_hours)),
        "staff_subject": therapist.staff_subject,
    }
    row = {"id": therapist.id, "created_at": utcnow(), **values}
    try:
        if insert_if_absent(connection, therapists, row):
            return
        updated = connection.execute(sa.update(therapists).where(therapists.c.id == therapist.id)
                                     .values(**values))
    except IntegrityError as exc:  # the login's unique index: another therapist holds it
        raise StaffSubjectTaken() from exc
    if updated.rowcount == 0:
        # No such row, yet the insert did nothing: it clashed on the login, not the id.
        raise StaffSubjectTaken()


def load_therapists(
    connection: Connection,
    ids: Iterable[str] | None = None,
    off_from: datetime | None = None,
    off_to: datetime | None = None,
) -> list[Therapist]:
    """Therapists (all, or those with ``ids``) with their time off overlapping the window."""
    if ids is None:
        rows = connection.execute(_ALL_THERAPISTS).all()
    else:
        rows = connection.execute(_THERAPISTS, {"ids": list(ids)}).all()
    if not rows:
        return []
    found = {"ids": [row.id for row in rows]}
    if off_from is not None and off_to is not None:
        spans = connection.execute(_TIME_OFF_IN_WINDOW, found | {"since": off_from,
                                                                 "until": off_to})
    else:
        spans = connection.execute(_TIME_OFF, found)
    offs: dict[str, list[Interval]] = {}
    for off in spans:
        offs.setdefault(off.therapist_id, []).append(Interval(off.start, off.end))
    return [
        Therapist(
            id=row.id,
            name=row.name,
            npi=row.npi,
            credentials=row.credentials,
            weekly_hours=hours_from_json(row.weekly_hours),
            time_off=tuple(offs.get(row.id, ())),
            staff_subject=row.staff_subject,
        )
        for row in rows
    ]


# One therapist with their time off in a window, in one statement; on PostgreSQL it also
# takes the therapist's row lock (FOR UPDATE OF therapists: the time off is only read).
THERAPIST_WITH_TIME_OFF = (
    sa.select(therapists, time_off.c.start.label("off_start"), time_off.c.end.label("off_end"))
    .select_from(therapists.outerjoin(time_off, sa.and_(
        time_off.c.therapist_id == therapists.c.id,
        time_off.c.start < sa.bindparam("until"), time_off.c.end > sa.bindparam("since"))))
    .where(therapists.c.id == sa.bindparam("therapist_id"))
    .order_by(time_off.c.start)
)
LOCK_THERAPIST_WITH_TIME_OFF = THERAPIST_WITH_TIME_OFF.with_for_update(of=therapists)


def lock_and_load_one_therapist(
    connection: Connection, therapist_id: str, off_from: datetime, off_to: datetime
) -> Therapist | None:
    """The therapist, under their row lock where writers take row locks, with their time off
    overlapping the window; None when there is no such therapist."""
    statement = LOCK_THERAPIST_WITH_TIME_OFF if takes_row_locks(connection) else \
        THERAPIST_WITH_TIME_OFF
    rows = connection.execute(statement, {"therapist_id": therapist_id, "since": off_from,
                                          "until": off_to}).all()
    if not rows:
        return None
    return therapist_from(rows)


def therapist_from(rows: Sequence[Any]) -> Therapist:
    """The therapist in ``THERAPIST_WITH_TIME_OFF``'s rows (at least one)."""
    row = rows[0]
    return Therapist(
        id=row.id,
        name=row.name,
        npi=row.npi,
        credentials=row.credentials,
        weekly_hours=hours_from_json(row.weekly_hours),
        time_off=tuple(Interval(off.off_start, off.off_end) for off in rows
                       if off.off_start is not None),
        staff_subject=row.staff_subject,
    )


def load_therapist(connection: Connection, therapist_id: str) -> Therapist | None:
    """One therapist with all their time off, or None."""
    found = load_therapists(connection, [therapist_id])
    return found[0] if found else None


def require_therapist(connection: Connection, therapist_id: str) -> Therapist:
    """One therapist with all their time off; NotFound when there is none."""
    therapist = load_therapist(connection, therapist_id)
    if therapist is None:
        raise NotFound("therapist")
    return therapist


def therapist_linked_to(connection: Connection, staff_subject: str) -> str | None:
    """The id of the therapist whose staff login this is, if any."""
    return connection.execute(
        sa.select(therapists.c.id).where(therapists.c.staff_subject == staff_subject)
    ).scalar()


def add_time_off(connection: Connection, therapist_id: str, start: datetime, end: datetime) -> str:
    """Record a span of time off; returns its id."""
    off_id = new_id()
    connection.execute(
        sa.insert(time_off).values(id=off_id, therapist_id=therapist_id, start=start, end=end)
    )
    return off_id


def list_time_off(connection: Connection, therapist_id: str) -> list[dict[str, Any]]:
    """A therapist's time off, earliest first."""
    rows = connection.execute(
        sa.select(time_off).where(time_off.c.therapist_id == therapist_id)
        .order_by(time_off.c.start)
    )
    return [dict(row._mapping) for row in rows]


def delete_time_off(connection: Connection, therapist_id: str, off_id: str) -> bool:
    """Remove a span of time off; False when there was none with that id."""
    deleted = connection.execute(
        sa.delete(time_off)
        .where(time_off.c.id == off_id, time_off.c.therapist_id == therapist_id)
        .returning(time_off.c.id)
    ).first()
    return deleted is not None


def takes_row_locks(connection: Connection | Engine) -> bool:
    """Whether writers need row locks (of a connection's or an engine's database): not on
    SQLite, where BEGIN IMMEDIATE already holds the database's single write lock for the
    whole transaction."""
    return connection.dialect.name != "sqlite"


def lock_therapist(connection: Connection, therapist_id: str) -> bool:
    """Take the therapist's row lock (SELECT ... FOR UPDATE); False when there is no such row."""
    row = connection.execute(
        sa.select(therapists.c.id).where(therapists.c.id == therapist_id).with_for_update()
    ).first()
    return row is not None


# -- rooms and services --------------------------------------------------------------------


def save_room(connection: Connection, room: Room) -> None:
    """Insert a room or rename an existing one."""
    if not insert_if_absent(connection, rooms, {"id": room.id, "name": room.name,
                                                "created_at": utcnow()}):
        connection.execute(sa.update(rooms).where(rooms.c.id == room.id).values(name=room.name))


ROOMS = sa.select(rooms.c.id, rooms.c.name).order_by(rooms.c.name, rooms.c.id)


def load_rooms(connection: Connection) -> list[Room]:
    """Every room, in the order slots try them (by name)."""
    return [Room(id=row.id, name=row.name) for row in connection.execute(ROOMS)]


# Built once: every booking on PostgreSQL takes a room's lock.
LOCK_ROOM = sa.select(rooms.c.id).where(rooms.c.id == sa.bindparam("room_id")).with_for_update()


def lock_room(connection: Connection, room_id: str) -> bool:
    """Take the room's row lock (SELECT ... FOR UPDATE); False when there is no such room."""
    return connection.execute(LOCK_ROOM, {"room_id": room_id}).first() is not None


def save_service(connection: Connection, service_id: str, service: Service) -> None:
    """Insert a bookable service or replace an existing one's fields."""
    values = {
        "name": service.name,
        "duration_minutes": service.duration_minutes,
        "default_techniques": list(service.default_techniques),
    }
    if not insert_if_absent(connection, services, {"id": service_id, "created_at": utcnow(),
                                                   **values}):
        connection.execute(sa.update(services).where(services.c.id == service_id).values(**values))


def load_services(connection: Connection) -> dict[str, Service]:
    """Every service by id."""
    rows = connection.execute(sa.select(services).order_by(services.c.name, services.c.id))
    return {
        row.id: Service(row.name, row.duration_minutes, tuple(row.default_techniques))
        for row in rows
    }


_SERVICE = sa.select(services).where(services.c.id == sa.bindparam("service_id"))


def load_service(connection: Connection, service_id: str) -> Service | None:
    """One service, or None."""
    row = connection.execute(_SERVICE, {"service_id": service_id}).first()
    if row is None:
        return None
    return Service(row.name, row.duration_minutes, tuple(row.default_techniques))


def require_service(connection: Connection, service_id: str) -> Service:
    """One service; NotFound when there is none."""
    service = load_service(connection, service_id)
    if service is None:
        raise NotFound("service")
    return service


# -- clinic settings -----------------------------------------------------------------------


_SETTINGS = sa.select(clinic_settings).where(clinic_settings.c.id == 1)
# The settings beside one service, in one statement (every booking and availability
# request needs both); the settings' columns are labelled ``settings_<name>``, and are
# NULL until an admin saves some. Not ``updated_at``: no answer shows it (a column fewer
# per booking).
SERVICE_AND_SETTINGS = (
    sa.select(services.c.name, services.c.duration_minutes, services.c.default_techniques,
              *(column.label(f"settings_{column.name}") for column in clinic_settings.c
                if column.name != "updated_at"))
    .select_from(services.outerjoin(clinic_settings, clinic_settings.c.id == 1))
    .where(services.c.id == sa.bindparam("service_id"))
)


def load_settings(connection: Connection) -> ClinicSettings:
    """The clinic's booking settings (the defaults until an admin saves some)."""
    return _settings_from(connection.execute(_SETTINGS).first())


def load_service_and_settings(
    connection: Connection, service_id: str
) -> tuple[Service | None, ClinicSettings]:
    """One service (None when there is none) and the clinic's settings, in one statement."""
    row = connection.execute(SERVICE_AND_SETTINGS, {"service_id": service_id}).first()
    if row is None:
        return None, load_settings(connection)
    return service_and_settings_from(row)


def service_and_settings_from(row: Any) -> tuple[Service, ClinicSettings]:
    """The service and settings in a row of ``SERVICE_AND_SETTINGS``."""
    service = Service(row.name, row.duration_minutes, tuple(row.default_techniques))
    if row.settings_id is None:
        return service, DEFAULT_SETTINGS
    prefix = len("settings_")
    stored = {key[prefix:]: value for key, value in row._mapping.items()
              if key.startswith("settings_")}
    return service, _settings_from(SimpleNamespace(**stored))


def require_service_and_settings(
    connection: Connection, service_id: str
) -> tuple[Service, ClinicSettings]:
    """One service and the clinic's settings; NotFound when there is no such service."""
    service, settings = load_service_and_settings(connection, service_id)
    if service is None:
        raise NotFound("service")
    return service, settings


def _settings_from(row: Any) -> ClinicSettings:
    if row is None:
        return DEFAULT_SETTINGS
    return ClinicSettings(
        time_zone=row.time_zone,
        buffer_minutes=row.buffer_minutes,
        minimum_notice_minutes=row.minimum_notice_minutes,
        booking_horizon_days=row.booking_horizon_days,
        cancellation_window_hours=row.cancellation_window_hours,
        no_show_policy=NoShowPolicy(
            no_show_fee=Decimal(row.no_show_fee).quantize(Decimal("0.01")),
            late_cancellation_fee=Decimal(row.late_cancellation_fee).quantize(Decimal("0.01")),
        ),
    )


def save_settings(connection: Connection, settings: ClinicSettings) -> None:
    """Store the clinic's booking settings."""
    values = {
        "time_zone": settings.time_zone,
        "buffer_minutes": settings.buffer_minutes,
        "minimum_notice_minutes": settings.minimum_notice_minutes,
        "booking_horizon_days": settings.booking_horizon_days,
        "cancellation_window_hours": settings.cancellation_window_hours,
        "no_show_fee": settings.no_show_policy.no_show_fee,
        "late_cancellation_fee": settings.no_show_policy.late_cancellation_fee,
        "updated_at": utcnow(),
    }
    if not insert_if_absent(connection, clinic_settings, {"id": 1, **values}):
        connection.execute(
            sa.update(clinic_settings).where(clinic_settings.c.id == 1).values(**values)
        )
