"""How the sandbox payer prices and pays a claim: exact Decimal amounts that always balance."""

from decimal import Decimal

import pytest

from deploy.sandbox_clearinghouse.adjudication import DENIED, PROCESSED_AS_PRIMARY, adjudicate
from deploy.sandbox_clearinghouse.rules import RejectionRules
from deploy.sandbox_clearinghouse.submission import SubmittedClaim, read_interchange
from services.claims.x12.model import Claim
from tests.unit.claims.builders import a_claim, a_service_line, a_subscriber
from tests.unit.sandbox.support import an_837

D = Decimal


def submitted(*claims: Claim) -> list[SubmittedClaim]:
    """The claims as the sandbox reads them from our 837P."""
    return list(read_interchange(an_837(*claims)).claims)


def pay(rules: dict, *claims: Claim, deductible_left: dict | None = None):
    adjudication = RejectionRules.from_mapping(rules).adjudication
    left = {} if deductible_left is None else deductible_left
    return [adjudicate(claim, adjudication, "PCN1", left) for claim in submitted(*claims)]


def cas(payment) -> list[tuple[str, str, Decimal]]:
    return [(a.group, a.reason, a.amount) for a in payment.adjustments]


def two_lines(**overrides) -> Claim:
    lines = (
        a_service_line(procedure_code="97140", charge=D("45.00")),
        a_service_line(procedure_code="97124", charge=D("40.00")),
    )
    return a_claim(service_lines=lines, **overrides)


def test_without_rules_every_line_is_paid_its_charge():
    (payment,) = pay({}, two_lines())

    assert payment.status == PROCESSED_AS_PRIMARY
    assert payment.paid == payment.charge == D("85.00")
    assert payment.patient_responsibility == 0
    assert cas(payment) == []
    assert [line.allowed for line in payment.lines] == [D("45.00"), D("40.00")]


def test_a_charge_over_the_fee_schedule_is_written_off_as_co_45_per_unit():
    claim = a_claim(service_lines=(a_service_line(units=2, charge=D("90.00")),))

    (payment,) = pay({"allowed": {"ACME01": {"97140": "35.00"}}}, claim)

    assert payment.paid == D("70.00")
    assert cas(payment) == [("CO", "45", D("20.00"))]
    assert payment.lines[0].allowed == D("70.00")


def test_a_charge_under_the_fee_schedule_is_paid_as_charged():
    (payment,) = pay({"allowed": {"ACME01": {"97140": "60.00"}}}, a_claim())

    assert payment.paid == D("45.00") and cas(payment) == []


def test_a_fee_schedule_for_another_payer_does_not_apply():
    (payment,) = pay({"allowed": {"OTHER": {"97140": "1.00"}}}, a_claim())

    assert payment.paid == D("45.00")


def test_deductible_copay_and_coinsurance_come_out_of_the_allowed_amount_in_that_order():
    rules = {
        "allowed": {"ACME01": {"97140": "35.00", "97124": "30.00"}},
        "deductible": {"MEM123456": "20.00"},
        "copay": {"ACME01": "10.00"},
        "coinsurance_percent": {"ACME01": "20"},
    }

    (payment,) = pay(rules, two_lines())

    first, second = payment.lines
    # 97140: allowed 35, deductible 20, copay 10, coinsurance 20% of 5 = 1, paid 4.
    assert [(a.group, a.reason, a.amount) for a in first.adjustments] == [
        ("CO", "45", D("10.00")),
        ("PR", "1", D("20.00")),
        ("PR", "2", D("1.00")),
        ("PR", "3", D("10.00")),
    ]
    assert first.paid == D("4.00")
    # 97124: allowed 30, deductible and copay used up, coinsurance 6, paid 24.
    assert [(a.group, a.reason, a.amount) for a in second.adjustments] == [
        ("CO", "45", D("10.00")),
        ("PR", "2", D("6.00")),
    ]
    assert second.paid == D("24.00")
    assert payment.patient_responsibility == D("37.00")
    assert payment.paid == D("28.00")
    assert payment.balanced


def test_the_deductible_is_used_up_across_claims_of_the_same_member_and_payer():
    left: dict = {}
    rules = {"deductible": {"ACME01": "50.00"}}

    first, second = pay(rules, a_claim(), a_claim(), deductible_left=left)
    (other_member,) = pay(
        rules, a_claim(subscriber=a_subscriber(member_id="MEM999")), deductible_left=left
    )

    assert cas(first) == [("PR", "1", D("45.00"))] and first.paid == 0
    assert cas(second) == [("PR", "1", D("5.00"))] and second.paid == D("40.00")
    assert cas(other_member) == [("PR", "1", D("45.00"))]
    assert left[("ACME01", "MEM123456")] == 0


def test_a_members_entry_wins_over_the_payers():
    rules = {"copay": {"ACME01": "10.00", "MEM123456": "25.00"}}

    (payment,) = pay(rules, a_claim())

    assert cas(payment) == [("PR", "3", D("25.00"))]


def test_coinsurance_is_rounded_half_up_to_the_cent():
    claim = a_claim(service_lines=(a_service_line(charge=D("45.05")),))

    (payment,) = pay({"coinsurance_percent": {"ACME01": "10"}}, claim)

    assert cas(payment) == [("PR", "2", D("4.51"))]  # 4.505
    assert payment.paid == D("40.54")


def test_a_code_denial_pays_one_line_and_denies_the_other_with_its_remark():
    rules = {"deny": [{"procedure_code": "97124", "reason": "97", "remark": "M15"}]}

    (payment,) = pay(rules, two_lines())

    paid, denied = payment.lines
    assert payment.status == PROCESSED_AS_PRIMARY
    assert paid.paid == D("45.00") and not paid.denied
    assert denied.denied and denied.paid == 0 and denied.allowed is None
    assert [(a.group, a.reason, a.amount) for a in denied.adjustments] == [("CO", "97", D("40"))]
    assert denied.remarks == ("M15",)


@pytest.mark.parametrize(
    ("rule", "claim"),
    [
        ({"member_id": "MEM123456", "reason": "50", "remark": "N115"}, two_lines()),
        ({"payer_id": "ACME01", "reason": "50", "remark": "N115"}, two_lines()),
        (
            {"payer_id": "ACME01", "without_prior_authorization": True, "reason": "50"},
            two_lines(),
        ),
    ],
)
def test_a_claim_denial_denies_every_line_and_the_claim(rule, claim):
    (payment,) = pay({"deny": [rule], "deductible": {"ACME01": "10.00"}}, claim)

    assert payment.status == DENIED
    assert payment.paid == 0 and payment.patient_responsibility == 0
    assert cas(payment) == [("CO", "50", D("45.00")), ("CO", "50", D("40.00"))]
    assert payment.balanced


def test_a_prior_authorization_denial_spares_claims_that_carry_one():
    rule = {"payer_id": "ACME01", "without_prior_authorization": True, "reason": "197"}

    without, with_auth = pay({"deny": [rule]}, a_claim(), a_claim(prior_authorization="PA-7"))

    assert without.status == DENIED and cas(without) == [("CO", "197", D("45.00"))]
    assert with_auth.status == PROCESSED_AS_PRIMARY and with_auth.paid == D("45.00")
