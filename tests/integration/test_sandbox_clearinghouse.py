"""The sandbox clearinghouse over real HTTP, fed by our own 837P writer and read by our parsers."""

import time

import pytest
import requests

from deploy.sandbox_clearinghouse import RejectionRules, make_server
from services.claims.x12.acknowledgements import AcknowledgementCode, parse_277ca, parse_999
from services.claims.x12.render_837p import render_837p
from tests.unit.claims.builders import a_batch, a_claim, a_subscriber, interchange_control
from tests.unit.claims.pyx12_validation import pyx12_errors

API_KEY = "integration-test-key"


@pytest.fixture
def sandbox():
    with make_server(port=0, api_keys=[API_KEY]) as server:
        yield server


def post_837(url: str, x12: str, api_key: str = API_KEY, timeout: float = 10) -> requests.Response:
    return requests.post(
        f"{url}/v1/claims/837",
        data=x12.encode(),
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/edi-x12"},
        timeout=timeout,
    )


def get_277ca(url: str, interchange: int) -> requests.Response:
    return requests.get(
        f"{url}/v1/claims/277ca",
        params={"interchange": f"{interchange:09d}"},
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    )


def arm_fault(url: str, **fault: object) -> None:
    requests.post(f"{url}/v1/_faults", json=fault, timeout=5).raise_for_status()


def submissions(url: str) -> list[dict]:
    return requests.get(f"{url}/v1/_submissions", timeout=5).json()["submissions"]


def test_a_valid_batch_gets_an_accepted_999_and_a_277ca_accepting_every_claim(sandbox):
    claims = (a_claim(), a_claim(prior_authorization="PA-1"))
    x12 = render_837p(a_batch(*claims), interchange_control(11))

    response = post_837(sandbox.url, x12)

    assert response.status_code == 200
    functional_ack = parse_999(response.text)
    assert functional_ack.accepted
    assert functional_ack.group_control_number == "11"
    claim_ack = get_277ca(sandbox.url, 11)
    assert claim_ack.status_code == 200
    assert pyx12_errors(claim_ack.text) == []
    report = parse_277ca(claim_ack.text)
    assert report.batch_reference == "000000011"
    for claim in claims:
        verdict = report.for_claim(claim.claim_id)
        assert verdict is not None and verdict.accepted
        assert verdict.billed_amount == claim.total_charge
        assert verdict.payer_claim_control_number


def test_a_rule_rejects_the_claim_of_a_listed_member_id_and_accepts_the_others():
    rules = RejectionRules.from_mapping({"reject_member_ids": ["BAD123"]})
    good, bad = a_claim(), a_claim(subscriber=a_subscriber(member_id="BAD123"))
    with make_server(rules=rules, api_keys=[API_KEY]) as server:
        post_837(server.url, render_837p(a_batch(good, bad), interchange_control(12)))
        claim_ack = get_277ca(server.url, 12).text

    assert pyx12_errors(claim_ack) == []
    report = parse_277ca(claim_ack)
    assert report.for_claim(good.claim_id).accepted
    rejected = report.for_claim(bad.claim_id)
    assert not rejected.accepted
    assert rejected.statuses[0].category == "A7"
    assert rejected.rejection_reasons == ("Subscriber member id not found",)


def test_a_payer_demanding_prior_authorization_rejects_a_claim_without_one():
    rules = RejectionRules.from_mapping({"reject_when_missing_prior_auth_for_payers": ["ACME01"]})
    without, with_auth = a_claim(), a_claim(prior_authorization="PA-9")
    with make_server(rules=rules, api_keys=[API_KEY]) as server:
        post_837(server.url, render_837p(a_batch(without, with_auth), interchange_control(13)))
        report = parse_277ca(get_277ca(server.url, 13).text)

    assert not report.for_claim(without.claim_id).accepted
    assert report.for_claim(with_auth.claim_id).accepted


