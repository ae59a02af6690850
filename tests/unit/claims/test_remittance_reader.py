from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.claims.x12.remittance import (
    Adjustment,
    AdjustmentGroup,
    ClaimPayment,
    ClaimPaymentStatus,
    CreditDebit,
    PaymentMethod,
    Procedure,
    ProviderAdjustment,
    Remark,
    RemittanceSyntaxError,
    UnreadableClaim,
    parse_835,
)
from services.claims.x12.syntax import X12SyntaxError


def _sample(name: str) -> str:
    return (Path(__file__).parent / "samples" / name).read_text()


# Three claims in one ACH payment: two lines with CO-45 and coinsurance/copay, one with a
# claim-level deductible, one paid in full (echoing REF*6R); PLB WO, L6 and FB.
THREE_CLAIMS = _sample("three_claims_with_plb.835")
# One group, two transaction sets: a denial (CLP02 = 4, CO-50, N115) with no payment, and a
# check for a claim whose id the payer cut to 20 characters and upper-cased.
DENIED_AND_TRUNCATED = _sample("denied_and_truncated_id.835")
# A paid claim taken back (CLP02 = 22, negative amounts) and paid again, FB carrying the balance.
REVERSAL = _sample("reversal_and_correction.835")

D = Decimal


def _claims(text: str) -> list[ClaimPayment]:
    (remittance,) = parse_835(text)
    claims = list(remittance.claims)
    assert all(isinstance(claim, ClaimPayment) for claim in claims)
    return claims  # type: ignore[return-value]


def test_the_payment_header_says_who_pays_whom_how_much_and_how():
    (remittance,) = parse_835(THREE_CLAIMS)

    assert remittance.interchange_control_number == "000000201"
    assert remittance.group_control_number == "201"
    assert remittance.transaction_control_number == "0001"
    assert remittance.payment.amount == D("192.40")
    assert remittance.payment.credit_debit is CreditDebit.CREDIT
    assert remittance.payment.method is PaymentMethod.ACH
    assert remittance.payment.date == date(2024, 3, 15)
    assert remittance.trace_number == "EFT240315001"
    assert (remittance.payer_name, remittance.payer_id) == ("ACME HEALTH", "ACME01")
    assert (remittance.payee_name, remittance.payee_npi) == (
        "HEALING HANDS MASSAGE LLC",
        "1245319599",
    )


def test_each_claim_payment_carries_its_lines_adjustments_and_allowed_amounts():
    first, second, third = _claims(THREE_CLAIMS)

    assert first.claim_id == "C-3f9a0c1e-5b2d-4c6e-9a41-7d2e8b1c0f01"
    assert first.status is ClaimPaymentStatus.PRIMARY
    assert (first.charge, first.paid, first.patient_responsibility) == (
        D("180"),
        D("106.70"),
        D("39.80"),
    )
    assert first.payer_claim_control_number == "24075000101"
    assert first.patient is not None and first.patient.member_id == "MEM123456"
    massage, manual = first.services[1], first.services[0]
    assert manual.procedure == Procedure("HC", "97140", ("GP",))
    assert massage.procedure == Procedure("HC", "97124", ("GP", "XS"))
    assert (manual.charge, manual.paid, manual.units_paid) == (D("120"), D("79.20"), D("2"))
    assert manual.service_date == date(2024, 3, 4)
    assert manual.adjustments == (
        Adjustment(AdjustmentGroup.CONTRACTUAL, "45", D("21")),
        Adjustment(AdjustmentGroup.PATIENT, "2", D("19.80")),
    )
    assert manual.allowed == D("99")
    assert second.adjustments == (Adjustment(AdjustmentGroup.PATIENT, "1", D("10")),)
    assert third.services[0].line_control_number == "1"


