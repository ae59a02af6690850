"""The consumer-group runner: decode -> handle in a transaction with the event id -> commit.

Delivery semantics (after getsentry/arroyo and eShop):
- each event's effect and its id in ``processed_events`` commit in one DB transaction,
  so a redelivered event is a no-op;
- Kafka offsets are committed only after that transaction, and commit offset + 1;
- a handler that keeps failing is retried ``RetryPolicy.max_attempts`` times, then the
  message goes to ``<topic>.dlq`` with the error in its headers and the runner moves on;
- a message that can never be processed (not an event, unknown type, invalid payload)
  goes to the DLQ at once;
- database outages are not the message's fault: they are retried until the database is
  back (or the runner is stopped), never dead-lettered.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from prometheus_client import Counter, Gauge
from sqlalchemy import Column, Connection, Engine, MetaData, String, Table, insert, select
from sqlalchemy.exc import DBAPIError, OperationalError

from shared.config import KafkaSettings
from shared.db import UtcDateTime, insert_if_absent, utcnow, write_transaction
from shared.events.envelope import Event, MalformedEvent, decode
from shared.events.registry import EVENTS, EventRegistry, EventType, UnknownEventType
from shared.kafka.clients import make_producer
from shared.kafka.retry import RetryPolicy

log = logging.getLogger("shared.consumer")

metadata = MetaData()
processed_events = Table(
    "processed_events",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("processed_at", UtcDateTime, nullable=False),
)

Handler = Callable[[Connection, Event, dict[str, Any]], None]

CONSUMED = Counter(
    "consumer_events_total", "Events seen by a consumer group", ["group", "topic", "outcome"]
)
LAG = Gauge("consumer_lag", "Messages not yet consumed", ["group", "topic", "partition"])


@dataclass(frozen=True)
class Subscription:
    """One event type a consumer group applies, and the function that applies it."""

    event_type: EventType
    handler: Handler


class _Stopping(Exception):
    """Raised inside a retry loop when the runner is asked to stop."""


@dataclass
class _Decoded:
    message: Any
    event: Event | None = None
    payload: dict[str, Any] | None = None
    problem: str | None = None


class ConsumerRunner:
    """Runs one consumer group until stop(); safe to stop with SIGTERM at any point."""

    def __init__(
        self,
        engine: Engine,
        settings: KafkaSettings,
        group_id: str,
        subscriptions: Iterable[Subscription],
        registry: EventRegistry = EVENTS,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        max_poll_records: int = 500,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.group_id = group_id
        self.handlers = {s.event_type.topic: s.handler for s in subscriptions}
        self.registry = registry
        self.retry = retry or RetryPolicy()
        self.max_poll_records = max_poll_records
        self._stopping = threading.Event()
        self._sleep = sleep or self._interruptible_sleep
        self._consumer: KafkaConsumer | None = None
        self._dlq_producer: Any = None
        self._settled: dict[TopicPartition, int] = {}  # next offset to read, per partition
        self.ready = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------

    def stop(self) -> None:
        """Finish the message in hand, commit what is done, and leave the group."""
        self._stopping.set()

    def run(self) -> None:
        """Consume until stop()."""
        consumer = KafkaConsumer(
            **self.settings.client_options(),
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.max_poll_records,
            # A handler may wait out a database outage; stay in the group meanwhile.
            max_poll_interval_ms=300_000,
            # A member killed without leaving is noticed after this long (broker minimum 6 s).
            session_timeout_ms=6_000,
            heartbeat_interval_ms=2_000,
        )
        self._consumer = consumer
        # Fetch the topics' partitions before joining: a member that joins without them
        # is assigned nothing by the range assignor until the next rebalance.
        for topic in self.handlers:
            consumer.partitions_for_topic(topic)
        consumer.subscribe(list(self.handlers))
        try:
            while not self._stopping.is_set():
                try:
                    batch = consumer.poll(timeout_ms=200)
                except KafkaError:
                    # Broker unreachable or the group in flux: the client reconnects by itself.
                    log.warning(
                        "poll failed; retrying", exc_info=True, extra={"group": self.group_id}
                    )
                    self._stopping.wait(1.0)
                    continue
                self.ready.set()
                if not batch:
                    continue
                done: dict[TopicPartition, int] = {}
                try:
                    for partition, messages in batch.items():
                        for offset in self._process(messages):
                            done[partition] = offset + 1
                except _Stopping:
                    pass
                finally:
                    self._commit(consumer, done)
                self._report_lag(consumer, batch)
        finally:
            self._commit_finally(consumer)
            consumer.close(autocommit=False)
            if self._dlq_producer is not None:
                self._dlq_producer.close(timeout=5)

    # -- processing ---------------------------------------------------------------------

    def _process(self, messages: list[Any]) -> Iterable[int]:
        """Apply a partition's messages in order; yield each offset once it is settled."""
        decoded = [self._decode(m) for m in messages]
        if all(d.problem is None for d in decoded) and self._apply_together(decoded):
            for item in decoded:
                yield item.message.offset
            return
        for item in decoded:
            if self._stopping.is_set():
                raise _Stopping
            if item.problem is not None:
                self._dead_letter(item.message, "malformed", item.problem, attempts=0)
            else:
                self._apply_alone(item)
            yield item.message.offset

    def _decode(self, message: Any) -> _Decoded:
        try:
            event = decode(message.value)
            if event.type != message.topic:
                raise MalformedEvent(f"event type {event.type} on topic {message.topic}")
            if event.type not in self.handlers:
                raise UnknownEventType(event.type)
            payload = self.registry.load_payload(event)
        except (MalformedEvent, UnknownEventType) as exc:
            return _Decoded(message, problem=f"{exc.__class__.__name__}: {exc}")
        return _Decoded(message, event=event, payload=payload)

    def _apply_together(self, batch: list[_Decoded]) -> bool:
        """Fast path: the whole poll batch in one transaction. False -> fall back to one by one.

        The event ids are checked and recorded with one query each instead of one per
        message; the handlers still run one event at a time, in order.
        """
        if len(batch) == 1:
            return False
        fresh: dict[str, _Decoded] = {}
        try:
            with write_transaction(self.engine) as connection:
                ids = [item.event.id for item in batch]  # type: ignore[union-attr]
                seen = set(connection.execute(
                    select(processed_events.c.event_id).where(
                        processed_events.c.consumer == self.group_id,
                        processed_events.c.event_id.in_(ids),
                    )
                ).scalars())
                for item in batch:
                    assert item.event is not None
                    if item.event.id not in seen:
                        fresh.setdefault(item.event.id, item)
                if fresh:
                    now = utcnow()
                    connection.execute(insert(processed_events), [
                        {"consumer": self.group_id, "event_id": event_id, "processed_at": now}
                        for event_id in fresh
                    ])
                for item in fresh.values():
                    assert item.event is not None and item.payload is not None
                    self.handlers[item.event.type](connection, item.event, item.payload)
        except Exception:  # any failure: redo message by message, with retries and DLQ
            log.info("batch apply failed; applying one by one", exc_info=True,
                     extra={"group": self.group_id, "batch_size": len(batch)})
            return False
        applied = len(fresh)
        topic = batch[0].message.topic  # a poll batch here is one partition's messages
        CONSUMED.labels(self.group_id, topic, "applied").inc(applied)
        if len(batch) > applied:
            CONSUMED.labels(self.group_id, topic, "duplicate").inc(len(batch) - applied)
        return True

    def _apply_alone(self, item: _Decoded) -> None:
        attempts = 0
        while True:
            try:
                with write_transaction(self.engine) as connection:
                    outcome = self._apply(connection, item)
                CONSUMED.labels(self.group_id, item.message.topic, outcome).inc()
                return
            except Exception as exc:
                if _is_database_outage(exc):
                    log.warning(
                        "database unavailable; retrying",
                        extra={
                            "group": self.group_id,
                            "event_id": item.event and item.event.id,
                            "error": exc.__class__.__name__,
                        },
                    )
                    self._sleep(self.retry.max_backoff)
                    continue
                attempts += 1
                log.warning(
                    "handler failed",
                    exc_info=True,
                    extra={
                        "group": self.group_id,
                        "event_id": item.event and item.event.id,
                        "attempt": attempts,
                    },
                )
                if attempts >= self.retry.max_attempts:
                    self._dead_letter(
                        item.message, "handler_failed", f"{exc.__class__.__name__}: {exc}", attempts
                    )
                    return
                self._sleep(self.retry.backoff(attempts))

    def _apply(self, connection: Connection, item: _Decoded) -> str:
        assert item.event is not None and item.payload is not None
        first_time = insert_if_absent(
            connection,
            processed_events,
            {"consumer": self.group_id, "event_id": item.event.id, "processed_at": utcnow()},
        )
        if not first_time:
            return "duplicate"
        self.handlers[item.event.type](connection, item.event, item.payload)
        return "applied"

    # -- dead letters, commits, lag -----------------------------------------------------------

    def _dead_letter(self, message: Any, reason: str, error: str, attempts: int) -> None:
        headers = [
            ("dlq.reason", reason.encode()),
            ("dlq.error", error[:500].encode()),
            ("dlq.original_topic", message.topic.encode()),
            ("dlq.original_partition", str(message.partition).encode()),
            ("dlq.original_offset", str(message.offset).encode()),
            ("dlq.consumer_group", self.group_id.encode()),
            ("dlq.attempts", str(attempts).encode()),
            ("dlq.failed_at", utcnow().isoformat().encode()),
        ]
        while True:
            try:
                if self._dlq_producer is None:
                    self._dlq_producer = make_producer(self.settings)
                self._dlq_producer.send(
                    f"{message.topic}.dlq", value=message.value, key=message.key, headers=headers
                ).get(timeout=15)
                break
            except KafkaError:
                # The message must not be skipped until it is safely parked.
                log.warning("dead-letter publish failed; retrying", exc_info=True)
                self._sleep(self.retry.max_backoff)
        CONSUMED.labels(self.group_id, message.topic, "dead_lettered").inc()
        log.warning(
            "message dead-lettered",
            extra={
                "group": self.group_id,
                "topic": message.topic,
                "partition": message.partition,
                "offset": message.offset,
                "reason": reason,
            },
        )

    def _commit(self, consumer: KafkaConsumer, done: dict[TopicPartition, int]) -> None:
        """Commit what a poll settled without waiting for the broker's answer.

        The effects are already committed with their event ids, so a commit that never
        lands only means redelivered messages that processed_events skips; waiting for
        each answer cost a broker round trip per poll. ``_commit_finally`` waits, once.
        """
        if not done:
            return
        self._settled.update(done)
        offsets = {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in done.items()}
        try:
            consumer.commit_async(offsets, callback=self._on_commit_answer)
        except KafkaError as error:
            self._on_commit_answer(offsets, error)

    def _on_commit_answer(self, _offsets: Any, answer: Any) -> None:
        if isinstance(answer, Exception):
            # A rebalance or a broker outage: whoever owns the partitions next re-reads from
            # the last commit, and processed_events turns the repeats into no-ops.
            log.warning(
                "offset commit failed; messages will be redelivered",
                extra={"group": self.group_id, "error": answer.__class__.__name__},
            )

    def _commit_finally(self, consumer: KafkaConsumer) -> None:
        """On the way out: wait until everything settled here is committed (if still ours)."""
        owned = consumer.assignment()
        offsets = {
            tp: OffsetAndMetadata(offset, "", -1)
            for tp, offset in self._settled.items()
            if tp in owned
        }
        if not offsets:
            return
        try:
            consumer.commit(offsets, timeout_ms=10_000)
        except (CommitFailedError, KafkaError):
            log.warning(
                "final offset commit failed; messages will be redelivered",
                exc_info=True,
                extra={"group": self.group_id},
            )

    def _report_lag(self, consumer: KafkaConsumer, batch: dict[TopicPartition, Any]) -> None:
        for partition in batch:
            high = consumer.highwater(partition)
            if high is not None:
                position = consumer.position(partition)
                LAG.labels(self.group_id, partition.topic, partition.partition).set(
                    max(0, high - position)
                )

    def _interruptible_sleep(self, seconds: float) -> None:
        if self._stopping.wait(seconds):
            raise _Stopping


def _is_database_outage(exc: Exception) -> bool:
    """A locked or unreachable database: wait for it rather than blame the message."""
    return isinstance(exc, OperationalError) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )
