"""Recognising blood thinners however the client wrote them."""

import pytest

from services.screening.domain import MedicationList, RulesFileError
from services.screening.domain.medications import parse_medications
from tests.unit.screening.builders import RULES, a_screening

MEDICATIONS: MedicationList = RULES.medications


@pytest.mark.parametrize(
    ("listed", "generic"),
    [
        ("Coumadin", "warfarin"),
        ("Jantoven 2.5mg", "warfarin"),
        ("Eliquis 5 mg twice daily", "apixaban"),
        ("XARELTO 20MG once a day with dinner", "rivaroxaban"),
        ("pradaxa", "dabigatran"),
        ("Savaysa 60 mg", "edoxaban"),
        ("Lovenox injections 40mg/0.4mL", "enoxaparin"),
        ("heparin", "heparin"),
        ("Plavix 75mg", "clopidogrel"),
        ("Effient", "prasugrel"),
        ("Brilinta 90 mg BID", "ticagrelor"),
        ("aspirin 81 mg daily", "aspirin"),
        ("baby aspirin", "aspirin"),
        ("ASA 81", "aspirin"),
    ],
)
def test_blood_thinners_are_recognised_by_brand_or_generic_name_despite_dose_text(listed, generic):
    drug = MEDICATIONS.find(listed)

    assert drug is not None
    assert drug.generic == generic


@pytest.mark.parametrize(
    "listed", ["lisinopril 10 mg", "ibuprofen as needed", "heparinoid cream", "vitamin D", ""]
)
def test_other_medications_and_lookalike_words_are_not_blood_thinners(listed):
    assert MEDICATIONS.find(listed) is None


def test_a_brand_name_with_dose_text_triggers_the_bleeding_risk_rule():
    screening = a_screening(medications=["metformin 500 mg", "Eliquis 5 mg twice daily"])

    assert screening.outcome == "needs_clearance"
    assert [reason.code for reason in screening.reasons] == ["bleeding_risk"]


def test_a_client_on_no_blood_thinner_is_cleared():
    assert a_screening(medications=["lisinopril 10 mg", "metformin 500 mg"]).outcome == "cleared"


def test_a_medications_file_with_a_multi_word_name_is_refused():
    with pytest.raises(RulesFileError):
        parse_medications(
            {
                "drugs": [
                    {"generic": "aspirin", "class": "antiplatelet", "other_names": ["Bayer 81"]}
                ]
            }
        )
