from decimal import Decimal
from pathlib import Path

import pytest

from services.claims.x12.acknowledgements import (
    AcknowledgementCode,
    ElementError,
    SegmentError,
    parse_277ca,
    parse_999,
)
from services.claims.x12.syntax import X12SyntaxError


def _sample(name: str) -> str:
    return (Path(__file__).parent / "samples" / name).read_text()


ACCEPTED_999 = _sample("accepted.999")

# A subscriber NM1 without its member id and a service line with a bad procedure code.
REJECTED_999 = _sample("rejected.999")

PARTIALLY_ACCEPTED_999 = _sample("partially_accepted.999")

# Two claims: one accepted (the payer upper-cased our id), one rejected with two statuses;
# the rejected one also names the service line that caused it (loop 2220D).
CLAIM_ACKNOWLEDGEMENT = _sample("one_accepted_one_rejected.277ca")


def test_accepted_999_accepts_the_group_and_its_transaction_set():
    ack = parse_999(ACCEPTED_999)

    assert ack.accepted
    assert ack.status is AcknowledgementCode.ACCEPTED
    assert ack.group_control_number == "42"
    assert [(t.control_number, t.status) for t in ack.transaction_sets] == [
        ("0001", AcknowledgementCode.ACCEPTED)
    ]
    assert ack.transaction_sets_accepted == 1


def test_rejected_999_says_which_segments_and_elements_were_wrong():
    ack = parse_999(REJECTED_999)

    assert not ack.accepted
    (transaction_set,) = ack.transaction_sets
    assert transaction_set.status is AcknowledgementCode.REJECTED
    assert transaction_set.error_codes == ("5",)
    assert transaction_set.segment_errors == (
        SegmentError(
            segment_id="NM1",
            position=16,
            loop_id="2010BA",
            error_code="8",
            element_errors=(
                ElementError("8", "66", "1", None),
                ElementError("9", "67", "1", None),
            ),
        ),
        SegmentError(
            segment_id="SV1",
            position=25,
            loop_id="2400",
            error_code="8",
            element_errors=(ElementError("1:2", "235", "7", "9714"),),
        ),
    )
    assert ack.transaction_sets_accepted == 0


def test_partially_accepted_999_reports_each_transaction_set_on_its_own():
    ack = parse_999(PARTIALLY_ACCEPTED_999)

    assert ack.status is AcknowledgementCode.PARTIALLY_ACCEPTED
    assert not ack.accepted
    assert [(t.control_number, t.status) for t in ack.transaction_sets] == [
        ("0001", AcknowledgementCode.ACCEPTED_WITH_ERRORS),
        ("0002", AcknowledgementCode.REJECTED),
    ]
    assert ack.transaction_sets[0].segment_errors[0].element_errors[0].bad_value == "X"


def test_999_read_without_line_breaks_reads_the_same():
    assert parse_999(REJECTED_999.replace("\n", "")) == parse_999(REJECTED_999)


def test_text_that_is_not_an_interchange_is_refused():
    with pytest.raises(X12SyntaxError):
        parse_999("<html>502 Bad Gateway</html>")


def test_277ca_gives_one_verdict_per_claim_with_the_batch_it_answers():
    report = parse_277ca(CLAIM_ACKNOWLEDGEMENT)

    assert report.batch_reference == "000000042"
    assert [claim.accepted for claim in report.claims] == [True, False]


def test_277ca_acceptance_carries_the_payer_claim_control_number():
    accepted = parse_277ca(CLAIM_ACKNOWLEDGEMENT).claims[0]

    assert accepted.payer_claim_control_number == "24066000123"
    assert accepted.billed_amount == Decimal("132.5")
    assert [(s.category, s.code, s.entity) for s in accepted.statuses] == [("A2", "20", "PR")]


def test_277ca_rejection_carries_every_status_and_the_reason_text():
    rejected = parse_277ca(CLAIM_ACKNOWLEDGEMENT).claims[1]

    assert [(s.category, s.code, s.entity) for s in rejected.statuses] == [
        ("A7", "21", "IL"),
        ("A3", "116", "PR"),
    ]
    assert rejected.rejection_reasons == (
        "Subscriber member id not found",
        "Subscriber member id not found",
    )
    assert rejected.payer_claim_control_number is None


def test_277ca_verdict_is_found_by_our_claim_id_even_when_the_payer_upper_cased_it():
    report = parse_277ca(CLAIM_ACKNOWLEDGEMENT)

    found = report.for_claim("C-3f9a0c1e-0000-4000-8000-000000000001")

    assert found is not None and found.accepted
    assert report.for_claim("C-not-in-this-report") is None


def test_a_999_whose_st01_is_not_999_is_refused():
    with pytest.raises(X12SyntaxError, match="not a 999"):
        parse_999(ACCEPTED_999.replace("ST*999*", "ST*997*"))


def test_each_999_transaction_set_keeps_its_ak2_and_ik5_as_evidence():
    ack = parse_999(PARTIALLY_ACCEPTED_999)

    assert ack.evidence == ("AK1*HC*44*005010X222A1", "AK9*P*2*2*1")
    assert ack.transaction("0002").evidence == ("AK2*837*0002*005010X222A1", "IK5*R*4")
    assert ack.transaction("2") is ack.transaction("0002")  # compared as numbers
    assert ack.transaction("0003") is None


def test_a_277ca_whose_st01_is_not_277_is_unreadable_not_an_empty_277ca():
    with pytest.raises(X12SyntaxError, match="not a 277"):
        parse_277ca(_sample("not_a_277.277ca"))


def test_a_277_claim_status_response_is_not_a_277ca():
    with pytest.raises(X12SyntaxError, match="not a 277CA"):
        parse_277ca(_sample("status_request_not_a_277ca.277"))


def test_one_unreadable_claim_loop_leaves_the_other_claims_readable():
    report = parse_277ca(_sample("one_bad_loop_among_good.277ca"))
    loops = {claim.claim_id: claim for claim in report.claims}

    good = loops["CAAAAAAAAAAAAAAAAAAA"]
    assert good.problem is None and good.accepted
    assert good.payer_claim_control_number == "PCN0001"
    assert good.evidence == (
        "TRN*2*CAAAAAAAAAAAAAAAAAAA", "STC*A2:20:PR*20240306*WQ*130", "REF*1K*PCN0001"
    )
    assert "no status category" in loops["CBBBBBBBBBBBBBBBBBBB"].problem
    assert "not an amount" in loops["CCCCCCCCCCCCCCCCCCCC"].problem
    assert loops["C-3F9A0C1E-0000-4000"].rejection_reasons == ("Subscriber member id not found",)
    assert report.unidentified_loops == 1
    assert (report.interchange_control_number, report.group_control_number) == ("000000082", "82")
    assert report.batch_reference == "000000042"


def test_a_claim_named_by_trn_without_any_stc_has_no_status_and_is_not_a_rejection():
    report = parse_277ca(_sample("one_bad_loop_among_good.277ca"))

    (bare,) = [claim for claim in report.claims if claim.claim_id == "CDDDDDDDDDDDDDDDDDDD"]

    assert bare.statuses == () and bare.problem is None
    assert not bare.accepted and bare.rejection_reasons == ()


def test_a_received_277ca_is_not_an_acceptance():
    report = parse_277ca(_sample("received_then_later.277ca"))

    assert [claim.accepted for claim in report.claims] == [False, False]
    assert [claim.statuses[0].category for claim in report.claims] == ["A1", "A1"]
