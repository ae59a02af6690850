"""SANDBOX_VALIDATION=envelope: the sandbox checks only the envelope and writes the 999
itself, so a benchmark can report pyx12's cost apart (issue #16). Its 999 must say what
pyx12's says of a good interchange, and still refuse an envelope that does not add up."""

from datetime import UTC, datetime

import pytest

from deploy.sandbox_clearinghouse.__main__ import parse_arguments
from deploy.sandbox_clearinghouse.clearinghouse import Clearinghouse
from deploy.sandbox_clearinghouse.envelope_check import check_envelope
from deploy.sandbox_clearinghouse.rules import RejectionRules
from deploy.sandbox_clearinghouse.server import make_server
from deploy.sandbox_clearinghouse.submission import check_syntax
from deploy.sandbox_clearinghouse.x12 import Envelope
from services.claims.x12.acknowledgements import parse_999
from tests.unit.claims.builders import a_claim
from tests.unit.sandbox.support import API_KEY, a_clearinghouse, an_837, of_kind

REPLY = Envelope("SANDBOXCH", "HEALINGHANDS", 42, "T", datetime(2026, 12, 2, 9, 30, tzinfo=UTC))


def verdict_segments(ack_999: str) -> list[str]:
    """AK1, AK2, IK5 and AK9: what a 999 decides, without its envelope."""
    return [
        text.strip()
        for text in ack_999.split("~")
        if text.strip().startswith(("AK1", "AK2", "IK5", "AK9"))
    ]


def test_a_good_interchange_gets_the_999_pyx12_would_write():
    x12 = an_837(a_claim(), a_claim(claim_id="CLAIM2"), number=7)

    envelope_only = check_envelope(x12, REPLY)
    full = check_syntax(x12)

    assert envelope_only.accepted and full.accepted
    assert verdict_segments(envelope_only.functional_ack) == verdict_segments(full.functional_ack)
    read = parse_999(envelope_only.functional_ack)
    assert read.group_control_number == "7"
    assert read.transaction("0001") is not None and read.transaction("0001").accepted
    assert read.interchange_control_number == "000000042"


def test_a_transaction_whose_segment_count_is_wrong_is_rejected_in_the_999():
    x12 = an_837(a_claim()).replace("~SE*", "~SE*9", 1)

    verdict = check_envelope(x12, REPLY)

    assert not verdict.accepted and not verdict.envelope_errors
    assert "IK5*R" in verdict.functional_ack and "AK9*R*1*1*0" in verdict.functional_ack
    assert not parse_999(verdict.functional_ack).transaction("0001").accepted


def test_a_group_trailer_that_does_not_match_its_header_is_rejected():
    x12 = an_837(a_claim(), number=3).replace("~GE*1*3~", "~GE*1*4~")

    assert not check_envelope(x12, REPLY).accepted


def test_an_interchange_trailer_that_does_not_match_gets_a_ta1_not_a_999():
    clearinghouse = Clearinghouse(RejectionRules(), validation="envelope")
    x12 = an_837(a_claim(), number=5).replace("~IEA*1*000000005~", "~IEA*1*000000006~")

    answer = clearinghouse.receive_837(x12, api_key=API_KEY)

    assert answer.split("~")[1].startswith("TA1*000000005*")
    assert not clearinghouse.receipts()[0].accepted


def test_with_the_envelope_check_accepted_claims_still_get_their_277cas():
    clearinghouse, clock = a_clearinghouse()
    clearinghouse.validation = "envelope"

    answer = clearinghouse.receive_837(an_837(a_claim(), number=9), api_key=API_KEY)
    clock.advance(3600)

    assert parse_999(answer).transaction("0001").accepted
    assert len(of_kind(clearinghouse.reports(API_KEY, 0, 500), "277CA")) == 2


def test_pyx12_stays_the_default_and_an_unknown_validation_is_refused(monkeypatch):
    monkeypatch.delenv("SANDBOX_VALIDATION", raising=False)
    with make_server(port=0) as server:
        assert server.clearinghouse.validation == "pyx12"
    monkeypatch.setenv("SANDBOX_VALIDATION", "envelope")
    with make_server(port=0) as server:
        assert server.clearinghouse.validation == "envelope"
    assert parse_arguments([]).validation == "envelope"
    assert parse_arguments(["--validation", "pyx12"]).validation == "pyx12"

    with pytest.raises(ValueError, match="validation must be one of pyx12, envelope"):
        Clearinghouse(RejectionRules(), validation="none")
