"""The claim lifecycle: every allowed step goes where the table says, every other is refused."""

import re
from itertools import product
from pathlib import Path

import pytest

from services.claims.domain import lifecycle
from services.claims.domain.lifecycle import (
    ADJUDICATED,
    TRANSITIONS,
    State,
    Step,
    TransitionRefused,
)
from services.claims.domain.lifecycle_doc import mermaid, steps_table
from shared.errors import Conflict
from shared.events import EVENTS
from shared.events.contracts.claims import CLAIM_STATUSES

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "CLAIM_LIFECYCLE.md"

# Every (from, step) -> to the lifecycle allows, written out once more by hand: the table in
# lifecycle.py is checked against this list, so a step added or dropped there shows here.
ALLOWED = {
    (None, Step.CREATE): State.READY,
    (None, Step.CREATE_FOR_REVIEW): State.NEEDS_REVIEW,
    (State.NEEDS_REVIEW, Step.PASS_RESCRUB): State.READY,
    (State.NEEDS_REVIEW, Step.FAIL_RESCRUB): State.NEEDS_REVIEW,
    (State.READY, Step.SUBMIT): State.SUBMITTED,
    (State.READY, Step.REJECT_BY_CLEARINGHOUSE): State.REJECTED,
    (State.SUBMITTED, Step.RECEIVE): State.RECEIVED,
    (State.NO_RESPONSE, Step.RECEIVE): State.RECEIVED,
    **{(s, Step.ACCEPT): State.ACCEPTED
       for s in (State.SUBMITTED, State.RECEIVED, State.NO_RESPONSE)},
    **{(s, Step.REJECT_BY_PAYER): State.REJECTED
       for s in (State.SUBMITTED, State.RECEIVED, State.NO_RESPONSE)},
    (State.SUBMITTED, Step.TIME_OUT): State.NO_RESPONSE,
    (State.RECEIVED, Step.TIME_OUT): State.NO_RESPONSE,
    (State.REJECTED, Step.CORRECT): State.REJECTED,
    **{(s, Step.REPLACE): s for s in ADJUDICATED},
    **{(s, Step.REQUEST_VOID): s for s in ADJUDICATED},
    **{(s, Step.VOID): State.VOIDED for s in ADJUDICATED},
    **{(s, Step.PAY): State.PAID
       for s in (State.SUBMITTED, State.RECEIVED, State.ACCEPTED, State.NO_RESPONSE,
                 State.PARTIALLY_PAID, State.DENIED)},
    **{(s, Step.PAY_PARTIALLY): State.PARTIALLY_PAID
       for s in (State.SUBMITTED, State.RECEIVED, State.ACCEPTED, State.NO_RESPONSE,
                 State.DENIED)},
    **{(s, Step.DENY): State.DENIED
       for s in (State.SUBMITTED, State.RECEIVED, State.ACCEPTED, State.NO_RESPONSE)},
    **{(s, Step.BILL_PATIENT): State.PATIENT_BALANCE
       for s in (State.SUBMITTED, State.RECEIVED, State.ACCEPTED, State.NO_RESPONSE,
                 State.PAID, State.PARTIALLY_PAID, State.DENIED)},
    **{(s, Step.REVERSE): State.ACCEPTED
       for s in (State.PAID, State.PARTIALLY_PAID, State.DENIED, State.PATIENT_BALANCE,
                 State.CLOSED)},
    **{(s, Step.CLOSE): State.CLOSED
       for s in (State.PAID, State.PARTIALLY_PAID, State.DENIED, State.PATIENT_BALANCE)},
}  # fmt: skip
EVERY_PAIR = list(product([None, *State], Step))


@pytest.mark.parametrize(("state", "step"), [p for p in EVERY_PAIR if p in ALLOWED])
def test_an_allowed_step_moves_the_claim_to_its_state(state, step):
    assert lifecycle.allowed(state, step)
    assert lifecycle.apply(state, step) is ALLOWED[(state, step)]


@pytest.mark.parametrize(("state", "step"), [p for p in EVERY_PAIR if p not in ALLOWED])
def test_a_step_the_state_does_not_allow_is_refused_and_never_applied(state, step):
    assert not lifecycle.allowed(state, step)
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.apply(state, step)
    assert isinstance(refused.value, Conflict)
    assert refused.value.members["transition"] == step.value


def test_the_stored_status_names_are_accepted_as_states():
    assert lifecycle.apply("submitted", Step.RECEIVE) is State.RECEIVED
    with pytest.raises(TransitionRefused):
        lifecycle.apply("accepted", Step.RECEIVE)  # a late A1 never undoes an A2


def test_the_states_are_those_the_event_contracts_and_the_api_name():
    assert {state.value for state in State} == set(CLAIM_STATUSES)


def test_every_state_but_the_last_ones_can_be_left_and_every_one_reached():
    reached = {target for target in ALLOWED.values()}
    left = {state for (state, step), target in ALLOWED.items() if state and target != state}
    assert reached == set(State)
    assert set(State) - left == {State.REJECTED, State.VOIDED}


def test_every_event_a_step_announces_is_a_registered_contract():
    for transition in TRANSITIONS.values():
        for topic in transition.events:
            assert EVENTS[topic].topic == topic


def test_only_adjudicated_claims_can_be_replaced_or_voided():
    for step in (Step.REPLACE, Step.REQUEST_VOID, Step.VOID):
        assert TRANSITIONS[step].sources == ADJUDICATED
    assert {
        State.ACCEPTED, State.PAID, State.PARTIALLY_PAID, State.DENIED, State.PATIENT_BALANCE
    } == ADJUDICATED


def test_the_document_shows_the_machine_as_the_code_has_it():
    text = DOCUMENT.read_text()
    diagram = re.search(r"```mermaid\n(.*?)```", text, re.DOTALL)
    table = re.search(r"<!-- generated from .*? -->\n(.*?)<!-- end", text, re.DOTALL)

    assert diagram is not None and table is not None
    assert diagram.group(1) == mermaid(), "re-render the diagram from lifecycle_doc.mermaid()"
    assert table.group(1) == steps_table(), "re-render the table from lifecycle_doc.steps_table()"
