"""Referral follow-up on SQLite and PostgreSQL: expiring and exhausted, each exactly once per
referral version and threshold, across repeats, redelivery and restarts."""

from __future__ import annotations

from datetime import date

from services.scheduling.workers.follow_up import ReferralFollowUp
from shared.events import EVENTS
from shared.events.contracts.scheduling import (
    APPOINTMENT_BOOKED,
    REFERRAL_EXHAUSTED,
    REFERRAL_EXPIRING,
)
from shared.events.contracts.screening import REFERRAL_WINDOW
from shared.uow import unit_of_work
from tests.integration.scheduling.clinic import (
    HANDLERS,
    a_referral,
    book,
    deliver,
    eligible_client,
    local,
    outbox_events,
)


def payloads(engine, event_type) -> list[dict]:  # type: ignore[no-untyped-def]
    return [EVENTS.load_payload(event) for event in outbox_events(engine, event_type.topic)]


def consume_bookings(engine) -> None:  # type: ignore[no-untyped-def]
    """Apply every appointment.booked in the outbox to scheduling's own handler, as its
    consumer group would (a redelivered event is applied again: that is the point)."""
    for event in outbox_events(engine, APPOINTMENT_BOOKED.topic):
        with unit_of_work(engine, "scheduling", correlation_id=event.id) as uow:
            HANDLERS[APPOINTMENT_BOOKED.topic](uow, event, EVENTS.load_payload(event))


def follow_up(app) -> ReferralFollowUp:  # type: ignore[no-untyped-def]
    """A fresh worker, as after a restart: 14 days' notice, the app's clock."""
    return ReferralFollowUp(app.extensions["medmassage"].engine,
                            app.extensions["medmassage"].config.clock, 14, 3600)


def test_bookings_announce_one_visit_left_then_none_left_once_each(http, clinic, engine):
    client_id = eligible_client(engine, referral={"authorized_visits": 2})
    assert book(http, clinic, client_id, local(2026, 3, 3, 10)).status_code == 201
    consume_bookings(engine)
    consume_bookings(engine)  # redelivered
    [one_left] = payloads(engine, REFERRAL_EXHAUSTED)
    assert (one_left["client_id"], one_left["visits_used"], one_left["visits_left"]) == (
        client_id, 1, 1)

    assert book(http, clinic, client_id, local(2026, 3, 5, 10)).status_code == 201
    consume_bookings(engine)
    used_up = payloads(engine, REFERRAL_EXHAUSTED)[1:]
    assert [(p["visits_used"], p["visits_left"]) for p in used_up] == [(2, 0)]


def test_a_referral_ending_soon_is_announced_once_even_across_restarts(app, clinic, engine):
    client_id = eligible_client(engine, referral={"end_on": date(2026, 3, 10)})
    eligible_client(engine)  # ends in June: not yet
    assert follow_up(app).announce_due() == 1
    assert follow_up(app).announce_due() == 0
    follow_up(app).run_round()
    [expiring] = payloads(engine, REFERRAL_EXPIRING)
    assert (expiring["client_id"], expiring["end_on"], expiring["days_left"]) == (
        client_id, date(2026, 3, 10), 8)


def test_an_amended_referral_is_followed_up_afresh(app, clinic, engine):
    client_id = "client-amended"
    referral = a_referral(client_id, end_on=date(2026, 3, 10))
    deliver(engine, REFERRAL_WINDOW, referral)
    follow_up(app).announce_due()
    deliver(engine, REFERRAL_WINDOW, referral | {"version": 2, "end_on": date(2026, 3, 12)})
    follow_up(app).announce_due()
    follow_up(app).announce_due()
    assert [p["end_on"] for p in payloads(engine, REFERRAL_EXPIRING)] == [
        date(2026, 3, 10), date(2026, 3, 12)]
