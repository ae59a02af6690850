"""Which lifecycle step a posted 835 claim payment takes, and when it waits for a person."""

import pytest

from services.claims.domain.lifecycle import State, Step
from services.claims.domain.remittance import Outcome
from services.claims.domain.remittance_steps import STEP_OF_OUTCOME, decide


@pytest.mark.parametrize(
    ("outcome", "step"),
    [(Outcome.PAID_IN_FULL, Step.PAY), (Outcome.PARTIALLY_PAID, Step.PAY_PARTIALLY),
     (Outcome.DENIED, Step.DENY), (Outcome.PATIENT_BALANCE, Step.BILL_PATIENT)],
)  # fmt: skip
def test_an_accepted_claim_takes_the_step_of_its_payments_outcome(outcome, step):
    assert decide(outcome, State.ACCEPTED, "1").step is step


def test_an_835_before_the_277ca_still_posts():
    assert decide(Outcome.PAID_IN_FULL, State.SUBMITTED, "1").step is Step.PAY
    assert decide(Outcome.DENIED, State.NO_RESPONSE, "1").step is Step.DENY


def test_a_reversal_reopens_a_paid_or_closed_claim():
    assert decide(Outcome.REVERSAL, State.PAID, "1").step is Step.REVERSE
    assert decide(Outcome.REVERSAL, State.CLOSED, "1").step is Step.REVERSE


def test_a_paid_claim_paid_again_waits_for_a_person():
    decision = decide(Outcome.PAID_IN_FULL, State.PAID, "1")

    assert decision.step is None
    assert decision.conflict is not None
    assert decision.conflict.code == "claim_state_conflict"
    assert "paid in full cannot apply to a claim that is paid" in decision.conflict.text


@pytest.mark.parametrize("state", [State.READY, State.REJECTED, State.NEEDS_REVIEW])
def test_a_claim_the_front_end_never_took_cannot_be_paid(state):
    assert decide(Outcome.PAID_IN_FULL, state, "1").conflict is not None


def test_money_on_our_void_claim_waits_for_a_person():
    decision = decide(Outcome.PAID_IN_FULL, State.ACCEPTED, "8")

    assert decision.conflict is not None and "void" in decision.conflict.text


def test_a_reversal_of_a_claim_we_voided_is_posted_and_the_claim_stays_voided():
    decision = decide(Outcome.REVERSAL, State.VOIDED, "1")

    assert (decision.step, decision.conflict) == (None, None)


def test_every_outcome_has_a_step():
    assert set(STEP_OF_OUTCOME) == set(Outcome)
