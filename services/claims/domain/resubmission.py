"""Which claim goes out when billing corrects, replaces or voids one.

docs/DOMAIN.md §Acknowledgements (claim frequency):
A claim the front end rejected (999, TA1, 277CA) was never adjudicated: the corrected claim
goes out as what the rejected one was (an original stays frequency 1 without REF*F8; a
rejected replacement or void keeps its frequency and the payer's number it quoted). Only
an adjudicated claim is replaced (7) or voided (8), and REF*F8 then quotes the payer's
claim control number (REF*1K of the 277CA, CLP07 of the 835), never our own id.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.claims.domain.errors import CannotResubmit, CannotVoid
from services.claims.domain.lifecycle import ADJUDICATED, State, Step
from services.claims.x12.model import ClaimFrequency


@dataclass(frozen=True)
class Successor:
    """The claim that takes an old one's place, and the step the old one takes."""

    step: Step  # CORRECT, REPLACE or REQUEST_VOID, on the old claim
    frequency: ClaimFrequency
    original_reference: str | None  # REF*F8


@dataclass(frozen=True)
class ClaimStanding:
    """What the rules look at: the claim's state, how it went out, what the payer said."""

    state: State
    frequency: ClaimFrequency
    original_reference: str | None  # the REF*F8 it carried, if any
    payer_claim_control_number: str | None  # REF*1K / CLP07
    superseded_by: str | None  # a claim already took its place


def resubmission(claim: ClaimStanding) -> Successor:
    """The corrected claim after a front-end rejection, or the replacement of an adjudicated one."""
    if claim.superseded_by is not None:
        raise CannotResubmit(f"it was already replaced by {claim.superseded_by}")
    if claim.state is State.REJECTED:
        return Successor(Step.CORRECT, claim.frequency, claim.original_reference)
    if claim.state in ADJUDICATED:
        _not_a_void(claim, CannotResubmit)
        reference = _payer_number(claim, CannotResubmit)
        return Successor(Step.REPLACE, ClaimFrequency.REPLACEMENT, reference)
    raise CannotResubmit(f"the claim is {claim.state.value}")


def void(claim: ClaimStanding) -> Successor:
    """The void (frequency 8) of an adjudicated claim."""
    if claim.superseded_by is not None:
        raise CannotVoid(f"it was already replaced by {claim.superseded_by}")
    if claim.state not in ADJUDICATED:
        raise CannotVoid(f"the claim is {claim.state.value}, not adjudicated")
    _not_a_void(claim, CannotVoid)
    return Successor(Step.REQUEST_VOID, ClaimFrequency.VOID, _payer_number(claim, CannotVoid))


def _not_a_void(claim: ClaimStanding, error: type[CannotResubmit | CannotVoid]) -> None:
    # A void the payer took cancels the claim it names; there is nothing left to replace.
    if claim.frequency is ClaimFrequency.VOID:
        raise error("it is a void claim itself")


def _payer_number(claim: ClaimStanding, error: type[CannotResubmit | CannotVoid]) -> str:
    if not claim.payer_claim_control_number:
        raise error("the payer's claim control number (REF*1K) was never recorded")
    return claim.payer_claim_control_number
