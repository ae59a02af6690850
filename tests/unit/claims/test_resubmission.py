"""Corrections, replacements and voids get the claim frequency and REF*F8 the guide asks for."""

import pytest

from services.claims.domain.errors import CannotResubmit, CannotVoid
from services.claims.domain.lifecycle import ADJUDICATED, State, Step
from services.claims.domain.resubmission import ClaimStanding, Successor, resubmission, void
from services.claims.x12.model import ClaimFrequency
from services.claims.x12.render_837p import render_837p
from tests.unit.claims.builders import a_batch, a_claim, interchange_control
from tests.unit.claims.pyx12_validation import pyx12_errors
from tests.unit.claims.x12_text import only, segments

PAYER_NUMBER = "SBX000000012ABCDEF"


def standing(state: State, **overrides) -> ClaimStanding:  # type: ignore[no-untyped-def]
    defaults = {
        "state": state,
        "frequency": ClaimFrequency.ORIGINAL,
        "original_reference": None,
        "payer_claim_control_number": None,
        "superseded_by": None,
    }
    return ClaimStanding(**(defaults | overrides))


def test_a_claim_rejected_at_the_front_end_goes_again_as_a_new_original_without_ref_f8():
    successor = resubmission(standing(State.REJECTED, payer_claim_control_number=None))

    assert successor == Successor(Step.CORRECT, ClaimFrequency.ORIGINAL, None)


def test_a_rejected_replacement_is_corrected_as_a_replacement_of_the_same_payer_claim():
    rejected = standing(
        State.REJECTED, frequency=ClaimFrequency.REPLACEMENT, original_reference=PAYER_NUMBER
    )

    assert resubmission(rejected) == Successor(
        Step.CORRECT, ClaimFrequency.REPLACEMENT, PAYER_NUMBER
    )


@pytest.mark.parametrize("state", sorted(ADJUDICATED))
def test_an_adjudicated_claim_is_replaced_with_frequency_7_quoting_the_payers_number(state):
    successor = resubmission(standing(state, payer_claim_control_number=PAYER_NUMBER))

    assert successor == Successor(Step.REPLACE, ClaimFrequency.REPLACEMENT, PAYER_NUMBER)


@pytest.mark.parametrize("state", sorted(ADJUDICATED))
def test_an_adjudicated_claim_is_voided_with_frequency_8_quoting_the_payers_number(state):
    successor = void(standing(state, payer_claim_control_number=PAYER_NUMBER))

    assert successor == Successor(Step.REQUEST_VOID, ClaimFrequency.VOID, PAYER_NUMBER)


@pytest.mark.parametrize(
    "state", [s for s in State if s not in ADJUDICATED and s is not State.REJECTED]
)
def test_a_claim_neither_rejected_nor_adjudicated_cannot_be_resubmitted(state):
    with pytest.raises(CannotResubmit):
        resubmission(standing(state, payer_claim_control_number=PAYER_NUMBER))


@pytest.mark.parametrize("state", [s for s in State if s not in ADJUDICATED])
def test_only_an_adjudicated_claim_can_be_voided(state):
    with pytest.raises(CannotVoid):
        void(standing(state, payer_claim_control_number=PAYER_NUMBER))


def test_without_the_payers_claim_control_number_nothing_is_replaced_or_voided():
    with pytest.raises(CannotResubmit, match="REF\\*1K"):
        resubmission(standing(State.ACCEPTED))
    with pytest.raises(CannotVoid, match="REF\\*1K"):
        void(standing(State.PAID))


def test_an_accepted_void_claim_is_neither_replaced_nor_voided():
    accepted_void = standing(State.ACCEPTED, frequency=ClaimFrequency.VOID,
                             original_reference=PAYER_NUMBER, payer_claim_control_number="P2")

    with pytest.raises(CannotResubmit, match="void claim"):
        resubmission(accepted_void)
    with pytest.raises(CannotVoid, match="void claim"):
        void(accepted_void)


def test_a_claim_already_superseded_is_not_superseded_twice():
    with pytest.raises(CannotResubmit, match="already"):
        resubmission(standing(State.REJECTED, superseded_by="CABC"))
    with pytest.raises(CannotVoid, match="already"):
        void(standing(State.ACCEPTED, payer_claim_control_number=PAYER_NUMBER,
                      superseded_by="CABC"))


def test_a_void_claim_renders_frequency_8_and_the_payers_number_in_ref_f8():
    claim = a_claim(frequency=ClaimFrequency.VOID, original_claim_reference=PAYER_NUMBER)

    x12 = render_837p(a_batch(claim), interchange_control())

    assert pyx12_errors(x12) == []
    assert only(x12, "CLM")[5] == "11:B:8"
    assert [ref[1:] for ref in segments(x12, "REF") if ref[1] == "F8"] == [["F8", PAYER_NUMBER]]


def test_an_original_renders_no_ref_f8():
    x12 = render_837p(a_batch(a_claim()), interchange_control())

    assert only(x12, "CLM")[5] == "11:B:1"
    assert not [ref for ref in segments(x12, "REF") if ref[1] == "F8"]
