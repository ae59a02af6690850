"""What a posting plan does to our claim: the lifecycle step it takes, or why a person decides.

docs/DOMAIN.md §Acknowledgements and docs/CLAIM_LIFECYCLE.md. Each outcome of a claim payment
(``remittance.Outcome``) is one step of the machine: paid in full -> ``pay``, partially paid
-> ``pay_partially``, denied -> ``deny``, patient balance -> ``bill_patient``, reversal ->
``reverse``. The step is taken only when the claim's state allows it; otherwise the payment
is held for a person and nothing is posted (e.g. a second payment of a paid claim, a payment
of a claim rejected at the front end). Two cases the machine alone does not settle:

- a payment of one of our void claims (frequency 8): a void asks for nothing to be paid, so
  money on it is the payer's mistake: held;
- a reversal of a claim we voided: the payer takes back what it paid, as it should once it
  accepted our void; the money is posted and the claim stays voided.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.claims.domain import lifecycle
from services.claims.domain.lifecycle import State, Step
from services.claims.domain.records import Reason
from services.claims.domain.remittance import Outcome
from services.claims.x12.model import ClaimFrequency

STEP_OF_OUTCOME = {
    Outcome.PAID_IN_FULL: Step.PAY,
    Outcome.PARTIALLY_PAID: Step.PAY_PARTIALLY,
    Outcome.DENIED: Step.DENY,
    Outcome.PATIENT_BALANCE: Step.BILL_PATIENT,
    Outcome.REVERSAL: Step.REVERSE,
}


@dataclass(frozen=True)
class PostingDecision:
    """Post with ``step`` (None: post the money, the state stays), or hold for ``conflict``."""

    step: Step | None = None
    conflict: Reason | None = None


def decide(outcome: Outcome, state: State | str, frequency: str) -> PostingDecision:
    """What posting a payment with ``outcome`` does to a claim in ``state`` (module docstring)."""
    state = State(state)
    words = outcome.value.replace("_", " ")
    if frequency == ClaimFrequency.VOID:
        return _held(f"an 835 {words} answers our void claim: a void asks for nothing to be paid")
    if state is State.VOIDED and outcome is Outcome.REVERSAL:
        return PostingDecision()
    step = STEP_OF_OUTCOME[outcome]
    if lifecycle.allowed(state, step):
        return PostingDecision(step)
    return _held(f"an 835 {words} cannot apply to a claim that is {state.value}")


def _held(text: str) -> PostingDecision:
    return PostingDecision(conflict=Reason("claim_state_conflict", text))
