"""The waitlist as stored: entries in list order, offers (each holding a slot while open),
and openings, the freed time the waitlist worker has yet to offer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from services.scheduling.domain.waitlist import ON_THE_LIST, OPEN, WaitlistEntry, Window
from services.scheduling.store.tables import waitlist_entries as entries
from services.scheduling.store.tables import waitlist_offers as offers
from services.scheduling.store.tables import waitlist_openings as openings
from shared.db import utcnow

# -- entries --------------------------------------------------------------------------------


def windows_to_json(windows: Iterable[Window]) -> list[list[Any]]:
    """Windows as stored: [weekday, "HH:MM", "HH:MM"]."""
    return [[w.weekday, w.start.strftime("%H:%M"), w.end.strftime("%H:%M")] for w in windows]


def _windows(stored: list[list[Any]]) -> tuple[Window, ...]:
    return tuple(Window(weekday, time.fromisoformat(start), time.fromisoformat(end))
                 for weekday, start, end in stored)


def to_entry(row: Any) -> WaitlistEntry:
    """The domain view of a stored entry."""
    return WaitlistEntry(id=row.id, client_id=row.client_id, service_id=row.service_id,
                         therapist_id=row.therapist_id, windows=_windows(row.windows),
                         earliest_on=row.earliest_on, latest_on=row.latest_on,
                         position=row.position, status=row.status)


def insert_entry(connection: Connection, entry: WaitlistEntry, now: datetime) -> int:
    """Put an entry at the end of the list; returns its position."""
    last = connection.execute(sa.select(sa.func.max(entries.c.position))).scalar()
    position = (last or 0) + 1
    connection.execute(sa.insert(entries).values(
        id=entry.id, client_id=entry.client_id, service_id=entry.service_id,
        therapist_id=entry.therapist_id, windows=windows_to_json(entry.windows),
        earliest_on=entry.earliest_on, latest_on=entry.latest_on, position=position,
        status=entry.status, appointment_id=None, joined_at=now, changed_at=now))
    return position


def get_entry(connection: Connection, entry_id: str, lock: bool = False) -> Any:
    """The stored entry (None when absent); ``lock`` takes its row lock."""
    query = sa.select(entries).where(entries.c.id == entry_id)
    return connection.execute(query.with_for_update() if lock else query).first()


def entry_on_the_list(connection: Connection, client_id: str, service_id: str) -> str | None:
    """The id of the client's entry for this service that is still on the list, if any."""
    return connection.execute(sa.select(entries.c.id).where(
        entries.c.client_id == client_id, entries.c.service_id == service_id,
        entries.c.status.in_(ON_THE_LIST)).limit(1)).scalar()


def set_entry_status(connection: Connection, entry_id: str, status: str,
                     appointment_id: str | None = None) -> None:
    """Record where an entry stands now."""
    connection.execute(sa.update(entries).where(entries.c.id == entry_id).values(
        status=status, appointment_id=appointment_id, changed_at=utcnow()))


def waiting_entries(connection: Connection, therapist_id: str | None = None,
                    lock: bool = False) -> list[WaitlistEntry]:
    """Entries waiting for an offer, in list order; with a therapist, those who'd see them."""
    query = sa.select(entries).where(entries.c.status == "waiting")
    if therapist_id is not None:
        query = query.where(sa.or_(entries.c.therapist_id.is_(None),
                                   entries.c.therapist_id == therapist_id))
    query = query.order_by(entries.c.position, entries.c.id)
    if lock:
        query = query.with_for_update()
    return [to_entry(row) for row in connection.execute(query)]


def list_entries(connection: Connection, status: Sequence[str] = ON_THE_LIST,
                 service_id: str | None = None, limit: int = 500,
                 lock: bool = False) -> list[Any]:
    """Entries in list order (those on the list by default); ``lock`` takes their locks in
    that order, the order the waitlist worker takes them in."""
    query = (sa.select(entries).where(entries.c.status.in_(list(status)))
             .order_by(entries.c.position, entries.c.id).limit(limit))
    if service_id is not None:
        query = query.where(entries.c.service_id == service_id)
    return list(connection.execute(query.with_for_update() if lock else query))


def renumber(connection: Connection, order: Sequence[str]) -> None:
    """Give the entries positions 1, 2, ... in this order."""
    for position, entry_id in enumerate(order, start=1):
        connection.execute(sa.update(entries).where(entries.c.id == entry_id)
                           .values(position=position))


