"""835 posting from the report mailbox, on SQLite and PostgreSQL: every rule, over HTTP.

A scripted clearinghouse on a real socket accepts the 837 (999), lists an A2 277CA and then
the 835s each test writes from the claim's own lines; the service's own poller reads them,
posts them, and billing reads the outcome through the API.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from services.claims.commands.remittances import post_report
from services.claims.store.tables import clearinghouse_reports, remittance_exceptions
from shared.uow import unit_of_work
from tests.integration.claims.remittances import (
    claim_paid,
    denied,
    exceptions,
    paid_at_fee_schedule,
    payments,
    remittance,
    remittance_rows,
    reversal_of,
    rows,
    sent_lines,
    stored_adjustments,
    stored_lines,
)
from tests.integration.claims.support import (
    a_visit,
    event_count,
    history,
    outbox_data,
    set_up_billing,
    status_of,
)
from tests.support.http import auth

BILLING = auth("billing")
D = Decimal


@pytest.fixture(autouse=True)
def billing_set_up(engine):  # type: ignore[no-untyped-def]
    set_up_billing(engine)


def report(engine, report_id: int):  # type: ignore[no-untyped-def]
    (row,) = rows(engine, clearinghouse_reports, report_id=report_id)
    return row


def test_a_payment_at_the_fee_schedule_pays_the_claim_and_keeps_every_amount(
    http, engine, mailbox
):
    (claim,) = mailbox.accepted_claims(a_visit(engine))
    decision = paid_at_fee_schedule(engine, claim, remarks=("N130",))

    report_id = mailbox.post(remittance(decision, trace="EFT1001"))

    assert status_of(engine, {"session_id": claim.session_id}) == "paid"
    (payment,) = payments(engine, claim.claim_id)
    assert (payment.charge, payment.paid, payment.adjusted, payment.patient_responsibility) == (
        D("130.00"), D("90.89"), D("39.11"), D("0.00")
    )
    assert (payment.outcome, payment.status_code, payment.payer_claim_control_number) == (
        "paid_in_full", "1", "PCN0001"
    )
    assert [(a.line_number, a.group_code, a.reason_code, a.amount)
            for a in stored_adjustments(engine, payment)] == [
        (1, "CO", "45", D("11.45")), (2, "CO", "45", D("27.66"))
    ]  # fmt: skip
    assert [(line.code, line.paid, line.allowed) for line in stored_lines(engine, payment)] == [
        ("97124", D("28.55"), D("28.55")), ("97140", D("62.34"), D("62.34"))
    ]
    (posted,) = remittance_rows(engine)
    assert (posted.trace_number, posted.payment_amount, posted.status) == (
        "EFT1001", D("90.89"), "posted"
    )
    assert report(engine, report_id).status == "posted"
    step = history(engine, claim.claim_id)[-1]
    assert step.transition == "pay"
    assert json.loads(step.evidence)["trace_number"] == "EFT1001"
    assert event_count(engine, "claims.claim.paid.v1") == 1
    assert event_count(engine, "claims.claim.adjusted.v1") == 1

    detail = http.get(f"/claims/{claim.claim_id}", headers=BILLING).json
    assert detail["balance"] == {"payer": "0.00", "patient": "0.00", "total": "0.00"}
    (shown,) = detail["payments"]
    assert shown["adjustments"][0]["description"].startswith("CO-45: Charge exceeds fee schedule")
    assert shown["remarks"][0]["description"].startswith("N130: ")
    assert detail["payer_claim_control_number"] == "PCN0001"


def test_deductible_and_coinsurance_leave_the_patient_a_balance(http, engine, mailbox):
    (claim,) = mailbox.accepted_claims(a_visit(engine))

    mailbox.post(remittance(paid_at_fee_schedule(
        engine, claim, deductible=D("20.00"), coinsurance=D("8.47")
    )))  # fmt: skip

    detail = http.get(f"/claims/{claim.claim_id}", headers=BILLING).json
    assert detail["status"] == "patient_balance"
    assert detail["balance"] == {"payer": "0.00", "patient": "28.47", "total": "28.47"}
    (payment,) = detail["payments"]
    assert (payment["paid"], payment["patient_responsibility"]) == ("62.42", "28.47")
    assert {r["code"] for r in detail["reasons"]} >= {"patient_balance", "PR-1", "PR-2"}
    (event,) = outbox_data(engine, "claims.claim.patient_balance.v1")
    assert (event["paid_amount"], event["patient_responsibility"]) == ("62.42", "28.47")


def test_the_same_835_posted_again_or_sent_again_posts_nothing_the_second_time(engine, mailbox):
    (claim,) = mailbox.accepted_claims(a_visit(engine))
    text = remittance(paid_at_fee_schedule(engine, claim), trace="EFT2002")
    first = mailbox.post(text)
    counts = {t: event_count(engine, t) for t in ("claims.claim.paid.v1",
                                                   "claims.claim.adjusted.v1")}  # fmt: skip

    mailbox.poller.run_round()  # read again: nothing new
    with unit_of_work(engine, "claims") as uow:
        assert post_report(uow, first) is None  # by report id
    again = mailbox.post(text)  # the same payment listed again under a new report id

    assert report(engine, again).status == "posted"
    assert "duplicate" in report(engine, again).note
    assert len(payments(engine, claim.claim_id)) == 1
    assert len(remittance_rows(engine)) == 1
    assert {t: event_count(engine, t) for t in counts} == counts
    assert status_of(engine, {"session_id": claim.session_id}) == "paid"


def test_an_835_whose_total_does_not_add_up_is_held_and_changes_no_claim(http, engine, mailbox):
    (claim,) = mailbox.accepted_claims(a_visit(engine))
    text = remittance(paid_at_fee_schedule(engine, claim), trace="EFT3003")
    assert "BPR*I*90.89*C*" in text

    mailbox.post(text.replace("BPR*I*90.89*C*", "BPR*I*80.89*C*"))

    assert status_of(engine, {"session_id": claim.session_id}) == "accepted"
    assert payments(engine, claim.claim_id) == []
    (held,) = remittance_rows(engine)
    assert held.status == "held"
    ((exception, reasons),) = exceptions(engine)
    assert (exception.kind, exception.amount) == ("unbalanced_remittance", D("80.89"))
    assert reasons[0]["code"] == "remittance_unbalanced"
    (event,) = outbox_data(engine, "claims.remittance.held.v1")
    assert (event["kind"], event["trace_number"]) == ("unbalanced_remittance", "EFT3003")
    assert event_count(engine, "claims.claim.adjusted.v1") == 0
    queue = http.get("/work-queue?kind=unbalanced_remittance", headers=BILLING).json
    (item,) = queue["items"]
    assert item["amount_at_stake"] == "80.89" and item["trace_number"] == "EFT3003"
    metrics = http.get("/metrics").get_data(as_text=True)
    assert 'claims_remittances_held{kind="unbalanced_remittance"} 1.0' in metrics


def test_a_claim_payment_whose_lines_do_not_add_up_is_held_alone(http, engine, mailbox):
    first, second = mailbox.accepted_claims(a_visit(engine), a_visit(engine))
    good = paid_at_fee_schedule(engine, first)
    bad = paid_at_fee_schedule(engine, second)
    line, *rest = bad.lines
    tampered = replace(bad, lines=(replace(line, paid=line.paid + D("1.00")), *rest))

    mailbox.post(remittance(good, tampered, trace="EFT4004"))

    assert status_of(engine, {"session_id": first.session_id}) == "paid"
    assert status_of(engine, {"session_id": second.session_id}) == "accepted"
    ((exception, reasons),) = exceptions(engine)
    assert (exception.kind, exception.claim_id) == ("unbalanced", second.claim_id)
    assert {r["code"] for r in reasons} >= {"line_unbalanced", "claim_unbalanced"}
    (item,) = http.get("/work-queue?kind=unbalanced", headers=BILLING).json["items"]
    assert item["claim_id"] == second.claim_id


def test_an_unreadable_claim_loop_is_held_alone_with_its_segments(http, engine, mailbox):
    first, second = mailbox.accepted_claims(a_visit(engine), a_visit(engine))
    text = remittance(paid_at_fee_schedule(engine, first), paid_at_fee_schedule(engine, second),
                      trace="EFT5005")  # fmt: skip
    at = text.index(f"CLP*{second.claim_id}*")
    broken = text[:at] + text[at:].replace("CAS*CO*45*", "CAS*ZZ*45*", 1)  # no such group

    mailbox.post(broken)

    assert status_of(engine, {"session_id": first.session_id}) == "paid"
    assert status_of(engine, {"session_id": second.session_id}) == "accepted"
    ((exception, reasons),) = exceptions(engine)
    assert (exception.kind, exception.echoed_claim_id) == ("unreadable", second.claim_id)
    assert "CAS01" in reasons[0]["text"]
    assert any(s.startswith("CAS*ZZ*45*") for s in json.loads(exception.segments))


def test_a_payment_for_a_claim_we_do_not_know_is_listed_as_unmatched_until_resolved(
    http, engine, mailbox
):
    (claim,) = mailbox.accepted_claims(a_visit(engine))
    stranger = paid_at_fee_schedule(engine, claim)
    stranger = replace(stranger, claim_id="CNOTOURS00000000001X",
                       payer_claim_control_number="PCN999")  # fmt: skip

    mailbox.post(remittance(paid_at_fee_schedule(engine, claim), stranger, trace="EFT6006"))

    assert status_of(engine, {"session_id": claim.session_id}) == "paid"
    (item,) = http.get("/work-queue?kind=unmatched", headers=BILLING).json["items"]
    assert item["echoed_claim_id"] == "CNOTOURS00000000001X" and item["claim_id"] is None
    assert item["amount_at_stake"] == "90.89"
    assert "no claim of ours" in item["reasons"][0]["text"]
    resolve = next(a for a in item["actions"] if a["action"] == "resolve")

    answer = http.post(resolve["path"], json={"note": "refund asked of Acme"}, headers=BILLING)

    assert answer.status_code == 204
    assert http.get("/work-queue?kind=unmatched", headers=BILLING).json["items"] == []
    (row,) = rows(engine, remittance_exceptions)
    assert row.resolution == "refund asked of Acme" and row.resolved_by
    again = http.post(resolve["path"], json={"note": "again"}, headers=BILLING)
    assert again.status_code == 409
    assert http.post("/remittance-exceptions/999/resolve", json={"note": "x"},
                     headers=BILLING).status_code == 404  # fmt: skip


def test_clp01_cut_to_20_characters_of_an_old_38_character_id_posts_to_our_claim(
    engine, mailbox, monkeypatch
):
    monkeypatch.setattr(
        "services.claims.commands.claims.new_claim_id", lambda: f"C-{uuid.uuid4()}"
    )
    (claim,) = mailbox.accepted_claims(a_visit(engine))
    assert len(claim.claim_id) == 38
    decision = paid_at_fee_schedule(engine, claim)
    truncated = replace(decision, claim_id=claim.claim_id[:20])

    mailbox.post(remittance(truncated, trace="EFT7007"))

    assert status_of(engine, {"session_id": claim.session_id}) == "paid"
    (payment,) = payments(engine, claim.claim_id)
    assert payment.echoed_claim_id == claim.claim_id[:20]


def test_a_reversal_and_the_corrected_payment_in_one_835_move_the_claim_through_accepted(
    http, engine, mailbox
):
    (claim,) = mailbox.accepted_claims(a_visit(engine))
    first = paid_at_fee_schedule(engine, claim)
    mailbox.post(remittance(first, trace="EFT8001"))
    corrected = paid_at_fee_schedule(engine, claim, deductible=D("10.00"))

    mailbox.post(remittance(reversal_of(first), corrected, trace="EFT8002"))

    detail = http.get(f"/claims/{claim.claim_id}", headers=BILLING).json
    assert [h["transition"] for h in detail["history"] if h["transition"]][-3:] == [
        "pay", "reverse", "bill_patient"
    ]
    assert [(p["status_code"], p["paid"]) for p in detail["payments"]] == [
        ("1", "90.89"), ("22", "-90.89"), ("1", "80.89")
    ]
    assert detail["balance"] == {"payer": "0.00", "patient": "10.00", "total": "10.00"}
    assert event_count(engine, "claims.claim.reversed.v1") == 1
    assert event_count(engine, "claims.claim.adjusted.v1") == 3


def test_a_second_payment_of_a_paid_claim_is_held_as_a_conflict(http, engine, mailbox):
    (claim,) = mailbox.accepted_claims(a_visit(engine))
    mailbox.post(remittance(paid_at_fee_schedule(engine, claim), trace="EFT9001"))

    mailbox.post(remittance(paid_at_fee_schedule(engine, claim), trace="EFT9002"))

    assert status_of(engine, {"session_id": claim.session_id}) == "paid"
    assert len(payments(engine, claim.claim_id)) == 1
    (item,) = http.get("/work-queue?kind=conflict", headers=BILLING).json["items"]
    assert item["claim_id"] == claim.claim_id
    assert "cannot apply to a claim that is paid" in item["reasons"][0]["text"]


def test_a_denial_is_posted_with_the_payers_reasons_in_words(http, engine, mailbox):
    (claim,) = mailbox.accepted_claims(a_visit(engine))
    lines = sent_lines(engine, claim.claim_id)

    mailbox.post(remittance(claim_paid(claim.claim_id, [denied(line) for line in lines]),
                            trace="EFT1010"))  # fmt: skip

    (item,) = http.get("/work-queue?kind=denied", headers=BILLING).json["items"]
    assert item["claim_id"] == claim.claim_id and item["amount_at_stake"] == "90.89"
    words = " ".join(r["text"] for r in item["reasons"])
    assert "CO-50: These are non-covered services" in words and "N115: " in words
    assert {a["action"] for a in item["actions"]} == {
        "resubmit", "void", "bill_patient", "write_off"
    }
    assert event_count(engine, "claims.claim.denied.v1") == 1


def test_a_report_that_is_not_a_readable_835_is_held(http, engine, mailbox):
    report_id = mailbox.post("ISA*not an 835~")

    assert report(engine, report_id).status == "held"
    (event,) = outbox_data(engine, "claims.remittance.held.v1")
    assert event["kind"] == "unreadable_remittance"
    (item,) = http.get("/work-queue?kind=held_report", headers=BILLING).json["items"]
    assert item["report_id"] == report_id