def test_provider_level_adjustments_keep_their_reason_reference_and_sign():
    (remittance,) = parse_835(THREE_CLAIMS)

    assert [(a.reason, a.reference, a.amount) for a in remittance.provider_adjustments] == [
        ("WO", "24060000077", D("25")),
        ("L6", None, D("-1.20")),
        ("FB", "BAL2023Q4", D("10")),
    ]
    assert remittance.provider_adjustments[0] == ProviderAdjustment(
        "1245319599", date(2024, 12, 31), "WO", "24060000077", D("25")
    )


def test_several_transaction_sets_in_one_group_each_make_a_remittance():
    denial, check = parse_835(DENIED_AND_TRUNCATED)

    assert [r.transaction_control_number for r in (denial, check)] == ["0001", "0002"]
    assert denial.payment.method is PaymentMethod.NON and denial.payment.amount == 0
    assert check.payment.method is PaymentMethod.CHK and check.trace_number == "CHK0044512"
    assert check.payer_id == "ACME01"  # from N104 this time, not REF*2U


def test_a_denied_claim_reads_with_its_denial_reason_and_remark():
    denial, _ = parse_835(DENIED_AND_TRUNCATED)
    (claim,) = denial.claims

    assert isinstance(claim, ClaimPayment)
    assert claim.status is ClaimPaymentStatus.DENIED
    (line,) = claim.services
    assert line.adjustments == (Adjustment(AdjustmentGroup.CONTRACTUAL, "50", D("120")),)
    assert line.remarks == (Remark("HE", "N115"),)


def test_a_truncated_claim_id_is_read_exactly_as_echoed():
    _, check = parse_835(DENIED_AND_TRUNCATED)

    assert check.claims[0].claim_id == "C-A91F6C2E-3D4B-4A70"


def test_a_reversal_carries_negative_amounts():
    reversal, correction = _claims(REVERSAL)

    assert reversal.status is ClaimPaymentStatus.REVERSAL
    assert (reversal.charge, reversal.paid) == (D("-90"), D("-80"))
    assert reversal.services[0].adjustments[0].amount == D("-10")
    assert correction.status is ClaimPaymentStatus.PRIMARY and correction.paid == D("72")


def test_a_malformed_segment_makes_only_its_own_claim_unreadable():
    text = THREE_CLAIMS.replace("CAS*PR*1*10~", "CAS*PR*1*1O~")

    (remittance,) = parse_835(text)
    first, second, third = remittance.claims

    assert isinstance(first, ClaimPayment) and isinstance(third, ClaimPayment)
    assert isinstance(second, UnreadableClaim)
    assert second.claim_id == "C-8b17d2a4-0e9c-4f3a-b6d2-51c7e9a3d402"
    assert "CAS03" in second.reason and "'1O'" in second.reason
    assert second.paid == D("39.5")
    assert "CAS*PR*1*1O" in second.segments
    assert remittance.payment.amount == D("192.4") and remittance.trace_number == "EFT240315001"


@pytest.mark.parametrize(
    ("bad", "good", "why"),
    [
        ("CAS*PR*1*10~", "CAS*XX*1*10~", "CAS01"),
        ("CAS*PR*1*10~", "CAS*PR**10~", "no reason code"),
        ("CAS*PR*1*10~", "CAS*PR*1*10.005~", "not an amount"),
        ("CAS*PR*1*10~", "CAS*PR*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1*1~", "more than 6"),
        ("SVC*HC:97140:GP*60*49.5**1~", "SVC**60*49.5**1~", "SVC01"),
        ("DTM*472*20240304~\nCAS*CO*45*10.5~", "DTM*472*20240231~\nCAS*CO*45*10.5~", "DTM*472"),
        ("*1*60*39.5*10*12*", "*9*60*39.5*10*12*", "CLP02"),
        ("CAS*PR*1*10~", "HL*1*10~", "HL does not belong"),
        # Longer than the guide allows: kept whole or not at all, never cut when stored.
        ("CAS*PR*1*10~", "CAS*PR*123456*10~", "is not a claim adjustment reason code"),
        ("CAS*PR*1*10~", "CAS*PR*1.*10~", "is not a claim adjustment reason code"),
        ("*12*24075000102*", f"*12*{'9' * 51}*", "CLP07 is longer than 50"),
        ("CLP*C-8b17d2a4-0e9c-4f3a-b6d2-51c7e9a3d402*", f"CLP*C-8b17d2a4{'0' * 30}*",
         "CLP01 claim id is longer than 38"),
    ],
)
def test_each_kind_of_malformed_claim_segment_is_named(bad, good, why):
    (remittance,) = parse_835(THREE_CLAIMS.replace(bad, good))

    unreadable = [c for c in remittance.claims if isinstance(c, UnreadableClaim)]
    assert len(unreadable) == 1 and why in unreadable[0].reason
    assert len(remittance.claims) == 3


