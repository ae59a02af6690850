"""What a TA1, a 999 or a 277CA claim loop decides, once matched to what we sent."""

from pathlib import Path

import pytest

from services.claims.domain.answers import (
    Outcome,
    claim_answer,
    read_submission_answer,
)
from services.claims.domain.lifecycle import Step
from services.claims.domain.records import Reason
from services.claims.x12.acknowledgements import parse_277ca
from tests.unit.claims.acknowledgement_texts import Loop, a_277ca, a_999, a_ta1


def _sample(name: str) -> str:
    return (Path(__file__).parent / "samples" / name).read_text()


def read(text: str, interchange: int = 42) -> object:
    return read_submission_answer(text, interchange, interchange, "0001")


def test_a_999_accepting_our_group_and_transaction_set_submits_with_its_segments_as_evidence():
    answer = read(_sample("accepted.999"))

    assert answer.outcome is Outcome.ACCEPTED
    assert answer.evidence == {
        "acknowledgement": "999",
        "control_number": "000004321",
        "segments": ["AK1*HC*42*005010X222A1", "AK2*837*0001*005010X222A1", "IK5*A",
                     "AK9*A*1*1*1"],
    }


def test_the_transaction_sets_ik5_decides_not_the_ak9_summary():
    answer = read(_sample("ak9_accepted_ik5_rejected.999"))

    assert answer.outcome is Outcome.REJECTED
    assert answer.reasons == (
        Reason("x12_rejected", "999 rejected segment NM1 at position 16 (error 8)"),
    )
    assert "IK5*R*5" in answer.evidence["segments"]


def test_an_ik5_accepted_with_errors_submits_though_ak9_says_partially_accepted():
    assert read(_sample("partially_accepted.999"), 44).outcome is Outcome.ACCEPTED


def test_a_999_for_another_group_is_not_believed():
    answer = read(_sample("another_group.999"))

    assert answer.outcome is Outcome.UNREADABLE
    assert "group HC 77" in answer.problem


def test_a_999_without_an_ak2_for_our_transaction_set_is_not_believed():
    answer = read(_sample("not_our_transaction_set.999"))

    assert answer.outcome is Outcome.UNREADABLE
    assert "no AK2" in answer.problem


def test_a_group_rejected_in_ak9_without_ak2_loops_rejects_our_transaction_set():
    answer = read(_sample("group_rejected_without_ak2.999"))

    assert answer.outcome is Outcome.REJECTED
    assert answer.reasons[0].text == "999 rejected the functional group (AK9 R: 5)"


def test_a_ta1_rejecting_our_interchange_rejects_it_with_the_note_code():
    answer = read(_sample("envelope_rejected.ta1"))

    assert answer.outcome is Outcome.REJECTED
    assert answer.reasons == (
        Reason("ta1_022", "TA1 rejected the interchange: Invalid control structure"),
    )
    assert answer.evidence == {"acknowledgement": "TA1",
                               "segments": ["TA1*000000042*240306*0700*R*022"]}


def test_a_ta1_for_another_interchange_is_not_believed():
    answer = read(a_ta1(43))

    assert answer.outcome is Outcome.UNREADABLE
    assert "000000043" in answer.problem


def test_a_ta1_accepting_the_envelope_without_a_999_decides_nothing():
    assert read(a_ta1(42, status="A", note="000")).outcome is Outcome.UNREADABLE


@pytest.mark.parametrize(
    "body",
    ["", "<html>502 Bad Gateway</html>", a_999(42)[:60] + "\x1a#GARBLED#", a_999(42, st01="997")],
)
def test_an_answer_that_is_not_a_readable_999_decides_nothing(body):
    answer = read(body)

    assert answer.outcome is Outcome.UNREADABLE and answer.problem


def loop_answer(*stc: str, message: str = ""):  # type: ignore[no-untyped-def]
    (ack,) = parse_277ca(a_277ca([Loop("CAAAAAAAAAAAAAAAAAAA", stc, message)])).claims
    return claim_answer(ack)


@pytest.mark.parametrize(("category", "step"), [
    ("A0", Step.RECEIVE), ("A1", Step.RECEIVE), ("A2", Step.ACCEPT), ("A5", Step.ACCEPT),
    ("A3", Step.REJECT_BY_PAYER), ("A4", Step.REJECT_BY_PAYER), ("A6", Step.REJECT_BY_PAYER),
    ("A7", Step.REJECT_BY_PAYER), ("A8", Step.REJECT_BY_PAYER),
])
def test_each_277ca_category_asks_for_its_step(category, step):
    assert loop_answer(f"{category}:21:PR").step is step


def test_a_payer_rejection_keeps_the_status_code_and_the_free_text():
    answer = loop_answer("A7:21:IL", message="Subscriber member id not found")

    assert answer.reasons == (Reason("stc_a7_21", "Subscriber member id not found"),)
    assert answer.note == "277CA A7:21"


def test_a_rejecting_status_wins_over_an_accepting_one_in_the_same_loop():
    assert loop_answer("A2:20:PR", "A7:21:IL").step is Step.REJECT_BY_PAYER


def test_a_claim_named_without_a_status_is_not_rejected_but_noted():
    answer = loop_answer()

    assert answer.step is None
    assert "without a status" in answer.note


def test_an_unreadable_loop_or_a_category_that_is_no_verdict_changes_nothing():
    (bad,) = parse_277ca(a_277ca([Loop("CAAAAAAAAAAAAAAAAAAA", ("A2:20",), amount="x")])).claims

    assert claim_answer(bad).step is None and "unreadable" in claim_answer(bad).note
    assert loop_answer("E0:24:PR").step is None
