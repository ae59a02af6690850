"""The waitlist through the real broker, on SQLite and PostgreSQL: a cancellation's offer
event reaches the bus, its link books the slot, and the booking's follow-up comes back."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.scheduling.handlers import SUBSCRIPTIONS
from shared.events import EVENTS
from shared.events.contracts.scheduling import (
    APPOINTMENT_BOOKED,
    APPOINTMENT_CANCELLED,
    REFERRAL_EXHAUSTED,
    WAITLIST_JOINED,
    WAITLIST_OFFER_CLOSED,
    WAITLIST_OFFERED,
)
from shared.kafka.clients import ensure_topics, make_producer
from shared.kafka.consumer import ConsumerRunner
from shared.outbox import OutboxRelay, outbox
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    Clinic,
    book,
    eligible_client,
    local,
    outbox_events,
    set_up_clinic,
)
from tests.integration.scheduling.test_events_on_the_broker import read_event
from tests.integration.scheduling.waitlist_support import join, token_of, worker
from tests.support.waiting import wait_for

SLOT = local(2026, 3, 3, 10)
# Every topic this test's outbox publishes to, created before the relay sends.
TOPICS = [t.topic for t in (APPOINTMENT_BOOKED, APPOINTMENT_CANCELLED, WAITLIST_JOINED,
                            WAITLIST_OFFERED, WAITLIST_OFFER_CLOSED, REFERRAL_EXHAUSTED)]


@pytest.fixture
def clinic(app, http) -> Clinic:  # type: ignore[no-untyped-def]
    clinic = set_up_clinic(http)
    worker(app).run_round()
    return clinic


@pytest.fixture
def consumer(engine, kafka_settings, unique):  # type: ignore[no-untyped-def]
    """Scheduling's consumer group (a fresh one) in a thread: it reads its own bookings too."""
    ensure_topics(kafka_settings, [s.event_type.topic for s in SUBSCRIPTIONS] + TOPICS)
    runner = ConsumerRunner(engine, kafka_settings, f"scheduling-{unique}", SUBSCRIPTIONS)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    yield runner
    runner.stop()
    thread.join(timeout=30)


@pytest.fixture
def relay(engine, kafka_settings) -> OutboxRelay:  # type: ignore[no-untyped-def]
    """Scheduling's one outbox relay (one holder of the relay's lease)."""
    return OutboxRelay(engine, lambda: make_producer(kafka_settings), "scheduling")


def unsent(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(select(func.count()).where(outbox.c.sent_at.is_(None))).scalar()


def from_the_broker(engine, kafka_settings, relay, event_type) -> list[dict]:  # type: ignore[no-untyped-def]
    """Relay the whole outbox, then read back from Kafka each event of this type it holds."""
    wait_for(lambda: relay.relay_once() >= 0 and unsent(engine) == 0, timeout=60,
             what="the outbox relayed")
    return [EVENTS.load_payload(read_event(kafka_settings, event_type.topic, event.id))
            for event in outbox_events(engine, event_type.topic)]


def test_a_freed_slot_goes_past_the_ineligible_and_the_silent_to_a_client_who_books_it(
    app, http, clinic, engine, clock, consumer, kafka_settings, relay
):
    join(http, clinic, "client-not-screened")
    silent = join(http, clinic, eligible_client(engine))
    client_id = eligible_client(engine, referral={"authorized_visits": 1})
    booker = join(http, clinic, client_id)
    cancelled = book(http, clinic, eligible_client(engine), SLOT).json
    http.post(f"/appointments/{cancelled['id']}/cancel", headers=FRONT_DESK)

    worker(app).run_round()
    [first] = from_the_broker(engine, kafka_settings, relay, WAITLIST_OFFERED)
    assert (first["entry_id"], first["start"]) == (silent["id"], SLOT)

    clock.now += timedelta(hours=2)
    worker(app).run_round()
    offered = from_the_broker(engine, kafka_settings, relay, WAITLIST_OFFERED)
    assert [o["entry_id"] for o in offered] == [silent["id"], booker["id"]]
    answered = http.post("/waitlist/link/answer",
                         json={"token": token_of(offered[1]), "answer": "accept"})
    assert answered.status_code == 200, answered.json

    closed = from_the_broker(engine, kafka_settings, relay, WAITLIST_OFFER_CLOSED)
    assert [c["outcome"] for c in closed] == ["expired", "accepted"]
    appointment = http.get(f"/appointments/{closed[1]['appointment_id']}",
                           headers=FRONT_DESK).json
    assert (appointment["client_id"], appointment["start"]) == (client_id, SLOT.isoformat())

    # Its own appointment.booked comes back through the consumer: the one visit is used up.
    def exhausted() -> list[dict]:
        return [EVENTS.load_payload(e) for e in outbox_events(engine, REFERRAL_EXHAUSTED.topic)
                if e.subject == client_id]

    wait_for(exhausted, timeout=60, what="the referral follow-up")
    [used_up] = [p for p in from_the_broker(engine, kafka_settings, relay, REFERRAL_EXHAUSTED)
                 if p["client_id"] == client_id]
    assert (used_up["visits_used"], used_up["visits_left"]) == (1, 0)
