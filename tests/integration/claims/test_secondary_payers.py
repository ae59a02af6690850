"""Coordination of benefits on SQLite and PostgreSQL: the primary's 835 makes the secondary
claim, the secondary goes out as a valid 837P, and its 835 is what bills the patient.

The scripted clearinghouse accepts what the service sends; the 835s are written from the
claims' own lines. The client has Acme Health (primary) and Beta Care (secondary).
"""

from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from services.claims.domain.records import FeeScheduleEntry, Payer
from services.claims.store import setup
from services.claims.store.tables import claims, interchanges
from shared.db import write_transaction
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import CLIENT_REGISTERED, CLIENT_UPDATED, REFERRAL_RECORDED
from tests.integration.claims.remittances import (
    claim_paid,
    denied,
    paid_at_fee_schedule,
    remittance,
    sent_lines,
)
from tests.integration.claims.support import (
    claims_of_session,
    client_data,
    deliver,
    event,
    history,
    outbox_data,
    poll_until,
    referral_data,
    session_data,
    set_up_billing,
    submit_until_answered,
)
from tests.support.http import auth
from tests.unit.claims.acknowledgement_texts import Loop, a_277ca
from tests.unit.claims.pyx12_validation import pyx12_errors
from tests.unit.claims.remittance_builder import LineDecision
from tests.unit.claims.x12_text import segments

BILLING = auth("billing")
D = Decimal
SECONDARY = "BETA02"


@pytest.fixture(autouse=True)
def billing_set_up(engine):  # type: ignore[no-untyped-def]
    set_up_billing(engine)
    with write_transaction(engine) as connection:
        setup.put_payer(connection, Payer(SECONDARY, "Beta Care"))
        setup.put_fees(connection, [
            FeeScheduleEntry(SECONDARY, code, date(2024, 1, 1), charge, allowed)
            for code, charge, allowed in (("97140", D("45.00"), D("31.17")),
                                          ("97124", D("40.00"), D("28.55")))
        ])  # fmt: skip


def secondary_coverage(payer_id: str = SECONDARY) -> dict:
    """The spouse's plan: Beta Care, the client a dependant of John Doe."""
    return {
        "payer_id": payer_id,
        "payer_name": "Beta Care",
        "member_id": "BETA-778",
        "group_number": None,
        "relationship_to_subscriber": "spouse",
        "subscriber": {
            "first_name": "John", "last_name": "Doe", "birth_date": date(1978, 2, 1), "sex": "M",
            "address": {"line1": "12 Elm St", "line2": None, "city": "Springfield",
                        "state": "IL", "postal_code": "62701"},
        },
    }  # fmt: skip


def a_visit_with_two_payers(engine, payer_id: str = SECONDARY) -> dict:  # type: ignore[no-untyped-def]
    client_id, referral_id = f"c-{uuid.uuid4().hex[:10]}", f"r-{uuid.uuid4().hex[:10]}"
    client = client_data(client_id) | {"secondary_coverage": secondary_coverage(payer_id)}
    deliver(engine, event(CLIENT_REGISTERED, client))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
    data = session_data(client_id, referral_id)
    deliver(engine, event(SESSION_COMPLETED, data))
    return data


def secondary_pays_all_but(engine, claim, copay: Decimal) -> object:  # type: ignore[no-untyped-def]
    """Beta Care pays what the patient owed under Acme on each line (OA-23 the rest: the prior
    payer's adjudication), less a ``copay`` on the first line the patient keeps (PR-3)."""
    decisions = []
    for number, line in enumerate(sent_lines(engine, claim.claim_id)):
        kept = copay if number == 0 else D("0.00")
        adjustments = [("OA", "23", line.charge - line.expected_allowed)]
        if kept:
            adjustments.append(("PR", "3", kept))
        decisions.append(
            LineDecision(
                line.code,
                line.modifiers,
                line.units,
                line.charge,
                line.expected_allowed - kept,
                tuple(adjustments),
            )
        )
    return claim_paid(claim.claim_id, decisions, status="2", payer_number="BETA0001")


