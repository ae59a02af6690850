"""Billing's work queue, write-offs, balances moved to the patient and A/R aging, over HTTP.

Claims reach their states the way they do in production (a scripted clearinghouse's 999,
277CAs and 835s read by the service's own poller); billing then works them through the API.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient

from services.claims.app import create_app
from services.claims.store.tables import balance_actions
from services.claims.workers.acknowledgements import AcknowledgementPoller
from shared.db import utcnow
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import REFERRAL_RECORDED
from tests.integration.claims.remittances import (
    at_fee_schedule,
    claim_paid,
    denied,
    paid_at_fee_schedule,
    remittance,
    rows,
    sent_lines,
)
from tests.integration.claims.support import (
    VISIT_DAY,
    a_visit,
    claims_of_session,
    deliver,
    event,
    outbox_data,
    poll_until,
    referral_data,
    session_data,
    set_up_billing,
    status_of,
    submit_until_answered,
)
from tests.support.http import auth
from tests.unit.claims.acknowledgement_texts import Loop, a_277ca

BILLING = auth("billing")
D = Decimal


@pytest.fixture(autouse=True)
def billing_set_up(engine):  # type: ignore[no-untyped-def]
    set_up_billing(engine)


def short_paid(engine, claim, short: Decimal):  # type: ignore[no-untyped-def]
    """The payer allowed ``short`` less than our fee schedule on the claim's first line."""
    first, *rest = sent_lines(engine, claim.claim_id)
    lines = [at_fee_schedule(first, allowed=first.expected_allowed - short),
             *(at_fee_schedule(line) for line in rest)]  # fmt: skip
    return claim_paid(claim.claim_id, lines)


def all_denied(engine, claim):  # type: ignore[no-untyped-def]
    return claim_paid(claim.claim_id, [denied(line) for line in sent_lines(engine, claim.claim_id)])


def later(config, days: int) -> FlaskClient:
    """The claims app on the same database with its clock ``days`` ahead."""
    shifted = dataclasses.replace(config, clock=lambda: utcnow() + timedelta(days=days))
    return create_app(shifted).test_client()


def item_of(queue: dict, kind: str) -> dict:
    (item,) = [item for item in queue["items"] if item["kind"] == kind]
    return item


def test_claims_needing_a_person_are_listed_with_reasons_age_money_and_actions(
    engine, config, mailbox
):
    parked_client, parked_referral = f"c-{uuid.uuid4().hex[:8]}", f"r-{uuid.uuid4().hex[:8]}"
    deliver(engine, event(REFERRAL_RECORDED, referral_data(parked_client, parked_referral)))
    deliver(engine, event(SESSION_COMPLETED, session_data(parked_client, parked_referral)))
    rejected, refused, short, silent = (a_visit(engine) for _ in range(4))
    denied_claim, short_claim = mailbox.accepted_claims(refused, short)
    rejected_claim = claims_of_session(engine, rejected["session_id"])[-1]
    mailbox.script.add_report("277CA", a_277ca(
        [Loop(rejected_claim.claim_id, ("A7:21:IL",), message="Subscriber member id not found")]
    ), interchange=1)  # fmt: skip
    poll_until(mailbox.poller, engine, rejected, "rejected")
    mailbox.post(remittance(all_denied(engine, denied_claim), short_paid(engine, short_claim,
                                                                         D("5.00"))))  # fmt: skip
    eight_days_on = dataclasses.replace(mailbox.poller.config,
                                        clock=lambda: utcnow() + timedelta(days=8))  # fmt: skip
    AcknowledgementPoller(engine, eight_days_on).run_round()
    assert status_of(engine, silent) == "no_response"

    queue = later(config, 10).get("/work-queue", headers=BILLING).json

    assert queue["counts"] == {"needs_review": 1, "rejected": 1, "denied": 1,
                               "short_payment": 1, "no_response": 1}  # fmt: skip
    assert {item["age_days"] for item in queue["items"]} == {10}
    review = item_of(queue, "needs_review")
    assert review["reasons"] and [a["action"] for a in review["actions"]] == ["rescrub"]
    front_end = item_of(queue, "rejected")
    assert front_end["claim_id"] == rejected_claim.claim_id
    assert front_end["reasons"] == [{"code": "stc_a7_21", "text": "Subscriber member id not found"}]
    assert [a["action"] for a in front_end["actions"]] == ["resubmit"]
    assert "new original" in front_end["actions"][0]["description"]
    refusal = item_of(queue, "denied")
    assert refusal["amount_at_stake"] == "90.89"
    assert any("CO-50: These are non-covered services" in r["text"] for r in refusal["reasons"])
    shortfall = item_of(queue, "short_payment")
    assert shortfall["amount_at_stake"] == "5.00"
    assert {a["action"] for a in shortfall["actions"]} == {
        "resubmit", "void", "bill_patient", "write_off"
    }
    bill = next(a for a in shortfall["actions"] if a["action"] == "bill_patient")
    assert bill["method"] == "POST"
    assert bill["path"] == f"/claims/{short_claim.claim_id}/bill-patient"
    waiting = item_of(queue, "no_response")
    assert waiting["amount_at_stake"] == "90.89"
    assert [(a["action"], a["path"]) for a in waiting["actions"]][-1] == ("check_status", None)


