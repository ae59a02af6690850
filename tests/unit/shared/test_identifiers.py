from datetime import date
from importlib import resources

import pytest

from shared.identifiers import (
    ICD10_CM_RELEASE,
    icd10_cm_billing_problem,
    icd10_for_x12,
    is_billable_icd10_cm,
    is_valid_icd10_cm,
    is_valid_npi,
    normalise_icd10_cm,
    npi_check_digit,
)


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "9310954323", "1000000004"])
def test_an_npi_whose_last_digit_is_the_luhn_check_of_80840_plus_the_rest_is_valid(npi):
    assert is_valid_npi(npi)


@pytest.mark.parametrize(
    "npi",
    [
        "1234567890",  # wrong check digit
        "1234567839",  # two digits swapped
        "123456789",  # too short
        "12345678931",  # too long
        "12345 67893",
        "123456789X",
        "",
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff13",  # full-width digits
    ],
)
def test_an_npi_with_a_wrong_check_digit_or_shape_is_invalid(npi):
    assert not is_valid_npi(npi)


def test_the_npi_check_digit_completes_the_first_nine_digits():
    assert npi_check_digit("123456789") == "3"


def test_an_npi_check_digit_needs_exactly_nine_digits():
    with pytest.raises(ValueError):
        npi_check_digit("12345678")


@pytest.mark.parametrize(
    "code", ["M54.50", "M17.11", "M62.830", "S13.4XXA", "M54.2", "I89.0", "M43.6", "M545"]
)
def test_well_formed_icd10_cm_codes_are_valid(code):
    assert is_valid_icd10_cm(code)


@pytest.mark.parametrize("code", ["M5450", "s134xxa", " m54.50 "])
def test_icd10_cm_codes_are_accepted_without_the_dot_and_in_lowercase(code):
    assert is_valid_icd10_cm(code)


@pytest.mark.parametrize(
    "code",
    ["", "M5", "54.50", "MM4.50", "M54.", "M54.50123", "M54..5", "M54-50", "M54.5_", "M 54.50"],
)
def test_malformed_icd10_cm_codes_are_invalid(code):
    assert not is_valid_icd10_cm(code)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("m5450", "M54.50"), ("M62830", "M62.830"), ("s13.4xxa", "S13.4XXA"), ("M542", "M54.2")],
)
def test_icd10_cm_codes_are_normalised_to_uppercase_with_the_dot(written, canonical):
    assert normalise_icd10_cm(written) == canonical


def test_a_three_character_category_has_no_dot():
    assert normalise_icd10_cm("i10") == "I10"


def test_normalising_a_malformed_code_is_refused():
    with pytest.raises(ValueError):
        normalise_icd10_cm("M54.")


@pytest.mark.parametrize(
    ("code", "in_x12"), [("M54.50", "M5450"), ("s13.4xxa", "S134XXA"), ("G44209", "G44209")]
)
def test_x12_carries_icd10_cm_codes_without_the_dot(code, in_x12):
    assert icd10_for_x12(code) == in_x12


# -- billable ICD-10-CM codes (the shipped release of the code set) ---------------------------


def test_m54_5_is_a_category_since_fy2022_and_is_refused_naming_the_codes_below_it():
    # The finding: a retired code was accepted. Low back pain was split in FY2022.
    problem = icd10_cm_billing_problem("M54.5")

    assert problem is not None
    assert "M54.5 is a category" in problem
    assert "M54.50, M54.51, M54.59" in problem


@pytest.mark.parametrize("code", ["M54.50", "m5450", "M62.830", "S13.4XXA", "I10", "G44.209"])
def test_a_leaf_of_the_code_set_is_billable(code):
    assert icd10_cm_billing_problem(code) is None


@pytest.mark.parametrize("code", ["M54", "S13.4", "M62.83"])
def test_a_category_or_subcategory_with_codes_below_it_is_not_billable(code):
    assert "is a category" in icd10_cm_billing_problem(code)


@pytest.mark.parametrize("code", ["Z99.999", "M54.7", "S13.4XXZ", "U99"])
def test_a_well_formed_code_the_release_does_not_have_is_not_billable(code):
    assert "is not a code of ICD-10-CM FY2026" in icd10_cm_billing_problem(code)


def test_the_release_named_is_the_one_the_package_ships():
    shipped = {path.name for path in resources.files("simple_icd_10_cm.data").iterdir()}

    assert "icd10c-tabular-April-1-2026.xml" in shipped
    assert ICD10_CM_RELEASE.in_force_from == date(2026, 4, 1)
    assert ICD10_CM_RELEASE.covers(date(2026, 4, 1), date(2026, 9, 30))
    assert not ICD10_CM_RELEASE.covers(date(2026, 3, 31), date(2026, 4, 30))
    assert not ICD10_CM_RELEASE.covers(date(2026, 9, 1), date(2026, 10, 1))


def test_billable_is_exactly_the_packages_is_leaf_for_every_code_of_the_release():
    import simple_icd_10_cm  # parses the whole tabular list: only this test pays for it

    codes = simple_icd_10_cm.get_all_codes(with_dots=False)
    # Chapters ("13"), blocks ("M50-M54") and the few that are not shaped like a code
    # (the "QA0" extension) cannot be entered on a referral.
    disagree = [code for code in codes
                if is_valid_icd10_cm(code)
                and is_billable_icd10_cm(code) != simple_icd_10_cm.is_leaf(code)]

    assert len(codes) > 90_000 and disagree == []
