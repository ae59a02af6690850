"""The sandbox clearinghouse over real HTTP, fed by our own 837P writer and read by our parsers."""

import re
import time

import pytest
import requests

from deploy.sandbox_clearinghouse import RejectionRules, make_server
from services.claims.x12.acknowledgements import AcknowledgementCode, parse_277ca, parse_999
from services.claims.x12.render_837p import render_837p
from services.claims.x12.syntax import X12SyntaxError
from tests.support.waiting import wait_for
from tests.unit.claims.builders import a_batch, a_claim, a_subscriber, interchange_control
from tests.unit.claims.pyx12_validation import pyx12_errors
from tests.unit.sandbox.support import claim_payments, remittance_imbalances

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


# -- the report mailbox (issue #12) ------------------------------------------------------

FAST = {"receipt_delay": 0, "adjudication_delay": 0.15, "remittance_delay": 0.3}


@pytest.fixture
def staged():
    with make_server(port=0, api_keys=[API_KEY, "second-key"], **FAST) as server:
        yield server


def get_reports(url: str, api_key: str = API_KEY, **params: object) -> requests.Response:
    return requests.get(
        f"{url}/v1/reports",
        params=params,
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=10,
    )


def wait_for_reports(url: str, count: int, api_key: str = API_KEY) -> list[dict]:
    def enough() -> list[dict] | None:
        reports = get_reports(url, api_key).json()["reports"]
        return reports if len(reports) >= count else None

    return wait_for(enough, timeout=10, interval=0.05, what=f"{count} reports")


def test_the_mailbox_shows_a1_then_a2_then_the_835_each_valid(staged):
    claims = (a_claim(), a_claim(prior_authorization="PA-1"))
    post_837(staged.url, render_837p(a_batch(*claims), interchange_control(41)))

    first_read = get_reports(staged.url).json()
    reports = wait_for_reports(staged.url, 3)

    assert [r["kind"] for r in first_read["reports"]] == ["277CA"]
    assert first_read["next_after"] == first_read["reports"][0]["id"]
    assert [r["kind"] for r in reports] == ["277CA", "277CA", "835"]
    assert [r["id"] for r in reports] == sorted({r["id"] for r in reports})
    assert [r["interchange_control_number"] for r in reports] == ["000000041", "000000041", None]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["created_at"]) for r in reports)
    for report in reports:
        assert pyx12_errors(report["x12"]) == []
    received, decided = (parse_277ca(r["x12"]) for r in reports[:2])
    remittance = reports[2]["x12"]
    assert remittance_imbalances(remittance) == []
    for claim in claims:
        assert received.for_claim(claim.claim_id).statuses[0].category == "A1"
        verdict = decided.for_claim(claim.claim_id)
        assert verdict.statuses[0].category == "A2"
        payment = claim_payments(remittance)[claim.claim_id]
        assert payment["clp"][1:4] == ["1", "45", "45"]
        assert payment["clp"][6] == verdict.payer_claim_control_number


def test_the_mailbox_pages_with_after_and_limit(staged):
    for number in (42, 43):
        post_837(staged.url, render_837p(a_batch(), interchange_control(number)))
    everything = wait_for_reports(staged.url, 6)

    page = get_reports(staged.url, after=everything[1]["id"], limit=3).json()
    rest = get_reports(staged.url, after=page["next_after"], limit=3).json()
    empty = get_reports(staged.url, after=rest["next_after"]).json()

    assert page["reports"] == everything[2:5]
    assert rest["reports"] == everything[5:]
    assert empty == {"reports": [], "next_after": rest["next_after"]}
    assert get_reports(staged.url, limit=100000).status_code == 200  # capped at 500


@pytest.mark.parametrize("params", [{"after": "x"}, {"after": -1}, {"limit": 0}])
def test_the_mailbox_refuses_a_bad_cursor_or_limit(staged, params):
    response = get_reports(staged.url, **params)

    assert response.status_code == 400
    assert "error" in response.json()


def test_the_mailbox_needs_the_api_key_and_shows_each_key_only_its_senders_reports(staged):
    post_837(staged.url, render_837p(a_batch(), interchange_control(44)))
    wait_for_reports(staged.url, 3)

    assert get_reports(staged.url, api_key="not-the-key").status_code == 401
    assert get_reports(staged.url, api_key="second-key").json() == {
        "reports": [],
        "next_after": 0,
    }


def test_a_transport_fault_hits_the_mailbox_too(staged):
    arm_fault(staged.url, mode="503", count=1)

    assert get_reports(staged.url).status_code == 503
    assert get_reports(staged.url).status_code == 200


