"""Issue #13 in the 837P: each line's own diagnoses, individual providers, pay-to address,
PRV*PE, the structured referring name and transliteration at render — all valid to pyx12."""

from dataclasses import replace

import pytest

from services.claims.x12.assemble import x12_parties
from services.claims.x12.model import ClaimFrequency
from shared.x12_text import transliterate
from tests.unit.claims.domain_builders import (
    BILLING_NPI,
    RENDERING_NPI,
    a_code,
    a_payer,
    a_referral,
    a_session,
    inputs,
)
from tests.unit.claims.interchanges import built, render
from tests.unit.claims.pyx12_validation import pyx12_errors
from tests.unit.claims.test_service_837p import PROVIDER
from tests.unit.claims.x12_text import names, segments

EIGHT_DIAGNOSES = a_referral(
    diagnoses=("M54.50", "M54.2", "M62.830", "M79.18", "M25.511", "M25.512", "M54.6",
               "M62.838"),
    body_regions=("lower_back", "neck", "upper_back", "left_shoulder", "right_shoulder"),
    diagnosis_regions=(
        ("M54.50", frozenset({"lower_back"})),
        ("M54.2", frozenset({"neck"})),
        ("M62.830", frozenset({"lower_back", "upper_back"})),
        ("M79.18", frozenset({"neck", "upper_back"})),
        ("M25.511", frozenset({"right_shoulder"})),
        ("M25.512", frozenset({"left_shoulder"})),
        ("M54.6", frozenset({"upper_back"})),
        ("M62.838", frozenset({"neck", "left_shoulder", "right_shoulder"})),
    ),
)


def test_with_many_diagnoses_and_regions_each_sv1_points_at_its_own_regions_and_is_valid():
    session = a_session(
        a_code("97140", 30, 2, "lower_back", "upper_back"),
        a_code("97124", 30, 2, "neck", "left_shoulder", "right_shoulder"),
    )
    original = built("C-21", session=session, referral=EIGHT_DIAGNOSES)
    replacement = built("C-22", ClaimFrequency.REPLACEMENT, "SBX00000000991", session=session,
                        referral=EIGHT_DIAGNOSES)

    x12 = render(original, replacement)

    assert pyx12_errors(x12) == []
    assert len(segments(x12, "HI")[0]) - 1 == 8
    sv1 = {line[1]: line[7] for line in segments(x12, "SV1")[:2]}
    # 97140 back: low back pain, spasm of back, myalgia (neck+upper back), thoracic pain.
    assert sv1["HC:97140"] == "1:3:4:7"
    # 97124 with XS: cervicalgia and the shoulders, never a diagnosis of the 97140 line.
    assert sv1["HC:97124:XS"] == "2:5:6:8"
    assert [clm[5] for clm in segments(x12, "CLM")] == ["11:B:1", "11:B:7"]


def test_a_solo_therapist_bills_as_an_individual_with_a_pay_to_po_box_and_is_valid():
    provider = PROVIDER | {
        "entity_type": "individual", "last_name": "Lee", "first_name": "Sam",
        "pay_to_line1": "PO Box 1234", "pay_to_line2": None, "pay_to_city": "Springfield",
        "pay_to_state": "IL", "pay_to_postal_code": "62701",
    }
    # The therapist is the billing provider: no separate rendering provider loop.
    claim = built("C-23", session=a_session(rendering_npi=BILLING_NPI))

    x12 = render(claim, provider=provider)

    assert pyx12_errors(x12) == []
    assert names(x12, "85")[0][1:5] == ["85", "1", "LEE", "SAM"]
    assert names(x12, "87")[0][1:3] == ["87", "1"]
    assert ["N3", "PO BOX 1234"] in segments(x12, "N3")
    assert names(x12, "82") == []


def test_a_billing_provider_at_a_po_box_is_refused():
    provider = PROVIDER | {"address_line1": "P.O. Box 77"}

    with pytest.raises(ValueError, match="PO Box"):
        x12_parties(provider)


def test_a_payer_that_wants_it_gets_the_rendering_taxonomy_in_prv_pe():
    payer = a_payer(rendering_taxonomy_required=True)
    session = a_session(rendering_taxonomy="225700000X")

    x12 = render(built("C-24", payer=payer, session=session))

    assert pyx12_errors(x12) == []
    assert names(x12, "82")[0][9] == RENDERING_NPI
    assert ["PRV", "PE", "PXC", "225700000X"] in segments(x12, "PRV")


def test_the_referring_physician_is_rendered_from_the_structured_name_not_split():
    referral = a_referral(physician_name="Anna Smith MD", physician_last_name="Smith",
                          physician_first_name="Anna")

    x12 = render(built("C-25", referral=referral))

    assert pyx12_errors(x12) == []
    assert names(x12, "DN")[0][3:5] == ["SMITH", "ANNA"]


def test_a_referral_without_the_structured_name_falls_back_to_the_old_split():
    x12 = render(built("C-26", referral=a_referral(physician_name="Smith, Anna")))

    assert names(x12, "DN")[0][3:5] == ["SMITH", "ANNA"]


def test_names_and_addresses_are_transliterated_only_when_rendered():
    client = inputs().client
    assert client is not None
    person = replace(client.person, first_name="Zoë", last_name="Ørsted-Müller",
                     address=replace(client.person.address, line1="12 Größe Straße*~"))
    facts = inputs(client=replace(client, person=person))

    x12 = render(built("C-27", client=facts.client))

    assert pyx12_errors(x12) == []
    assert names(x12, "IL")[0][3:5] == ["ORSTED-MULLER", "ZOE"]
    assert ["N3", "12 GROSSE STRASSE"] in segments(x12, "N3")
    assert person.first_name == "Zoë"  # the record keeps the person's spelling


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Zoë", "ZOE"), ("Ørsted", "ORSTED"), ("Straße", "STRASSE"), ("a*b:c~d^e", "A B C D E"),
     ("tab\there", "TAB HERE"), ("Владимир", ""), ("  Anne  Marie ", "ANNE MARIE")],
)
def test_names_are_transliterated_to_the_basic_character_set_when_rendered(
    value: str, expected: str
) -> None:
    assert transliterate(value) == expected
