"""From real events on the real broker to a claim the sandbox clearinghouse accepted.

The service's own consumer runner, outbox relay, submission worker and report-mailbox
poller run in threads, as ``python -m services.claims`` runs them, against the sandbox over
HTTP: the 999, then a 277CA A1 (received) and a 277CA A2 (accepted).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kafka import KafkaProducer

from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import CLIENT_REGISTERED, REFERRAL_RECORDED
from tests.integration.claims.running import publish, published_about, running_claims_service
from tests.integration.claims.support import (
    ACCEPTED_OR_LATER,
    claims_of_session,
    client_data,
    event,
    referral_data,
    session_data,
)
from tests.support.waiting import wait_for


@pytest.fixture
def running_service(engine, config, kafka_settings, unique) -> Iterator:  # type: ignore[no-untyped-def]
    with running_claims_service(engine, config, kafka_settings, f"claims-{unique}") as sandbox:
        yield engine, sandbox


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
        lambda: claims_of_session(engine, session["session_id"])[0].status in ACCEPTED_OR_LATER,
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
