"""Producers and admin clients configured the same way everywhere."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from shared.config import KafkaSettings
from shared.events.registry import EventRegistry

log = logging.getLogger("shared.kafka")
DEFAULT_PARTITIONS = 3


def make_producer(settings: KafkaSettings) -> KafkaProducer:
    """A producer that waits for every in-sync replica (acks=all) and keeps order on retry."""
    return KafkaProducer(
        **settings.client_options(),
        acks="all",
        retries=5,
        # One request in flight per connection: a retried batch can never overtake the
        # next one, so per-key order survives broker hiccups.
        max_in_flight_requests_per_connection=1,
        linger_ms=5,
        batch_size=256 * 1024,
        request_timeout_ms=15_000,
        max_block_ms=10_000,
        # Fail fast when the broker is down: the relay backs off and retries anyway.
        bootstrap_timeout_ms=5_000,
    )


def ensure_topics(
    settings: KafkaSettings, topics: Iterable[str], partitions: int = DEFAULT_PARTITIONS
) -> None:
    """Create the topics that do not exist yet (idempotent)."""
    admin = KafkaAdminClient(**settings.client_options(), request_timeout_ms=15_000)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in dict.fromkeys(topics) if t not in existing]
        for topic in missing:
            # Another process may create it between our list and create: that is fine.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([NewTopic(topic, partitions, settings.replication_factor)])
        if missing:
            log.info("created topics", extra={"topics": missing})
    finally:
        admin.close()


def topics_for(registry: EventRegistry) -> list[str]:
    """Every topic of the catalogue with its dead-letter topic."""
    topics: list[str] = []
    for event_type in registry:
        topics += [event_type.topic, event_type.dead_letter_topic]
    return topics
