"""Batching, submission and acknowledgements against the real sandbox clearinghouse over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
from sqlalchemy import select, update

from deploy.sandbox_clearinghouse import RejectionRules, make_server
from services.claims.store.tables import claim_history, interchanges
from services.claims.workers.acknowledgements import AcknowledgementPoller
from services.claims.workers.batcher import Batcher
from services.claims.workers.submission import SubmissionWorker
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import CLIENT_REGISTERED, REFERRAL_RECORDED
from shared.kafka.retry import RetryPolicy
from shared.outbox import outbox
from tests.integration.claims.support import (
    a_visit,
    claims_of_session,
    client_data,
    deliver,
    event,
    fast_config,
    referral_data,
    session_data,
    set_up_billing,
)
from tests.support.http import auth
from tests.support.waiting import wait_for

API_KEY = "sandbox-key"


@pytest.fixture
def sandbox() -> Iterator:
    with make_server(port=0, api_keys=[API_KEY]) as server:
        yield server


# The network-fault tests run on SQLite only: the database is not what they test.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def billing_set_up(engine):  # type: ignore[no-untyped-def]
    """The clinic, Acme Health and its fees."""
    set_up_billing(engine)


def arm(sandbox, **fault: object) -> None:  # type: ignore[no-untyped-def]
    requests.post(f"{sandbox.url}/v1/_faults", json=fault, timeout=5).raise_for_status()


def receipts(sandbox) -> list[dict]:  # type: ignore[no-untyped-def]
    return requests.get(f"{sandbox.url}/v1/_submissions", timeout=5).json()["submissions"]


def interchange_rows(engine) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(
            select(interchanges).order_by(interchanges.c.control_number)
        ).all()


def event_count(engine, topic: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return len(connection.execute(select(outbox.c.id).where(outbox.c.topic == topic)).all())


def status_of(engine, session: dict) -> str:  # type: ignore[no-untyped-def]
    return claims_of_session(engine, session["session_id"])[-1].status


def submit_until_answered(worker: SubmissionWorker, engine) -> None:  # type: ignore[no-untyped-def]
    Batcher(engine, worker.config).run_round()
    wait_for(
        lambda: (
            worker.run_round() >= 0
            and all(row.status != "pending" for row in interchange_rows(engine))
        ),
        timeout=15,
        interval=0.05,
        what="the clearinghouse to answer",
    )


def test_ready_claims_of_a_payer_go_out_in_one_interchange_with_fresh_control_numbers(
    http, engine, config, sandbox
):
    visits = [a_visit(engine) for _ in range(3)]
    batcher = Batcher(engine, fast_config(config, sandbox.url))

    assert batcher.run_round() == 1
    later = a_visit(engine)
    assert batcher.run_round() == 1

    numbers = [row.control_number for row in interchange_rows(engine)]
    assert numbers == [1, 2]
    first = [claims_of_session(engine, v["session_id"])[0] for v in visits]
    assert {claim.interchange_number for claim in first} == {1}
    assert claims_of_session(engine, later["session_id"])[0].interchange_number == 2
    answer = http.get(f"/claims/{first[0].claim_id}/837", headers=auth("billing"))
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    assert answer.text.startswith("ISA*") and "*000000001*" in answer.text
    assert all(claim.claim_id in answer.text for claim in first)


def test_a_partial_batch_waits_until_it_is_full_or_old_enough(engine, config, sandbox):
    for _ in range(2):
        a_visit(engine)

    patient = Batcher(engine, fast_config(config, sandbox.url, batch_size=3, batch_max_wait=3600))
    assert patient.run_round() == 0
    a_visit(engine)
    assert patient.run_round() == 1
    assert len(interchange_rows(engine)) == 1


def test_a_clean_submission_is_submitted_by_the_999_and_accepted_by_the_277ca(
    engine, config, sandbox
):
    visit = a_visit(engine)
    fast = fast_config(config, sandbox.url)
    worker, poller = SubmissionWorker(engine, fast), AcknowledgementPoller(engine, fast)

    submit_until_answered(worker, engine)
    assert status_of(engine, visit) == "submitted"
    wait_for(lambda: poller.run_round(), timeout=10, what="the 277CA")

    (claim,) = claims_of_session(engine, visit["session_id"])
    assert claim.status == "accepted" and claim.payer_claim_control_number.startswith("SBX")
    assert [(r["interchange"], r["duplicate"]) for r in receipts(sandbox)] == [("000000001", False)]
    assert event_count(engine, "claims.claim.submitted.v1") == 1
    assert event_count(engine, "claims.claim.accepted.v1") == 1
    with engine.connect() as connection:
        history = connection.execute(
            select(claim_history.c.status).where(claim_history.c.claim_id == claim.claim_id)
        ).scalars()
        assert list(history) == ["ready", "ready", "submitted", "accepted"]


@sqlite_only
def test_503s_are_retried_with_backoff_and_the_interchange_arrives_once(engine, config, sandbox):
    visit = a_visit(engine)
    worker = SubmissionWorker(engine, fast_config(config, sandbox.url))
    arm(sandbox, mode="503", count=3)

    submit_until_answered(worker, engine)

    (interchange,) = interchange_rows(engine)
    assert interchange.attempts == 3 and interchange.status == "accepted"
    assert [r["duplicate"] for r in receipts(sandbox)] == [False]
    assert status_of(engine, visit) == "submitted"


@sqlite_only
def test_a_dropped_connection_is_retried(engine, config, sandbox):
    visit = a_visit(engine)
    worker = SubmissionWorker(engine, fast_config(config, sandbox.url))
    arm(sandbox, mode="drop", count=1)

    submit_until_answered(worker, engine)

    (interchange,) = interchange_rows(engine)
    assert interchange.attempts == 1
    assert [r["duplicate"] for r in receipts(sandbox)] == [False]
    assert status_of(engine, visit) == "submitted"


@sqlite_only
def test_a_slow_answer_is_retried_with_the_identical_interchange_and_billed_once(
    engine, config, sandbox
):
    visit = a_visit(engine)
    # Time out after 0.3 s; retry only after the slow request has been served.
    retry = RetryPolicy(initial_backoff=1.5, multiplier=1.0, max_backoff=1.5, jitter=0.0)
    worker = SubmissionWorker(engine, fast_config(config, sandbox.url, submit_timeout=0.3,
                                                  retry=retry))
    arm(sandbox, mode="slow", seconds=0.8, count=1)
    Batcher(engine, worker.config).run_round()
    (stored,) = interchange_rows(engine)

    submit_until_answered(worker, engine)

    sent = receipts(sandbox)
    assert [(r["interchange"], r["duplicate"]) for r in sent] == [
        ("000000001", False),
        ("000000001", True),
    ]
    assert sent[0]["claim_ids"] == sent[1]["claim_ids"]
    (interchange,) = interchange_rows(engine)
    assert interchange.x12 == stored.x12 and interchange.attempts == 1
    assert len(claims_of_session(engine, visit["session_id"])) == 1
    assert event_count(engine, "claims.claim.submitted.v1") == 1


@sqlite_only
def test_a_refusal_is_not_retried_and_rejects_the_claims(engine, config, sandbox):
    visit = a_visit(engine)
    worker = SubmissionWorker(engine, fast_config(config, sandbox.url, api_key="wrong-key"))

    Batcher(engine, worker.config).run_round()
    assert worker.run_round() == 1
    assert worker.run_round() == 0

    (interchange,) = interchange_rows(engine)
    assert interchange.status == "refused" and interchange.attempts == 0
    (claim,) = claims_of_session(engine, visit["session_id"])
    assert claim.status == "rejected"
    assert json.loads(claim.reasons)[0]["code"] == "clearinghouse_refused"
    assert receipts(sandbox) == []


@sqlite_only
def test_a_999_rejection_rejects_every_claim_in_the_interchange(engine, config, sandbox):
    visits = [a_visit(engine) for _ in range(2)]
    worker = SubmissionWorker(engine, fast_config(config, sandbox.url))
    Batcher(engine, worker.config).run_round()
    with engine.begin() as connection:  # corrupt the stored text as a broken writer would
        (text,) = connection.execute(select(interchanges.c.x12)).one()
        connection.execute(update(interchanges).values(x12=text.replace("*MI*", "*QQ*", 1)))

    submit_until_answered(worker, engine)

    assert interchange_rows(engine)[0].status == "rejected"
    for visit in visits:
        (claim,) = claims_of_session(engine, visit["session_id"])
        assert claim.status == "rejected"
        assert json.loads(claim.reasons)[0]["code"] == "x12_rejected"
    assert event_count(engine, "claims.claim.rejected.v1") == 2


@pytest.mark.parametrize("correction", ["override", "client_updated"])
def test_a_277ca_rejection_is_corrected_and_resubmitted_as_a_replacement(
    http, engine, config, correction, unique
):
    rules = RejectionRules.from_mapping({"reject_member_ids": ["BAD123"]})
    client_id, referral_id = f"c-{unique}", f"r-{unique}"
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id, member_id="BAD123")))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
    visit = session_data(client_id, referral_id)
    deliver(engine, event(SESSION_COMPLETED, visit))
    with make_server(rules=rules, api_keys=[API_KEY]) as sandbox:
        fast = fast_config(config, sandbox.url)
        worker, poller = SubmissionWorker(engine, fast), AcknowledgementPoller(engine, fast)
        submit_until_answered(worker, engine)
        wait_for(lambda: poller.run_round(), timeout=10, what="the 277CA")
        (rejected,) = claims_of_session(engine, visit["session_id"])
        assert rejected.status == "rejected"
        assert json.loads(rejected.reasons)[0]["text"] == "Subscriber member id not found"

        body: dict = {"member_id": "MEM777"}
        if correction == "client_updated":
            update_event = client_data(client_id, version=2, member_id="MEM777")
            deliver(engine, event(CLIENT_REGISTERED, update_event))
            body = {}
        answer = http.post(
            f"/claims/{rejected.claim_id}/resubmit", json=body, headers=auth("billing")
        )
        assert answer.status_code == 201, answer.json
        replacement = answer.json
        assert replacement["frequency"] == "7" and replacement["status"] == "ready"
        assert replacement["replaces_claim_id"] == rejected.claim_id

        submit_until_answered(worker, engine)
        wait_for(lambda: poller.run_round(), timeout=10, what="the second 277CA")

    original, accepted = claims_of_session(engine, visit["session_id"])
    assert accepted.status == "accepted" and accepted.interchange_number == 2
    assert original.replaced_by_claim_id == accepted.claim_id
    x12 = http.get(f"/claims/{accepted.claim_id}/837", headers=auth("billing")).text
    assert "*11:B:7*" in x12 and f"REF*F8*{original.claim_id}~" in x12 and "MEM777" in x12
    again = http.post(f"/claims/{original.claim_id}/resubmit", json={}, headers=auth("billing"))
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
