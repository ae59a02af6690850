"""The claims service running as ``python -m services.claims`` runs it, in threads, on the real
broker and against the sandbox clearinghouse over HTTP; and what it published there.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy import Engine

from deploy.sandbox_clearinghouse import RejectionRules, SandboxServer, make_server
from services.claims.config import ClaimsConfig
from services.claims.handlers import SUBSCRIPTIONS
from services.claims.workers.acknowledgements import AcknowledgementPoller
from services.claims.workers.batcher import Batcher
from services.claims.workers.submission import SubmissionWorker
from shared.config import KafkaSettings
from shared.events import EVENTS, Event, encode
from shared.kafka.clients import ensure_topics, make_producer, topics_for
from shared.kafka.consumer import ConsumerRunner
from shared.kafka.retry import RetryPolicy
from shared.outbox import OutboxRelay, RelayPolicy
from tests.integration.claims.support import STAGES, fast_config, set_up_billing
from tests.support.waiting import wait_for


def start_group_at_the_end(settings: KafkaSettings, group: str, topics: list[str]) -> None:
    """Commit the group's offsets at the topics' ends: other tests' events stay unread."""
    consumer = KafkaConsumer(**settings.client_options(), group_id=group, enable_auto_commit=False)
    partitions = [
        TopicPartition(topic, p) for topic in topics for p in consumer.partitions_for_topic(topic)
    ]
    consumer.assign(partitions)
    consumer.seek_to_end(*partitions)
    for partition in partitions:
        consumer.position(partition)
    consumer.commit()
    consumer.close()


def publish(producer: KafkaProducer, *events: Event) -> None:
    for item in events:
        producer.send(item.type, key=item.subject.encode(), value=encode(item))
    producer.flush()


def published_about(settings: KafkaSettings, topics: list[str], claim_id: str) -> dict[str, int]:
    """How many events about ``claim_id`` each claims topic carries (polls until all have one)."""
    consumer = KafkaConsumer(
        *topics, **settings.client_options(), auto_offset_reset="earliest", enable_auto_commit=False
    )
    counts = dict.fromkeys(topics, 0)

    def read() -> bool:
        for batch in consumer.poll(timeout_ms=500).values():
            for message in batch:
                if json.loads(message.value)["data"]["claim_id"] == claim_id:
                    counts[message.topic] += 1
        return all(counts.values())

    try:
        wait_for(read, timeout=20, interval=0, what="the claim's events on the broker")
        read()  # one more poll: a duplicate would show up here
    finally:
        consumer.close()
    return counts


@contextmanager
def running_claims_service(
    engine: Engine,
    config: ClaimsConfig,
    kafka_settings: KafkaSettings,
    group: str,
    rules: RejectionRules | None = None,
) -> Iterator[SandboxServer]:
    """Consumers, relay, batcher, submission and mailbox poller in threads; the sandbox."""
    ensure_topics(kafka_settings, topics_for(EVENTS))
    set_up_billing(engine)
    start_group_at_the_end(kafka_settings, group, [s.event_type.topic for s in SUBSCRIPTIONS])
    with make_server(port=0, rules=rules, **STAGES) as sandbox:
        fast = fast_config(config, sandbox.url)
        loops = [
            ConsumerRunner(
                engine,
                kafka_settings,
                group,
                SUBSCRIPTIONS,
                retry=RetryPolicy(initial_backoff=0.05),
            ),
            OutboxRelay(
                engine,
                lambda: make_producer(kafka_settings),
                "claims",
                RelayPolicy(idle_sleep=0.05),
            ),
            Batcher(engine, fast),
            SubmissionWorker(engine, fast),
            AcknowledgementPoller(engine, fast),
        ]
        threads = [threading.Thread(target=loop.run, daemon=True) for loop in loops]
        for thread in threads:
            thread.start()
        try:
            yield sandbox
        finally:
            for loop in loops:
                loop.stop()
            for thread in threads:
                thread.join(timeout=30)
