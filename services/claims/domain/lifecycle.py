"""A claim's life as one state machine: every state, every allowed step, and what each announces.

The table below is the only place a claim's state may change (docs/CLAIM_LIFECYCLE.md is
drawn from it, and a test keeps the two equal). A step from a state that does not allow it
raises ``TransitionRefused``; nothing is ever applied silently. The front-end answers
(999, TA1, 277CA) are docs/DOMAIN.md §Acknowledgements; the remittance steps (paid ...
closed) are taken by 835 posting.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.errors import Conflict


class State(StrEnum):
    """Where a claim is; the stored ``claims.status`` and the API's ``status``."""

    NEEDS_REVIEW = "needs_review"  # failed its scrub; a billing specialist looks
    READY = "ready"  # scrubbed; waits for (or sits in) an interchange
    SUBMITTED = "submitted"  # the 999 accepted its transaction set
    RECEIVED = "received"  # 277CA A0/A1: the payer has it, no verdict yet
    ACCEPTED = "accepted"  # 277CA A2/A5: accepted into the payer's adjudication
    REJECTED = "rejected"  # front end said no (clearinghouse: 999/TA1/HTTP; payer: 277CA)
    NO_RESPONSE = "no_response"  # no acknowledgement for CLAIMS_NO_RESPONSE_DAYS: work queue
    PAID = "paid"  # 835: the payer paid its part; nothing is left for the patient
    PARTIALLY_PAID = "partially_paid"  # 835: paid less than expected; a balance is open
    DENIED = "denied"  # 835: adjudicated and not paid
    PATIENT_BALANCE = "patient_balance"  # 835: the patient owes what is left
    CLOSED = "closed"  # nothing is owed any more: paid in full or written off
    VOIDED = "voided"  # the payer accepted our void (frequency 8) of this claim


class Step(StrEnum):
    """The names of the transitions (the ``transition`` of a history entry)."""

    CREATE = "create"
    CREATE_FOR_REVIEW = "create_for_review"
    PASS_RESCRUB = "pass_rescrub"
    FAIL_RESCRUB = "fail_rescrub"
    SUBMIT = "submit"
    REJECT_BY_CLEARINGHOUSE = "reject_by_clearinghouse"
    RECEIVE = "receive"
    ACCEPT = "accept"
    REJECT_BY_PAYER = "reject_by_payer"
    TIME_OUT = "time_out"
    CORRECT = "correct"
    REPLACE = "replace"
    REQUEST_VOID = "request_void"
    VOID = "void"
    PAY = "pay"
    PAY_PARTIALLY = "pay_partially"
    DENY = "deny"
    BILL_PATIENT = "bill_patient"
    REVERSE = "reverse"
    CLOSE = "close"


# Adjudicated by the payer: only these may be replaced (7) or voided (8), quoting the
# payer's claim control number (docs/DOMAIN.md §Acknowledgements, claim frequency).
ADJUDICATED = frozenset(
    {State.ACCEPTED, State.PAID, State.PARTIALLY_PAID, State.DENIED, State.PATIENT_BALANCE}
)
# Sent and not yet answered for good by the payer's front end.
AWAITING_ANSWER = frozenset({State.SUBMITTED, State.RECEIVED, State.NO_RESPONSE})
# States in which a claim counts as billing a visit of its referral.
BILLED = frozenset(
    {State.READY, State.SUBMITTED, State.RECEIVED, State.ACCEPTED, State.NO_RESPONSE,
     State.PAID, State.PARTIALLY_PAID, State.DENIED, State.PATIENT_BALANCE, State.CLOSED}
)  # fmt: skip
_BEFORE_REMITTANCE = AWAITING_ANSWER | {State.ACCEPTED}

CLAIM_CREATED = "claims.claim.created.v1"
CLAIM_NEEDS_REVIEW = "claims.claim.needs_review.v1"


@dataclass(frozen=True)
class Transition:
    """One allowed step: from which states, to which (None: it stays), and its events."""

    step: Step
    sources: frozenset[State]  # empty: the step creates the claim
    target: State | None
    events: tuple[str, ...]
    meaning: str

    def target_from(self, state: State) -> State:
        """The state a claim in ``state`` ends in."""
        return state if self.target is None else self.target


def _t(
    step: Step,
    sources: frozenset[State] | set[State],
    target: State | None,
    events: tuple[str, ...],
    meaning: str,
) -> Transition:
    return Transition(step, frozenset(sources), target, events, meaning)


