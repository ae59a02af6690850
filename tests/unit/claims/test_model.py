from decimal import Decimal

import pytest

from services.claims.x12.model import (
    MAX_CLAIM_ID_LENGTH,
    ClaimFrequency,
    PersonName,
    Provider,
)
from tests.unit.claims.builders import a_batch, a_claim, a_claim_id, a_service_line


def test_our_claim_ids_fit_the_20_characters_payers_keep_of_clm01():
    claim_id = a_claim_id()

    assert len(claim_id) == 20
    assert a_claim(claim_id=claim_id).claim_id == claim_id


def test_a_claim_made_with_a_former_38_character_id_still_goes_out():
    claim_id = "C-3f9a0c1e-0000-4000-8000-000000000001"

    assert len(claim_id) == MAX_CLAIM_ID_LENGTH
    assert a_claim(claim_id=claim_id).claim_id == claim_id


def test_a_claim_id_longer_than_clm01_allows_is_refused():
    with pytest.raises(ValueError, match="claim id"):
        a_claim(claim_id="C-" + "a" * MAX_CLAIM_ID_LENGTH)


def test_a_claim_id_with_an_x12_delimiter_is_refused():
    with pytest.raises(ValueError, match="claim id"):
        a_claim(claim_id="C-12*34")


def test_claim_total_is_the_sum_of_its_lines():
    claim = a_claim(
        service_lines=(
            a_service_line(charge=Decimal("90.00"), units=2),
            a_service_line(procedure_code="97124", charge=Decimal("42.50"), modifiers=("59",)),
        )
    )

    assert claim.total_charge == Decimal("132.50")


def test_a_float_charge_is_refused():
    with pytest.raises(ValueError, match="Decimal"):
        a_service_line(charge=45.0)


def test_a_charge_finer_than_cents_is_refused():
    with pytest.raises(ValueError, match="cents"):
        a_service_line(charge=Decimal("45.001"))


def test_a_diagnosis_pointer_past_the_claims_diagnoses_is_refused():
    with pytest.raises(ValueError, match="pointers"):
        a_claim(diagnoses=("M54.50",), service_lines=(a_service_line(diagnosis_pointers=(2,)),))


def test_more_than_four_modifiers_are_refused():
    with pytest.raises(ValueError, match="modifiers"):
        a_service_line(modifiers=("59", "GP", "XS", "KX", "25"))


def test_a_diagnosis_that_is_not_icd10_cm_is_refused():
    with pytest.raises(ValueError, match="ICD-10-CM"):
        a_claim(diagnoses=("724.2",))


@pytest.mark.parametrize("frequency", [ClaimFrequency.REPLACEMENT, ClaimFrequency.VOID])
def test_a_replacement_or_void_claim_must_name_the_original(frequency):
    with pytest.raises(ValueError, match="replacement or void"):
        a_claim(frequency=frequency)


def test_an_original_claim_cannot_name_an_original():
    with pytest.raises(ValueError, match="replacement"):
        a_claim(original_claim_reference="SBX123")


def test_a_provider_with_a_bad_npi_is_refused():
    with pytest.raises(ValueError, match="NPI"):
        Provider(PersonName("Smith", "Anna"), "1234567890")


def test_a_name_of_only_delimiters_is_refused():
    with pytest.raises(ValueError, match="last name"):
        PersonName(last="*~", first="Anna")


def test_a_batch_cannot_carry_the_same_claim_twice():
    claim = a_claim()

    with pytest.raises(ValueError, match="unique"):
        a_batch(claim, claim)


def test_a_name_or_npi_refused_once_is_refused_again_when_it_comes_back():
    # Text and NPI checks are remembered by value: a bad value must stay refused.
    for _ in range(2):
        with pytest.raises(ValueError, match="last name"):
            PersonName(last="*~", first="Anna")
        with pytest.raises(ValueError, match="NPI"):
            Provider(PersonName("Smith", "Anna"), "1234567890")


def test_a_value_refused_for_one_part_is_refused_with_that_parts_name_for_another():
    with pytest.raises(ValueError, match="last name"):
        PersonName(last="*~", first="Anna")

    with pytest.raises(ValueError, match="first name"):
        PersonName(last="Smith", first="*~")
