"""What billing may do about a claim in the work queue, as the rules stand for it now."""

from decimal import Decimal

from services.claims.domain.balances import Balance
from services.claims.domain.lifecycle import State
from services.claims.domain.resubmission import ClaimStanding
from services.claims.domain.work_queue import (
    CLAIM_KINDS,
    Kind,
    at_stake,
    claim_actions,
    exception_actions,
)
from services.claims.x12.model import ClaimFrequency

D = Decimal
OWED = Balance(D("90.89"))


def standing(state: State, number: str | None = "PCN1", **changes: object) -> ClaimStanding:
    values = {"state": state, "frequency": ClaimFrequency.ORIGINAL, "original_reference": None,
              "payer_claim_control_number": number, "superseded_by": None} | changes
    return ClaimStanding(**values)  # type: ignore[arg-type]


def names(state: State, balance: Balance = OWED, **changes: object) -> list[str]:
    return [a.action for a in claim_actions("C1", standing(state, **changes), balance)]


def test_a_rejected_claim_can_only_be_corrected_and_sent_again():
    assert names(State.REJECTED) == ["resubmit"]


def test_a_denied_claim_can_be_replaced_voided_billed_to_the_patient_or_written_off():
    assert names(State.DENIED) == ["resubmit", "void", "bill_patient", "write_off"]


def test_without_the_payers_claim_number_a_denied_claim_cannot_be_replaced_or_voided():
    assert names(State.DENIED, number=None) == ["bill_patient", "write_off"]


def test_nothing_owed_by_the_payer_offers_no_move_to_the_patient():
    assert names(State.PARTIALLY_PAID, Balance(D("0.00"), D("5.00"))) == [
        "resubmit", "void", "write_off"
    ]


def test_a_claim_nobody_answered_is_checked_with_the_payer():
    actions = claim_actions("C1", standing(State.NO_RESPONSE, number=None), Balance(D("90.89")))

    assert [a.action for a in actions] == ["bill_patient", "check_status"]
    assert (actions[-1].method, actions[-1].path) == (None, None)


def test_a_parked_claim_is_scrubbed_again_after_a_fix():
    (action,) = claim_actions("C1", standing(State.NEEDS_REVIEW, number=None), Balance())

    assert (action.action, action.method, action.path) == ("rescrub", "POST", "/claims/rescrub")


def test_a_short_payment_is_about_the_shortfall_and_anything_else_about_all_that_is_owed():
    balance = Balance(D("5.00"), D("20.00"))

    assert at_stake(Kind.SHORT_PAYMENT, balance) == D("5.00")
    assert at_stake(Kind.DENIED, balance) == D("25.00")


def test_the_queue_holds_the_states_that_need_a_person():
    assert set(CLAIM_KINDS) == {State.NEEDS_REVIEW, State.REJECTED, State.DENIED,
                                State.PARTIALLY_PAID, State.NO_RESPONSE}  # fmt: skip


def test_a_held_payment_is_settled_outside_then_resolved():
    actions = exception_actions(7, Kind.UNMATCHED)

    assert [a.action for a in actions] == ["contact_payer", "resolve"]
    assert actions[1].path == "/remittance-exceptions/7/resolve"
