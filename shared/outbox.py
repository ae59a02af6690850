"""Transactional outbox: events are rows written with the state change, then relayed.

``add_to_outbox`` runs inside the caller's transaction, so an event exists exactly when
the change that caused it committed. ``OutboxRelay`` publishes pending rows to Kafka in
id order (and so in order per key) with acks=all, marks them sent, and backs off while
the broker is down, keeping everything. Only one relay per database publishes at a
time (a lease row), because two relays racing would break per-key order.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from prometheus_client import Counter, Gauge
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    any_,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError

from shared.bulk import execute_many
from shared.db import UtcDateTime, utcnow, write_transaction
from shared.events.envelope import Event, encode
from shared.events.registry import EVENTS, EventType

log = logging.getLogger("shared.outbox")

metadata = MetaData()
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("message_key", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    # The relay reads only unsent rows, in id order.
    Index("ix_outbox_pending", "id", sqlite_where=text("sent_at IS NULL"),
          postgresql_where=text("sent_at IS NULL")),
)
relay_lease = Table(
    "outbox_relay_lease",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

OUTBOX_PENDING = Gauge("outbox_pending_events", "Events written but not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_pending_age_seconds", "Age of the oldest unpublished event", ["service"]
)
OUTBOX_PUBLISHED = Counter("outbox_published_total", "Events published by the relay", ["service"])


# Built once with the values bound per call: building INSERT ... VALUES afresh for each
# event cost three times the insert itself. Inline: on PostgreSQL nothing reads the new
# row's id, so no RETURNING (a result to wait for and describe) is asked for.
_INSERT = insert(outbox).inline()
_ANY_PENDING = select(outbox.c.id).where(outbox.c.sent_at.is_(None)).limit(1)


def add_to_outbox(connection: Connection, event: Event) -> None:
    """Queue an event for publishing, in the caller's transaction."""
    add_all_to_outbox(connection, [event])


def add_all_to_outbox(connection: Connection, events: list[Event]) -> None:
    """Queue several events, in order, in the caller's transaction (one executemany)."""
    if not events:
        return
    now = utcnow()
    execute_many(
        connection,
        _INSERT,
        [
            {
                "event_id": event.id,
                "topic": event.type,
                "message_key": event.subject,
                "payload": encode(event).decode(),
                "created_at": now,
            }
            for event in events
        ],
    )


def _one_of(connection: Connection, ids: list[int]) -> ColumnElement[bool]:
    """``outbox.id`` among ``ids``: on PostgreSQL as one array parameter (``= ANY``).

    ``IN (...)`` renders a placeholder per id, and psycopg parsing the ~1,000 of a batch
    made marking it sent ~15% of the relay's time there: 16 us of CPU per event, 4 us
    with the array (docs/PERFORMANCE.md, "Event bus").
    """
    if connection.dialect.name == "postgresql":
        return outbox.c.id == any_(literal(ids, ARRAY(Integer)))
    return outbox.c.id.in_(ids)


def pending_summary(connection: Connection) -> tuple[int, float]:
    """(number of unsent events, age in seconds of the oldest one)."""
    count, oldest = connection.execute(
        select(func.count(), func.min(outbox.c.created_at)).where(outbox.c.sent_at.is_(None))
    ).one()
    if not oldest:
        return int(count), 0.0
    oldest_at = UtcDateTime().process_result_value(oldest, connection.dialect)
    assert oldest_at is not None
    return int(count), max(0.0, (utcnow() - oldest_at).total_seconds())


class Publisher(Protocol):
    """What the relay needs from a Kafka producer (kafka-python's KafkaProducer fits)."""

    def send(self, topic: str, value: bytes, key: bytes) -> Any: ...
    def flush(self, timeout: float | None = None) -> None: ...


@dataclass
class RelayPolicy:
    """Batch size and timings; the defaults suit a clinic and the benchmark alike."""

    batch_size: int = 1000
    idle_sleep: float = 0.1
    max_backoff: float = 10.0
    lease_seconds: float = 15.0
    send_timeout: float = 30.0


