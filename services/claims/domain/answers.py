"""Why claims were rejected, from what the clearinghouse (999, refusal) and payer (277CA) said."""

from __future__ import annotations

from services.claims.domain.records import Reason
from services.claims.x12.acknowledgements import (
    ACCEPTED_CLAIM_CATEGORIES,
    ClaimAcknowledgement,
    FunctionalAcknowledgement,
)


def refusal_reason(control_number: int, status: int) -> Reason:
    """The clearinghouse refused the request for good (a 4xx answer)."""
    return Reason(
        "clearinghouse_refused",
        f"the clearinghouse refused interchange {control_number:09d}: HTTP {status}",
    )


def syntax_reasons(ack: FunctionalAcknowledgement) -> list[Reason]:
    """A rejecting 999: each segment it faults, else the group's verdict."""
    reasons = [
        Reason(
            "x12_rejected",
            f"999 rejected segment {error.segment_id} at position {error.position}"
            + (f" (error {error.error_code})" if error.error_code else ""),
        )
        for transaction in ack.transaction_sets
        for error in transaction.segment_errors
    ]
    return reasons or [Reason("x12_rejected", f"999 rejected the group ({ack.status.value})")]


def rejection_reasons(verdict: ClaimAcknowledgement) -> list[Reason]:
    """A 277CA rejection: each status outside the accepted categories, once."""
    reasons = [
        Reason(
            f"stc_{status.category}_{status.code}".lower(),
            status.message or f"277CA status {status.category}:{status.code}",
        )
        for status in verdict.statuses
        if status.category not in ACCEPTED_CLAIM_CATEGORIES
    ]
    return list(dict.fromkeys(reasons)) or [
        Reason("payer_rejected", "the payer's front end rejected the claim")
    ]
