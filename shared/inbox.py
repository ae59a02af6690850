"""The processed-event record: which events a consumer group has already applied.

An event's effect and its id here commit in one transaction, so a redelivered event is
recognised and skipped (docs/ARCHITECTURE.md, "Idempotent consumers").
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, MetaData, String, Table, bindparam, text

from shared.db import UtcDateTime, dialect_insert, insert_if_absent, utcnow

metadata = MetaData()
processed_events = Table(
    "processed_events",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("processed_at", UtcDateTime, nullable=False),
)


def record_processed(connection: Connection, consumer: str, event_id: str) -> bool:
    """Note the event as applied by ``consumer``; False when it already was."""
    return insert_if_absent(
        connection, processed_events,
        {"consumer": consumer, "event_id": event_id, "processed_at": utcnow()},
    )


# On PostgreSQL the ids go as one array: one short statement, parsed and planned alike for
# every batch. The same insert with a row of values per id spent ~14 ms a batch of 167
# (under cProfile) just in psycopg finding its ~500 placeholders.
_RECORD_ALL_POSTGRESQL = text(
    "INSERT INTO processed_events (consumer, event_id, processed_at) "
    "SELECT :consumer, unnest(CAST(:event_ids AS VARCHAR[])), :processed_at "
    "ON CONFLICT DO NOTHING RETURNING event_id"
).bindparams(bindparam("processed_at", type_=UtcDateTime))


def record_all_processed(connection: Connection, consumer: str, event_ids: list[str]) -> set[str]:
    """Note a batch of events as applied; returns the ids that were new (one statement).

    ``INSERT ... ON CONFLICT DO NOTHING RETURNING``: the ids already recorded are found
    by the primary key's own check, row by row. A ``SELECT ... WHERE event_id IN (...)``
    first did the same on SQLite, but PostgreSQL planned it as a scan of every id the
    consumer had ever recorded (the index on ``consumer`` alone, ``event_id`` as a
    filter), so each batch cost more than the last (docs/PERFORMANCE.md, "Event bus").
    """
    fresh = list(dict.fromkeys(event_ids))
    if not fresh:
        return set()
    now = utcnow()
    if connection.dialect.name == "postgresql":
        return set(connection.execute(_RECORD_ALL_POSTGRESQL, {
            "consumer": consumer, "event_ids": fresh, "processed_at": now}).scalars())  # fmt: skip
    statement = (
        dialect_insert(connection, processed_events)
        .on_conflict_do_nothing()
        .returning(processed_events.c.event_id)
    )
    return set(connection.execute(statement, [
        {"consumer": consumer, "event_id": event_id, "processed_at": now} for event_id in fresh
    ]).scalars())
