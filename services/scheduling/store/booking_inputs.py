"""Everything a booking decides on but the slot, read back as text in one statement (SQLite).

On SQLite a booking reads its inputs outside the write lock (``commands/booking.py``,
``plan_visit``) and, under the lock, must know that none of them changed before it acts
on them. ``booking_inputs`` is that check: the very statements the plan read with
(service and settings, the client's referrals with their visits used, the screening,
the client's booked visits, the therapist with their time off, the rooms), each one's
rows as JSON text, in one statement. Read in the plan's snapshot and again under the
lock, equal text means equal rows. The client's visits are read over the therapist's
window (a day either side of the visit), wider than the plan's check needs: a wider
read can only see more changes, never miss one.

SQLite only (``json_array``, ``group_concat``): on PostgreSQL a booking reads under its
row locks in one transaction (``commands/slots.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from services.scheduling.store.appointments import CLIENT_BOOKED
from services.scheduling.store.calendar import ROOMS, SERVICE_AND_SETTINGS, THERAPIST_WITH_TIME_OFF
from services.scheduling.store.eligibility import REFERRALS, SCREENING

# The therapist's time off is read a day either side of the visit (commands/slots.py).
AROUND = timedelta(days=1)


def _as_text(statement: sa.Select) -> sa.ScalarSelect:
    """The statement's rows, each as a JSON array, one per line, in the statement's order."""
    rows = statement.subquery()
    return sa.select(sa.func.group_concat(sa.func.json_array(*rows.c), "\n")).scalar_subquery()


# Built once. The parts share bind names with equal values (client_id in three of them,
# since/until as the therapist's window), so one set of parameters serves them all.
_INPUTS = sa.select(*(_as_text(statement) for statement in (
    SERVICE_AND_SETTINGS, REFERRALS, SCREENING, CLIENT_BOOKED, THERAPIST_WITH_TIME_OFF, ROOMS)))


def booking_inputs(
    connection: Connection, service_id: str, client_id: str, therapist_id: str,
    start: datetime, end: datetime,
) -> tuple[Any, ...]:
    """What a booking of ``client_id`` with ``therapist_id`` over [start, end) decides on,
    but the therapist's and rooms' busy time: compare two reads for equality, nothing more."""
    row = connection.execute(_INPUTS, {
        "service_id": service_id, "client_id": client_id, "therapist_id": therapist_id,
        "since": start - AROUND, "until": end + AROUND, "excluding": ""}).one()
    return tuple(row)
