"""The shipped list of common massage-related ICD-10-CM diagnoses."""

from services.screening.domain import common_diagnoses
from shared.identifiers import icd10_cm_billing_problem, normalise_icd10_cm


def test_every_common_diagnosis_is_a_well_formed_code_in_canonical_form():
    for diagnosis in common_diagnoses():
        assert normalise_icd10_cm(diagnosis.code) == diagnosis.code
        assert diagnosis.description


def test_no_common_diagnosis_is_listed_twice():
    codes = [diagnosis.code for diagnosis in common_diagnoses()]

    assert len(codes) == len(set(codes))


def test_the_common_diagnoses_include_the_referrals_a_clinic_sees_most():
    codes = {diagnosis.code for diagnosis in common_diagnoses()}

    assert {"M54.50", "M54.2", "M62.830", "M17.11", "S13.4XXA", "M79.7", "I89.0"} <= codes


def test_every_common_diagnosis_offered_is_billable_in_the_shipped_code_set():
    assert [d.code for d in common_diagnoses() if icd10_cm_billing_problem(d.code)] == []
