"""The sandbox as a secondary payer: it reads the prior payer's 2320/2430 and pays what is left."""

from datetime import date
from decimal import Decimal

from deploy.sandbox_clearinghouse.adjudication import PROCESSED_AS_SECONDARY, adjudicate
from deploy.sandbox_clearinghouse.rules import RejectionRules
from deploy.sandbox_clearinghouse.submission import read_interchange
from services.claims.x12.model import Payer
from services.claims.x12.other_payers import (
    LineAdjudication,
    OtherAdjustment,
    OtherPayer,
    OtherSubscriber,
)
from tests.unit.claims.builders import a_claim, a_service_line
from tests.unit.claims.pyx12_validation import pyx12_errors
from tests.unit.sandbox.support import (
    a_clearinghouse,
    an_837,
    claim_payments,
    of_kind,
    remittance_imbalances,
    submit_and_settle,
)

D = Decimal
BETA = Payer(name="Beta Care", payer_id="BETA02")


def primary_left(coinsurance: Decimal, copay: Decimal) -> OtherPayer:
    """Acme allowed 35.00 of 45.00 and 30.00 of 40.00 and left the patient these amounts."""
    first = (OtherAdjustment("CO", "45", D("10.00")), OtherAdjustment("PR", "2", coinsurance))
    second = (OtherAdjustment("CO", "45", D("10.00")), OtherAdjustment("PR", "3", copay))
    return OtherPayer(
        payer_id="ACME01", payer_name="Acme Health", claim_filing_indicator="CI",
        subscriber=OtherSubscriber("Doe", "Jane", "MEM123456", "self"),
        paid=D("65.00") - coinsurance - copay, patient_responsibility=coinsurance + copay,
        claim_adjustments=(), adjudicated_on=date(2024, 3, 20),
        lines=(
            LineAdjudication(1, "97140", (), D("35.00") - coinsurance, 1, first, D("45.00")),
            LineAdjudication(2, "97124", (), D("30.00") - copay, 1, second, D("40.00")),
        ),
        charge=D("85.00"),
    )  # fmt: skip


def a_secondary_claim():
    """Acme left 7.00 coinsurance on 97140 and a 10.00 copay on 97124."""
    lines = (
        a_service_line(procedure_code="97140", charge=D("45.00")),
        a_service_line(procedure_code="97124", charge=D("40.00")),
    )
    return a_claim(payer=BETA, service_lines=lines, other_payer=primary_left(D("7.00"), D("10.00")))


def test_the_sandbox_reads_a_secondary_claim_and_what_the_primary_left_per_line():
    (claim,) = read_interchange(an_837(a_secondary_claim())).claims

    assert (claim.payer_sequence, claim.payer_id) == ("S", "BETA02")
    assert claim.prior_payer_paid == D("48")
    assert [line.prior_patient_responsibility for line in claim.lines] == [D("7"), D("10")]


def test_a_secondary_pays_what_the_primary_left_the_patient_and_the_rest_is_oa_23():
    (claim,) = read_interchange(an_837(a_secondary_claim())).claims
    rules = RejectionRules.from_mapping({"copay": {"BETA02": "4.00"}}).adjudication

    payment = adjudicate(claim, rules, "BETA1", {})

    assert payment.status == PROCESSED_AS_SECONDARY and payment.balanced
    assert [(line.paid, [(a.group, a.reason, a.amount) for a in line.adjustments])
            for line in payment.lines] == [
        (D("3.00"), [("OA", "23", D("38.00")), ("PR", "3", D("4.00"))]),
        (D("10.00"), [("OA", "23", D("30.00"))]),
    ]  # fmt: skip
    assert payment.patient_responsibility == D("4.00")


def test_the_secondarys_835_passes_pyx12_and_balances():
    clearinghouse, clock = a_clearinghouse({"coinsurance_percent": {"BETA02": "10"}})

    reports = submit_and_settle(clearinghouse, clock, an_837(a_secondary_claim()))

    (x12,) = of_kind(reports, "835")
    assert pyx12_errors(x12) == []
    assert remittance_imbalances(x12) == []
    (payment,) = claim_payments(x12).values()
    assert payment["clp"][1:5] == ["2", "85", "15.3", "1.7"]


def test_a_primary_claim_is_still_paid_as_primary():
    (claim,) = read_interchange(an_837(a_claim())).claims

    assert claim.payer_sequence == "P" and claim.prior_payer_paid is None