def test_adjudication_rules_shape_the_835():
    rules = RejectionRules.from_mapping(
        {
            "allowed": {"ACME01": {"97140": "35.00"}},
            "coinsurance_percent": {"ACME01": "20"},
            "deny": [{"member_id": "MEMDENY", "reason": "50", "remark": "N115"}],
            "provider_adjustments": {"ACME01": [{"reason": "WO", "amount": "2.00"}]},
        }
    )
    paid, denied = a_claim(), a_claim(subscriber=a_subscriber(member_id="MEMDENY"))
    with make_server(rules=rules, api_keys=[API_KEY], **FAST) as server:
        post_837(server.url, render_837p(a_batch(paid, denied), interchange_control(45)))
        remittance = wait_for_reports(server.url, 3)[2]["x12"]

    assert pyx12_errors(remittance) == []
    assert remittance_imbalances(remittance) == []
    payments = claim_payments(remittance)
    # allowed 35 (CO-45 10), coinsurance 7 (PR-2), paid 28; the other claim denied CO-50.
    assert payments[paid.claim_id]["clp"][1:5] == ["1", "45", "28", "7"]
    assert payments[paid.claim_id]["lines"][0]["cas"] == ["CO-45:10", "PR-2:7"]
    assert payments[denied.claim_id]["clp"][1:5] == ["4", "45", "0", "0"]
    assert payments[denied.claim_id]["lines"][0]["lq"] == ["N115"]
    assert "BPR*I*26*C*ACH*" in remittance


# -- faults of the answers (issue #12) ---------------------------------------------------


def test_ta1_fault_answers_a_ta1_instead_of_a_999_and_keeps_nothing(staged):
    arm_fault(staged.url, mode="ta1")
    x12 = render_837p(a_batch(), interchange_control(46))

    response = post_837(staged.url, x12)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/edi-x12"
    assert "TA1*000000046*240305*0930*R*022~" in response.text
    assert "AK1" not in response.text
    assert submissions(staged.url)[0]["accepted"] is False
    assert parse_999(post_837(staged.url, x12).text).accepted


def test_a_broken_interchange_envelope_gets_a_ta1(staged):
    x12 = render_837p(a_batch(), interchange_control(47))

    response = post_837(staged.url, x12.replace("IEA*1*000000047", "IEA*1*000000048"))

    assert "TA1*000000047*240305*0930*R*001~" in response.text


def test_garbage_999_fault_answers_an_unreadable_body_but_takes_the_claims(staged):
    arm_fault(staged.url, mode="garbage_999")
    x12 = render_837p(a_batch(), interchange_control(48))

    garbage = post_837(staged.url, x12)
    with pytest.raises(X12SyntaxError):
        parse_999(garbage.text)
    resent = post_837(staged.url, x12)

    assert garbage.status_code == 200
    assert parse_999(resent.text).accepted
    assert [s["duplicate"] for s in submissions(staged.url)] == [False, True]
    assert [r["kind"] for r in wait_for_reports(staged.url, 3)] == ["277CA", "277CA", "835"]


def test_truncate_clm01_fault_echoes_20_characters_in_277cas_and_835(staged):
    arm_fault(staged.url, mode="truncate_clm01")
    claim = a_claim(claim_id="C-0123456789-ABCDEFGHIJ-KLMNOPQRSTU")

    post_837(staged.url, render_837p(a_batch(claim), interchange_control(49)))
    reports = wait_for_reports(staged.url, 3)

    for report in reports[:2]:
        assert parse_277ca(report["x12"]).claims[0].claim_id == "C-0123456789-ABCDEFG"
    assert list(claim_payments(reports[2]["x12"])) == ["C-0123456789-ABCDEFG"]
    assert all(pyx12_errors(report["x12"]) == [] for report in reports)


def test_drop_claim_fault_leaves_one_claim_out_of_the_277cas(staged):
    arm_fault(staged.url, mode="drop_claim_from_277ca", stage="all")
    kept, dropped = a_claim(), a_claim()

    post_837(staged.url, render_837p(a_batch(kept, dropped), interchange_control(50)))
    reports = wait_for_reports(staged.url, 3)

    for report in reports[:2]:
        acknowledgement = parse_277ca(report["x12"])
        assert acknowledgement.for_claim(kept.claim_id) is not None
        assert acknowledgement.for_claim(dropped.claim_id) is None
    assert list(claim_payments(reports[2]["x12"])) == [kept.claim_id]


@pytest.mark.parametrize(
    "fault",
    [
        {"mode": "truncate"},
        {"mode": "ta1", "stage": "all"},
        {"mode": "drop_claim_from_277ca", "stage": "later"},
        {"mode": "garbage_999", "count": 0},
        {"mode": "503", "colour": "red"},
    ],
)
def test_a_fault_that_does_not_make_sense_is_refused(staged, fault):
    response = requests.post(f"{staged.url}/v1/_faults", json=fault, timeout=5)

    assert response.status_code == 400