# -- offers ---------------------------------------------------------------------------------


def insert_offer(connection: Connection, values: dict[str, Any]) -> None:
    """Store a new open offer (its slot is held from now on)."""
    connection.execute(sa.insert(offers).values(status=OPEN, closed_at=None,
                                                appointment_id=None, **values))


def get_offer(connection: Connection, offer_id: str, lock: bool = False) -> Any:
    """The stored offer (None when absent); ``lock`` takes its row lock."""
    query = sa.select(offers).where(offers.c.id == offer_id)
    return connection.execute(query.with_for_update() if lock else query).first()


def offer_by_token(connection: Connection, hashed: str, lock: bool = False) -> Any:
    """The offer whose link token has this hash (None when none has)."""
    query = sa.select(offers).where(offers.c.token_hash == hashed)
    return connection.execute(query.with_for_update() if lock else query).first()


def open_offer_of(connection: Connection, entry_id: str, lock: bool = False) -> Any:
    """The entry's open offer, if it holds one."""
    query = sa.select(offers).where(offers.c.entry_id == entry_id, offers.c.status == OPEN)
    return connection.execute(query.with_for_update() if lock else query).first()


def open_offers_of(connection: Connection, entry_ids: Sequence[str]) -> dict[str, Any]:
    """The open offer of each of these entries that holds one, by entry id."""
    if not entry_ids:
        return {}
    rows = connection.execute(sa.select(offers).where(
        offers.c.entry_id.in_(list(entry_ids)), offers.c.status == OPEN))
    return {row.entry_id: row for row in rows}


def close_offer(connection: Connection, offer_id: str, status: str, at: datetime,
                appointment_id: str | None = None) -> None:
    """Close an offer (its slot is no longer held)."""
    connection.execute(sa.update(offers).where(offers.c.id == offer_id).values(
        status=status, closed_at=at, appointment_id=appointment_id))


def offered_before(connection: Connection, entry_id: str, therapist_id: str,
                   start: datetime) -> bool:
    """Whether this entry was already offered this therapist's slot at this start."""
    found = connection.execute(sa.select(offers.c.id).where(
        offers.c.entry_id == entry_id, offers.c.therapist_id == therapist_id,
        offers.c.start == start).limit(1)).first()
    return found is not None


def due_offers(connection: Connection, now: datetime, limit: int = 100) -> list[str]:
    """Ids of open offers whose hold has run out, oldest first."""
    rows = connection.execute(sa.select(offers.c.id).where(
        offers.c.status == OPEN, offers.c.hold_until <= now)
        .order_by(offers.c.hold_until, offers.c.id).limit(limit))
    return [row.id for row in rows]


def held_time(owned: bool) -> sa.Select:
    """Slots open offers hold, as busy time: the part ``busy_appointments`` unites with its
    own query (same columns: therapist_id, room_id, start, end; same bind names).

    A held slot keeps its therapist and room from every other booking, and from the
    availability the widget shows, until the offer closes. ``since``/``until`` are the
    busy query's (buffers included); ``owned`` keeps only those of ``therapist_ids`` or
    ``room_ids``.
    """
    query = (
        sa.select(offers.c.therapist_id, offers.c.room_id, offers.c.start, offers.c.end)
        .where(offers.c.status == OPEN, offers.c.start < sa.bindparam("until"),
               offers.c.end > sa.bindparam("since"))
    )
    if owned:
        query = query.where(sa.or_(
            offers.c.therapist_id.in_(sa.bindparam("therapist_ids", expanding=True)),
            offers.c.room_id.in_(sa.bindparam("room_ids", expanding=True))))
    return query


# -- openings -------------------------------------------------------------------------------


def add_opening(connection: Connection, therapist_id: str, start: datetime | None = None,
                end: datetime | None = None) -> None:
    """Note freed time for the waitlist worker to offer."""
    connection.execute(sa.insert(openings).values(therapist_id=therapist_id, start=start,
                                                  end=end, recorded_at=utcnow()))


def take_opening(connection: Connection) -> Any:
    """The oldest opening, locked (others' workers skip it), or None."""
    query = sa.select(openings).order_by(openings.c.id).limit(1)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return connection.execute(query).first()


def drop_opening(connection: Connection, opening_id: int) -> None:
    """Forget an opening once it has been offered."""
    connection.execute(sa.delete(openings).where(openings.c.id == opening_id))

