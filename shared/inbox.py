"""The processed-event record: which events a consumer group has already applied.

An event's effect and its id here commit in one transaction, so a redelivered event is
recognised and skipped (docs/ARCHITECTURE.md, "Idempotent consumers").
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, MetaData, String, Table, insert, select

from shared.db import UtcDateTime, insert_if_absent, utcnow

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


def record_all_processed(connection: Connection, consumer: str, event_ids: list[str]) -> set[str]:
    """Note a batch of events as applied; returns the ids that were new (one query each way)."""
    seen = set(connection.execute(
        select(processed_events.c.event_id).where(
            processed_events.c.consumer == consumer,
            processed_events.c.event_id.in_(event_ids),
        )
    ).scalars())
    fresh = list(dict.fromkeys(event_id for event_id in event_ids if event_id not in seen))
    if fresh:
        now = utcnow()
        connection.execute(insert(processed_events), [
            {"consumer": consumer, "event_id": event_id, "processed_at": now}
            for event_id in fresh
        ])
    return set(fresh)
