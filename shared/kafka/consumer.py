"""The consumer-group runner: decode -> handle in a transaction with the event id -> commit.

Delivery semantics (after getsentry/arroyo and eShop):
- each event's effect and its id in ``processed_events`` commit in one DB transaction,
  so a redelivered event is a no-op;
- Kafka offsets are committed only after that transaction, and commit offset + 1; a
  commit the broker refuses is sent again once the runner is idle (``_commit_again``);
- a handler that keeps failing is retried ``RetryPolicy.max_attempts`` times, then the
  message goes to ``<topic>.dlq`` with the error in its headers and the runner moves on;
- a message that can never be processed (not an event, unknown type, invalid payload)
  goes to the DLQ at once;
- database outages are not the message's fault: they are retried until the database is
  back (or the runner is stopped), never dead-lettered;
- dead letters have a limit (after arroyo's DLQ limit): when more than ``dlq_limit``
  messages go to the DLQ within ``dlq_window_seconds``, something is wrong with the
  handler or the producer, not with single messages, so the runner stops before parking
  the next one, logs an error and shows ``consumer_halted`` = 1 until restarted;
- the group id carries the deployment's ``group_prefix``, so two deployments or test runs
  on one cluster never take each other's events. The processed-event record uses the
  bare name, so changing the prefix does not re-apply what the database already holds.

Handlers get a ``UnitOfWork`` whose transaction holds the event's id: they call the
service's command and never open a transaction of their own.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, cast

from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.errors import CommitFailedError, KafkaError, RebalanceInProgressError
from prometheus_client import Counter, Gauge
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from shared.config import KafkaSettings
from shared.db import utcnow, write_transaction
from shared.deferred_inserts import DeferredInserts
from shared.events.envelope import Event, MalformedEvent, decode
from shared.events.registry import EVENTS, EventRegistry, EventType, UnknownEventType
from shared.inbox import record_all_processed
from shared.kafka.clients import make_producer
from shared.kafka.retry import RetryPolicy
from shared.uow import UnitOfWork

# How long the last commit keeps being tried while the group is rebalancing as the runner
# stops: long enough for a member starved of CPU past its session timeout (6 s) to rejoin,
# short enough that SIGTERM still ends the process well inside a supervisor's grace period
# (commonly 30 s); what is not committed is redelivered and skipped by processed_events.
FINAL_COMMIT_SECONDS = 10.0

log = logging.getLogger("shared.consumer")

Handler = Callable[[UnitOfWork, Event, dict[str, Any]], None]
# Around the handlers of a poll batch applied together: given the batch's connection and
# its new events of the subscription's type, in order, before the first handler runs.
BatchScope = Callable[[Connection, list[Event]], AbstractContextManager[object]]

CONSUMED = Counter(
    "consumer_events_total", "Events seen by a consumer group", ["group", "topic", "outcome"]
)
LAG = Gauge("consumer_lag", "Messages not yet consumed", ["group", "topic", "partition"])
HALTED = Gauge(
    "consumer_halted", "1 when the group stopped at its dead-letter limit (restart it)", ["group"]
)


@dataclass(frozen=True)
class Subscription:
    """One event type a consumer group applies, and the function that applies it."""

    event_type: EventType
    handler: Handler
    # Optional, for handlers that do better per batch than per event (e.g. read what all
    # the batch's events need at once, write what they made together at the end). Only
    # the batch path enters it: an event applied alone (the fallback, retries) never runs
    # inside it, so its handler must also work without it, with the same outcome.
    batch_scope: BatchScope | None = None


class _Stopping(Exception):
    """Raised inside a retry loop when the runner is asked to stop."""


class DeadLetterLimitExceeded(Exception):
    """More messages went to the DLQ in the window than the limit allows."""


class DeadLetterLimit:
    """At most ``limit`` dead letters within any ``window_seconds``; the clock is injectable."""

    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self.clock = clock
        self._recent: deque[float] = deque()

    def admit(self) -> None:
        """Count one more dead letter, or raise DeadLetterLimitExceeded if it is one too many."""
        now = self.clock()
        while self._recent and now - self._recent[0] >= self.window_seconds:
            self._recent.popleft()
        if len(self._recent) >= self.limit:
            raise DeadLetterLimitExceeded(
                f"{self.limit} dead letters within {self.window_seconds:g}s"
            )
        self._recent.append(now)


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
        consumer: str,
        subscriptions: Iterable[Subscription],
        registry: EventRegistry = EVENTS,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] | None = None,
        max_poll_records: int = 500,
        source: str | None = None,
        dead_letter_limit: DeadLetterLimit | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.consumer = consumer  # the name processed events are recorded under
        self.group_id = f"{settings.group_prefix}{consumer}"
        self.source = source or consumer  # the CloudEvents source of what handlers emit
        self.dead_letters = dead_letter_limit or DeadLetterLimit(
            settings.dlq_limit, settings.dlq_window_seconds
        )
        self.halted = False
        subscriptions = list(subscriptions)
        self.handlers = {s.event_type.topic: s.handler for s in subscriptions}
        self.batch_scopes = {s.event_type.topic: s.batch_scope for s in subscriptions
                             if s.batch_scope is not None}  # fmt: skip
        self.registry = registry
        self.retry = retry or RetryPolicy()
        self.max_poll_records = max_poll_records
        self._stopping = threading.Event()
        self._sleep = sleep or self._interruptible_sleep
        self._consumer: KafkaConsumer | None = None
        self._dlq_producer: Any = None
        self._settled: dict[TopicPartition, int] = {}  # next offset to read, per partition
        # A commit the broker refused, and the partitions the runner owned then: sent again
        # when the runner is next idle (``_commit_again``).
        self._refused: dict[TopicPartition, OffsetAndMetadata] = {}
        self._refused_while_owning: set[TopicPartition] = set()
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
        HALTED.labels(self.group_id).set(0)
        try:
            while not self._stopping.is_set() and not self.halted:
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
                    self._commit_again(consumer)
                    continue
                done: dict[TopicPartition, int] = {}
                try:
                    for partition, messages in batch.items():
                        for offset in self._process(messages):
                            done[partition] = offset + 1
                except _Stopping:
                    pass
                except DeadLetterLimitExceeded as exceeded:
                    self._halt(exceeded)
                finally:
                    self._commit(consumer, done)
                self._report_lag(consumer, batch)
        finally:
            self._commit_finally(consumer)
            consumer.close(autocommit=False)
            if self._dlq_producer is not None:
                self._dlq_producer.close(timeout=5)

    def _halt(self, exceeded: DeadLetterLimitExceeded) -> None:
        # The message that would have gone over the limit is neither parked nor committed:
        # after the cause is fixed and the service restarted, it is read again.
        self.halted = True
        HALTED.labels(self.group_id).set(1)
        log.error("dead-letter limit exceeded; consumer stopped until restarted",
                  extra={"group": self.group_id, "limit": str(exceeded)})

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
        message; the handlers still run one event at a time, in order, and their plain
        inserts go out together (``DeferredInserts``: on PostgreSQL one round trip and
        statement per insert was most of the work).
        """
        if len(batch) == 1:
            return False
        fresh: dict[str, _Decoded] = {}
        try:
            with write_transaction(self.engine) as connection:
                ids = [item.event.id for item in batch]  # type: ignore[union-attr]
                new_ids = record_all_processed(connection, self.consumer, ids)
                for item in batch:
                    assert item.event is not None
                    if item.event.id in new_ids:
                        fresh.setdefault(item.event.id, item)
                # An insert held back here raises at the flush, not in its handler: any
                # error fails the whole batch, which is then redone one event at a time.
                deferred = DeferredInserts(connection)
                with self._scopes(cast(Connection, deferred), list(fresh.values())):
                    for item in fresh.values():
                        assert item.event is not None and item.payload is not None
                        unit = self._unit(cast(Connection, deferred), item.event)
                        self.handlers[item.event.type](unit, item.event, item.payload)
                deferred.flush()
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

    @contextmanager
    def _scopes(self, connection: Connection, fresh: list[_Decoded]) -> Iterator[None]:
        """Inside the batch scopes of the event types in ``fresh`` (each given its events);
        an exception in the block reaches every scope, which then writes nothing."""
        by_type: dict[str, list[Event]] = {}
        for item in fresh:
            assert item.event is not None
            if item.event.type in self.batch_scopes:
                by_type.setdefault(item.event.type, []).append(item.event)
        with ExitStack() as scopes:
            for event_type, events in by_type.items():
                scopes.enter_context(self.batch_scopes[event_type](connection, events))
            yield

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
        uow = self._unit(connection, item.event)
        if not uow.mark_processed(self.consumer, item.event.id):
            return "duplicate"
        self.handlers[item.event.type](uow, item.event, item.payload)
        return "applied"

    def _unit(self, connection: Connection, event: Event) -> UnitOfWork:
        # What a handler emits follows the flow of the event that caused it.
        return UnitOfWork(connection, self.source, correlation_id=event.correlation_id or event.id,
                          actor=self.group_id)

    # -- dead letters, commits, lag -----------------------------------------------------------

    def _dead_letter(self, message: Any, reason: str, error: str, attempts: int) -> None:
        self.dead_letters.admit()
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
        for partition in offsets:  # this commit supersedes an earlier refused one
            self._refused.pop(partition, None)
        try:
            consumer.commit_async(offsets, callback=self._on_commit_answer)
        except KafkaError as error:
            self._on_commit_answer(offsets, error)

    def _on_commit_answer(self, offsets: Any, answer: Any) -> None:
        if isinstance(answer, Exception):
            # A rebalance or a broker outage: whoever owns the partitions next re-reads from
            # the last commit, and processed_events turns the repeats into no-ops.
            log.warning(
                "offset commit failed; messages will be redelivered",
                extra={"group": self.group_id, "error": answer.__class__.__name__},
            )
            # Answers come on a later poll, maybe after a newer commit of the same partition
            # was sent: only what nothing newer covers is worth sending again.
            refused = {partition: offset for partition, offset in offsets.items()
                       if offset.offset >= self._settled.get(partition, -1)}
            if refused and self._consumer is not None:
                self._refused.update(refused)
                self._refused_while_owning = set(self._consumer.assignment())

    def _commit_again(self, consumer: KafkaConsumer) -> None:
        """Send a refused commit again once the runner is idle, if it still owns the same
        partitions.

        Otherwise a topic that goes quiet keeps its committed offset behind for good: its
        events are applied, yet ops see lag that never drains (docs/OPERATIONS.md, lag).
        After a rebalance the partitions' new owners commit what they read; an old offset
        sent now could move theirs back.
        """
        if not self._refused:
            return
        refused, self._refused = self._refused, {}
        if set(consumer.assignment()) != self._refused_while_owning:
            return
        try:
            consumer.commit_async(refused, callback=self._on_commit_answer)
        except KafkaError as error:
            self._on_commit_answer(refused, error)

    def _commit_finally(self, consumer: KafkaConsumer) -> None:
        """On the way out: wait until everything settled here is committed (if still ours).

        A commit refused because the group is rebalancing is retried after a poll, which is
        how the client completes the rebalance (kafka-python's RebalanceInProgressError);
        anything polled meanwhile is neither applied nor committed, so it is read again.
        """
        error: Exception | None = None
        deadline = time.monotonic() + FINAL_COMMIT_SECONDS
        while time.monotonic() < deadline:
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
                return
            except RebalanceInProgressError as refused:
                error = refused
                consumer.poll(timeout_ms=1_000, max_records=1)
            except (CommitFailedError, KafkaError) as failed:
                error = failed
                break
        log.warning(
            "final offset commit failed; messages will be redelivered",
            exc_info=error,
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
