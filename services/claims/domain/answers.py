"""What the clearinghouse's and the payer's answers mean for our claims.

docs/DOMAIN.md §Acknowledgements: a TA1 answers our envelope, a 999 each functional group
and transaction set (AK1 = our GS06, AK2 = our ST02, IK5 the verdict; AK9 only sums up),
a 277CA each claim (STC category). An answer is believed only once it is matched to what
we sent; an answer that cannot be read or matched is ``UNREADABLE`` and decides nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from services.claims.domain.lifecycle import Step
from services.claims.domain.records import Reason
from services.claims.x12.acknowledgements import (
    ACCEPTED_CATEGORIES,
    RECEIVED_CATEGORIES,
    REJECTED_CATEGORIES,
    AcknowledgementCode,
    ClaimAcknowledgement,
    FunctionalAcknowledgement,
    TransactionSetAcknowledgement,
    parse_999,
    same_control_number,
)
from services.claims.x12.syntax import X12SyntaxError
from services.claims.x12.ta1 import is_ta1, parse_ta1

HEALTH_CARE_CLAIM = "HC"  # GS01 / AK101 of an 837


class Outcome(StrEnum):
    """What an answer to a submission decides for the interchange's claims."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class SubmissionAnswer:
    """The verdict read from the body the clearinghouse answered a submission with."""

    outcome: Outcome
    reasons: tuple[Reason, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None  # why it decides nothing (UNREADABLE)


@dataclass(frozen=True)
class ClaimAnswer:
    """What one 277CA claim loop means for its claim: a step, or none (noted only)."""

    step: Step | None
    reasons: tuple[Reason, ...]
    note: str


def refusal_reason(control_number: int, status: int) -> Reason:
    """The clearinghouse refused the request for good (a 4xx answer)."""
    return Reason(
        "clearinghouse_refused",
        f"the clearinghouse refused interchange {control_number:09d}: HTTP {status}",
    )


def read_submission_answer(
    text: str, interchange: int, group: int, transaction: str
) -> SubmissionAnswer:
    """Read the TA1 or 999 answering our ISA13, GS06 ``group`` and ST02 ``transaction``.

    A TA1 rejecting our ISA13 rejects every claim inside; a 999 is believed only when its
    AK1 names our group and an AK2 our transaction set, whose IK5 is then the verdict.
    """
    if is_ta1(text):
        try:
            ta1 = parse_ta1(text)
        except X12SyntaxError as error:
            return _unreadable(f"the TA1 cannot be read: {error}")
        if not same_control_number(ta1.control_number, str(interchange)):
            return _unreadable(
                f"a TA1 for interchange {ta1.control_number}, not ours ({interchange:09d})"
            )
        if ta1.rejected:
            reason = Reason(f"ta1_{ta1.note_code}", f"TA1 rejected the interchange: {ta1.note}")
            evidence = {"acknowledgement": "TA1", "segments": [ta1.segment]}
            return SubmissionAnswer(Outcome.REJECTED, (reason,), evidence)
    try:
        ack = parse_999(text)
    except X12SyntaxError as error:
        return _unreadable(f"not a readable 999: {error}")
    if ack.functional_identifier != HEALTH_CARE_CLAIM or not same_control_number(
        ack.group_control_number, str(group)
    ):
        return _unreadable(
            f"the 999 answers group {ack.functional_identifier} {ack.group_control_number}, "
            f"not ours (HC {group})"
        )
    answered = ack.transaction(transaction)
    if answered is None or answered.transaction_set_id != "837":
        return _group_verdict(ack, transaction)
    evidence = _evidence(ack, answered.evidence)
    if answered.accepted:
        return SubmissionAnswer(Outcome.ACCEPTED, (), evidence)
    return SubmissionAnswer(Outcome.REJECTED, syntax_reasons(answered), evidence)


def _group_verdict(ack: FunctionalAcknowledgement, transaction: str) -> SubmissionAnswer:
    """No AK2 for our transaction set: only a rejection of the whole group is believed.

    A receiver that cannot read the transaction sets' headers rejects the group in AK9
    without AK2 loops; an AK9 acceptance alone does not say our 837 was read.
    """
    if ack.status is AcknowledgementCode.REJECTED:
        codes = ", ".join(ack.error_codes) or "no code"
        reason = Reason("x12_rejected", f"999 rejected the functional group (AK9 R: {codes})")
        return SubmissionAnswer(Outcome.REJECTED, (reason,), _evidence(ack, ()))
    return _unreadable(f"the 999 has no AK2 for our transaction set {transaction}")


def _evidence(ack: FunctionalAcknowledgement, transaction: tuple[str, ...]) -> dict[str, Any]:
    ak1, ak9 = ack.evidence
    return {
        "acknowledgement": "999",
        "control_number": ack.interchange_control_number,
        "segments": [ak1, *transaction, ak9],
    }


def _unreadable(problem: str) -> SubmissionAnswer:
    return SubmissionAnswer(Outcome.UNREADABLE, problem=problem)


def syntax_reasons(transaction: TransactionSetAcknowledgement) -> tuple[Reason, ...]:
    """A rejecting IK5: each segment it faults, else its IK5 codes."""
    reasons = [
        Reason(
            "x12_rejected",
            f"999 rejected segment {error.segment_id} at position {error.position}"
            + (f" (error {error.error_code})" if error.error_code else ""),
        )
        for error in transaction.segment_errors
    ]
    codes = ", ".join(transaction.error_codes) or "no code"
    return tuple(reasons) or (
        Reason("x12_rejected", f"999 rejected transaction set {transaction.control_number} "
                               f"(IK5 {transaction.status.value}: {codes})"),
    )


def claim_answer(ack: ClaimAcknowledgement) -> ClaimAnswer:
    """The step a 277CA claim loop asks for (A0/A1 receive, A2/A5 accept, A3-A8 reject).

    A loop that cannot be read, or names the claim (TRN) without a status (STC), or has
    only other categories, decides nothing: the claim stays as it was and it is noted.
    """
    if ack.problem is not None:
        return ClaimAnswer(None, (), f"277CA loop unreadable ({ack.problem}); unchanged")
    categories = [status.category for status in ack.statuses]
    shown = ", ".join(f"{s.category}:{s.code}" for s in ack.statuses)
    if not categories:
        return ClaimAnswer(None, (), "277CA named the claim without a status (STC); unchanged")
    if any(category in REJECTED_CATEGORIES for category in categories):
        return ClaimAnswer(Step.REJECT_BY_PAYER, rejection_reasons(ack), f"277CA {shown}")
    if any(category in ACCEPTED_CATEGORIES for category in categories):
        return ClaimAnswer(Step.ACCEPT, (), f"277CA {shown}")
    if any(category in RECEIVED_CATEGORIES for category in categories):
        return ClaimAnswer(Step.RECEIVE, (), f"277CA {shown}")
    return ClaimAnswer(None, (), f"277CA {shown} is not a front-end verdict; unchanged")


def rejection_reasons(ack: ClaimAcknowledgement) -> tuple[Reason, ...]:
    """A 277CA rejection: each rejecting status with its STC12 text, once."""
    reasons = [
        Reason(
            f"stc_{status.category}_{status.code}".lower(),
            status.message or f"277CA status {status.category}:{status.code}",
        )
        for status in ack.statuses
        if status.category in REJECTED_CATEGORIES
    ]
    return tuple(dict.fromkeys(reasons)) or (
        Reason("payer_rejected", "the payer's front end rejected the claim"),
    )
