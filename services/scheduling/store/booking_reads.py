"""What booking one visit reads, in two round trips on PostgreSQL.

Booking a visit decides on the service and the clinic's settings, the client's screening,
referrals and visits used, the client's own visits, the therapist with their time off,
the rooms, and the therapist's and rooms' busy time. On PostgreSQL it reads them under
row locks taken in the order of ``commands/slots.py`` (the client's referrals, then the
therapist; the room comes after these reads), and every read a lock guards is a statement
after the lock's. Here those reads go as two messages (``shared.read_together``), the
statements in them unchanged and in the same order:

1. the service with the settings; the client's referral locks, with the screening
   riding along (PostgreSQL; on SQLite the screening alone: one writer holds the whole
   database); the rooms;
2. under the referral locks: the referrals with the visits they used; the therapist with
   their time off (under the therapist's lock on PostgreSQL); then, after that lock, the
   therapist's and rooms' busy time with the client's own visits.

The second needs the first's answers: the visit's end (the service's length), the buffer
(the settings) and the rooms. A client without referrals has no referral row to carry the
screening, so it is read in the second message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Connection

from services.scheduling.domain.availability import Busy
from services.scheduling.domain.calendar import ClinicSettings, Service, Therapist
from services.scheduling.store.appointments import (
    busy_and_client_visits_from,
    busy_and_client_visits_read,
)
from services.scheduling.store.calendar import (
    LOCK_THERAPIST_WITH_TIME_OFF,
    ROOMS,
    SERVICE_AND_SETTINGS,
    THERAPIST_WITH_TIME_OFF,
    service_and_settings_from,
    takes_row_locks,
    therapist_from,
)
from services.scheduling.store.eligibility import (
    BOOKING_REFERRALS,
    BOOKING_SCREENING,
    LOCK_REFERRALS_WITH_SCREENING,
)
from shared.read_together import Read, read_together

# How far either side of the visit the therapist's time off is read (as commands/slots.py
# reads it): any time off a check could need, and more.
_AROUND = timedelta(days=1)


class FirstLook(NamedTuple):
    """The first message's answers."""

    service_and_settings: tuple[Service, ClinicSettings] | None  # None: no such service
    screening: Any  # the screening's row, None without one, or _UNREAD
    room_ids: list[str]  # every room, in the order slots try them


class SecondLook(NamedTuple):
    """The second message's answers."""

    referrals: list[Any]  # rows of BOOKING_REFERRALS
    screening: Any  # the screening's row, or None without one
    therapist: Therapist | None  # None: no such therapist
    busy: list[Busy]
    client_visits: list[tuple[datetime, datetime]]


_UNREAD = object()  # no referral row carried the screening: the second message reads it


def first_look(connection: Connection, service_id: str, client_id: str) -> FirstLook:
    """The service and settings, the client's referral locks with the screening, the rooms."""
    by_client = {"client_id": client_id}
    locks = takes_row_locks(connection)
    service_rows, client_rows, room_rows = read_together(connection, [
        (SERVICE_AND_SETTINGS, {"service_id": service_id}),
        (LOCK_REFERRALS_WITH_SCREENING if locks else BOOKING_SCREENING, by_client),
        (ROOMS, {}),
    ])
    if not locks:
        screening = client_rows[0] if client_rows else None
    elif client_rows:  # each locked row carries the screening's columns (all NULL without one)
        screening = client_rows[0] if client_rows[0].screening_id is not None else None
    else:
        screening = _UNREAD
    return FirstLook(
        service_and_settings_from(service_rows[0]) if service_rows else None,
        screening,
        [row.id for row in room_rows],
    )


def second_look(
    connection: Connection,
    first: FirstLook,
    client_id: str,
    therapist_id: str,
    start: datetime,
    end: datetime,
    buffer: timedelta,
    room_ids: list[str],
) -> SecondLook:
    """Under the referral locks: the referrals and visits used, the therapist (locked on
    PostgreSQL) with their time off, then the busy time of the therapist and ``room_ids``
    with the client's own visits over [start, end)."""
    by_client = {"client_id": client_id}
    therapist_statement = (LOCK_THERAPIST_WITH_TIME_OFF if takes_row_locks(connection)
                           else THERAPIST_WITH_TIME_OFF)
    reads: list[Read] = [
        (BOOKING_REFERRALS, by_client),
        (therapist_statement, {"therapist_id": therapist_id, "since": start - _AROUND,
                               "until": end + _AROUND}),
        busy_and_client_visits_read(start, end, buffer, [therapist_id], room_ids, client_id),
    ]
    unread = first.screening is _UNREAD
    if unread:
        reads.append((BOOKING_SCREENING, by_client))
    referral_rows, therapist_rows, busy_rows, *screening_rows = read_together(connection, reads)
    screening = (screening_rows[0][0] if screening_rows[0] else None) if unread \
        else first.screening
    busy, client_visits = busy_and_client_visits_from(busy_rows)
    return SecondLook(referral_rows, screening,
                      therapist_from(therapist_rows) if therapist_rows else None,
                      busy, client_visits)
