"""Everything a booking decides on but the slot, read as text in one statement (SQLite).

On SQLite a booking is planned outside the write lock (``commands/booking.py``,
``plan_visit``) and, under the lock, must know that nothing it was planned on changed
before it acts on it. ``booking_inputs`` reads it all: the very statements booking reads
with (service and settings, the client's referrals with their visits used, the screening,
the client's booked visits, the therapist with their time off, the rooms), each one's
rows as JSON text, in one statement. The plan is made from that text (``rows_of`` turns
each line back into the row its statement gives: the same columns, through the same
types), and under the lock the text is read again: equal text, and the plan stands on
exactly what is there now. The client's visits and the therapist's time off are read a
day either side of the longest visit from its start, wider than any check needs: a wider
read can only see more changes, never miss one.

SQLite only (``json_array``, ``group_concat``): on PostgreSQL a booking reads under its
row locks in one transaction (``commands/slots.py``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy import Connection, Dialect

from services.scheduling.domain.calendar import SERVICE_DURATIONS
from services.scheduling.store.appointments import CLIENT_BOOKED
from services.scheduling.store.calendar import ROOMS, SERVICE_AND_SETTINGS, THERAPIST_WITH_TIME_OFF
from services.scheduling.store.eligibility import BOOKING_REFERRALS, BOOKING_SCREENING
from shared.read_together import row_type

AROUND = timedelta(days=1)
_LONGEST = timedelta(minutes=max(SERVICE_DURATIONS))

Inputs = tuple[str | None, ...]  # each statement's rows as text, in ``_PARTS``' order


class InputRows(NamedTuple):
    """The rows of each statement, as the statement itself would give them."""

    service_and_settings: list[Any]
    referrals: list[Any]
    screening: list[Any]
    client_booked: list[Any]
    therapist_with_time_off: list[Any]
    rooms: list[Any]


# The statements, in InputRows' order, each with the columns its ORDER BY sorts on:
# group_concat keeps a subquery's order on SQLite, but does not promise to, and which
# referral a visit uses depends on that order, so rows_of sorts them again.
_PARTS: tuple[tuple[sa.Select, tuple[str, ...]], ...] = (
    (SERVICE_AND_SETTINGS, ()),
    (BOOKING_REFERRALS, ("referral_id",)),
    (BOOKING_SCREENING, ()),
    (CLIENT_BOOKED, ()),
    (THERAPIST_WITH_TIME_OFF, ("off_start",)),
    (ROOMS, ("name", "id")),
)


def _as_text(statement: sa.Select) -> sa.ScalarSelect:
    """The statement's rows, each as a JSON array, one per line, in the statement's order."""
    rows = statement.subquery()
    return sa.select(sa.func.group_concat(sa.func.json_array(*rows.c), "\n")).scalar_subquery()


# Built once. The parts share bind names with equal values (client_id in three of them,
# since/until as the therapist's window), so one set of parameters serves them all.
_INPUTS = sa.select(*(_as_text(statement) for statement, _ in _PARTS))


def booking_inputs(
    connection: Connection, service_id: str, client_id: str, therapist_id: str,
    start: datetime,
) -> Inputs:
    """What a booking of ``client_id`` with ``therapist_id`` at ``start`` decides on but the
    therapist's and rooms' busy time, as text: two reads are equal when their rows are."""
    row = connection.execute(_INPUTS, {
        "service_id": service_id, "client_id": client_id, "therapist_id": therapist_id,
        "since": start - AROUND, "until": start + _LONGEST + AROUND, "excluding": ""}).one()
    return tuple(row)


def rows_of(dialect: Dialect, inputs: Inputs) -> InputRows:
    """Each statement's rows, from their text."""
    return InputRows(*(read(text) for read, text in zip(_readers(dialect), inputs,
                                                           strict=True)))


@functools.lru_cache(maxsize=4)
def _readers(dialect: Dialect) -> tuple[Callable[[str | None], list[Any]], ...]:
    return tuple(_reader(statement, order, dialect) for statement, order in _PARTS)


def _reader(statement: sa.Select, order: tuple[str, ...], dialect: Dialect
            ) -> Callable[[str | None], list[Any]]:
    columns = list(statement.selected_columns)
    keys = tuple(column.key for column in columns)
    # What SQLAlchemy applies to each column read from this dialect (UtcDateTime, JSON...).
    processors = [column.type._cached_result_processor(dialect, None) for column in columns]
    converted = [(position, process) for position, process in enumerate(processors)
                 if process is not None]
    by_order = itemgetter(*(keys.index(key) for key in order)) if order else None
    make = row_type(keys)._make

    def read(text: str | None) -> list[Any]:
        if text is None:
            return []
        # One array of arrays: a JSON text never holds a raw line break (json_array
        # escapes them), so each line break is between two rows.
        values = json.loads("[" + text.replace("\n", ",") + "]")
        for value in values:
            for position, process in converted:
                if value[position] is not None:
                    value[position] = process(value[position])
        rows = [make(value) for value in values]
        if by_order is not None:
            rows.sort(key=by_order)
        return rows

    return read
