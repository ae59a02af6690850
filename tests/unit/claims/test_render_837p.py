from datetime import date
from decimal import Decimal

from services.claims.x12.model import (
    Address,
    ClaimFrequency,
    Patient,
    PatientRelationship,
    PersonName,
    Provider,
    Sex,
)
from services.claims.x12.render_837p import Usage, render_837p
from tests.unit.claims.builders import (
    BILLING_NPI,
    a_batch,
    a_claim,
    a_rendering_therapist,
    a_service_line,
    a_subscriber,
    interchange_control,
)
from tests.unit.claims.pyx12_validation import pyx12_errors
from tests.unit.claims.x12_text import names, only, segments


def two_line_massage_claim():
    manual_therapy = a_service_line(
        procedure_code="97140", charge=Decimal("90.00"), units=2, diagnosis_pointers=(1, 2)
    )
    # NCCI pairs 97124 with 97140: the column-two code carries XS (separate structure).
    massage = a_service_line(
        procedure_code="97124",
        charge=Decimal("42.50"),
        units=1,
        diagnosis_pointers=(2,),
        modifiers=("XS",),
    )
    return a_claim(diagnoses=("M54.50", "M62.830"), service_lines=(manual_therapy, massage))


def test_single_line_claim_is_a_valid_837p():
    x12 = render_837p(a_batch(a_claim()), interchange_control())

    assert pyx12_errors(x12) == []
    assert only(x12, "GS")[8] == "005010X222A1"
    assert only(x12, "ST")[3] == "005010X222A1"


def test_two_line_claim_puts_the_modifier_on_the_column_two_code():
    x12 = render_837p(a_batch(two_line_massage_claim()), interchange_control())

    assert pyx12_errors(x12) == []
    procedures = [sv1[1] for sv1 in segments(x12, "SV1")]
    assert procedures == ["HC:97140", "HC:97124:XS"]


def test_claim_total_equals_the_sum_of_the_line_charges():
    x12 = render_837p(a_batch(two_line_massage_claim()), interchange_control())

    line_charges = [Decimal(sv1[2]) for sv1 in segments(x12, "SV1")]
    assert line_charges == [Decimal("90"), Decimal("42.5")]
    assert Decimal(only(x12, "CLM")[2]) == sum(line_charges) == Decimal("132.50")


def test_service_lines_carry_units_pointers_numbers_and_dates():
    x12 = render_837p(a_batch(two_line_massage_claim()), interchange_control())

    assert [(sv1[3], sv1[4], sv1[7]) for sv1 in segments(x12, "SV1")] == [
        ("UN", "2", "1:2"),
        ("UN", "1", "2"),
    ]
    assert [lx[1] for lx in segments(x12, "LX")] == ["1", "2"]
    assert [dtp[1:] for dtp in segments(x12, "DTP")] == [["472", "D8", "20240304"]] * 2


def test_diagnoses_go_without_dots_with_the_principal_first():
    x12 = render_837p(a_batch(two_line_massage_claim()), interchange_control())

    assert only(x12, "HI")[1:] == ["ABK:M5450", "ABF:M62830"]


def test_transaction_trailer_counts_every_segment_from_st_to_se():
    x12 = render_837p(a_batch(two_line_massage_claim()), interchange_control())

    everything = [s[0] for s in segments(x12)]
    st_to_se = everything[everything.index("ST") : everything.index("SE") + 1]
    assert only(x12, "SE")[1] == str(len(st_to_se))
    assert only(x12, "SE")[2] == only(x12, "ST")[2]


def test_envelope_control_numbers_match_their_trailers():
    x12 = render_837p(
        a_batch(a_claim()),
        interchange_control(interchange_number=123456789, group_number=42, transaction_number=7),
    )

    assert only(x12, "ISA")[13] == only(x12, "IEA")[2] == "123456789"
    assert only(x12, "GS")[6] == only(x12, "GE")[2] == "42"
    assert only(x12, "ST")[2] == only(x12, "SE")[2] == "0007"
    assert only(x12, "GE")[1] == only(x12, "IEA")[1] == "1"


def test_isa_is_fixed_width_and_declares_our_separators():
    isa = render_837p(a_batch(), interchange_control()).split("~")[0] + "~"

    assert len(isa) == 106
    assert isa[3] == "*" and isa[82] == "^" and isa[104] == ":"


def test_usage_indicator_marks_test_or_production_interchanges():
    test_x12 = render_837p(a_batch(), interchange_control())
    real_x12 = render_837p(a_batch(), interchange_control(usage=Usage.PRODUCTION))

    assert only(test_x12, "ISA")[15] == "T"
    assert only(real_x12, "ISA")[15] == "P"


