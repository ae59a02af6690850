"""Batching, submission and acknowledgements against the real sandbox clearinghouse over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select, update

from deploy.sandbox_clearinghouse import RejectionRules, make_server
from services.claims.commands import batching
from services.claims.store.tables import interchanges
from services.claims.workers.acknowledgements import AcknowledgementPoller
from services.claims.workers.batcher import Batcher
from services.claims.workers.submission import SubmissionWorker
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import CLIENT_REGISTERED, REFERRAL_RECORDED
from shared.kafka.retry import RetryPolicy
from tests.integration.claims.support import (
    ACCEPTED_OR_LATER,
    API_KEY,
    STAGES,
    a_visit,
    arm,
    claims_of_session,
    client_data,
    deliver,
    event,
    event_count,
    fast_config,
    history,
    interchange_rows,
    poll_until,
    receipts,
    referral_data,
    session_data,
    set_up_billing,
    status_of,
    submit_until_answered,
)
from tests.support.http import auth
from tests.support.waiting import wait_for


@pytest.fixture
def sandbox() -> Iterator:
    with make_server(port=0, api_keys=[API_KEY], **STAGES) as server:
        yield server


@pytest.fixture
def sandbox_no_835() -> Iterator:
    """The 277CA stages as usual, the 835s an hour later: for tests that pin a claim's
    history up to its acceptance, which an 835 read in the same round (a slow machine)
    would extend with a payment."""
    stages = {**STAGES, "remittance_delay": 3600.0}
    with make_server(port=0, api_keys=[API_KEY], **stages) as server:
        yield server


# The network-fault tests run on SQLite only: the database is not what they test.
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def billing_set_up(engine):  # type: ignore[no-untyped-def]
    """The clinic, Acme Health and its fees."""
    set_up_billing(engine)


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


def test_a_batcher_that_loses_claims_to_another_process_rolls_back_and_batches_again(
    engine, config, sandbox, monkeypatch
):
    # Two claims processes: the other batcher took a claim between our read and our update.
    visits = [a_visit(engine) for _ in range(2)]
    real = batching.interchanges.put_claims_in
    lost = []

    def taken_by_the_other_process(connection, number, claim_ids):  # type: ignore[no-untyped-def]
        if not lost:
            lost.append(number)
            return False
        return real(connection, number, claim_ids)

    monkeypatch.setattr(batching.interchanges, "put_claims_in", taken_by_the_other_process)

    made = Batcher(engine, fast_config(config, sandbox.url, batch_max_wait=0)).run_round()

    assert lost and made == 2  # the lost attempt, then the interchange that holds both
    (interchange,) = interchange_rows(engine)
    assert interchange.control_number == lost[0]  # the rolled-back number is used again
    assert {status_of(engine, visit) for visit in visits} == {"ready"}


def test_a_clean_submission_is_submitted_by_the_999_then_received_and_accepted_by_277cas(
    engine, config, sandbox_no_835
):
    visit = a_visit(engine)
    fast = fast_config(config, sandbox_no_835.url)
    worker, poller = SubmissionWorker(engine, fast), AcknowledgementPoller(engine, fast)

    submit_until_answered(worker, engine)
    assert status_of(engine, visit) == "submitted"
    poll_until(poller, engine, visit, "accepted")

    (claim,) = claims_of_session(engine, visit["session_id"])
    assert claim.payer_claim_control_number.startswith("SBX")
    assert len(claim.claim_id) == 20
    sent = receipts(sandbox_no_835)
    assert [(r["interchange"], r["duplicate"]) for r in sent] == [("000000001", False)]
    for topic in ("submitted", "received", "accepted"):
        assert event_count(engine, f"claims.claim.{topic}.v1") == 1
    steps = history(engine, claim.claim_id)
    assert [(h.status, h.transition) for h in steps] == [
        ("ready", "create"),
        ("ready", None),  # put in interchange 000000001
        ("submitted", "submit"),
        ("received", "receive"),
        ("accepted", "accept"),
    ]
    submitted, received, accepted = (json.loads(h.evidence) for h in steps[2:])
    assert submitted["acknowledgement"] == "999" and "IK5*A" in submitted["segments"]
    assert submitted["segments"][1] == "AK2*837*0001*005010X222A1"
    assert received["acknowledgement"] == "277CA" and received["interchange"] == "000000001"
    assert any(s.startswith("STC*A1:") for s in received["segments"])
    assert f"REF*1K*{claim.payer_claim_control_number}" in accepted["segments"]
    assert accepted["report_id"] > received["report_id"]


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
def test_a_277ca_rejection_is_corrected_and_sent_again_as_a_new_original(
    http, engine, config, correction, unique
):
    rules = RejectionRules.from_mapping({"reject_member_ids": ["BAD123"]})
    client_id, referral_id = f"c-{unique}", f"r-{unique}"
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id, member_id="BAD123")))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
    visit = session_data(client_id, referral_id)
    deliver(engine, event(SESSION_COMPLETED, visit))
    with make_server(rules=rules, api_keys=[API_KEY], **STAGES) as sandbox:
        fast = fast_config(config, sandbox.url)
        worker, poller = SubmissionWorker(engine, fast), AcknowledgementPoller(engine, fast)
        submit_until_answered(worker, engine)
        poll_until(poller, engine, visit, "rejected")
        (rejected,) = claims_of_session(engine, visit["session_id"])
        assert rejected.rejected_by == "payer"
        assert json.loads(rejected.reasons) == [
            {"code": "stc_a7_21", "text": "Subscriber member id not found"}
        ]
        assert [h.status for h in history(engine, rejected.claim_id)][-2:] == [
            "received", "rejected"
        ]

        body: dict = {"member_id": "MEM777"}
        if correction == "client_updated":
            update_event = client_data(client_id, version=2, member_id="MEM777")
            deliver(engine, event(CLIENT_REGISTERED, update_event))
            body = {}
        answer = http.post(
            f"/claims/{rejected.claim_id}/resubmit", json=body, headers=auth("billing")
        )
        assert answer.status_code == 201, answer.json
        corrected = answer.json
        # Never adjudicated, so not a replacement: a new original under a new claim id.
        assert corrected["frequency"] == "1" and corrected["status"] == "ready"
        assert corrected["replaces_claim_id"] == rejected.claim_id
        assert corrected["claim_id"] != rejected.claim_id

        submit_until_answered(worker, engine)
        poll_until(poller, engine, visit, "accepted")

    original, accepted = claims_of_session(engine, visit["session_id"])
    assert accepted.status in ACCEPTED_OR_LATER and accepted.interchange_number == 2
    assert original.replaced_by_claim_id == accepted.claim_id
    assert history(engine, original.claim_id)[-1].transition == "correct"
    x12 = http.get(f"/claims/{accepted.claim_id}/837", headers=auth("billing")).text
    assert "*11:B:1*" in x12 and "REF*F8*" not in x12 and "MEM777" in x12
    again = http.post(f"/claims/{original.claim_id}/resubmit", json={}, headers=auth("billing"))
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"


def test_an_adjudicated_claim_is_replaced_and_voided_quoting_the_payers_claim_number(
    http, engine, config, sandbox_no_835
):
    replaced_visit, voided_visit = a_visit(engine), a_visit(engine)
    fast = fast_config(config, sandbox_no_835.url)
    worker, poller = SubmissionWorker(engine, fast), AcknowledgementPoller(engine, fast)
    submit_until_answered(worker, engine)
    poll_until(poller, engine, replaced_visit, "accepted")
    poll_until(poller, engine, voided_visit, "accepted")
    (first,) = claims_of_session(engine, replaced_visit["session_id"])
    (second,) = claims_of_session(engine, voided_visit["session_id"])

    replacement = http.post(f"/claims/{first.claim_id}/resubmit", json={},
                            headers=auth("billing"))
    void = http.post(f"/claims/{second.claim_id}/void", headers=auth("billing"))

    assert replacement.status_code == 201 and void.status_code == 201, void.json
    assert (replacement.json["frequency"], void.json["frequency"]) == ("7", "8")
    assert void.json["replaces_claim_id"] == second.claim_id
    submit_until_answered(worker, engine)
    for claim, successor in ((first, replacement.json), (second, void.json)):
        x12 = http.get(f"/claims/{successor['claim_id']}/837", headers=auth("billing")).text
        clm = next(s for s in x12.split("~") if s.startswith(f"CLM*{successor['claim_id']}*"))
        assert clm.split("*")[5] == f"11:B:{successor['frequency']}"
        assert f"REF*F8*{claim.payer_claim_control_number}~" in x12
        assert claim.payer_claim_control_number.startswith("SBX")
    poll_until(poller, engine, voided_visit, "accepted")  # the payer accepted the void claim
    wait_for(lambda: poller.run_round() >= 0
             and claims_of_session(engine, voided_visit["session_id"])[0].status == "voided",
             timeout=15, interval=0.05, what="the original to be voided")

    detail = http.get(f"/claims/{second.claim_id}", headers=auth("billing")).json
    assert [h["transition"] for h in detail["history"]][-2:] == ["request_void", "void"]
    assert detail["history"][-1]["status"] == "voided"
    assert detail["history"][-1]["evidence"]["acknowledgement"] == "277CA"
    assert event_count(engine, "claims.claim.voided.v1") == 1
    again = http.post(f"/claims/{second.claim_id}/void", headers=auth("billing"))
    assert again.status_code == 409 and again.json["type"] == "/problems/cannot-void"
    void_again = http.post(f"/claims/{void.json['claim_id']}/resubmit", json={},
                           headers=auth("billing"))
    assert void_again.status_code == 409  # an accepted void has nothing left to replace


def test_the_claim_shows_each_step_with_the_x12_behind_it(http, engine, config, sandbox_no_835):
    visit = a_visit(engine)
    fast = fast_config(config, sandbox_no_835.url)
    submit_until_answered(SubmissionWorker(engine, fast), engine)
    poll_until(AcknowledgementPoller(engine, fast), engine, visit, "accepted")
    (claim,) = claims_of_session(engine, visit["session_id"])

    detail = http.get(f"/claims/{claim.claim_id}", headers=auth("billing")).json

    steps = [(h["status"], h["transition"]) for h in detail["history"]]
    assert steps == [("ready", "create"), ("ready", None), ("submitted", "submit"),
                     ("received", "receive"), ("accepted", "accept")]
    submitted, received, accepted = (h["evidence"] for h in detail["history"][2:])
    assert submitted["segments"][:3] == [
        "AK1*HC*1*005010X222A1", "AK2*837*0001*005010X222A1", "IK5*A"
    ]
    assert received["report_id"] < accepted["report_id"]
    assert accepted["segments"][0] == f"TRN*2*{claim.claim_id}"
    assert detail["payer_claim_control_number"] == claim.payer_claim_control_number