def test_a_cas_may_carry_six_adjustments():
    text = THREE_CLAIMS.replace(
        "CAS*CO*45*21~\nCAS*PR*2*19.8~",
        "CAS*CO*45*1*1*45*2**45*3**45*4**45*5**45*6~\nCAS*PR*2*19.8~",
    )

    first = _claims(text)[0]
    amounts = [a.amount for a in first.services[0].adjustments if a.group == "CO"]
    assert amounts == [D(n) for n in "123456"]
    assert first.services[0].adjustments[0].quantity == D("1")


def test_a_recoded_line_keeps_the_procedure_and_units_we_billed():
    text = THREE_CLAIMS.replace(
        "SVC*HC:97124:GP*90*80**2~", "SVC*HC:97140:GP*90*80**1*HC:97124:GP*2~"
    )

    service = _claims(text)[2].services[0]
    assert service.procedure.code == "97140" and service.units_paid == 1
    assert service.billed_procedure == Procedure("HC", "97124", ("GP",))
    assert service.billed_units == 2


def test_a_missing_svc05_means_one_unit():
    text = THREE_CLAIMS.replace("SVC*HC:97140:GP*60*49.5**1~", "SVC*HC:97140:GP*60*49.5~")

    assert _claims(text)[1].services[0].units_paid == 1


@pytest.mark.parametrize(
    ("bad", "good", "why"),
    [
        ("ST*835*0001*005010X221A1~", "ST*837*0001*005010X221A1~", "ST01"),
        ("*201*X*005010X221A1~", "*201*X*005010X222A1~", "GS08"),
        ("GS*HP*", "GS*HC*", "GS01"),
        ("SE*45*0001~", "SE*44*0001~", "SE01"),
        ("SE*45*0001~", "SE*45*0002~", "SE02"),
        ("GE*1*201~", "GE*1*202~", "GE02"),
        ("IEA*1*000000201~", "IEA*1*000000299~", "IEA02"),
        ("IEA*1*000000201~", "", "without IEA"),
        ("BPR*I*192.4*", "BPR*I*192,4*", "BPR02"),
        ("BPR*I*192.4*C*ACH*", "BPR*I*192.4*C*WIRE*", "BPR04"),
        ("TRN*1*EFT240315001*1512345678~", "REF*EV*1512345678~", "no TRN"),
        ("N1*PR*ACME HEALTH~", "N1*XX*ACME HEALTH~", "N1*PR"),
        ("PLB*1245319599*20241231*", "PLB*1245319599*2024*", "PLB02"),
        ("TRN*1*EFT240315001*", f"TRN*1*{'7' * 51}*", "TRN02 trace number is longer than 50"),
        ("N1*PR*ACME HEALTH~", f"N1*PR*{'A' * 61}~", "payer name is longer than 60"),
        ("ST*835*0001*", "ST*835*0123456789*", "not a transaction set control number"),
    ],
)
def test_an_unreadable_envelope_header_or_plb_refuses_the_whole_file(bad, good, why):
    with pytest.raises(RemittanceSyntaxError, match=why.replace("*", r"\*")):
        parse_835(THREE_CLAIMS.replace(bad, good))


def test_text_that_is_not_an_interchange_is_refused():
    with pytest.raises(X12SyntaxError):
        parse_835("CLP*C-1*1*10*10~")