def test_patient_who_is_not_the_subscriber_gets_a_patient_level_under_the_subscriber():
    child = Patient(
        name=PersonName("Doe", "Timmy"),
        birth_date=date(2012, 9, 1),
        sex=Sex.MALE,
        address=Address("12 Elm St", "Springfield", "IL", "62701"),
        relationship_to_subscriber=PatientRelationship.CHILD,
    )
    x12 = render_837p(a_batch(a_claim(patient=child)), interchange_control())

    assert pyx12_errors(x12) == []
    assert [hl[1:] for hl in segments(x12, "HL")] == [
        ["1", "", "20", "1"],
        ["2", "1", "22", "1"],
        ["3", "2", "23", "0"],
    ]
    assert only(x12, "SBR")[2] == ""
    assert only(x12, "PAT")[1] == "19"
    assert [nm1[3:5] for nm1 in names(x12, "QC")] == [["DOE", "TIMMY"]]
    assert [dmg[2:] for dmg in segments(x12, "DMG")] == [["20120901", "M"]]


def test_subscriber_who_is_the_patient_is_marked_self_and_has_no_patient_level():
    x12 = render_837p(a_batch(a_claim()), interchange_control())

    assert only(x12, "SBR")[1:3] == ["P", "18"]
    assert segments(x12, "PAT") == []
    assert only(x12, "DMG")[1:] == ["D8", "19800517", "F"]


def test_prior_authorization_number_goes_in_ref_g1():
    x12 = render_837p(a_batch(a_claim(prior_authorization="PA-2024-0042")), interchange_control())

    assert pyx12_errors(x12) == []
    assert [ref[1:] for ref in segments(x12, "REF") if ref[1] == "G1"] == [["G1", "PA-2024-0042"]]


def test_replacement_claim_has_frequency_seven_and_names_the_original_in_ref_f8():
    claim = a_claim(
        frequency=ClaimFrequency.REPLACEMENT,
        original_claim_reference="SBX0000000015DEBA1",
        prior_authorization="PA1",
    )
    x12 = render_837p(a_batch(claim), interchange_control())

    assert pyx12_errors(x12) == []
    assert only(x12, "CLM")[5] == "11:B:7"
    claim_refs = [ref[1:] for ref in segments(x12, "REF") if ref[1] in ("G1", "F8")]
    assert claim_refs == [["G1", "PA1"], ["F8", "SBX0000000015DEBA1"]]


def test_original_claim_has_frequency_one_and_office_place_of_service():
    x12 = render_837p(a_batch(a_claim()), interchange_control())

    assert only(x12, "CLM")[5] == "11:B:1"


def test_multi_claim_batch_gives_each_claim_its_own_subscriber_level():
    claims = (a_claim(), two_line_massage_claim(), a_claim(prior_authorization="PA7"))
    x12 = render_837p(a_batch(*claims), interchange_control())

    assert pyx12_errors(x12) == []
    assert [clm[1] for clm in segments(x12, "CLM")] == [c.claim_id for c in claims]
    assert [hl[1:3] for hl in segments(x12, "HL")] == [
        ["1", ""],
        ["2", "1"],
        ["3", "1"],
        ["4", "1"],
    ]
    assert [lx[1] for lx in segments(x12, "LX")] == ["1", "1", "2", "1"]


def test_referring_provider_is_sent_as_dn_with_npi():
    x12 = render_837p(a_batch(a_claim()), interchange_control())

    referring = names(x12, "DN")
    assert referring == [["NM1", "DN", "1", "SMITH", "ANNA", "", "", "", "XX", "1234567893"]]


def test_rendering_provider_is_sent_only_when_not_the_billing_provider():
    therapist = render_837p(
        a_batch(a_claim(rendering_provider=a_rendering_therapist())), interchange_control()
    )
    billing_itself = render_837p(
        a_batch(a_claim(rendering_provider=Provider(PersonName("Owner", "Pat"), BILLING_NPI))),
        interchange_control(),
    )

    assert pyx12_errors(therapist) == []
    assert [nm1[9] for nm1 in names(therapist, "82")] == ["1679576722"]
    assert [prv[1] for prv in segments(therapist, "PRV")] == ["BI", "PE"]
    assert names(billing_itself, "82") == []


def test_free_text_cannot_break_the_segment_syntax():
    name = PersonName(last="Øberg*O'Brien~", first="Zoë: the ^first^")
    x12 = render_837p(a_batch(a_claim(subscriber=a_subscriber(name=name))), interchange_control())

    assert pyx12_errors(x12) == []
    assert [nm1[3:5] for nm1 in names(x12, "IL")] == [["OBERG O'BRIEN", "ZOE THE FIRST"]]
