"""Screening's events through a real broker into the projection, and session.completed out."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import select

from services.scheduling.handlers import SUBSCRIPTIONS
from shared.db import make_engine, write_transaction
from shared.events import EVENTS, Event, decode
from shared.events.contracts.scheduling import APPOINTMENT_BOOKED, SESSION_COMPLETED_V2
from shared.events.contracts.screening import REFERRAL_WINDOW, SCREENING_COMPLETED
from shared.events.envelope import MalformedEvent
from shared.kafka.clients import ensure_topics, make_producer
from shared.kafka.consumer import ConsumerRunner
from shared.migrations import migrate
from shared.outbox import OutboxRelay, emit, outbox
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    THERAPIST,
    a_referral,
    a_screening,
    book,
    local,
)
from tests.support.waiting import wait_for


@pytest.fixture
def scheduling_db(tmp_path) -> str:  # type: ignore[no-untyped-def]
    """The broker is what this module is about; SQLite keeps it quick."""
    return f"sqlite:///{tmp_path / 'scheduling.db'}"


@pytest.fixture
def consumer(engine, kafka_settings, unique):  # type: ignore[no-untyped-def]
    """Scheduling's consumer group (a fresh one) running in a thread."""
    ensure_topics(kafka_settings, [s.event_type.topic for s in SUBSCRIPTIONS]
                  + [APPOINTMENT_BOOKED.topic, SESSION_COMPLETED_V2.topic])
    runner = ConsumerRunner(engine, kafka_settings, f"scheduling-{unique}", SUBSCRIPTIONS)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    yield runner
    runner.stop()
    thread.join(timeout=30)


def publish_from_screening(kafka_settings, tmp_path, events) -> None:  # type: ignore[no-untyped-def]
    """Emit events through a screening-side outbox and relay them to the broker."""
    engine = make_engine(f"sqlite:///{tmp_path / 'screening.db'}")
    migrate(engine)
    with write_transaction(engine) as connection:
        for event_type, data in events:
            emit(connection, event_type, source="screening", subject=data["client_id"],
                 data=data)
    relay = OutboxRelay(engine, lambda: make_producer(kafka_settings), "screening")
    assert relay.relay_once() == len(events)


def read_event(kafka_settings, topic: str, event_id: str) -> Event:  # type: ignore[no-untyped-def]
    """Find one event on a topic by id, reading every partition from the start."""
    reader = KafkaConsumer(**kafka_settings.client_options(), enable_auto_commit=False)
    partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic)]
    reader.assign(partitions)
    reader.seek_to_beginning(*partitions)

    def find() -> Event | None:
        for messages in reader.poll(timeout_ms=500).values():
            for message in messages:
                try:
                    event = decode(message.value)
                except MalformedEvent:
                    continue  # the topic is shared: other tests publish garbage to it on purpose
                if event.id == event_id:
                    return event
        return None

    try:
        return wait_for(find, timeout=30, what=f"event {event_id} on {topic}")
    finally:
        reader.close()


def test_screening_events_on_the_broker_make_a_client_bookable_and_the_session_reaches_claims(
    http, clinic, engine, clock, consumer, kafka_settings, tmp_path, unique
):
    client_id = f"client-{unique}"
    referral = a_referral(client_id, authorized_visits=4)
    # The amendment's window is published before the referral's own: out of order on purpose.
    publish_from_screening(kafka_settings, tmp_path, [
        (SCREENING_COMPLETED, a_screening(client_id, restricted_regions=["left_knee"])),
        (REFERRAL_WINDOW, referral | {"version": 2, "authorized_visits": 12}),
        (REFERRAL_WINDOW, referral),
    ])

    def projected() -> dict | None:
        shown = http.get(f"/clients/{client_id}/eligibility", headers=FRONT_DESK).json
        return shown if shown["referrals"] and shown["screening"] else None

    shown = wait_for(projected, timeout=60, what="the projection")
    assert shown["bookable"] is True
    assert shown["referrals"][0]["authorized_visits"] == 12

    appointment = book(http, clinic, client_id, local(2026, 3, 3, 10)).json
    clock.now = local(2026, 3, 3, 11)
    session = http.post(f"/appointments/{appointment['id']}/complete", headers=THERAPIST, json={
        "techniques": [{"technique": "deep_tissue", "minutes": 50,
                        "body_regions": ["lower_back", "left_knee"]}],
        "override_reason": "Knee healed; physician note on file",
        "soap_note": {"subjective": "s", "objective": "o", "assessment": "a", "plan": "p"},
    }).json

    relay = OutboxRelay(engine, lambda: make_producer(kafka_settings), "scheduling")
    assert relay.relay_once() == 2  # booked + session completed
    with engine.connect() as connection:
        ids = dict(connection.execute(select(outbox.c.topic, outbox.c.event_id)).all())
    topic = SESSION_COMPLETED_V2.topic
    completed = read_event(kafka_settings, topic, ids[topic])
    payload = EVENTS.load_payload(completed)  # validated against the contract
    assert completed.subject == client_id
    assert payload["session_id"] == session["id"]
    assert payload["referral_id"] == referral["referral_id"]
    assert payload["lines"] == [{"code": "97124", "technique": "deep_tissue", "minutes": 50,
                                 "units": 3, "body_regions": ["left_knee", "lower_back"]}]
    assert payload["completed_at"] == datetime(2026, 3, 3, 16, tzinfo=UTC)
    booked = read_event(kafka_settings, APPOINTMENT_BOOKED.topic, ids[APPOINTMENT_BOOKED.topic])
    assert EVENTS.load_payload(booked)["appointment_id"] == appointment["id"]