class OutboxRelay:
    """Publishes a service's outbox to Kafka until stopped."""

    def __init__(
        self,
        engine: Engine,
        publisher_factory: Callable[[], Publisher],
        service: str,
        policy: RelayPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.engine = engine
        self.publisher_factory = publisher_factory
        self.service = service
        self.policy = policy or RelayPolicy()
        self.holder = f"{service}-{uuid.uuid4().hex[:12]}"
        self._sleep = sleep
        self._stopping = threading.Event()
        self._publisher: Publisher | None = None

    def stop(self) -> None:
        """Ask the loop to finish its current batch and return."""
        self._stopping.set()

    def run(self) -> None:
        """Relay until stop(): publish batches, back off on failure, idle when empty."""
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                published = self.relay_once()
                backoff = 0.5
            except Exception:
                log.warning(
                    "outbox relay failed; will retry",
                    exc_info=True,
                    extra={"retry_in_seconds": backoff},
                )
                self._drop_publisher()
                self._update_metrics_quietly()
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, self.policy.max_backoff)
                continue
            if published == 0:
                self._stopping.wait(self.policy.idle_sleep)
        self._drop_publisher()

    def relay_once(self) -> int:
        """Publish one batch of pending events; return how many were marked sent."""
        if not self._anything_pending():
            # Idle: a read, not the lease's write transaction, which on SQLite would take a
            # write turn from the service's other writers many times a second
            # (docs/PERFORMANCE.md, "Claims", round 3). Whoever holds the lease when events
            # appear publishes them.
            OUTBOX_PENDING.labels(self.service).set(0)
            OUTBOX_OLDEST_AGE.labels(self.service).set(0.0)
            return 0
        if not self._hold_lease():
            self._update_metrics()
            return 0
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(outbox.c.id, outbox.c.topic, outbox.c.message_key, outbox.c.payload)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.id)
                .limit(self.policy.batch_size)
            ).all()
            connection.rollback()
        if not rows:
            self._update_metrics()
            return 0
        publisher = self._get_publisher()
        futures = [
            publisher.send(row.topic, value=row.payload.encode(), key=row.message_key.encode())
            for row in rows
        ]
        publisher.flush(timeout=self.policy.send_timeout)
        sent_ids = []
        for row, future in zip(rows, futures, strict=True):
            # Stop at the first failure: marking later rows sent would let a retry of the
            # failed one arrive after its successors for the same key.
            if not future.succeeded():
                error = future.exception if future.is_done else TimeoutError("not acknowledged")
                if not sent_ids:
                    raise RuntimeError(f"publish failed: {error!r}")
                log.warning("publish partly failed", extra={"published": len(sent_ids)})
                break
            sent_ids.append(row.id)
        with write_transaction(self.engine) as connection:
            connection.execute(
                update(outbox).where(_one_of(connection, sent_ids)).values(sent_at=utcnow())
            )
        OUTBOX_PUBLISHED.labels(self.service).inc(len(sent_ids))
        self._update_metrics()
        return len(sent_ids)

    def _anything_pending(self) -> bool:
        with self.engine.connect() as connection:
            found = connection.execute(_ANY_PENDING).first() is not None
            connection.rollback()
        return found

    def _hold_lease(self) -> bool:
        # A conditional UPDATE is atomic on both backends: at most one relay renews or
        # takes over an expired lease, however many processes try at once.
        now = utcnow()
        expires = now + timedelta(seconds=self.policy.lease_seconds)
        with write_transaction(self.engine) as connection:
            renewed = connection.execute(
                update(relay_lease)
                .where(relay_lease.c.name == "relay")
                .where(or_(relay_lease.c.holder == self.holder, relay_lease.c.expires_at < now))
                .values(holder=self.holder, expires_at=expires)
            ).rowcount
            if renewed:
                return True
            exists = connection.execute(
                select(relay_lease.c.name).where(relay_lease.c.name == "relay")
            ).first()
            if exists:
                return False
            try:
                with connection.begin_nested():
                    connection.execute(
                        insert(relay_lease).values(
                            name="relay", holder=self.holder, expires_at=expires
                        )
                    )
            except IntegrityError:
                return False
            return True

    def _update_metrics(self) -> None:
        with self.engine.connect() as connection:
            count, age = pending_summary(connection)
        OUTBOX_PENDING.labels(self.service).set(count)
        OUTBOX_OLDEST_AGE.labels(self.service).set(age)

    def _update_metrics_quietly(self) -> None:
        # While the broker is down the backlog is exactly what ops need to see grow.
        try:
            self._update_metrics()
        except Exception:  # the database may be what failed; the next round retries
            log.debug("could not update outbox metrics", exc_info=True)

    def _get_publisher(self) -> Publisher:
        if self._publisher is None:
            self._publisher = self.publisher_factory()
        return self._publisher

    def _drop_publisher(self) -> None:
        if self._publisher is not None:
            try:
                self._publisher.close(timeout=2)  # type: ignore[attr-defined]
            except Exception:  # closing a broken producer may fail; we discard it anyway
                log.debug("closing publisher failed", exc_info=True)
            self._publisher = None


def emit(
    connection: Connection,
    event_type: EventType,
    *,
    source: str,
    subject: str,
    data: dict[str, Any],
    correlation_id: str | None = None,
) -> Event:
    """Validate an event against the catalogue and queue it in the caller's transaction."""
    (event,) = emit_all(connection, event_type, source=source,
                        emissions=[Emission(subject, data, correlation_id)])
    return event


@dataclass(frozen=True)
class Emission:
    """One event of a kind to emit: what it is about and what it says."""

    subject: str
    data: dict[str, Any]
    correlation_id: str | None = None


def emit_all(
    connection: Connection,
    event_type: EventType,
    *,
    source: str,
    emissions: Iterable[Emission],
) -> list[Event]:
    """``emit`` for many events of one type at once (a whole 277CA's acceptances)."""
    events = [
        EVENTS.build(event_type, source=source, subject=emission.subject, data=emission.data,
                     correlation_id=emission.correlation_id)
        for emission in emissions
    ]
    add_all_to_outbox(connection, events)
    return events
