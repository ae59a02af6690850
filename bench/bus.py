"""Benchmark: outbox relay publish rate and consumer apply rate vs raw kafka-python.

Prints, for the same broker in the same run:
- raw produce (KafkaProducer, acks=all) vs the outbox relay (database rows -> Kafka, marked
  sent);
- raw consume (KafkaConsumer, no processing) vs the consumer runner (one insert per event
  in the database, event id recorded, offsets committed).
``--db sqlite|postgres`` (a temporary PostgreSQL server), ``--json PATH``, ``--profile`` (the
relay's busiest functions): bench/support.py.
Targets (2-core machine): relay >= 5,000/s, consumer >= 2,000/s, each >= 40% of raw.
Run from the repository root: ``PYTHONPATH=. .venv/bin/python bench/bus.py`` (``make bench``).
"""

from __future__ import annotations

import statistics
import threading
import time
import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy import func, insert, select

from bench import support
from deploy.kafka import obtain_broker
from shared.config import KafkaSettings
from shared.db import utcnow, write_transaction
from shared.events.envelope import encode
from shared.kafka.clients import ensure_topics, make_producer
from shared.kafka.consumer import ConsumerRunner, Subscription
from shared.outbox import OutboxRelay, outbox
from tests.support.bus import effects, event_type_for, prepare_database, record_effect

EVENTS = 20_000
BASELINE_RUNS = 3  # a raw rate over 20k messages varies by 2x run to run; take the median


def _messages(registry, event_type, count):  # type: ignore[no-untyped-def]
    for seq in range(count):
        client = f"client-{seq % 50}"
        yield registry.build(event_type, source="bench", subject=client,
                             data={"client_id": client, "seq": seq})


def raw_produce(settings: KafkaSettings, topic: str, payloads: list[tuple[bytes, bytes]]) -> float:
    producer = KafkaProducer(**settings.client_options(), acks="all", linger_ms=5,
                             batch_size=256 * 1024)
    started = time.perf_counter()
    for key, value in payloads:
        producer.send(topic, key=key, value=value)
    producer.flush()
    elapsed = time.perf_counter() - started
    producer.close()
    return len(payloads) / elapsed


def relay_rate(engine, settings: KafkaSettings, events) -> float:  # type: ignore[no-untyped-def]
    with write_transaction(engine) as connection:
        connection.execute(insert(outbox), [
            {"event_id": e.id, "topic": e.type, "message_key": e.subject,
             "payload": encode(e).decode(), "created_at": utcnow()} for e in events])
    relay = OutboxRelay(engine, lambda: make_producer(settings), "bench")
    relay._get_publisher()  # connect before the clock starts, as a running relay would be
    started = time.perf_counter()
    published = 0
    while (batch := relay.relay_once()) > 0:
        published += batch
    elapsed = time.perf_counter() - started
    relay._drop_publisher()
    return published / elapsed


def median_of_runs(measure) -> float:  # type: ignore[no-untyped-def]
    return statistics.median(measure() for _ in range(BASELINE_RUNS))


def raw_consume(settings: KafkaSettings, topic: str, count: int) -> float:
    """A bare consumer reading the topic from the start: partitions assigned by hand (no
    group to join), the clock running from the first poll, fetches included."""
    consumer = KafkaConsumer(**settings.client_options(), enable_auto_commit=False,
                             max_poll_records=500)
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    seen = 0
    started = time.perf_counter()
    while seen < count:
        batch = consumer.poll(timeout_ms=1000)
        seen += sum(len(messages) for messages in batch.values())
    elapsed = time.perf_counter() - started
    consumer.close()
    return count / elapsed


def consumer_rate(engine, settings, registry, event_type, count) -> float:  # type: ignore[no-untyped-def]
    runner = ConsumerRunner(engine, settings, f"bench-{uuid.uuid4()}",
                            [Subscription(event_type, record_effect)], registry=registry)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    runner.ready.wait(60)

    def applied() -> int:
        with engine.connect() as connection:
            # max(id), not count(*): an index look-up, not a scan that keeps a read
            # snapshot open while the consumer's commits try to checkpoint the WAL.
            return connection.execute(select(func.max(effects.c.id))).scalar() or 0

    started = time.perf_counter()
    while applied() == 0:
        time.sleep(0.005)
    started = time.perf_counter()
    first = applied()
    while (done := applied()) < count:
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    runner.stop()
    thread.join()
    return (done - first) / elapsed


def main() -> None:
    args = support.arguments(__doc__.splitlines()[0]).parse_args()
    figures = support.Figures("bus", args.db)
    with obtain_broker() as broker, support.database(args.db, "bus") as url:
        settings = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        registry, event_type = event_type_for(f"bench{uuid.uuid4().hex[:8]}")
        raw_topic = f"{event_type.topic}.raw"
        ensure_topics(settings, [event_type.topic, event_type.dead_letter_topic, raw_topic])
        events = list(_messages(registry, event_type, EVENTS))
        payloads = [(e.subject.encode(), encode(e)) for e in events]

        raw_out = median_of_runs(lambda: raw_produce(settings, raw_topic, payloads))
        engine = prepare_database(url)
        idle_mb = support.resident_mb()
        with support.profiled(args.profile, figures):
            relay = relay_rate(engine, settings, events)
        raw_in = median_of_runs(lambda: raw_consume(settings, event_type.topic, EVENTS))
        applied = consumer_rate(engine, settings, registry, event_type, EVENTS)
        engine.dispose()

    figures.add("outbox relay (publish), events/s", relay, "per s", raw_out)
    figures.add("consumer (apply), events/s", applied, "per s", raw_in)
    figures.add("resident memory before (bench process)", idle_mb, "MB")
    figures.add("resident memory after (bench process)", support.resident_mb(), "MB")
    figures.note("events", EVENTS)
    figures.note("broker", broker.source)
    figures.note("targets", "relay >= 5,000/s and >= 40% of raw produce; "
                            "consumer >= 2,000/s and >= 40% of raw consume")
    figures.print()
    figures.write(args.json)


if __name__ == "__main__":
    main()