def test_the_primarys_835_makes_the_secondary_claim_and_waits_to_bill_the_patient(
    http, engine, mailbox
):
    visit = a_visit_with_two_payers(engine)
    (primary,) = mailbox.accepted_claims(visit)

    mailbox.post(remittance(paid_at_fee_schedule(engine, primary, coinsurance=D("12.00")),
                            trace="EFT2001"))  # fmt: skip

    first, second = claims_of_session(engine, visit["session_id"])
    assert first.claim_id == primary.claim_id and first.status == "paid"
    assert (second.primary_claim_id, second.payer_id, second.status) == (
        primary.claim_id,
        SECONDARY,
        "ready",
    )
    assert (second.total_charge, second.expected_allowed) == (first.total_charge, D("12.00"))
    detail = http.get(f"/claims/{primary.claim_id}", headers=BILLING).get_json()
    assert detail["balance"] == {"payer": "0.00", "patient": "0.00", "total": "0.00"}
    assert any("billed to the secondary payer BETA02" in (h.note or "")
               for h in history(engine, primary.claim_id))  # fmt: skip
    (announced,) = [e for e in outbox_data(engine, "claims.claim.secondary_created.v1")
                    if e["primary_claim_id"] == primary.claim_id]  # fmt: skip
    assert (announced["claim_id"], announced["amount_billed"], announced["payer_id"]) == (
        second.claim_id,
        "12.00",
        SECONDARY,
    )


def test_the_secondary_claim_goes_out_as_a_valid_837p_naming_the_primary(engine, mailbox):
    visit = a_visit_with_two_payers(engine)
    (primary,) = mailbox.accepted_claims(visit)
    mailbox.post(remittance(paid_at_fee_schedule(engine, primary, deductible=D("20.00")),
                            trace="EFT2002"))  # fmt: skip

    (secondary,) = mailbox.accepted_claims(visit)

    with engine.connect() as connection:
        x12 = connection.execute(
            select(interchanges.c.x12).where(
                interchanges.c.control_number == secondary.interchange_number
            )
        ).scalar_one()
    assert pyx12_errors(x12) == []
    assert [s[1] for s in segments(x12, "SBR")] == ["S", "P"]
    assert segments(x12, "SBR")[1][2] == "18"  # the client is Acme's subscriber herself
    assert ["NM1", "PR", "2", "BETA CARE", "", "", "", "", "PI", SECONDARY] in segments(x12, "NM1")
    assert ["AMT", "D", "70.89"] in segments(x12, "AMT")  # 90.89 allowed less the deductible
    assert [s[1] for s in segments(x12, "SVD")] == ["ACME01", "ACME01"]
    assert ["CAS", "PR", "1", "20"] in segments(x12, "CAS")


def test_the_secondarys_835_bills_the_patient_what_is_left_after_the_last_payer(
    http, engine, mailbox
):
    visit = a_visit_with_two_payers(engine)
    (primary,) = mailbox.accepted_claims(visit)
    mailbox.post(remittance(paid_at_fee_schedule(engine, primary, coinsurance=D("18.00")),
                            trace="EFT2003"))  # fmt: skip
    (secondary,) = mailbox.accepted_claims(visit)

    mailbox.post(remittance(secondary_pays_all_but(engine, secondary, D("5.00")),
                            trace="BETA2003"))  # fmt: skip

    detail = http.get(f"/claims/{secondary.claim_id}", headers=BILLING).get_json()
    assert detail["status"] == "patient_balance"
    assert detail["primary_claim_id"] == primary.claim_id
    assert detail["balance"] == {"payer": "0.00", "patient": "5.00", "total": "5.00"}
    assert detail["payments"][0]["paid"] == "13.00"
    first = http.get(f"/claims/{primary.claim_id}", headers=BILLING).get_json()
    assert (first["status"], first["balance"]["total"]) == ("paid", "0.00")
    # The secondary's own 835 makes no third claim.
    assert len(claims_of_session(engine, visit["session_id"])) == 2


def test_a_contractual_denial_leaves_nothing_for_the_secondary(engine, mailbox):
    visit = a_visit_with_two_payers(engine)
    (primary,) = mailbox.accepted_claims(visit)

    lines = sent_lines(engine, primary.claim_id)
    mailbox.post(remittance(claim_paid(primary.claim_id, [denied(line) for line in lines]),
                            trace="EFT2004"))  # fmt: skip

    assert [c.status for c in claims_of_session(engine, visit["session_id"])] == ["denied"]


