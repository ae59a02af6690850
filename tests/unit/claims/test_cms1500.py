"""The CMS-1500 (02/12): each box of the printed form holds the claim's value, read by pypdf."""

from datetime import date
from decimal import Decimal

from services.claims.api.cms1500_pdf import CHECKS, Area, render_pdf
from services.claims.domain.cms1500 import CONTINUED, form_pages
from services.claims.x12.model import Address as X12Address
from services.claims.x12.model import (
    ClaimFrequency,
    Patient,
    PatientRelationship,
    PersonName,
    Sex,
)
from tests.unit.claims.builders import (
    a_batch,
    a_claim,
    a_rendering_therapist,
    a_service_line,
    a_subscriber,
)
from tests.unit.claims.pdf_text import all_text, box, line, pages, text_in
from tests.unit.claims.test_other_payers import primary_adjudication

D = Decimal
BILLING = a_batch().billing_provider


def massage_claim(**overrides):
    lines = (
        a_service_line(procedure_code="97140", charge=D("90.00"), units=2,
                       diagnosis_pointers=(1, 2)),
        a_service_line(procedure_code="97124", charge=D("40.00"), units=1,
                       diagnosis_pointers=(3,), modifiers=("XS", "GP")),
    )  # fmt: skip
    defaults = {
        "diagnoses": ("M54.50", "M62.830", "S13.4XXA"),
        "service_lines": lines,
        "rendering_provider": a_rendering_therapist(),
    }
    return a_claim(**(defaults | overrides))


def read(claim, **options):
    return pages(render_pdf(form_pages(claim, BILLING, billing_phone="5555550100", **options)))


def checked(page, name: str) -> bool:
    x, y, _ = CHECKS[name]
    return "X" in text_in(page, Area(x, y, 6, 7))


def test_the_patient_and_insured_boxes_hold_the_claims_people():
    (page,) = read(massage_claim())

    assert box(page, "2") == "DOE, JANE"
    assert box(page, "3") == "05 17 1980"
    assert box(page, "1a") == "MEM123456"
    assert box(page, "4") == "DOE, JANE"
    assert box(page, "5_street") == "12 ELM ST" and box(page, "5_zip") == "62701"
    assert box(page, "11") == "GRP-77"
    assert box(page, "carrier") == "ACME HEALTH"
    assert checked(page, "6_self") and checked(page, "3_F") and checked(page, "1_group")
    assert not checked(page, "6_spouse")


def test_box_21_lists_the_diagnoses_a_to_l_without_their_dot_under_icd_10():
    codes = ("M54.50", "M62.830", "S13.4XXA", "M54.2", "M25.511", "M79.18", "M62.81",
             "M54.6", "M54.16", "M53.3", "M25.551", "G44.209")  # fmt: skip
    (page,) = read(massage_claim(diagnoses=codes))

    assert box(page, "21_indicator") == "0"
    letters = "ABCDEFGHIJKL"
    assert [box(page, f"21{letter}") for letter in letters] == [
        c.replace(".", "") for c in codes
    ]


def test_each_service_line_fills_its_row_of_box_24():
    (page,) = read(massage_claim())

    first = {c: line(page, c, 1) for c in ("24A_from", "24A_to", "24B", "24D_code",
                                            "24D_modifier", "24E", "24F", "24G", "24I", "24J")}
    assert first == {
        "24A_from": "03 04 24", "24A_to": "03 04 24", "24B": "11", "24D_code": "97140",
        "24D_modifier": "", "24E": "AB", "24F": "90 00", "24G": "2", "24I": "NPI",
        "24J": "1679576722",
    }  # fmt: skip
    assert (line(page, "24D_code", 2), line(page, "24D_modifier", 2)) == ("97124", "XS GP")
    assert (line(page, "24E", 2), line(page, "24F", 2), line(page, "24G", 2)) == (
        "C", "40 00", "1"
    )  # fmt: skip
    assert line(page, "24D_code", 3) == ""