def test_an_interchange_held_for_unreadable_answers_is_listed_with_its_retry(
    http, engine, mailbox
):
    a_visit(engine)
    mailbox.script.answer = lambda submitted: "not an acknowledgement"

    submit_until_answered(mailbox.worker, engine)

    (item,) = http.get("/work-queue?kind=held_interchange", headers=BILLING).json["items"]
    assert item["interchange_control_number"] == "000000001"
    assert item["amount_at_stake"] == "90.89"
    assert item["actions"][0]["path"] == "/interchanges/000000001/retry"
    assert "1 claim(s) wait" in item["reasons"][0]["text"]


def test_a_write_off_closes_the_claim_and_cannot_take_more_than_is_open(http, engine, mailbox):
    refused, waiting = a_visit(engine), a_visit(engine)
    claim, pending = mailbox.accepted_claims(refused, waiting)
    mailbox.post(remittance(all_denied(engine, claim)))
    path = f"/claims/{claim.claim_id}/write-off"

    too_much = http.post(path, json={"reason": "no appeal", "amount": "90.90"}, headers=BILLING)
    not_yet = http.post(f"/claims/{pending.claim_id}/write-off", json={"reason": "x"},
                        headers=BILLING)  # fmt: skip
    closed = http.post(path, json={"reason": "not medically necessary; no appeal"},
                       headers=BILLING)  # fmt: skip

    assert too_much.status_code == 400 and "amount" in too_much.json["errors"]
    assert not_yet.status_code == 409 and not_yet.json["type"] == "/problems/transition-refused"
    assert closed.status_code == 200, closed.json
    assert closed.json["status"] == "closed" and closed.json["balance"]["total"] == "0.00"
    assert closed.json["history"][-1]["transition"] == "close"
    (event,) = outbox_data(engine, "claims.claim.closed.v1")
    assert (event["reason"], event["written_off"]) == ("written_off", "90.89")
    (action,) = rows(engine, balance_actions, claim_id=claim.claim_id)
    assert (action.action, action.amount, action.reason) == (
        "write_off", D("90.89"), "not medically necessary; no appeal"
    )
    assert http.get("/work-queue?kind=denied", headers=BILLING).json["items"] == []
    again = http.post(path, json={"reason": "again"}, headers=BILLING)
    assert again.status_code == 409


def test_what_the_payer_did_not_pay_is_moved_to_the_patient(http, engine, mailbox):
    (claim,) = mailbox.accepted_claims(a_visit(engine))
    mailbox.post(remittance(short_paid(engine, claim, D("5.00"))))
    path = f"/claims/{claim.claim_id}/bill-patient"

    moved = http.post(path, headers=BILLING)

    assert moved.status_code == 200, moved.json
    assert moved.json["status"] == "patient_balance"
    assert moved.json["balance"] == {"payer": "0.00", "patient": "5.00", "total": "5.00"}
    assert moved.json["reasons"][0]["code"] == "billed_to_patient"
    (event,) = outbox_data(engine, "claims.claim.patient_balance.v1")
    assert (event["paid_amount"], event["patient_responsibility"]) == ("85.89", "5.00")
    assert http.post(path, headers=BILLING).status_code == 409
    assert http.get("/work-queue?kind=short_payment", headers=BILLING).json["items"] == []


def test_aging_buckets_by_date_of_service_reconcile_to_the_open_balances(http, engine, mailbox):
    days = {"open": 5, "patient": 40, "denied": 70, "paid": 100, "short": 130,
            "written_off": 95, "billed": 93}  # fmt: skip
    visits = {name: a_visit(engine, date_of_service=VISIT_DAY - timedelta(days=ago))
              for name, ago in days.items()}  # fmt: skip
    claims = dict(zip(visits, mailbox.accepted_claims(*visits.values()), strict=True))
    mailbox.post(remittance(
        paid_at_fee_schedule(engine, claims["patient"], deductible=D("20.00")),
        all_denied(engine, claims["denied"]),
        paid_at_fee_schedule(engine, claims["paid"]),
        short_paid(engine, claims["short"], D("5.00")),
        all_denied(engine, claims["written_off"]),
        all_denied(engine, claims["billed"]),
    ))  # fmt: skip
    written_off = f"/claims/{claims['written_off'].claim_id}/write-off"
    assert http.post(written_off, json={"reason": "no appeal"}, headers=BILLING).status_code == 200
    billed = f"/claims/{claims['billed'].claim_id}/bill-patient"
    assert http.post(billed, headers=BILLING).status_code == 200

    aging = http.get(f"/reports/aging?as_of={VISIT_DAY}", headers=BILLING).json

    # Worked out from what each payer decided, not from the service's own balances.
    expected = {"0-30": ("90.89", "0.00"), "31-60": ("0.00", "20.00"),
                "61-90": ("90.89", "0.00"), "91-120": ("0.00", "90.89"),
                "120+": ("5.00", "0.00")}  # fmt: skip
    assert aging["basis"] == "date_of_service"
    assert {b["bucket"]: (b["insurance"], b["patient"]) for b in aging["totals"]} == expected
    assert aging["total"] == "297.67" and aging["claims"] == 5
    assert sum(D(b["amount"]) for b in aging["totals"]) == D(aging["total"])
    (acme,) = aging["payers"]
    assert acme["payer_id"] == "ACME01" and acme["total"] == aging["total"]
    balances = [http.get(f"/claims/{c.claim_id}", headers=BILLING).json["balance"]["total"]
                for c in claims.values()]  # fmt: skip
    assert sum(D(b) for b in balances) == D(aging["total"])