def test_a_broken_837p_gets_a_999_rejection_naming_the_segment_and_no_277ca(sandbox):
    x12 = render_837p(a_batch(), interchange_control(14))
    broken = x12.replace("*MI*MEM123456~", "*QQ*MEM123456~")

    functional_ack = parse_999(post_837(sandbox.url, broken).text)

    assert functional_ack.status is AcknowledgementCode.REJECTED
    (segment_error,) = functional_ack.transaction_sets[0].segment_errors
    assert segment_error.segment_id == "NM1"
    assert [e.position for e in segment_error.element_errors] == ["8"]
    assert get_277ca(sandbox.url, 14).status_code == 404


def test_resending_an_interchange_returns_the_same_999_and_is_flagged_duplicate(sandbox):
    claim = a_claim()
    x12 = render_837p(a_batch(claim), interchange_control(15))

    first, second = post_837(sandbox.url, x12), post_837(sandbox.url, x12)

    assert first.text == second.text
    assert [(s["interchange"], s["duplicate"]) for s in submissions(sandbox.url)] == [
        ("000000015", False),
        ("000000015", True),
    ]
    assert submissions(sandbox.url)[0]["claim_ids"] == [claim.claim_id]
    assert len(parse_277ca(get_277ca(sandbox.url, 15).text).claims) == 1


def test_pending_277cas_are_listed_until_fetched(sandbox):
    post_837(sandbox.url, render_837p(a_batch(), interchange_control(16)))
    headers = {"Authorization": f"Bearer {API_KEY}"}

    before = requests.get(f"{sandbox.url}/v1/claims/277ca", headers=headers, timeout=5).json()
    get_277ca(sandbox.url, 16)
    after = requests.get(f"{sandbox.url}/v1/claims/277ca", headers=headers, timeout=5).json()

    assert before == {"pending": [{"sender": "HEALINGHANDS", "interchange": "000000016"}]}
    assert after == {"pending": []}


@pytest.mark.parametrize("api_key", ["", "not-the-key"])
def test_a_missing_or_wrong_api_key_is_refused_and_nothing_is_recorded(sandbox, api_key):
    response = post_837(sandbox.url, render_837p(a_batch(), interchange_control(17)), api_key)

    assert response.status_code == 401
    assert "error" in response.json()
    assert submissions(sandbox.url) == []


def test_503_fault_answers_service_unavailable_for_the_armed_count_then_recovers(sandbox):
    x12 = render_837p(a_batch(), interchange_control(18))
    arm_fault(sandbox.url, mode="503", count=2)

    statuses = [post_837(sandbox.url, x12).status_code for _ in range(3)]

    assert statuses == [503, 503, 200]


def test_slow_fault_makes_the_client_time_out_though_the_claim_still_arrives(sandbox):
    arm_fault(sandbox.url, mode="slow", seconds=1, count=1)

    with pytest.raises(requests.Timeout):
        post_837(sandbox.url, render_837p(a_batch(), interchange_control(19)), timeout=0.2)

    deadline = time.monotonic() + 5
    while not submissions(sandbox.url) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [s["interchange"] for s in submissions(sandbox.url)] == ["000000019"]


def test_drop_fault_closes_the_connection_without_an_answer(sandbox):
    arm_fault(sandbox.url, mode="drop", count=1)
    x12 = render_837p(a_batch(), interchange_control(20))

    with pytest.raises(requests.ConnectionError):
        post_837(sandbox.url, x12)

    assert submissions(sandbox.url) == []
    assert post_837(sandbox.url, x12).status_code == 200


def test_clearing_faults_lets_requests_through_again(sandbox):
    arm_fault(sandbox.url, mode="503", count=5)

    requests.delete(f"{sandbox.url}/v1/_faults", timeout=5).raise_for_status()

    assert post_837(sandbox.url, render_837p(a_batch(), interchange_control(21))).ok


def test_a_body_that_is_not_x12_is_a_bad_request(sandbox):
    response = post_837(sandbox.url, "<claims><claim id='1'/></claims>")

    assert response.status_code == 400
    assert submissions(sandbox.url) == []
