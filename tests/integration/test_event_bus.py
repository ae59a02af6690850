"""The event bus end to end on a real broker and real databases: outbox, relay, consumers."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import threading
from collections import defaultdict

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy import func, select

from shared.config import KafkaSettings
from shared.db import make_engine
from shared.events.envelope import encode
from shared.kafka.clients import ensure_topics, make_producer
from shared.kafka.consumer import HALTED, ConsumerRunner, Subscription
from shared.kafka.retry import RetryPolicy
from shared.outbox import OUTBOX_PENDING, OutboxRelay, RelayPolicy, outbox, pending_summary
from tests.support.bus import (
    effects,
    event_type_for,
    prepare_database,
    record_effect,
    write_events,
)
from tests.support.waiting import wait_for


def effect_counts(engine) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """(rows in effects, distinct event ids in effects)."""
    with engine.connect() as connection:
        return connection.execute(
            select(func.count(), func.count(effects.c.event_id.distinct()))
        ).one()


def start_process(role: str, db: str, bootstrap: str, suffix: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.bus",
            role,
            "--db",
            db,
            "--bootstrap",
            bootstrap,
            "--topic-suffix",
            suffix,
        ],
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


def start_thread(loop) -> threading.Thread:  # type: ignore[no-untyped-def]
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    return thread


def test_a_thousand_events_apply_exactly_once_while_the_consumer_is_killed_and_restarted(
    database_url, kafka_settings, unique
):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic])
    engine = prepare_database(database_url)
    relay = OutboxRelay(
        engine, lambda: make_producer(kafka_settings), "bustest", RelayPolicy(idle_sleep=0.05)
    )
    relay_thread = start_thread(relay)
    consumer = start_process("consume", database_url, kafka_settings.bootstrap_servers, unique)
    try:
        write_events(engine, registry, event_type, 1000)
        wait_for(lambda: effect_counts(engine)[0] >= 300, what="a third applied")
        consumer.kill()  # SIGKILL: no chance to commit offsets or finish anything
        consumer.wait()
        consumer = start_process("consume", database_url, kafka_settings.bootstrap_servers, unique)
        wait_for(lambda: effect_counts(engine)[1] == 1000, timeout=90, what="all applied")
        assert effect_counts(engine) == (1000, 1000)
    finally:
        consumer.terminate()
        consumer.wait()
        relay.stop()
        relay_thread.join()


def test_sigterm_stops_a_consumer_without_losing_or_double_applying(
    kafka_settings, unique, tmp_path
):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic])
    url = f"sqlite:///{tmp_path / 'sigterm.db'}"
    engine = prepare_database(url)
    write_events(engine, registry, event_type, 600)
    relay = OutboxRelay(engine, lambda: make_producer(kafka_settings), "bustest")
    while relay.relay_once():
        pass
    consumer = start_process("consume", url, kafka_settings.bootstrap_servers, unique)
    wait_for(lambda: effect_counts(engine)[0] >= 100, what="some applied")
    consumer.send_signal(signal.SIGTERM)
    assert consumer.wait(timeout=30) == 0
    consumer = start_process("consume", url, kafka_settings.bootstrap_servers, unique)
    try:
        wait_for(lambda: effect_counts(engine)[1] == 600, timeout=60, what="all applied")
        assert effect_counts(engine) == (600, 600)
    finally:
        consumer.terminate()
        consumer.wait()


def test_events_apply_exactly_once_while_the_broker_is_stopped_and_restarted(
    own_broker, unique, tmp_path
):
    settings = KafkaSettings(bootstrap_servers=own_broker.bootstrap_servers)
    registry, event_type = event_type_for(unique)
    ensure_topics(settings, [event_type.topic, event_type.dead_letter_topic])
    engine = prepare_database(f"sqlite:///{tmp_path / 'outage.db'}")
    relay = OutboxRelay(
        engine,
        lambda: make_producer(settings),
        "bustest",
        RelayPolicy(idle_sleep=0.05, max_backoff=1.0),
    )
    consumer = ConsumerRunner(
        engine,
        settings,
        f"g-{unique}",
        [Subscription(event_type, record_effect)],
        registry=registry,
    )
    threads = [start_thread(relay), start_thread(consumer)]
    try:
        write_events(engine, registry, event_type, 500)
        wait_for(lambda: effect_counts(engine)[0] >= 100, what="some applied")
        own_broker.stop_process()
        write_events(engine, registry, event_type, 500, start=500)
        own_broker.restart()
        wait_for(lambda: effect_counts(engine)[1] == 1000, timeout=120, what="all applied")
        assert effect_counts(engine) == (1000, 1000)
    finally:
        relay.stop()
        consumer.stop()
        for thread in threads:
            thread.join(timeout=60)


def test_the_outbox_keeps_events_while_the_broker_is_down_and_publishes_them_in_key_order(
    own_broker, unique, tmp_path
):
    settings = KafkaSettings(bootstrap_servers=own_broker.bootstrap_servers)
    registry, event_type = event_type_for(unique)
    ensure_topics(settings, [event_type.topic])
    engine = prepare_database(f"sqlite:///{tmp_path / 'down.db'}")
    own_broker.stop_process()
    relay = OutboxRelay(
        engine,
        lambda: make_producer(settings),
        "bustest",
        RelayPolicy(idle_sleep=0.05, max_backoff=0.5),
    )
    thread = start_thread(relay)
    try:
        write_events(engine, registry, event_type, 200, clients=5)
        # The relay tries, fails, backs off, and reports the backlog it keeps.
        wait_for(lambda: OUTBOX_PENDING.labels("bustest")._value.get() == 200, timeout=60,
                 what="the backlog metric")
        with engine.connect() as connection:
            pending, oldest_age = pending_summary(connection)
        assert pending == 200
        assert oldest_age > 0
        own_broker.restart()
        wait_for(lambda: _pending(engine) == 0, timeout=60, what="outbox drained")
    finally:
        relay.stop()
        thread.join(timeout=30)
    received = _read_all(settings, event_type.topic, 200)
    by_client: dict[str, list[int]] = defaultdict(list)
    for value in received:
        by_client[value["client_id"]].append(value["seq"])
    assert sum(len(v) for v in by_client.values()) >= 200
    for seqs in by_client.values():
        first_seen = list(dict.fromkeys(seqs))
        assert first_seen == sorted(first_seen)
        assert len(first_seen) == 40


def _pending(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return pending_summary(connection)[0]


def _read_all(settings: KafkaSettings, topic: str, at_least: int) -> list[dict]:
    import json

    consumer = KafkaConsumer(
        topic,
        **settings.client_options(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=5000,
    )
    values = [json.loads(m.value)["data"] for m in consumer]
    consumer.close()
    assert len(values) >= at_least
    return values


def _dead_letters(settings: KafkaSettings, topic: str, expected: int) -> list:
    consumer = KafkaConsumer(
        f"{topic}.dlq",
        **settings.client_options(),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    found: list = []
    wait_for(
        lambda: (
            found.extend(m for batch in consumer.poll(500).values() for m in batch)
            or len(found) >= expected
        ),
        timeout=30,
        what="dead letters",
    )
    consumer.close()
    return found


def test_malformed_messages_and_a_failing_handler_go_to_the_dlq_and_later_messages_flow(
    kafka_settings, unique, tmp_path
):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic])
    engine = prepare_database(f"sqlite:///{tmp_path / 'dlq.db'}")

    def fails_for_seq_13(uow, event, payload):  # type: ignore[no-untyped-def]
        if payload["seq"] == 13:
            raise RuntimeError("cannot apply seq 13")
        record_effect(uow, event, payload)

    producer = KafkaProducer(**kafka_settings.client_options(), acks="all")
    topic = event_type.topic
    producer.send(topic, key=b"c1", value=b"this is not json")
    producer.send(
        topic,
        key=b"c1",
        value=encode(
            registry.build(event_type, source="t", subject="c1", data={"client_id": "c1", "seq": 1})
        ).replace(b'"seq":1', b'"seq":"one"'),
    )
    for seq in (12, 13, 14):
        producer.send(
            topic,
            key=b"c1",
            value=encode(
                registry.build(
                    event_type, source="t", subject="c1", data={"client_id": "c1", "seq": seq}
                )
            ),
        )
    producer.flush()
    runner = ConsumerRunner(
        engine,
        kafka_settings,
        f"g-{unique}",
        [Subscription(event_type, fails_for_seq_13)],
        registry=registry,
        retry=RetryPolicy(max_attempts=3, initial_backoff=0.01),
    )
    thread = start_thread(runner)
    try:
        wait_for(lambda: effect_counts(engine)[0] == 2, what="good messages applied")
        dead = _dead_letters(kafka_settings, topic, 3)
    finally:
        runner.stop()
        thread.join(timeout=30)
    reasons = sorted(dict(m.headers)["dlq.reason"].decode() for m in dead)
    assert reasons == ["handler_failed", "malformed", "malformed"]
    failed = next(m for m in dead if dict(m.headers)["dlq.reason"] == b"handler_failed")
    assert b"cannot apply seq 13" in dict(failed.headers)["dlq.error"]
    assert dict(failed.headers)["dlq.attempts"] == b"3"
    assert dict(failed.headers)["dlq.original_topic"] == topic.encode()
    with engine.connect() as connection:
        assert sorted(connection.execute(select(effects.c.seq)).scalars()) == [12, 14]


def test_a_redelivered_event_is_a_no_op(kafka_settings, unique, tmp_path):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic])
    engine = prepare_database(f"sqlite:///{tmp_path / 'dupes.db'}")
    event = registry.build(event_type, source="t", subject="c9", data={"client_id": "c9", "seq": 9})
    producer = KafkaProducer(**kafka_settings.client_options(), acks="all")
    for _ in range(3):
        producer.send(event_type.topic, key=b"c9", value=encode(event))
    later = registry.build(
        event_type, source="t", subject="c9", data={"client_id": "c9", "seq": 10}
    )
    producer.send(event_type.topic, key=b"c9", value=encode(later))
    producer.flush()
    runner = ConsumerRunner(
        engine,
        kafka_settings,
        f"g-{unique}",
        [Subscription(event_type, record_effect)],
        registry=registry,
    )
    thread = start_thread(runner)
    try:
        wait_for(lambda: effect_counts(engine)[1] == 2, what="both events applied")
    finally:
        runner.stop()
        thread.join(timeout=30)
    assert effect_counts(engine) == (2, 2)


def committed_offsets(settings: KafkaSettings, group: str, topic: str) -> dict[int, int]:
    reader = KafkaConsumer(**settings.client_options(), group_id=group)
    try:
        partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic)]
        return {tp.partition: reader.committed(tp) or 0 for tp in partitions}
    finally:
        reader.close()


def end_offsets(settings: KafkaSettings, topic: str) -> dict[int, int]:
    reader = KafkaConsumer(**settings.client_options())
    try:
        partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic)]
        return {tp.partition: offset for tp, offset in reader.end_offsets(partitions).items()}
    finally:
        reader.close()


def test_offsets_are_committed_as_events_apply_and_all_of_them_on_stop(
    kafka_settings, unique, tmp_path
):
    # Commits go out without waiting for their answers; they must still all land, and
    # nothing applied may be left uncommitted once the consumer has stopped.
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic])
    engine = prepare_database(f"sqlite:///{tmp_path / 'commits.db'}")
    producer = KafkaProducer(**kafka_settings.client_options(), acks="all")
    for seq in range(300):
        event = registry.build(
            event_type, source="t", subject=f"c{seq % 7}", data={"client_id": "c", "seq": seq}
        )
        producer.send(event_type.topic, key=event.subject.encode(), value=encode(event))
    producer.flush()
    group = f"g-{unique}"
    runner = ConsumerRunner(
        engine, kafka_settings, group, [Subscription(event_type, record_effect)], registry=registry
    )
    thread = start_thread(runner)
    end = end_offsets(kafka_settings, event_type.topic)
    try:
        wait_for(lambda: effect_counts(engine)[1] == 300, what="every event applied")
        wait_for(
            lambda: committed_offsets(kafka_settings, group, event_type.topic) == end,
            what="the running consumer's commits to land",
        )
        producer.send(event_type.topic, key=b"c1", value=encode(registry.build(
            event_type, source="t", subject="c1", data={"client_id": "c", "seq": 300}
        )))
        producer.flush()
        wait_for(lambda: effect_counts(engine)[1] == 301, what="the last event applied")
    finally:
        runner.stop()
        thread.join(timeout=30)

    assert sum(committed_offsets(kafka_settings, group, event_type.topic).values()) == 301


@pytest.mark.parametrize("relays", [2])
def test_only_one_relay_per_database_publishes_at_a_time(
    relays, database_url, kafka_settings, unique
):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic])
    engine = prepare_database(database_url)
    write_events(engine, registry, event_type, 50)
    first, second = (
        OutboxRelay(engine, lambda: make_producer(kafka_settings), "bustest") for _ in range(relays)
    )
    assert first.relay_once() == 50
    write_events(engine, registry, event_type, 10, start=50)
    assert second.relay_once() == 0
    assert first.relay_once() == 10
    with engine.connect() as connection:
        assert (
            connection.execute(select(func.count()).where(outbox.c.sent_at.is_(None))).scalar() == 0
        )


def test_events_wait_out_a_locked_database_and_apply_exactly_once(kafka_settings, unique,
                                                                   tmp_path):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic])
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    engine = prepare_database(url)
    write_events(engine, registry, event_type, 200)
    OutboxRelay(engine, lambda: make_producer(kafka_settings), "bustest").relay_once()
    locker = make_engine(url).raw_connection()
    locker.execute("BEGIN EXCLUSIVE")  # e.g. a backup or a long migration holds the file
    runner = ConsumerRunner(engine, kafka_settings, f"g-{unique}",
                            [Subscription(event_type, record_effect)], registry=registry)
    thread = start_thread(runner)
    try:
        runner.ready.wait(30)
        threading.Event().wait(2)  # the consumer is now blocked on the lock
        assert effect_counts(engine) == (0, 0)
        locker.execute("ROLLBACK")
        wait_for(lambda: effect_counts(engine)[1] == 200, timeout=60, what="all applied")
        assert effect_counts(engine) == (200, 200)
    finally:
        locker.close()
        runner.stop()
        thread.join(timeout=30)
    dead = KafkaConsumer(event_type.dead_letter_topic, **kafka_settings.client_options(),
                         auto_offset_reset="earliest", consumer_timeout_ms=2000)
    assert list(dead) == []  # a locked database is waited out, never dead-lettered
    dead.close()


def test_a_consumer_stops_at_its_dead_letter_limit_and_leaves_the_next_message_unread(
    kafka_settings, unique, tmp_path
):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic], partitions=1)
    engine = prepare_database(f"sqlite:///{tmp_path / 'limit.db'}")
    producer = KafkaProducer(**kafka_settings.client_options(), acks="all")
    for number in range(5):  # one partition key: they arrive in this order
        producer.send(event_type.topic, key=b"c1", value=f"not json {number}".encode())
    producer.send(event_type.topic, key=b"c1", value=encode(registry.build(
        event_type, source="t", subject="c1", data={"client_id": "c1", "seq": 1})))
    producer.flush()
    settings = dataclasses.replace(kafka_settings, dlq_limit=3, dlq_window_seconds=60)
    runner = ConsumerRunner(engine, settings, f"g-{unique}",
                            [Subscription(event_type, record_effect)], registry=registry)
    thread = start_thread(runner)
    thread.join(timeout=60)
    assert not thread.is_alive(), "the runner should have stopped by itself"
    assert runner.halted
    assert HALTED.labels(runner.group_id)._value.get() == 1
    assert len(_dead_letters(kafka_settings, event_type.topic, 3)) == 3
    # The fourth bad message and everything after it wait for a restart, unread.
    assert effect_counts(engine)[0] == 0
    committed = _committed_offset(kafka_settings, runner.group_id, event_type.topic)
    assert committed == 3


def test_two_deployments_with_their_own_group_prefix_each_get_every_event(
    kafka_settings, unique, tmp_path
):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic])
    producer = KafkaProducer(**kafka_settings.client_options(), acks="all")
    for seq in range(20):
        producer.send(event_type.topic, key=f"c{seq % 4}".encode(), value=encode(registry.build(
            event_type, source="t", subject=f"c{seq % 4}",
            data={"client_id": f"c{seq % 4}", "seq": seq})))
    producer.flush()
    engines, runners = [], []
    for deployment in ("blue", "green"):
        engine = prepare_database(f"sqlite:///{tmp_path / f'{deployment}.db'}")
        settings = dataclasses.replace(kafka_settings, group_prefix=f"{deployment}-{unique}-")
        engines.append(engine)
        runners.append(ConsumerRunner(engine, settings, "claims",
                                      [Subscription(event_type, record_effect)],
                                      registry=registry))
    threads = [start_thread(runner) for runner in runners]
    try:
        for engine in engines:
            wait_for(lambda engine=engine: effect_counts(engine) == (20, 20),
                     what="every event applied in each deployment")
    finally:
        for runner, thread in zip(runners, threads, strict=True):
            runner.stop()
            thread.join(timeout=30)
    assert [runner.group_id for runner in runners] == [
        f"blue-{unique}-claims", f"green-{unique}-claims"]


def _committed_offset(settings: KafkaSettings, group: str, topic: str) -> int | None:
    consumer = KafkaConsumer(**settings.client_options(), group_id=group,
                             enable_auto_commit=False)
    try:
        return consumer.committed(TopicPartition(topic, 0))
    finally:
        consumer.close(autocommit=False)