TRANSITIONS: dict[Step, Transition] = {
    t.step: t
    for t in (
        _t(Step.CREATE, set(), State.READY, (CLAIM_CREATED,), "built from a session, scrub passed"),
        _t(
            Step.CREATE_FOR_REVIEW,
            set(),
            State.NEEDS_REVIEW,
            (CLAIM_CREATED, CLAIM_NEEDS_REVIEW),
            "built from a session, scrub failed",
        ),
        _t(
            Step.PASS_RESCRUB,
            {State.NEEDS_REVIEW},
            State.READY,
            ("claims.claim.ready.v1",),
            "scrubbed again with newer data or setup, and passed",
        ),
        _t(
            Step.FAIL_RESCRUB,
            {State.NEEDS_REVIEW},
            State.NEEDS_REVIEW,
            (CLAIM_NEEDS_REVIEW,),
            "scrubbed again, other reasons now",
        ),
        _t(
            Step.SUBMIT,
            {State.READY},
            State.SUBMITTED,
            ("claims.claim.submitted.v1",),
            "999 IK5 accepted our transaction set (A or E)",
        ),
        _t(
            Step.REJECT_BY_CLEARINGHOUSE,
            {State.READY},
            State.REJECTED,
            ("claims.claim.rejected.v1",),
            "999 IK5 R, TA1 R, or the request refused (4xx)",
        ),
        _t(
            Step.RECEIVE,
            {State.SUBMITTED, State.NO_RESPONSE},
            State.RECEIVED,
            ("claims.claim.received.v1",),
            "277CA A0/A1: received, no verdict yet",
        ),
        _t(
            Step.ACCEPT,
            AWAITING_ANSWER,
            State.ACCEPTED,
            ("claims.claim.accepted.v1",),
            "277CA A2/A5: accepted into adjudication (REF*1K kept)",
        ),
        _t(
            Step.REJECT_BY_PAYER,
            AWAITING_ANSWER,
            State.REJECTED,
            ("claims.claim.rejected.v1",),
            "277CA A3/A4/A6/A7/A8",
        ),
        _t(
            Step.TIME_OUT,
            {State.SUBMITTED, State.RECEIVED},
            State.NO_RESPONSE,
            ("claims.claim.no_response.v1",),
            "no answer for CLAIMS_NO_RESPONSE_DAYS",
        ),
        _t(
            Step.CORRECT,
            {State.REJECTED},
            None,
            (),
            "corrected: a new claim goes out in its place (never adjudicated: frequency kept)",
        ),
        _t(
            Step.REPLACE,
            ADJUDICATED,
            None,
            (),
            "replaced by a frequency-7 claim quoting the payer's number in REF*F8",
        ),
        _t(
            Step.REQUEST_VOID,
            ADJUDICATED,
            None,
            (),
            "a frequency-8 claim quoting the payer's number in REF*F8 asks to void it",
        ),
        _t(
            Step.VOID,
            ADJUDICATED,
            State.VOIDED,
            ("claims.claim.voided.v1",),
            "the payer accepted our void claim",
        ),
        _t(
            Step.PAY,
            _BEFORE_REMITTANCE | {State.PARTIALLY_PAID, State.DENIED},
            State.PAID,
            ("claims.claim.paid.v1",),
            "835: paid, nothing left for the patient",
        ),
        _t(
            Step.PAY_PARTIALLY,
            _BEFORE_REMITTANCE | {State.DENIED},
            State.PARTIALLY_PAID,
            ("claims.claim.partially_paid.v1",),
            "835: paid less than expected",
        ),
        _t(
            Step.DENY,
            _BEFORE_REMITTANCE,
            State.DENIED,
            ("claims.claim.denied.v1",),
            "835: adjudicated, not paid",
        ),
        _t(
            Step.BILL_PATIENT,
            _BEFORE_REMITTANCE | {State.PAID, State.PARTIALLY_PAID, State.DENIED},
            State.PATIENT_BALANCE,
            ("claims.claim.patient_balance.v1",),
            "835: patient responsibility left to bill; or billing moves what the payer did not "
            "pay to the patient (POST /claims/<id>/bill-patient)",
        ),
        _t(
            Step.REVERSE,
            {State.PAID, State.PARTIALLY_PAID, State.DENIED, State.PATIENT_BALANCE, State.CLOSED},
            State.ACCEPTED,
            ("claims.claim.reversed.v1",),
            "835 CLP02 22: the payer took its adjudication back; a new one follows",
        ),
        _t(
            Step.CLOSE,
            {State.PAID, State.PARTIALLY_PAID, State.DENIED, State.PATIENT_BALANCE},
            State.CLOSED,
            ("claims.claim.closed.v1",),
            "billing wrote off what was open (POST /claims/<id>/write-off)",
        ),
    )
}


class TransitionRefused(Conflict):
    """The claim's state does not allow the step asked for."""

    title = "Not allowed in this state"
    slug = "transition-refused"

    def __init__(self, state: State | None, step: Step) -> None:
        where = f"a claim in {state.value}" if state else "a new claim"
        super().__init__(
            f"{step.value} is not allowed for {where}.",
            state=state.value if state else None,
            transition=step.value,
        )


def state_of(value: str) -> State:
    """The State a stored status names."""
    return State(value)


def allowed(state: State | str | None, step: Step) -> bool:
    """Whether ``step`` may be taken from ``state`` (None: the claim does not exist yet)."""
    sources = TRANSITIONS[step].sources
    return not sources if state is None else State(state) in sources


def apply(state: State | str | None, step: Step) -> State:
    """The state after ``step``; TransitionRefused when ``state`` does not allow it."""
    current = None if state is None else State(state)
    if not allowed(current, step):
        raise TransitionRefused(current, step)
    transition = TRANSITIONS[step]
    return transition.target_from(current) if current is not None else _created(transition)


def _created(transition: Transition) -> State:
    assert transition.target is not None  # a creating step always names its state
    return transition.target


def events_of(step: Step) -> tuple[str, ...]:
    """The event types (topics) a step announces, in order."""
    return TRANSITIONS[step].events
