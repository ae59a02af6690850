"""Billing's work queue: what needs a person, how much is at stake, and what they can do.

docs/CLAIM_LIFECYCLE.md. A claim is in the queue while it is in one of the states below and
no other claim took its place; so is every 835 claim payment (or whole remittance) held at
posting, every interchange held for unreadable answers and every report that could not be
read. The actions offered are those the rules allow right now: resubmission and void as
``resubmission`` decides them, bill-patient and write-off as the lifecycle allows them and
only when there is something left to move or write off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from services.claims.domain import lifecycle, resubmission
from services.claims.domain.balances import ZERO, Balance
from services.claims.domain.errors import CannotResubmit, CannotVoid
from services.claims.domain.lifecycle import State, Step
from services.claims.domain.resubmission import ClaimStanding


class Kind(StrEnum):
    """Why an item is in the queue."""

    NEEDS_REVIEW = "needs_review"  # the scrub found reasons it cannot go out
    REJECTED = "rejected"  # the front end (999, TA1, 277CA) said no
    DENIED = "denied"  # the 835 paid nothing
    SHORT_PAYMENT = "short_payment"  # the 835 paid less than the fee schedule expects
    NO_RESPONSE = "no_response"  # nothing heard for CLAIMS_NO_RESPONSE_DAYS
    UNREADABLE = "unreadable"  # an 835 claim payment that cannot be read
    UNMATCHED = "unmatched"  # an 835 claim payment for a claim we do not know
    UNBALANCED = "unbalanced"  # an 835 claim payment whose amounts do not add up
    CONFLICT = "conflict"  # an 835 claim payment the claim's state cannot take
    UNBALANCED_REMITTANCE = "unbalanced_remittance"  # BPR02 is not the claims less PLB
    HELD_INTERCHANGE = "held_interchange"  # its 999/TA1 answers could not be read
    HELD_REPORT = "held_report"  # a 277CA or 835 from the mailbox could not be read


# Held at 835 posting (services/claims/commands/remittances.py), one per claim payment or
# remittance; an unreadable claim payment, unmatched, unbalanced are the refusals of
# domain/remittance.py (RefusalKind), a conflict one of domain/remittance_steps.py.
EXCEPTION_KINDS = (
    Kind.UNBALANCED_REMITTANCE, Kind.UNBALANCED, Kind.UNREADABLE, Kind.UNMATCHED, Kind.CONFLICT,
)
CLAIM_KINDS = {
    State.NEEDS_REVIEW: Kind.NEEDS_REVIEW,
    State.REJECTED: Kind.REJECTED,
    State.DENIED: Kind.DENIED,
    State.PARTIALLY_PAID: Kind.SHORT_PAYMENT,
    State.NO_RESPONSE: Kind.NO_RESPONSE,
}


@dataclass(frozen=True)
class Action:
    """Something a person can do about an item: an endpoint, or a step outside the system."""

    action: str
    description: str
    method: str | None = None
    path: str | None = None


def at_stake(kind: Kind, balance: Balance) -> Decimal:
    """The money a claim item is about: a short payment's shortfall, else all that is owed."""
    return balance.payer if kind is Kind.SHORT_PAYMENT else balance.total


def claim_actions(claim_id: str, standing: ClaimStanding, balance: Balance) -> tuple[Action, ...]:
    """What billing can do about a claim in the queue, as the rules stand for it now."""
    state, path = standing.state, f"/claims/{claim_id}"
    actions = []
    if state is State.NEEDS_REVIEW:
        actions.append(Action(
            "rescrub", "fix the client's data or the billing setup, then scrub parked claims "
            "again", "POST", "/claims/rescrub",
        ))
    if _allows(resubmission.resubmission, standing, CannotResubmit):
        words = (
            "correct it and send it again as a new original (never adjudicated)"
            if state is State.REJECTED
            else "send a replacement (frequency 7) quoting the payer's claim number"
        )
        actions.append(Action("resubmit", words, "POST", f"{path}/resubmit"))
    if _allows(resubmission.void, standing, CannotVoid):
        actions.append(Action(
            "void", "ask the payer to void it (frequency 8)", "POST", f"{path}/void"
        ))
    if lifecycle.allowed(state, Step.BILL_PATIENT) and balance.payer > ZERO:
        actions.append(Action(
            "bill_patient", f"move the {balance.payer:.2f} the payer did not pay to the patient",
            "POST", f"{path}/bill-patient",
        ))
    if lifecycle.allowed(state, Step.CLOSE) and balance.total > ZERO:
        actions.append(Action(
            "write_off", f"write off what is open ({balance.total:.2f}, or less) and close it",
            "POST", f"{path}/write-off",
        ))
    if state is State.NO_RESPONSE:
        actions.append(Action(
            "check_status", "ask the payer about the claim (phone or a 276 status inquiry); "
            "a late 277CA or 835 still moves it on",
        ))
    return tuple(actions)


def exception_actions(exception_id: int, kind: Kind) -> tuple[Action, ...]:
    """What a person does about a claim payment or remittance held at posting."""
    outside = {
        Kind.UNMATCHED: "find the claim it pays, or return the money to the payer",
        Kind.CONFLICT: "post it by hand or ask the payer to take it back",
    }.get(kind, "ask the payer for a corrected 835")
    return (
        Action("contact_payer", outside),
        Action("resolve", "record how it was settled; it leaves the queue", "POST",
               f"/remittance-exceptions/{exception_id}/resolve"),
    )


def interchange_actions(number: str) -> tuple[Action, ...]:
    """What a person does about an interchange held for unreadable answers."""
    return (
        Action("retry", "send the same interchange again once the clearinghouse is sorted out",
               "POST", f"/interchanges/{number}/retry"),
    )


def report_actions(report_id: int) -> tuple[Action, ...]:
    """What a person does about a mailbox report that could not be read."""
    return (
        Action("contact_clearinghouse", f"ask the clearinghouse to send report {report_id} "
               "again in a readable form; no claim changed because of it"),
    )


def _allows(
    rule: Callable[[ClaimStanding], object], standing: ClaimStanding, refusal: type[Exception]
) -> bool:
    try:
        rule(standing)
    except refusal:
        return False
    return True
