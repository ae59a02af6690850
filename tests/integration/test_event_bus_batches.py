"""A poll batch applied in one transaction, on both databases: a handler's insert that is
held back and fails at the batch's end sends the batch one event at a time, where only
the event at fault is retried and dead-lettered."""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from kafka import KafkaConsumer, KafkaProducer
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from shared.events.envelope import encode
from shared.kafka.clients import ensure_topics
from shared.kafka.consumer import ConsumerRunner, Subscription
from shared.kafka.retry import RetryPolicy
from tests.support.bus import event_type_for, prepare_database
from tests.support.waiting import wait_for

metadata = MetaData()
tickets = Table(
    "tickets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("number", Integer, nullable=False, unique=True),  # one ticket per number
)
_ISSUE = insert(tickets)


def issue_ticket(uow, event, payload) -> None:  # type: ignore[no-untyped-def]
    uow.connection.execute(_ISSUE, {"event_id": event.id, "number": payload["seq"]})


def test_a_held_insert_failing_at_the_end_of_a_batch_dead_letters_only_its_own_event(
    database_url, kafka_settings, unique, caplog
):
    caplog.set_level(logging.INFO, logger="shared.consumer")
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic])
    engine = prepare_database(database_url)
    metadata.create_all(engine)
    numbers = [1, 2, 3, 3, 4, 5]  # the second 3 is refused by the unique number
    events = [registry.build(event_type, source="t", subject="c1",
                             data={"client_id": "c1", "seq": n}) for n in numbers]  # fmt: skip
    producer = KafkaProducer(**kafka_settings.client_options(), acks="all")
    for event in events:  # one key, one partition: one poll batch when all are there
        producer.send(event_type.topic, key=b"c1", value=encode(event))
    producer.flush()
    producer.close()
    runner = ConsumerRunner(engine, kafka_settings, f"g-{unique}",
                            [Subscription(event_type, issue_ticket)], registry=registry,
                            retry=RetryPolicy(max_attempts=2, initial_backoff=0.01))  # fmt: skip
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    reader = KafkaConsumer(event_type.dead_letter_topic, **kafka_settings.client_options(),
                           auto_offset_reset="earliest", enable_auto_commit=False)  # fmt: skip
    dead: list = []
    try:
        wait_for(lambda: dead.extend(m for batch in reader.poll(500).values() for m in batch)
                 or len(dead) >= 1, timeout=60, what="the refused event dead-lettered")  # fmt: skip
        wait_for(lambda: _issued(engine) == [1, 2, 3, 4, 5], timeout=60,
                 what="every other event applied")  # fmt: skip
    finally:
        runner.stop()
        thread.join(timeout=30)
        reader.close()
    assert any(r.getMessage().startswith("batch apply failed") for r in caplog.records)
    assert [dict(m.headers)["dlq.reason"] for m in dead] == [b"handler_failed"]
    assert events[3].id.encode() in dead[0].value
    with engine.connect() as connection:
        applied = connection.execute(select(tickets.c.event_id).order_by(tickets.c.number))
        assert list(applied.scalars()) == [events[i].id for i in (0, 1, 2, 4, 5)]


def _issued(engine) -> list[int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return list(connection.execute(select(tickets.c.number).order_by(tickets.c.number))
                    .scalars())  # fmt: skip


POISON = 13  # the handler below refuses this number, every time


def test_a_batch_scope_is_entered_once_around_the_batch_and_sees_a_handler_fail(
    database_url, kafka_settings, unique
):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic])
    engine = prepare_database(database_url)
    metadata.create_all(engine)
    entered: list[list[int]] = []
    ended: list[str] = []

    @contextmanager
    def scope(connection, events):  # type: ignore[no-untyped-def]
        entered.append([event.data["seq"] for event in events])
        try:
            yield
        except Exception:
            ended.append("failed")
            raise
        ended.append("done")

    def refuse_poison(uow, event, payload) -> None:  # type: ignore[no-untyped-def]
        if payload["seq"] == POISON:
            raise ValueError("poison")
        issue_ticket(uow, event, payload)

    numbers = [1, 2, POISON, 4]
    _send(kafka_settings, [registry.build(event_type, source="t", subject="c1",
                                          data={"client_id": "c1", "seq": n}) for n in numbers])
    runner = ConsumerRunner(engine, kafka_settings, f"g-{unique}",
                            [Subscription(event_type, refuse_poison, batch_scope=scope)],
                            registry=registry,
                            retry=RetryPolicy(max_attempts=2, initial_backoff=0.01))  # fmt: skip
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: _issued(engine) == [1, 2, 4], timeout=60,
                 what="every event but the poison applied one at a time")  # fmt: skip
    finally:
        runner.stop()
        thread.join(timeout=30)
    # The batch path entered it once with the whole batch; the fallback never did.
    assert entered == [numbers]
    assert ended == ["failed"]


def _send(kafka_settings, events) -> None:  # type: ignore[no-untyped-def]
    producer = KafkaProducer(**kafka_settings.client_options(), acks="all")
    for event in events:  # one key, one partition: one poll batch when all are there
        producer.send(event.type, key=event.subject.encode(), value=encode(event))
    producer.flush()
    producer.close()
