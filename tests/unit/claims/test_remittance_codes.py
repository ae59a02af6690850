import pytest

from services.claims.domain.codes import (
    UNKNOWN,
    adjustment_reasons,
    describe_adjustment,
    describe_remark,
    remarks,
)

# The codes a medical-massage clinic meets on its remittances (issue #12).
CLINIC_CARCS = (
    "1 2 3 4 16 18 22 23 27 29 45 50 96 97 109 119 151 167 170 171 185 197 198 204 242 253"
)
CLINIC_RARCS = "N130 N362 M127 MA130 N4 N290 N286 M15 M80 N115 N20 N30 N519 N657"


def test_an_adjustment_reads_as_group_reason_and_the_published_meaning():
    assert describe_adjustment("CO", "45") == (
        "CO-45: Charge exceeds fee schedule/maximum allowable or contracted/legislated fee "
        "arrangement."
    )
    assert describe_adjustment("PR", "2") == "PR-2: Coinsurance Amount"


def test_the_payer_instructions_after_the_meaning_are_left_out_for_display():
    assert describe_adjustment("CO", "16") == (
        "CO-16: Claim/service lacks information or has submission/billing error(s)."
    )
    assert describe_adjustment("CO", "96") == "CO-96: Non-covered charge(s)."
    assert "Usage:" in adjustment_reasons().codes["96"]  # the data keeps the whole text


def test_a_remark_reads_as_code_and_meaning():
    assert describe_remark("N130") == (
        "N130: Consult plan benefit documents/guidelines for information about restrictions "
        "for this service."
    )
    assert describe_remark("n130") == describe_remark("N130")


def test_an_unknown_code_says_so_without_failing():
    assert describe_adjustment("CO", "999") == f"CO-999: {UNKNOWN}"
    assert describe_remark("N9999") == f"N9999: {UNKNOWN}"


@pytest.mark.parametrize("code", CLINIC_CARCS.split())
def test_every_reason_a_clinic_meets_is_listed(code):
    assert adjustment_reasons().meaning(code) != UNKNOWN


@pytest.mark.parametrize("code", CLINIC_RARCS.split())
def test_every_remark_a_clinic_meets_is_listed(code):
    assert remarks().meaning(code) != UNKNOWN


def test_each_list_names_its_x12_source_and_version():
    assert "code source 139" in adjustment_reasons().source
    assert "code source 411" in remarks().source
    assert "2026-08-17" in adjustment_reasons().version
    assert "2026-08-17" in remarks().version
