"""Acknowledgements read right and never given up on, over HTTP, on SQLite and PostgreSQL.

The sandbox clearinghouse plays the answers it can (A1 then A2 or a rejection, a TA1, a
garbled 999, a 277CA echoing 20 characters, a claim left out); a scripted clearinghouse on
a real socket plays the rest (a 999 for another group, AK9 against IK5, a 277CA that is not
a 277, a loop that cannot be read, a report before its 999).
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from deploy.sandbox_clearinghouse import RejectionRules, make_server
from services.claims.store.tables import clearinghouse_reports, mailbox_cursor
from services.claims.workers.acknowledgements import AcknowledgementPoller
from services.claims.workers.batcher import Batcher
from services.claims.workers.submission import SubmissionWorker
from shared.db import utcnow
from tests.integration.claims.remittances import exceptions, paid_at_fee_schedule, remittance
from tests.integration.claims.support import (
    ACCEPTED_OR_LATER,
    API_KEY,
    STAGES,
    a_visit,
    arm,
    claims_of_session,
    event_count,
    fast_config,
    history,
    interchange_rows,
    outbox_data,
    poll_until,
    receipts,
    set_up_billing,
    status_of,
    submit_until_answered,
)
from tests.support.http import auth
from tests.support.waiting import wait_for
from tests.unit.claims.acknowledgement_texts import Loop, a_277ca, a_999

BILLING = auth("billing")


@pytest.fixture(autouse=True)
def billing_set_up(engine):  # type: ignore[no-untyped-def]
    set_up_billing(engine)


@pytest.fixture
def sandbox() -> Iterator:
    rules = RejectionRules.from_mapping({"reject_member_ids": ["BAD123"]})
    with make_server(port=0, rules=rules, api_keys=[API_KEY], **STAGES) as server:
        yield server


def workers(engine, config, url: str, **overrides):  # type: ignore[no-untyped-def]
    fast = fast_config(config, url, **overrides)
    return SubmissionWorker(engine, fast), AcknowledgementPoller(engine, fast)


def report_rows(engine) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(
            select(clearinghouse_reports).order_by(clearinghouse_reports.c.report_id)
        ).all()


def claim_of(engine, visit: dict):  # type: ignore[no-untyped-def]
    return claims_of_session(engine, visit["session_id"])[-1]


def notes(engine, claim_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.note for h in history(engine, claim_id) if h.transition is None]


# -- 277CA through the mailbox, in order, and never given up on ----------------------------


def test_a1_then_a7_reaches_the_claim_though_every_claim_already_had_one_answer(
    engine, config, sandbox
):
    good, bad = a_visit(engine), a_visit(engine, member_id="BAD123")
    worker, poller = workers(engine, config, sandbox.url)
    submit_until_answered(worker, engine)

    poll_until(poller, engine, bad, "rejected")
    poll_until(poller, engine, good, "accepted")

    rejected = claim_of(engine, bad)
    assert [h.status for h in history(engine, rejected.claim_id)][-3:] == [
        "submitted", "received", "rejected"
    ]
    assert rejected.rejected_by == "payer"
    (event,) = outbox_data(engine, "claims.claim.rejected.v1")
    assert event["rejected_by"] == "payer" and event["reasons"][0]["code"] == "stc_a7_21"
    evidence = json.loads(history(engine, rejected.claim_id)[-1].evidence)
    assert any(s.startswith("STC*A7:21:IL") for s in evidence["segments"])
    assert event_count(engine, "claims.claim.received.v1") == 2


def test_a_277ca_echoing_20_characters_of_an_old_38_character_id_still_settles_it(
    engine, config, sandbox, monkeypatch
):
    monkeypatch.setattr(
        "services.claims.commands.claims.new_claim_id", lambda: f"C-{uuid.uuid4()}"
    )
    visit = a_visit(engine)
    assert len(claim_of(engine, visit).claim_id) == 38
    arm(sandbox, mode="truncate_clm01", count=1)
    worker, poller = workers(engine, config, sandbox.url)
    submit_until_answered(worker, engine)

    poll_until(poller, engine, visit, "accepted")

    claim = claim_of(engine, visit)
    echoed = json.loads(history(engine, claim.claim_id)[-1].evidence)["echo"]
    assert echoed == claim.claim_id[:20].upper() or echoed == claim.claim_id[:20]


def test_a_claim_nobody_answers_goes_to_no_response_after_the_configured_days(
    engine, config, sandbox
):
    answered, lost = a_visit(engine), a_visit(engine)
    arm(sandbox, mode="drop_claim_from_277ca", count=1, stage="all")
    worker, poller = workers(engine, config, sandbox.url)
    submit_until_answered(worker, engine)
    poll_until(poller, engine, answered, "accepted")
    left_out = claim_of(engine, lost)
    assert left_out.status == "submitted"  # the sandbox left out the last claim of the batch

    later = dataclasses.replace(
        poller.config, no_response_days=7, clock=lambda: utcnow() + timedelta(days=8)
    )
    AcknowledgementPoller(engine, later).run_round()

    assert claim_of(engine, lost).status == "no_response"
    assert claim_of(engine, answered).status in ACCEPTED_OR_LATER
    (flagged,) = outbox_data(engine, "claims.claim.no_response.v1")
    assert flagged["claim_id"] == left_out.claim_id
    assert history(engine, left_out.claim_id)[-1].transition == "time_out"
    assert json.loads(claim_of(engine, lost).reasons)[0]["code"] == "no_response"


def test_a_late_277ca_still_moves_a_claim_out_of_no_response(engine, config, scripted):
    url, script = scripted
    visit = a_visit(engine)
    worker, poller = workers(engine, config, url)
    submit_until_answered(worker, engine)
    eight_days_on = dataclasses.replace(poller.config, clock=lambda: utcnow() + timedelta(days=8))
    AcknowledgementPoller(engine, eight_days_on).run_round()
    assert status_of(engine, visit) == "no_response"

    claim = claim_of(engine, visit)
    script.add_report("277CA", a_277ca([Loop(claim.claim_id, ("A2:20:PR",), payer_number="P9")]),
                      interchange=1)
    poll_until(poller, engine, visit, "accepted")

    assert claim_of(engine, visit).payer_claim_control_number == "P9"


# -- the answer to a submission: TA1, unreadable and unmatched 999s ------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_ta1_rejects_the_claims_by_the_clearinghouse_and_the_interchange_is_not_sent_again(
    engine, config, sandbox
):
    visit = a_visit(engine)
    arm(sandbox, mode="ta1", count=1)
    worker, _ = workers(engine, config, sandbox.url)

    submit_until_answered(worker, engine)
    assert worker.run_round() == 0

    claim = claim_of(engine, visit)
    assert claim.status == "rejected" and claim.rejected_by == "clearinghouse"
    assert json.loads(claim.reasons) == [
        {"code": "ta1_022", "text": "TA1 rejected the interchange: Invalid control structure"}
    ]
    assert interchange_rows(engine)[0].status == "rejected"
    assert len(receipts(sandbox)) == 1
    evidence = json.loads(history(engine, claim.claim_id)[-1].evidence)
    assert evidence["acknowledgement"] == "TA1" and evidence["segments"][0].startswith("TA1*")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_one_garbled_999_is_sent_again_and_the_real_999_submits(engine, config, sandbox):
    visit = a_visit(engine)
    arm(sandbox, mode="garbage_999", count=1)
    worker, _ = workers(engine, config, sandbox.url)

    submit_until_answered(worker, engine)

    assert status_of(engine, visit) == "submitted"
    assert [r["duplicate"] for r in receipts(sandbox)] == [False, True]
    (interchange,) = interchange_rows(engine)
    assert interchange.status == "accepted" and interchange.unreadable_answers == 0


def test_answers_that_stay_unreadable_hold_the_interchange_for_a_person(
    http, engine, config, sandbox
):
    visit = a_visit(engine)
    arm(sandbox, mode="garbage_999", count=3)
    worker, _ = workers(engine, config, sandbox.url, answer_read_attempts=3)

    submit_until_answered(worker, engine)
    assert worker.run_round() == 0  # held: not sent again by itself

    (interchange,) = interchange_rows(engine)
    assert interchange.status == "held" and interchange.unreadable_answers == 3
    assert "3 answers could not be read" in interchange.last_error
    assert len(receipts(sandbox)) == 3
    claim = claim_of(engine, visit)
    assert claim.status == "ready"
    assert notes(engine, claim.claim_id)[-1].startswith("interchange 000000001 held")
    (held,) = outbox_data(engine, "claims.interchange.held.v1")
    assert held["interchange_control_number"] == "000000001" and held["acknowledgement"] == "999"
    metrics = http.get("/metrics").get_data(as_text=True)
    assert 'claims_acknowledgements_held{kind="interchange"} 1.0' in metrics
    listed = http.get("/interchanges?status=held", headers=BILLING).json["interchanges"]
    assert [(i["interchange_control_number"], i["claim_ids"]) for i in listed] == [
        ("000000001", [claim.claim_id])
    ]

    assert http.post("/interchanges/000000001/retry", headers=BILLING).status_code == 204
    submit_until_answered(worker, engine)

    assert status_of(engine, visit) == "submitted"
    assert http.post("/interchanges/000000001/retry", headers=BILLING).status_code == 409
    assert http.post("/interchanges/nope/retry", headers=BILLING).status_code == 404


def test_a_999_for_another_group_is_not_believed_and_the_interchange_is_held(
    engine, config, scripted
):
    url, script = scripted
    visit = a_visit(engine)
    script.answer = lambda submitted: a_999(submitted.group + 100, [("0001", "A")])
    worker, _ = workers(engine, config, url, answer_read_attempts=2)

    submit_until_answered(worker, engine)

    assert status_of(engine, visit) == "ready"
    (interchange,) = interchange_rows(engine)
    assert interchange.status == "held" and "not ours" in interchange.last_error
    assert len(script.submitted) == 2


def test_the_transaction_sets_ik5_rejects_though_ak9_says_accepted(engine, config, scripted):
    url, script = scripted
    visit = a_visit(engine)
    script.answer = lambda submitted: a_999(submitted.group, [("0001", "R")], ak9="A")
    worker, _ = workers(engine, config, url)

    submit_until_answered(worker, engine)

    claim = claim_of(engine, visit)
    assert claim.status == "rejected" and claim.rejected_by == "clearinghouse"
    assert json.loads(claim.reasons)[0]["code"] == "x12_rejected"
    assert "IK5*R*5" in json.loads(history(engine, claim.claim_id)[-1].evidence)["segments"]


# -- 277CAs that are odd, early, repeated, or not 277CAs -----------------------------------


def test_a_report_that_is_not_a_277_is_held_and_no_claim_changes(http, engine, config, scripted):
    url, script = scripted
    visit = a_visit(engine)
    worker, poller = workers(engine, config, url)
    submit_until_answered(worker, engine)
    claim = claim_of(engine, visit)
    script.add_report("277CA", a_277ca([Loop(claim.claim_id)], st01="276"), interchange=1)

    wait_for(lambda: poller.run_round() >= 0 and report_rows(engine), what="the report")

    (report,) = report_rows(engine)
    assert report.status == "held" and "not a 277" in report.note
    assert status_of(engine, visit) == "submitted"
    (held,) = outbox_data(engine, "claims.interchange.held.v1")
    assert (held["report_id"], held["acknowledgement"]) == (report.report_id, "277CA")
    metrics = http.get("/metrics").get_data(as_text=True)
    assert 'claims_acknowledgements_held{kind="report"} 1.0' in metrics
    listed = http.get("/clearinghouse-reports?status=held", headers=BILLING).json["reports"]
    assert [r["report_id"] for r in listed] == [report.report_id]


def test_one_unreadable_loop_only_leaves_its_own_claim_and_trn_without_stc_is_not_rejected(
    engine, config, scripted
):
    url, script = scripted
    first, second, third = (a_visit(engine) for _ in range(3))
    worker, poller = workers(engine, config, url)
    submit_until_answered(worker, engine)
    ids = [claim_of(engine, visit).claim_id for visit in (first, second, third)]
    script.add_report("277CA", a_277ca([
        Loop(ids[0], ("A2:20:PR",), payer_number="PCN1"),
        Loop(ids[1], ("A2:20:PR",), amount="12,50"),
        Loop(ids[2], ()),
    ]), interchange=1)

    poll_until(poller, engine, first, "accepted")

    assert status_of(engine, second) == "submitted"
    assert "unreadable" in notes(engine, ids[1])[-1]
    assert status_of(engine, third) == "submitted"
    assert "without a status" in notes(engine, ids[2])[-1]
    assert event_count(engine, "claims.claim.rejected.v1") == 0
    (report,) = report_rows(engine)
    assert report.status == "processed" and "noted: 2" in report.note


def test_each_report_is_applied_once_however_often_the_mailbox_is_read(engine, config, scripted):
    url, script = scripted
    visit = a_visit(engine)
    worker, poller = workers(engine, config, url)
    submit_until_answered(worker, engine)
    claim = claim_of(engine, visit)
    script.add_report("277CA", a_277ca([Loop(claim.claim_id, ("A1:19:PR",))]), interchange=1)
    poll_until(poller, engine, visit, "received")
    with engine.begin() as connection:  # as if the process crashed before moving the cursor
        connection.execute(mailbox_cursor.update().values(after=0))

    _, restarted = workers(engine, config, url)
    restarted.run_round()
    restarted.run_round()

    assert len(report_rows(engine)) == 1
    assert event_count(engine, "claims.claim.received.v1") == 1
    assert [h.transition for h in history(engine, claim.claim_id)].count("receive") == 1
    with engine.connect() as connection:
        assert connection.execute(select(mailbox_cursor.c.after)).scalar_one() == 1


def test_a_late_a1_after_the_a2_is_noted_and_never_undoes_the_acceptance(
    engine, config, scripted
):
    url, script = scripted
    visit = a_visit(engine)
    worker, poller = workers(engine, config, url)
    submit_until_answered(worker, engine)
    claim = claim_of(engine, visit)
    script.add_report("277CA", a_277ca([Loop(claim.claim_id, ("A2:20:PR",))]), interchange=1)
    script.add_report("277CA", a_277ca([Loop(claim.claim_id, ("A1:19:PR",))]), interchange=1)

    wait_for(lambda: poller.run_round() >= 0 and len(report_rows(engine)) == 2
             and all(r.status == "processed" for r in report_rows(engine)), what="both reports")

    assert status_of(engine, visit) == "accepted"
    assert "ignored: the claim is accepted" in notes(engine, claim.claim_id)[-1]


def test_one_277ca_naming_a_claim_twice_applies_both_loops_in_order(engine, config, scripted):
    # The report's claims are read once per report; the second loop must see the first's step.
    url, script = scripted
    visit, other = a_visit(engine), a_visit(engine)
    worker, poller = workers(engine, config, url)
    submit_until_answered(worker, engine)
    claim, second = claim_of(engine, visit), claim_of(engine, other)
    script.add_report("277CA", a_277ca([
        Loop(claim.claim_id, ("A1:19:PR",)),
        Loop(second.claim_id.lower(), ("A2:20:PR",)),
        Loop(claim.claim_id, ("A2:20:PR",), payer_number="PCN7"),
    ]), interchange=1)

    poll_until(poller, engine, visit, "accepted")

    assert [h.transition for h in history(engine, claim.claim_id)][-2:] == ["receive", "accept"]
    assert status_of(engine, other) == "accepted"
    (report,) = report_rows(engine)
    assert report.status == "processed"


def batched_not_answered(engine, config, url: str):  # type: ignore[no-untyped-def]
    """A claim in an interchange that is made but has no recorded 999 yet: the visit, the
    submission worker and poller, and the claim."""
    visit = a_visit(engine)
    worker, poller = workers(engine, config, url)
    Batcher(engine, worker.config).run_round()
    return visit, worker, poller, claim_of(engine, visit)


def test_a_277ca_read_before_its_999_was_recorded_waits_for_it(engine, config, scripted):
    url, script = scripted
    visit, worker, poller, claim = batched_not_answered(engine, config, url)
    script.add_report("277CA", a_277ca([Loop(claim.claim_id, ("A1:19:PR",))]), interchange=1)

    poller.run_round()
    assert [r.status for r in report_rows(engine)] == ["deferred"]
    submit_until_answered(worker, engine)
    poll_until(poller, engine, visit, "received")

    assert [r.status for r in report_rows(engine)] == ["processed"]


def test_an_835_read_before_its_claims_999_was_recorded_waits_for_it_and_posts_after(
    engine, config, scripted
):
    # A process sent the interchange and died before recording the 999; the payer answered
    # meanwhile: 277CAs and the 835 are in the mailbox before the resend records the 999.
    url, script = scripted
    visit, worker, poller, claim = batched_not_answered(engine, config, url)
    script.add_report("277CA", a_277ca([Loop(claim.claim_id, ("A1:19:PR",))]), interchange=1)
    script.add_report("277CA", a_277ca([Loop(claim.claim_id, ("A2:20:PR",))]), interchange=1)
    script.add_report("835", remittance(paid_at_fee_schedule(engine, claim)))

    poller.run_round()
    assert [r.status for r in report_rows(engine)] == ["deferred", "deferred", "deferred"]
    assert "waits for its 999" in report_rows(engine)[2].note
    submit_until_answered(worker, engine)
    poll_until(poller, engine, visit, "paid")

    assert [r.status for r in report_rows(engine)] == ["processed", "processed", "posted"]
    assert exceptions(engine) == []  # nothing went to a person


def test_an_835_is_kept_then_posted_after_the_277cas_and_reading_goes_on(
    engine, config, sandbox
):
    visit = a_visit(engine)
    worker, poller = workers(engine, config, sandbox.url)
    submit_until_answered(worker, engine)
    poll_until(poller, engine, visit, "accepted")

    wait_for(lambda: poller.run_round() >= 0
             and any(r.kind == "835" for r in report_rows(engine)), what="the 835")

    kinds = {(r.kind, r.status) for r in report_rows(engine)}
    assert kinds == {("277CA", "processed"), ("835", "posted")}
    assert status_of(engine, visit) == "paid"  # no adjudication rules: the charge is paid


def test_one_277ca_with_a_verdict_for_each_of_three_claims_moves_and_announces_each_once(
    engine, config, scripted
):
    # The report's steps are taken together (one statement each for states, history and
    # events): every claim still gets its own step, history entry and event.
    url, script = scripted
    received, accepted, rejected = a_visit(engine), a_visit(engine), a_visit(engine)
    worker, poller = workers(engine, config, url)
    submit_until_answered(worker, engine)
    ids = [claim_of(engine, visit).claim_id for visit in (received, accepted, rejected)]
    script.add_report("277CA", a_277ca([
        Loop(ids[0], ("A1:19:PR",)),
        Loop(ids[1], ("A2:20:PR",), payer_number="PCN1"),
        Loop(ids[2], ("A7:21:IL",)),
    ]), interchange=1)

    poll_until(poller, engine, rejected, "rejected")

    assert [status_of(engine, visit) for visit in (received, accepted, rejected)] == [
        "received", "accepted", "rejected"
    ]
    assert [history(engine, claim_id)[-1].transition for claim_id in ids] == [
        "receive", "accept", "reject_by_payer"
    ]
    assert claim_of(engine, accepted).payer_claim_control_number == "PCN1"
    assert claim_of(engine, rejected).rejected_by == "payer"
    for topic, claim_id in zip(
        ("claims.claim.received.v1", "claims.claim.accepted.v1", "claims.claim.rejected.v1"),
        ids, strict=True,
    ):
        (event,) = outbox_data(engine, topic)
        assert event["claim_id"] == claim_id
    (report,) = report_rows(engine)
    assert report.status == "processed"
