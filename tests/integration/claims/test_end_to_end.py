"""From real events on the real broker to a claim the sandbox clearinghouse accepted.

The service's own consumer runner, outbox relay, submission worker and report-mailbox
poller run in threads, as ``python -m services.claims`` runs them, against the sandbox over
HTTP: the 999, then a 277CA A1 (received) and a 277CA A2 (accepted).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from deploy.sandbox_clearinghouse import make_server
from services.claims.handlers import SUBSCRIPTIONS
from services.claims.workers.acknowledgements import AcknowledgementPoller
from services.claims.workers.batcher import Batcher
from services.claims.workers.submission import SubmissionWorker
from shared.config import KafkaSettings
from shared.events import EVENTS, Event, encode
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import CLIENT_REGISTERED, REFERRAL_RECORDED
from shared.kafka.clients import ensure_topics, make_producer, topics_for
from shared.kafka.consumer import ConsumerRunner
from shared.kafka.retry import RetryPolicy
from shared.outbox import OutboxRelay, RelayPolicy
from tests.integration.claims.support import (
    STAGES,
    claims_of_session,
    client_data,
    event,
    fast_config,
    referral_data,
    session_data,
    set_up_billing,
)
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


@pytest.fixture
def running_service(engine, config, kafka_settings, unique) -> Iterator:  # type: ignore[no-untyped-def]
    ensure_topics(kafka_settings, topics_for(EVENTS))
    set_up_billing(engine)
    group = f"claims-{unique}"
    start_group_at_the_end(kafka_settings, group, [s.event_type.topic for s in SUBSCRIPTIONS])
    with make_server(port=0, **STAGES) as sandbox:
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
            yield engine, sandbox
        finally:
            for loop in loops:
                loop.stop()
            for thread in threads:
                thread.join(timeout=30)


def test_a_session_completed_on_the_broker_becomes_a_claim_the_clearinghouse_accepts(
    running_service, kafka_settings, unique
):
    engine, sandbox = running_service
    client_id, referral_id = f"c-{unique}", f"r-{unique}"
    session = session_data(client_id, referral_id)
    completed = event(SESSION_COMPLETED, session, source="scheduling")
    producer = KafkaProducer(**kafka_settings.client_options(), acks="all")

    # The session overtakes the client and referral it needs (other topics, other order),
    # then is redelivered as the same event and once more under a new event id.
    publish(producer, completed)
    wait_for(lambda: claims_of_session(engine, session["session_id"]), what="a parked claim")
    assert claims_of_session(engine, session["session_id"])[0].status == "needs_review"
    publish(
        producer,
        event(CLIENT_REGISTERED, client_data(client_id), source="screening"),
        event(REFERRAL_RECORDED, referral_data(client_id, referral_id), source="screening"),
        completed,
        event(SESSION_COMPLETED, session, source="scheduling"),
    )
    producer.close()

    wait_for(
        lambda: claims_of_session(engine, session["session_id"])[0].status == "accepted",
        timeout=45,
        what="the claim to be accepted",
    )
    (claim,) = claims_of_session(engine, session["session_id"])
    assert claim.total_charge == 130
    sent = [s for s in _receipts(sandbox) if claim.claim_id in s["claim_ids"]]
    assert [s["duplicate"] for s in sent] == [False]
    topics = [
        "claims.claim.created.v1",
        "claims.claim.submitted.v1",
        "claims.claim.received.v1",
        "claims.claim.accepted.v1",
    ]
    assert published_about(kafka_settings, topics, claim.claim_id) == dict.fromkeys(topics, 1)


def _receipts(sandbox) -> list[dict]:  # type: ignore[no-untyped-def]
    return [r.as_json() for r in sandbox.clearinghouse.receipts()]
