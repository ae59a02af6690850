"""Appointments: the overlap re-check under lock, inserts, state changes and listings."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from services.scheduling.domain.availability import Busy
from services.scheduling.domain.calendar import SERVICE_DURATIONS, Appointment
from services.scheduling.domain.errors import NotFound
from services.scheduling.store.calendar import load_service, load_therapists
from services.scheduling.store.tables import appointments, therapists
from services.scheduling.store.tables import waitlist_offers as offers
from services.scheduling.store.waitlist import held_time
from shared.db import utcnow
from shared.read_together import Read

# Statuses that keep the therapist and the room busy (Appointment.holds_time).
HOLDING_TIME = ("booked", "completed", "no_show")
# Statuses that use one of the referral's authorized visits; a cancelled visit or a
# no-show is given back (nothing was delivered, nothing is billed).
USING_A_VISIT = ("booked", "completed")
_LONGEST = timedelta(minutes=max(SERVICE_DURATIONS))


def to_appointment(row: Any) -> Appointment:
    """The domain view of a stored appointment."""
    return Appointment(
        id=row.id,
        therapist_id=row.therapist_id,
        room_id=row.room_id,
        client_id=row.client_id,
        start=row.start,
        end=row.end,
        status=row.status,
        referral_id=row.referral_id,
    )


def status_is_one_of(statuses: Iterable[str]) -> sa.ColumnElement[bool]:
    """``status IN (...)`` as ORs of plain comparisons: an IN list is an "expanding"
    parameter SQLAlchemy rewrites into the SQL on every execution (~5% of a booking)."""
    return sa.or_(*(appointments.c.status == status for status in statuses))


def _busy_parts(owners: tuple[int, int] | None) -> tuple[sa.Select, sa.Select]:
    # Time-holding appointments and open offers' held slots, to unite in one statement;
    # with ``owners`` (how many therapists, how many rooms), only theirs.
    query = sa.select(appointments.c.therapist_id, appointments.c.room_id,
                      appointments.c.start, appointments.c.end).where(
        status_is_one_of(HOLDING_TIME),
        appointments.c.start < sa.bindparam("until"),
        appointments.c.start > sa.bindparam("earliest_start"),
        appointments.c.end > sa.bindparam("since"),
    )
    held = held_time(owned=False)
    if owners is not None:
        query = query.where(_owned_by(appointments, *owners),
                            appointments.c.id != sa.bindparam("excluding"))
        held = held.where(_owned_by(offers, *owners))
    return query, held


def _owned_by(table: sa.Table, therapists: int, rooms: int) -> sa.ColumnElement[bool]:
    """The row's therapist among ``therapist_0``.., or its room among ``room_0``..: one bound
    value each, not an "expanding" list SQLAlchemy re-renders on every execution (a tenth
    of SQLite's write lock in a booking, docs/PERFORMANCE.md "Booking")."""
    # None of them: false, not an empty IN, which SQLAlchemy renders on every execution.
    return sa.or_(
        table.c.therapist_id.in_([sa.bindparam(f"therapist_{n}") for n in range(therapists)])
        if therapists else sa.false(),
        table.c.room_id.in_([sa.bindparam(f"room_{n}") for n in range(rooms)])
        if rooms else sa.false(),
    )


def _owners(therapist_ids: Iterable[str], room_ids: Iterable[str]) -> dict[str, str]:
    """The bound values of ``_owned_by``."""
    values = {f"therapist_{n}": therapist_id for n, therapist_id in enumerate(therapist_ids)}
    return values | {f"room_{n}": room_id for n, room_id in enumerate(room_ids)}


# Built once (per number of therapists and rooms): booking runs these in every transaction,
# and a prebuilt statement skips SQLAlchemy's per-call construction and cache-key work.
_BUSY_ANYWHERE = sa.union_all(*_busy_parts(None))


@functools.lru_cache(maxsize=64)
def _busy_for_owners(therapists: int, rooms: int) -> sa.CompoundSelect:
    return sa.union_all(*_busy_parts((therapists, rooms)))


@functools.lru_cache(maxsize=64)
def _busy_for_owners_and_client(therapists: int, rooms: int) -> sa.CompoundSelect:
    """The busy time of therapists and rooms and, in the same statement (a round trip fewer
    per booking), the client's booked visits touching the visit's own span: each row says
    whose."""
    return sa.union_all(
        *(part.add_columns(sa.literal("slot").label("whose"))
          for part in _busy_parts((therapists, rooms))),
        sa.select(appointments.c.therapist_id, appointments.c.room_id, appointments.c.start,
                  appointments.c.end, sa.literal("client").label("whose")).where(
            appointments.c.client_id == sa.bindparam("client_id"),
            appointments.c.status == "booked",
            appointments.c.start < sa.bindparam("visit_end"),
            appointments.c.end > sa.bindparam("visit_start"),
            appointments.c.id != sa.bindparam("excluding"),
        ),
    )


_INSERT = sa.insert(appointments)
_VISITS_USED = (
    sa.select(appointments.c.referral_id, sa.func.count())
    .where(appointments.c.referral_id.in_(sa.bindparam("referral_ids", expanding=True)),
           appointments.c.status.in_(USING_A_VISIT))
    .group_by(appointments.c.referral_id)
)
CLIENT_BOOKED = sa.select(appointments.c.start, appointments.c.end).where(
    appointments.c.client_id == sa.bindparam("client_id"),
    appointments.c.status == "booked",
    appointments.c.start < sa.bindparam("until"),
    appointments.c.end > sa.bindparam("since"),
    appointments.c.id != sa.bindparam("excluding"),
)
_ONE = sa.select(appointments).where(appointments.c.id == sa.bindparam("appointment_id"))
_LOCK_ONE = _ONE.with_for_update()


def busy_appointments(
    connection: Connection,
    start: datetime,
    end: datetime,
    buffer: timedelta,
    therapist_ids: Iterable[str] | None = None,
    room_ids: Iterable[str] = (),
    excluding: str | None = None,
) -> list[Busy]:
    """The spans time-holding appointments and open offers hold whose buffered span
    touches [start, end) (an offer's held slot is busy: ``store.waitlist.held_time``).

    With ``therapist_ids``, only those of these therapists or of ``room_ids``. The lower
    bound on ``start`` lets the (therapist_id, start) and (room_id, start) indexes answer
    without scanning the past.
    """
    if therapist_ids is None:
        rows = connection.execute(_BUSY_ANYWHERE, _window(start, end, buffer))
    else:
        rows = connection.execute(*busy_read(start, end, buffer, therapist_ids, room_ids,
                                             excluding))
    return [Busy._make(row) for row in rows]


def _window(start: datetime, end: datetime, buffer: timedelta) -> dict[str, datetime]:
    return {"until": end + buffer, "earliest_start": start - buffer - _LONGEST,
            "since": start - buffer}


def busy_read(
    start: datetime,
    end: datetime,
    buffer: timedelta,
    therapist_ids: Iterable[str],
    room_ids: Iterable[str],
    excluding: str | None = None,
) -> Read:
    """``busy_appointments`` of these therapists and rooms, as a statement to run (alone or
    with others: ``shared.read_together``); its rows are ``Busy``'s fields."""
    therapist_ids, room_ids = list(therapist_ids), list(room_ids)
    return (_busy_for_owners(len(therapist_ids), len(room_ids)),
            _window(start, end, buffer) | _owners(therapist_ids, room_ids)
            | {"excluding": excluding or ""})


def busy_and_client_visits(
    connection: Connection,
    start: datetime,
    end: datetime,
    buffer: timedelta,
    therapist_ids: Iterable[str],
    room_ids: Iterable[str],
    client_id: str,
) -> tuple[list[Busy], list[tuple[datetime, datetime]]]:
    """``busy_appointments`` for these therapists and rooms, and ``client_bookings`` of the
    client over [start, end), in one statement. Read after the client's eligibility lock,
    like ``client_bookings``."""
    return busy_and_client_visits_from(connection.execute(*busy_and_client_visits_read(
        start, end, buffer, therapist_ids, room_ids, client_id)))


def busy_and_client_visits_read(
    start: datetime,
    end: datetime,
    buffer: timedelta,
    therapist_ids: Iterable[str],
    room_ids: Iterable[str],
    client_id: str,
) -> Read:
    """``busy_and_client_visits``'s statement (``busy_and_client_visits_from`` reads its rows)."""
    therapist_ids, room_ids = list(therapist_ids), list(room_ids)
    return (_busy_for_owners_and_client(len(therapist_ids), len(room_ids)),
            _window(start, end, buffer) | {
                "excluding": "", "client_id": client_id, "visit_start": start,
                "visit_end": end} | _owners(therapist_ids, room_ids))


def busy_and_client_visits_from(
    rows: Iterable[Any],
) -> tuple[list[Busy], list[tuple[datetime, datetime]]]:
    """The busy time and the client's visits in ``busy_and_client_visits_read``'s rows."""
    busy: list[Busy] = []
    visits: list[tuple[datetime, datetime]] = []
    for therapist_id, room_id, span_start, span_end, whose in rows:
        if whose == "client":
            visits.append((span_start, span_end))
        else:
            busy.append(Busy(therapist_id, room_id, span_start, span_end))
    return busy, visits


def client_bookings(connection: Connection, client_id: str, since: datetime, until: datetime,
                    excluding: str | None = None) -> list[tuple[datetime, datetime]]:
    """(start, end) of the client's booked visits touching [since, until), but ``excluding``.

    Read after the client's eligibility lock (eligibility_for_booking), which every
    booking of the client takes first, so two bookings of one client cannot both miss
    each other.
    """
    rows = connection.execute(CLIENT_BOOKED, {"client_id": client_id, "since": since,
                                               "until": until, "excluding": excluding or ""})
    return [(row.start, row.end) for row in rows]


def insert_appointment(
    connection: Connection, appointment: Appointment, service_id: str, series_id: str | None
) -> dict[str, Any]:
    """Store a newly booked appointment; returns the stored row (as the API shows it)."""
    now = utcnow()
    row = {
        "id": appointment.id,
        "client_id": appointment.client_id,
        "referral_id": appointment.referral_id,
        "therapist_id": appointment.therapist_id,
        "room_id": appointment.room_id,
        "service_id": service_id,
        # In UTC, as a stored row reads back.
        "start": appointment.start.astimezone(UTC),
        "end": appointment.end.astimezone(UTC),
        "status": appointment.status,
        "series_id": series_id,
        "booked_at": now,
        "changed_at": now,
        "late": None,
        "fee": None,
    }
    connection.execute(_INSERT, row)
    return row


def get_appointment(connection: Connection, appointment_id: str, lock: bool = False) -> Any:
    """The stored appointment row (None when absent); ``lock`` takes its row lock."""
    return connection.execute(_LOCK_ONE if lock else _ONE,
                              {"appointment_id": appointment_id}).first()


def require_appointment(connection: Connection, appointment_id: str, lock: bool = False) -> Any:
    """The stored appointment row; NotFound when absent. ``lock`` takes its row lock."""
    row = get_appointment(connection, appointment_id, lock)
    if row is None:
        raise NotFound("appointment")
    return row


def set_status(
    connection: Connection,
    appointment_id: str,
    status: str,
    late: bool | None = None,
    fee: Decimal | None = None,
) -> None:
    """Record a cancellation, no-show or completion."""
    connection.execute(
        sa.update(appointments)
        .where(appointments.c.id == appointment_id)
        .values(status=status, late=late, fee=fee, changed_at=utcnow())
    )


def move(
    connection: Connection, appointment_id: str, therapist_id: str, room_id: str,
    start: datetime, end: datetime, late: bool,
) -> None:
    """Record a reschedule: new therapist, room and times."""
    connection.execute(
        sa.update(appointments)
        .where(appointments.c.id == appointment_id)
        .values(therapist_id=therapist_id, room_id=room_id, start=start, end=end, late=late,
                changed_at=utcnow())
    )


def visits_used(connection: Connection, referral_ids: Iterable[str]) -> dict[str, int]:
    """Booked and completed appointments per referral."""
    ids = list(referral_ids)
    if not ids:
        return {}
    rows = connection.execute(_VISITS_USED, {"referral_ids": ids})
    return {referral_id: int(count) for referral_id, count in rows}


def list_appointments(
    connection: Connection,
    client_id: str | None = None,
    therapist_id: str | None = None,
    window_from: datetime | None = None,
    window_to: datetime | None = None,
    limit: int = 500,
) -> list[Any]:
    """Appointments matching the filters, by start."""
    query = sa.select(appointments).order_by(appointments.c.start, appointments.c.id).limit(limit)
    if client_id is not None:
        query = query.where(appointments.c.client_id == client_id)
    if therapist_id is not None:
        query = query.where(appointments.c.therapist_id == therapist_id)
    if window_from is not None:
        query = query.where(appointments.c.end > window_from)
    if window_to is not None:
        query = query.where(appointments.c.start < window_to)
    return list(connection.execute(query))


# A client a therapist treats: an appointment with them, past or booked (not cancelled).
_TREATS = (
    sa.select(appointments.c.id)
    .join(therapists, therapists.c.id == appointments.c.therapist_id)
    .where(appointments.c.client_id == sa.bindparam("client_id"),
           therapists.c.staff_subject == sa.bindparam("staff_subject"),
           appointments.c.status.in_(HOLDING_TIME))
    .limit(1)
)


def treats(connection: Connection, staff_subject: str, client_id: str) -> bool:
    """Whether the therapist with this staff login has seen or will see the client."""
    found = connection.execute(_TREATS, {"client_id": client_id, "staff_subject": staff_subject})
    return found.first() is not None


def client_visit(
    connection: Connection, appointment_id: str, client_id: str
) -> dict[str, Any] | None:
    """A client's own appointment as the booking widget shows it; None for anyone else's."""
    row = get_appointment(connection, appointment_id)
    if row is None or row.client_id != client_id:
        return None
    [therapist] = load_therapists(connection, [row.therapist_id], row.start, row.end)
    service = load_service(connection, row.service_id)
    assert service is not None  # an appointment's service is never deleted
    return {"id": row.id, "start": row.start, "end": row.end, "therapist_name": therapist.name,
            "service_name": service.name, "status": row.status}
