"""A client's whole journey reaches Kafka: each event valid, keyed by client, correlated."""

from __future__ import annotations

from datetime import date

from services.screening.workers.referral_expiry import ReferralExpiry
from shared.events import EVENTS
from shared.kafka.clients import ensure_topics, make_producer
from shared.outbox import OutboxRelay
from tests.integration.screening.builders import (
    FRONT_DESK,
    a_clearance,
    a_client,
    a_questionnaire,
    a_referral,
    an_address,
)
from tests.integration.screening.kafka_reading import SCREENING_EVENTS, read_client_events


def test_register_screen_clear_refer_amend_revoke_expire_each_reach_their_topic(
    app, http, kafka_settings, unique
):
    ensure_topics(kafka_settings, [event_type.topic for event_type in SCREENING_EVENTS])

    def call(method: str, path: str, step: str, body: dict | None = None) -> dict:
        headers = {**FRONT_DESK, "X-Correlation-ID": f"{unique}-{step}"}
        response = getattr(http, method)(path, json=body, headers=headers)
        assert response.status_code in (200, 201), response.json
        return response.json

    client_id = call("post", "/clients", "register", a_client())["client_id"]
    base = f"/clients/{client_id}"
    call("put", base, "update", a_client(address=an_address(line1="7 Pine Rd")))
    call("post", f"{base}/screenings", "screen", a_questionnaire(conditions=["dvt_current"]))
    call("post", f"{base}/clearances", "clear", a_clearance())
    first = call("post", f"{base}/referrals", "refer", a_referral(end_on="2026-06-30"))
    call("put", f"{base}/referrals/{first['referral_id']}", "amend",
         a_referral(end_on="2026-07-31", authorized_visits=10))
    call("post", f"{base}/referrals/{first['referral_id']}/revoke", "revoke", {"reason": "x"})
    call("post", f"{base}/referrals", "refer-again", a_referral(end_on="2026-03-31"))
    engine = app.extensions["medmassage"].engine
    assert ReferralExpiry(engine, lambda: date(2026, 4, 1), 3600).expire_due() == 1

    relay = OutboxRelay(engine, lambda: make_producer(kafka_settings), "screening")
    while relay.relay_once():
        pass
    received = read_client_events(kafka_settings, client_id, 18)

    steps = []
    for key, event in received:
        payload = EVENTS.load_payload(event)
        assert key == client_id.encode() and event.subject == client_id
        assert payload["client_id"] == client_id
        steps.append((event.type, event.correlation_id.removeprefix(f"{unique}-")))
    assert sorted(steps) == sorted([
        ("screening.client.registered.v1", "register"),
        ("screening.client.enrolled.v1", "register"),
        ("screening.client.contact.v1", "register"),
        ("screening.client.updated.v1", "update"),
        ("screening.client.enrolled.v1", "update"),
        ("screening.client.contact.v1", "update"),
        ("screening.screening.completed.v1", "screen"),
        ("screening.screening.completed.v1", "clear"),
        ("screening.referral.recorded.v1", "refer"),
        ("screening.referral.window.v1", "refer"),
        ("screening.referral.amended.v1", "amend"),
        ("screening.referral.window.v1", "amend"),
        ("screening.referral.revoked.v1", "revoke"),
        ("screening.referral.window.v1", "revoke"),
        ("screening.referral.recorded.v1", "refer-again"),
        ("screening.referral.window.v1", "refer-again"),
        # No request caused the expiry: it carries on the flow that recorded the referral.
        ("screening.referral.expired.v1", "refer-again"),
        ("screening.referral.window.v1", "refer-again"),
    ])