def test_a_secondary_payer_not_set_up_waits_for_review_and_goes_once_the_client_is_fixed(
    engine, mailbox
):
    visit = a_visit_with_two_payers(engine, payer_id="GAMMA03")
    (primary,) = mailbox.accepted_claims(visit)
    mailbox.post(remittance(paid_at_fee_schedule(engine, primary, coinsurance=D("9.00")),
                            trace="EFT2005"))  # fmt: skip

    _, secondary = claims_of_session(engine, visit["session_id"])
    assert secondary.status == "needs_review"
    assert [r["code"] for r in json.loads(secondary.reasons)] == ["secondary_payer_not_set_up"]

    fixed = client_data(visit["client_id"], version=2) | {
        "secondary_coverage": secondary_coverage()
    }
    deliver(engine, event(CLIENT_UPDATED, fixed))

    _, secondary = claims_of_session(engine, visit["session_id"])
    assert (secondary.status, secondary.payer_id, secondary.primary_claim_id) == (
        "ready",
        SECONDARY,
        primary.claim_id,
    )
    assert json.loads(secondary.snapshot)["x12_claim"]["other_payer"]["paid"] == "81.89"


def test_the_same_primary_835_posted_again_makes_no_second_secondary_claim(engine, mailbox):
    visit = a_visit_with_two_payers(engine)
    (primary,) = mailbox.accepted_claims(visit)
    paid = remittance(paid_at_fee_schedule(engine, primary, coinsurance=D("7.00")), trace="E2006")

    mailbox.post(paid)
    mailbox.post(paid)

    with engine.connect() as connection:
        made = connection.execute(
            select(claims.c.claim_id).where(claims.c.primary_claim_id == primary.claim_id)
        ).all()
    assert len(made) == 1


def test_the_primary_can_still_be_replaced_once_its_secondary_claim_exists(http, engine, mailbox):
    visit = a_visit_with_two_payers(engine)
    (primary,) = mailbox.accepted_claims(visit)
    mailbox.post(remittance(paid_at_fee_schedule(engine, primary, coinsurance=D("8.00")),
                            trace="EFT2007"))  # fmt: skip

    answer = http.post(f"/claims/{primary.claim_id}/resubmit", json={}, headers=BILLING)

    assert answer.status_code == 201, answer.get_json()
    replacement = answer.get_json()
    assert (replacement["frequency"], replacement["payer_id"]) == ("7", "ACME01")
    attempts = {c.attempt: c.payer_id for c in claims_of_session(engine, visit["session_id"])}
    assert attempts == {1: "ACME01", 2: "ACME01", 1001: SECONDARY}


def test_a_secondary_claim_rejected_by_its_payer_is_corrected_as_a_secondary(http, engine, mailbox):
    visit = a_visit_with_two_payers(engine)
    (primary,) = mailbox.accepted_claims(visit)
    mailbox.post(remittance(paid_at_fee_schedule(engine, primary, coinsurance=D("6.00")),
                            trace="EFT2008"))  # fmt: skip
    submit_until_answered(mailbox.worker, engine)
    mailbox.interchanges += 1
    secondary = claims_of_session(engine, visit["session_id"])[-1]
    rejection = a_277ca([Loop(secondary.claim_id, ("A7:21:PR",))],
                        batch_reference=mailbox.interchanges)  # fmt: skip
    mailbox.script.add_report("277CA", rejection, interchange=mailbox.interchanges)
    poll_until(mailbox.poller, engine, visit, "rejected")

    answer = http.post(f"/claims/{secondary.claim_id}/resubmit", json={}, headers=BILLING)

    assert answer.status_code == 201, answer.get_json()
    corrected = claims_of_session(engine, visit["session_id"])[-1]
    assert (corrected.attempt, corrected.payer_id, corrected.primary_claim_id) == (
        1002, SECONDARY, primary.claim_id
    )  # fmt: skip
    document = json.loads(corrected.snapshot)["x12_claim"]
    assert document["frequency"] == "1" and document["other_payer"]["payer_id"] == "ACME01"