def test_the_bottom_boxes_carry_totals_the_referring_and_the_billing_provider():
    claim = massage_claim()
    (page,) = read(claim)

    assert box(page, "28") == "130 00"
    assert box(page, "29") == ""
    assert box(page, "26") == claim.claim_id
    assert box(page, "25") == "123456789" and checked(page, "25_ein")
    assert checked(page, "27_yes")
    assert (box(page, "33"), box(page, "33_street")) == ("HEALING HANDS MASSAGE LLC", "100 MAIN ST")
    assert box(page, "33_city") == "SPRINGFIELD IL 627011234"
    assert box(page, "33a") == "1245319599"
    assert (box(page, "17_qualifier"), box(page, "17"), box(page, "17b")) == (
        "DN", "ANNA SMITH", "1234567893"
    )  # fmt: skip


def test_more_than_six_lines_go_on_more_pages_with_the_total_on_the_last():
    lines = tuple(
        a_service_line(procedure_code="97140", charge=D("45.00"), service_date=date(2024, 3, day))
        for day in range(1, 9)
    )
    first, second = read(massage_claim(service_lines=lines))

    assert [line(first, "24A_from", n) for n in range(1, 7)] == [
        f"03 0{day} 24" for day in range(1, 7)
    ]
    assert [line(second, "24A_from", n) for n in (1, 2, 3)] == ["03 07 24", "03 08 24", ""]
    assert box(first, "28") == CONTINUED and box(second, "28") == "360 00"
    assert box(second, "2") == "DOE, JANE" and box(second, "21A") == "M5450"
    assert "PAGE 1 OF 2" in all_text(first) and "PAGE 2 OF 2" in all_text(second)


def test_a_superbill_assigns_nothing_so_the_plan_pays_the_insured():
    (page,) = read(massage_claim(), superbill=True)

    assert "SUPERBILL" in all_text(page)
    assert checked(page, "27_no") and not checked(page, "27_yes")
    assert box(page, "13") == ""
    assert box(page, "12") == "SIGNATURE ON FILE"


def test_a_secondary_claim_names_the_primary_in_box_9_and_its_payment_in_box_29():
    lines = (
        a_service_line(procedure_code="97140", charge=D("90.00"), units=2),
        a_service_line(procedure_code="97124", charge=D("45.00"), modifiers=("XS",)),
    )
    (page,) = read(a_claim(service_lines=lines, other_payer=primary_adjudication()))

    assert (box(page, "9"), box(page, "9a"), box(page, "9d")) == (
        "DOE, JANE", "MEM123456", "ACME HEALTH"
    )  # fmt: skip
    assert checked(page, "11d_yes")
    assert box(page, "29") == "86 00"


def test_a_dependant_patient_is_told_apart_from_the_insured():
    spouse = a_subscriber(name=PersonName("Doe", "John"), sex=Sex.MALE)
    patient = Patient(PersonName("Doe", "Jane"), date(1982, 1, 2), Sex.FEMALE,
                      X12Address("12 Elm St", "Springfield", "IL", "62701"),
                      PatientRelationship.SPOUSE)  # fmt: skip
    (page,) = read(massage_claim(subscriber=spouse, patient=patient))

    assert (box(page, "2"), box(page, "4")) == ("DOE, JANE", "DOE, JOHN")
    assert box(page, "3") == "01 02 1982" and box(page, "11a") == "05 17 1980"
    assert checked(page, "6_spouse") and checked(page, "11a_M") and checked(page, "3_F")


def test_a_replacement_shows_its_resubmission_code_and_the_payers_number():
    (page,) = read(massage_claim(frequency=ClaimFrequency.REPLACEMENT,
                                 original_claim_reference="PCN0001"))  # fmt: skip

    assert (box(page, "22_code"), box(page, "22_original")) == ("7", "PCN0001")


def test_names_in_other_scripts_print_in_the_forms_character_set():
    subscriber = a_subscriber(name=PersonName("Müller-Łódź", "Zoë"))
    (page,) = read(massage_claim(subscriber=subscriber))

    assert box(page, "2") == "MULLER-LODZ, ZOE"
