"""The secondary 837P: SBR01=S, the primary in 2320/2330A/2330B and its lines in 2430."""

from datetime import date
from decimal import Decimal

import pytest

from services.claims.x12.other_payers import (
    LineAdjudication,
    OtherAdjustment,
    OtherPayer,
    OtherSubscriber,
)
from services.claims.x12.render_837p import render_837p
from services.claims.x12.stored import claim_from_data, claim_to_data
from tests.unit.claims.builders import a_batch, a_claim, a_service_line, interchange_control
from tests.unit.claims.pyx12_validation import pyx12_errors
from tests.unit.claims.x12_text import names, segments

ADJUDICATED = date(2024, 3, 20)


def primary_adjudication(**overrides) -> OtherPayer:
    """Acme allowed 80.00 of 90.00 and 40.00 of 45.00; paid 80% and left coinsurance and a copay."""
    lines = (
        LineAdjudication(1, "97140", (), Decimal("64.00"), 2, (
            OtherAdjustment("CO", "45", Decimal("10.00")),
            OtherAdjustment("PR", "2", Decimal("16.00")),
        ), Decimal("90.00")),
        LineAdjudication(2, "97124", ("XS",), Decimal("22.00"), 1, (
            OtherAdjustment("CO", "45", Decimal("5.00")),
            OtherAdjustment("PR", "2", Decimal("8.00")),
            OtherAdjustment("PR", "3", Decimal("10.00")),
        ), Decimal("45.00")),
    )  # fmt: skip
    defaults = {
        "payer_id": "ACME01",
        "payer_name": "Acme Health",
        "claim_filing_indicator": "CI",
        "subscriber": OtherSubscriber("Doe", "Jane", "MEM123456", "self", "GRP-77"),
        "paid": Decimal("86.00"),
        "patient_responsibility": Decimal("34.00"),
        "claim_adjustments": (),
        "adjudicated_on": ADJUDICATED,
        "lines": lines,
        "charge": Decimal("135.00"),
    }
    return OtherPayer(**(defaults | overrides))


def secondary_claim(other: OtherPayer | None = None):
    lines = (
        a_service_line(procedure_code="97140", charge=Decimal("90.00"), units=2),
        a_service_line(procedure_code="97124", charge=Decimal("45.00"), modifiers=("XS",)),
    )
    return a_claim(service_lines=lines, other_payer=other or primary_adjudication())


def test_a_secondary_claim_is_a_valid_837p_with_the_primary_in_2320_and_2430():
    x12 = render_837p(a_batch(secondary_claim()), interchange_control())

    assert pyx12_errors(x12) == []
    sbr = segments(x12, "SBR")
    assert [s[1] for s in sbr] == ["S", "P"]
    assert sbr[1][2] == "18" and sbr[1][3] == "GRP-77" and sbr[1][9] == "CI"
    assert ["AMT", "D", "86"] in segments(x12, "AMT")
    assert ["AMT", "EAF", "34"] in segments(x12, "AMT")
    assert names(x12, "PR")[-1][9] == "ACME01"
    assert names(x12, "IL")[-1][3:5] == ["DOE", "JANE"] and names(x12, "IL")[-1][9] == "MEM123456"


def test_each_line_carries_what_the_primary_paid_and_adjusted_on_it():
    x12 = render_837p(a_batch(secondary_claim()), interchange_control())

    svd = segments(x12, "SVD")
    assert [s[1:6] for s in svd] == [
        ["ACME01", "64", "HC:97140", "", "2"],
        ["ACME01", "22", "HC:97124:XS", "", "1"],
    ]
    cas = segments(x12, "CAS")
    assert cas == [
        ["CAS", "CO", "45", "10"], ["CAS", "PR", "2", "16"],
        ["CAS", "CO", "45", "5"], ["CAS", "PR", "2", "8", "", "3", "10"],
    ]  # fmt: skip
    assert segments(x12, "DTP")[-1] == ["DTP", "573", "D8", "20240320"]
    assert len([d for d in segments(x12, "DTP") if d[1] == "573"]) == 2


def test_the_2430_loop_follows_its_own_service_line():
    x12 = render_837p(a_batch(secondary_claim()), interchange_control())

    ids = [s[0] for s in segments(x12)]
    first_line = ids.index("LX")
    assert ids[first_line : first_line + 7] == ["LX", "SV1", "DTP", "SVD", "CAS", "CAS", "DTP"]


def test_claim_level_adjustments_go_in_2320_and_the_date_in_2330b_without_lines():
    other = primary_adjudication(
        paid=Decimal("0.00"), patient_responsibility=Decimal("135.00"), lines=(),
        claim_adjustments=(OtherAdjustment("PR", "1", Decimal("135.00")),),
    )  # fmt: skip
    x12 = render_837p(a_batch(secondary_claim(other)), interchange_control())

    assert pyx12_errors(x12) == []
    assert ["CAS", "PR", "1", "135"] in segments(x12, "CAS")
    assert ["AMT", "D", "0"] in segments(x12, "AMT")
    assert segments(x12, "SVD") == []
    ids = [s[0] for s in segments(x12)]
    assert ids[ids.index("LX") - 1] == "DTP"  # 2330B DTP*573 just before the first 2400


def test_a_dependant_patient_names_the_primary_subscriber_relationship():
    other = primary_adjudication(
        subscriber=OtherSubscriber("Doe", "John", "ACME-SPOUSE-1", "spouse")
    )
    x12 = render_837p(a_batch(secondary_claim(other)), interchange_control())

    assert pyx12_errors(x12) == []
    assert segments(x12, "SBR")[1][2] == "01"


def test_more_than_six_reasons_of_one_group_take_a_second_cas():
    many = tuple(OtherAdjustment("CO", str(reason), Decimal("1.00")) for reason in range(1, 9))
    line = LineAdjudication(1, "97140", (), Decimal("37.00"), 1, many, Decimal("45.00"))
    other = primary_adjudication(
        lines=(line,),
        paid=Decimal("37.00"),
        patient_responsibility=Decimal("0.00"),
        charge=Decimal("45.00"),
    )
    claim = a_claim(other_payer=other)
    x12 = render_837p(a_batch(claim), interchange_control())

    assert pyx12_errors(x12) == []
    assert [len(c) for c in segments(x12, "CAS")] == [19, 7]  # id, group, 6 (then 2) triplets


def test_an_unbalanced_adjudication_cannot_be_made():
    with pytest.raises(ValueError, match="charge"):
        primary_adjudication(paid=Decimal("90.00"))


def test_a_stored_secondary_claim_reads_back_the_same():
    claim = secondary_claim()

    assert claim_from_data(claim_to_data(claim)) == claim


def test_a_primary_claim_still_says_sbr01_p_and_has_no_other_payer_loops():
    x12 = render_837p(a_batch(a_claim()), interchange_control())

    assert [s[1] for s in segments(x12, "SBR")] == ["P"]
    assert segments(x12, "SVD") == [] and segments(x12, "AMT") == []
