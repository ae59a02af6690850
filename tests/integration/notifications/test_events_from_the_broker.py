"""Events off the real Kafka broker become messages: malformed ones are parked, duplicates
and out-of-order news change nothing, and each client gets one confirmation per channel."""

from __future__ import annotations

import threading
from datetime import timedelta

from kafka import KafkaProducer
from sqlalchemy import select

from services.notifications.handlers import subscriptions
from shared.config import KafkaSettings
from shared.db import read_only
from shared.events import encode
from shared.inbox import processed_events
from shared.kafka.consumer import ConsumerRunner
from shared.kafka.retry import RetryPolicy
from tests.e2e.support import new_group_prefix, start_groups_at_the_end
from tests.integration.notifications.conftest import Notifications
from tests.integration.notifications.support import (
    again,
    at,
    booked_event,
    cancelled_event,
    contact_event,
    new_id,
    rows_for,
)
from tests.integration.notifications.test_reminders import mail_to, send_all_due
from tests.support.waiting import wait_for


def applied(n: Notifications, *event_ids: str) -> bool:
    with read_only(n.engine) as connection:
        seen = connection.execute(select(processed_events.c.event_id).where(
            processed_events.c.event_id.in_(event_ids))).scalars().all()
    return len(seen) == len(event_ids)


def sent_a_minute_later(n: Notifications, address: str) -> list:  # type: ignore[type-arg]
    n.clock.move_to(n.clock.now + timedelta(minutes=1))
    send_all_due(n)
    return mail_to(n, address)


def test_events_from_the_broker_become_one_confirmation_each(
        notifications: Notifications, kafka_settings: KafkaSettings):
    n = notifications
    prefix = new_group_prefix()
    start_groups_at_the_end(kafka_settings.bootstrap_servers, prefix)  # creates every topic
    runner = ConsumerRunner(n.engine, kafka_settings, f"{prefix}notifications",
                            subscriptions(n.config),
                            retry=RetryPolicy(initial_backoff=0.05))
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    kept, dropped = new_id("client"), new_id("client")
    start = n.clock.now + timedelta(days=3)
    booked = booked_event(kept, new_id("appt"), start)
    cancelled_first = cancelled_event(dropped, "appt-" + dropped)
    late_booking = at(booked_event(dropped, "appt-" + dropped, start),
                      cancelled_first.time - timedelta(seconds=5))
    producer = KafkaProducer(**kafka_settings.client_options())
    try:
        for event in (contact_event(kept), contact_event(dropped), booked, again(booked),
                      cancelled_first, late_booking):
            producer.send(event.type, key=event.subject.encode(), value=encode(event))
        producer.send(booked.type, key=kept.encode(), value=b"not an event")
        producer.flush()
        wait_for(lambda: len(rows_for(n.engine, kept)) == 6, timeout=30,
                 what="the booking's confirmations and reminders")
        wait_for(lambda: applied(n, cancelled_first.id, late_booking.id), timeout=30,
                 what="the cancellation and the late booking")
        # The contact travels on its own topic and may be applied after the booking: the
        # confirmation then waits for it, looking again a (test-clock) minute later.
        wait_for(lambda: sent_a_minute_later(n, f"ann.{kept}@example.com"), timeout=30,
                 interval=0.5, what="the confirmation email")
    finally:
        runner.stop()
        thread.join(timeout=30)
        producer.close()
    assert len(mail_to(n, f"ann.{kept}@example.com")) == 1
    # Topics are read in no set order: the stale booking may have planned messages before
    # the cancellation came, which then withdrew them. Either way no reminder is left.
    left = [row for row in rows_for(n.engine, dropped) if row.state in ("scheduled", "sent")]
    assert all(row.kind == "cancelled" for row in left)
    subjects = {m.message["Subject"] for m in mail_to(n, f"ann.{dropped}@example.com")}
    assert subjects <= {"Your appointment at Riverside Clinic is cancelled"}
