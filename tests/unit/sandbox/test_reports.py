"""The sandbox's staged answers: 277CA A1, then A2 or a rejection, then 835s, in a mailbox."""

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from deploy.sandbox_clearinghouse.clearinghouse import Timings
from deploy.sandbox_clearinghouse.faults import Fault
from services.claims.x12.acknowledgements import parse_277ca
from services.claims.x12.model import (
    ClaimFrequency,
    Patient,
    PatientRelationship,
    Payer,
    PersonName,
    Sex,
)
from tests.unit.claims.builders import a_claim, a_service_line, a_subscriber
from tests.unit.claims.pyx12_validation import pyx12_errors
from tests.unit.sandbox.support import (
    API_KEY,
    a_clearinghouse,
    an_837,
    claim_payments,
    claim_statuses,
    of_kind,
    remittance_imbalances,
    segments,
    submit_and_settle,
)

D = Decimal
FEE_SCHEDULE = {"ACME01": {"97140": "35.00", "97124": "30.00"}}


def kinds(reports) -> list[tuple[int, str]]:
    return [(report.id, report.kind) for report in reports]


def a_long_id_claim(**overrides):
    """A claim whose CLM01 is longer than the 20 characters a truncating payer keeps."""
    claim = a_claim(**overrides)
    return a_claim(claim_id=f"LONG-{claim.claim_id}-0123456789", **overrides)


# -- stages ------------------------------------------------------------------------------


def test_stages_become_visible_when_their_time_has_come():
    clearinghouse, clock = a_clearinghouse()
    claim = a_claim()
    clearinghouse.receive_837(an_837(claim, number=5), api_key=API_KEY)

    at_once = clearinghouse.reports(API_KEY)
    clock.advance(0.999)
    still = clearinghouse.reports(API_KEY)
    clock.advance(0.001)
    adjudicated = clearinghouse.reports(API_KEY)
    clock.advance(1)
    remitted = clearinghouse.reports(API_KEY)

    assert kinds(at_once) == kinds(still) == [(1, "277CA")]
    assert kinds(adjudicated) == [(1, "277CA"), (2, "277CA")]
    assert kinds(remitted) == [(1, "277CA"), (2, "277CA"), (3, "835")]
    received, decided, remittance = remitted
    assert [r.interchange_control_number for r in remitted] == ["000000005", "000000005", None]
    assert received.as_json()["created_at"] == "2026-03-05T09:30:00Z"
    assert decided.as_json()["created_at"] == "2026-03-05T09:30:01Z"
    assert remittance.as_json()["created_at"] == "2026-03-05T09:30:02Z"
    assert claim_statuses(received.x12) == {claim.claim_id: ("A1:20", None)}
    ((status, payer_claim_number),) = claim_statuses(decided.x12).values()
    assert status == "A2:20:PR" and payer_claim_number.startswith("SBX")
    (payment,) = claim_payments(remittance.x12).values()
    assert payment["clp"][0] == claim.claim_id
    assert payment["clp"][6] == payer_claim_number  # CLP07 = the 277CA's REF*1K


def test_a_report_never_changes_and_reading_does_not_consume():
    clearinghouse, clock = a_clearinghouse()
    clearinghouse.receive_837(an_837(a_claim()), api_key=API_KEY)
    clock.advance(5)

    first = clearinghouse.reports(API_KEY)
    second = clearinghouse.reports(API_KEY)

    assert first == second and len(first) == 3


def test_ids_follow_visibility_so_a_cursor_never_skips_a_report():
    # The 835 of the first interchange comes due after the A1 of the second: it must get
    # the higher id, or a reader whose cursor passed the A1 would never see it.
    clearinghouse, clock = a_clearinghouse()
    clearinghouse.receive_837(an_837(a_claim(), number=1), api_key=API_KEY)
    cursor, seen = 0, []

    def read() -> None:
        nonlocal cursor
        page = clearinghouse.reports(API_KEY, after=cursor)
        seen.extend(page)
        cursor = page[-1].id if page else cursor

    read()
    clock.advance(1.5)
    clearinghouse.receive_837(an_837(a_claim(), number=2), api_key=API_KEY)
    read()
    clock.advance(10)
    read()

    assert [r.id for r in seen] == [1, 2, 3, 4, 5, 6]
    assert [(r.kind, r.interchange_control_number) for r in seen] == [
        ("277CA", "000000001"),
        ("277CA", "000000001"),
        ("277CA", "000000002"),
        ("835", None),
        ("277CA", "000000002"),
        ("835", None),
    ]
    assert [r.created_at for r in seen] == sorted(r.created_at for r in seen)


def test_later_stages_never_come_before_earlier_ones_whatever_the_settings():
    clearinghouse, clock = a_clearinghouse(timings=Timings(3, 1, 0))
    clearinghouse.receive_837(an_837(a_claim()), api_key=API_KEY)

    clock.advance(2.9)
    assert clearinghouse.reports(API_KEY) == []
    clock.advance(0.1)
    assert [r.kind for r in clearinghouse.reports(API_KEY)] == ["277CA", "277CA", "835"]


def test_paging_with_after_and_limit():
    clearinghouse, clock = a_clearinghouse()
    for number in (1, 2):
        clearinghouse.receive_837(an_837(a_claim(), number=number), api_key=API_KEY)
    clock.advance(5)

    assert [r.id for r in clearinghouse.reports(API_KEY, after=0, limit=4)] == [1, 2, 3, 4]
    assert [r.id for r in clearinghouse.reports(API_KEY, after=4, limit=4)] == [5, 6]
    assert clearinghouse.reports(API_KEY, after=6) == []
    for after, limit in ((-1, 10), (0, 0), (0, 501)):
        with pytest.raises(ValueError):
            clearinghouse.reports(API_KEY, after=after, limit=limit)


def test_each_sender_reads_only_its_own_reports():
    clearinghouse, clock = a_clearinghouse()
    ours = an_837(a_claim(), number=1)
    theirs = an_837(a_claim(), number=2).replace("HEALINGHANDS   ", "OTHERCLINIC    ")
    clearinghouse.receive_837(ours, api_key=API_KEY)
    clearinghouse.receive_837(theirs, api_key="other-key")
    clock.advance(5)

    mine = clearinghouse.reports(API_KEY)
    other = clearinghouse.reports("other-key")

    assert {r.interchange_control_number for r in mine if r.kind == "277CA"} == {"000000001"}
    assert {r.interchange_control_number for r in other if r.kind == "277CA"} == {"000000002"}
    assert clearinghouse.reports("a-key-that-never-submitted") == []


def test_a_resent_interchange_is_not_adjudicated_twice():
    clearinghouse, clock = a_clearinghouse()
    x12 = an_837(a_claim())

    first = clearinghouse.receive_837(x12, api_key=API_KEY)
    clock.advance(0.5)
    second = clearinghouse.receive_837(x12, api_key=API_KEY)
    clock.advance(5)

    assert first == second
    assert [r.kind for r in clearinghouse.reports(API_KEY)] == ["277CA", "277CA", "835"]


def test_a_999_rejection_brings_no_reports():
    clearinghouse, clock = a_clearinghouse()

    broken = an_837(a_claim()).replace("*MI*MEM123456~", "*QQ*MEM123456~")
    reports = submit_and_settle(clearinghouse, clock, broken)

    assert reports == []


def test_the_compatibility_endpoint_answers_the_final_277ca_at_once():
    clearinghouse, _clock = a_clearinghouse()
    claim = a_claim()
    clearinghouse.receive_837(an_837(claim, number=9), api_key=API_KEY)

    report = parse_277ca(clearinghouse.claim_acknowledgement("000000009"))

    assert report.for_claim(claim.claim_id).statuses[0].category == "A2"
    assert clearinghouse.reports(API_KEY)[-1].kind == "277CA"  # the mailbox still waits


def test_a_rejected_claim_is_not_paid_and_the_others_are():
    clearinghouse, clock = a_clearinghouse({"reject_member_ids": ["BAD1"]})
    good, bad = a_claim(), a_claim(subscriber=a_subscriber(member_id="BAD1"))

    reports = submit_and_settle(clearinghouse, clock, an_837(good, bad))

    received, decided = of_kind(reports, "277CA")
    assert {status for status, _ in claim_statuses(received).values()} == {"A1:20"}
    assert claim_statuses(decided)[bad.claim_id] == ("A7:21:IL", None)
    (remittance,) = of_kind(reports, "835")
    assert list(claim_payments(remittance)) == [good.claim_id]


def test_a_void_is_accepted_into_adjudication_but_no_835_pays_it():
    clearinghouse, clock = a_clearinghouse()
    original = a_claim()
    void = a_claim(frequency=ClaimFrequency.VOID, original_claim_reference="SBX000000001")

    reports = submit_and_settle(clearinghouse, clock, an_837(original, void))

    assert claim_statuses(of_kind(reports, "277CA")[-1])[void.claim_id][0].startswith("A2:")
    (remittance,) = of_kind(reports, "835")
    assert list(claim_payments(remittance)) == [original.claim_id]


def test_an_out_of_balance_claim_is_rejected_at_the_front_end():
    clearinghouse, clock = a_clearinghouse()
    claim = a_claim()
    x12 = an_837(claim).replace(f"CLM*{claim.claim_id}*45*", f"CLM*{claim.claim_id}*50*")

    reports = submit_and_settle(clearinghouse, clock, x12)

    assert claim_statuses(of_kind(reports, "277CA")[-1])[claim.claim_id][0] == "A7:400:PR"
    assert of_kind(reports, "835") == []


def test_one_835_per_payer_and_every_claim_of_a_payer_in_it():
    clearinghouse, clock = a_clearinghouse()
    acme = [a_claim(), a_claim()]
    other = a_claim(payer=Payer(name="Other Health", payer_id="OTHER02"))

    reports = submit_and_settle(clearinghouse, clock, an_837(*acme, other))

    remittances = of_kind(reports, "835")
    assert [list(claim_payments(r)) for r in remittances] == [
        [c.claim_id for c in acme],
        [other.claim_id],
    ]
    payers = [[v[2] for v in segments(r) if v[:2] == ["REF", "2U"]] for r in remittances]
    assert payers == [["ACME01"], ["OTHER02"]]


# -- what the 835s say, valid and balanced -----------------------------------------------


def a_dependant() -> Patient:
    return Patient(
        name=PersonName("Doe", "Kim"),
        birth_date=a_subscriber().birth_date,
        sex=Sex.FEMALE,
        address=a_subscriber().address,
        relationship_to_subscriber=PatientRelationship.CHILD,
    )


def two_lines(**overrides):
    lines = (
        a_service_line(procedure_code="97140", charge=D("45.00"), modifiers=("GP",)),
        a_service_line(procedure_code="97124", charge=D("80.00"), units=2),
    )
    return a_claim(service_lines=lines, **overrides)


SCENARIOS = {
    "paid in full": ({}, None),
    "co-45 over the fee schedule": ({"allowed": FEE_SCHEDULE}, None),
    "deductible, coinsurance and copay": (
        {
            "allowed": FEE_SCHEDULE,
            "deductible": {"MEM123456": "25.00"},
            "coinsurance_percent": {"ACME01": "20"},
            "copay": {"ACME01": "10.00"},
        },
        None,
    ),
    "one line denied": (
        {"deny": [{"procedure_code": "97124", "reason": "97", "remark": "M15"}]},
        None,
    ),
    "whole claim denied": (
        {"deny": [{"member_id": "MEM123456", "reason": "50", "remark": "N115"}]},
        None,
    ),
    "precertification absent": (
        {"deny": [{"payer_id": "ACME01", "without_prior_authorization": True, "reason": "197"}]},
        None,
    ),
    "provider adjustments": (
        {
            "allowed": FEE_SCHEDULE,
            "provider_adjustments": {
                "ACME01": [
                    {"reason": "WO", "reference": "OVP-2024-1", "amount": "12.50"},
                    {"reason": "L6", "reference": "INT-1", "amount": "-0.75"},
                ]
            },
        },
        None,
    ),
    "recoupment larger than the payment": (
        {
            "deny": [{"member_id": "MEM123456", "reason": "50"}],
            "provider_adjustments": {"ACME01": [{"reason": "WO", "amount": "30.00"}]},
        },
        None,
    ),
    "truncated echo": ({"allowed": FEE_SCHEDULE}, Fault.from_json({"mode": "truncate_clm01"})),
}
LONG_IDS = ("truncated echo",)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_277ca_and_835_passes_pyx12_and_every_835_balances(scenario):
    rules, fault = SCENARIOS[scenario]
    clearinghouse, clock = a_clearinghouse(rules)
    if fault is not None:
        clearinghouse.faults.arm(fault)
    claims = (two_lines(), a_claim(patient=a_dependant()), a_claim(prior_authorization="PA-1"))
    if scenario in LONG_IDS:
        claims = (*claims, a_long_id_claim(), a_long_id_claim(prior_authorization="PA-2"))

    reports = submit_and_settle(clearinghouse, clock, an_837(*claims, line_control_numbers=True))

    assert [r.kind for r in reports] == ["277CA", "277CA", "835"]
    for report in reports:
        assert pyx12_errors(report.x12) == [], scenario
    (remittance,) = of_kind(reports, "835")
    assert remittance_imbalances(remittance) == []


def test_the_835_line_details_for_a_fee_schedule_with_patient_responsibility():
    rules = SCENARIOS["deductible, coinsurance and copay"][0]
    clearinghouse, clock = a_clearinghouse(rules)
    claim = two_lines()

    reports = submit_and_settle(clearinghouse, clock, an_837(claim, line_control_numbers=True))

    (remittance,) = of_kind(reports, "835")
    payment = claim_payments(remittance)[claim.claim_id]
    # CLP: charge 125; 97140 allowed 35 (-25 deductible, -10 copay, 0 coinsurance) pays 0;
    # 97124 allowed 60 (coinsurance 12) pays 48.
    assert payment["clp"][1:6] == ["1", "125", "48", "47", "12"]
    first, second = payment["lines"]
    assert first["svc"][:5] == ["HC:97140:GP", "45", "0", "", "1"]
    assert first["cas"] == ["CO-45:10", "PR-1:25", "PR-3:10"]
    assert (first["allowed"], first["ref_6r"]) == ("35", "LINE-1")
    assert second["svc"][:5] == ["HC:97124", "80", "48", "", "2"]
    assert second["cas"] == ["CO-45:20", "PR-2:12"]
    assert (second["allowed"], second["ref_6r"]) == ("60", "LINE-2")
    bpr = next(v for v in segments(remittance) if v[0] == "BPR")
    assert bpr[1:5] == ["I", "48", "C", "ACH"]


def test_a_denied_claim_has_status_4_and_a_notification_only_835_pays_nothing():
    rules = {"deny": [{"member_id": "MEM123456", "reason": "50", "remark": "N115"}]}
    clearinghouse, clock = a_clearinghouse(rules)
    claim = two_lines()

    (remittance,) = of_kind(submit_and_settle(clearinghouse, clock, an_837(claim)), "835")

    payment = claim_payments(remittance)[claim.claim_id]
    assert payment["clp"][1:5] == ["4", "125", "0", "0"]
    assert [line["cas"] for line in payment["lines"]] == [["CO-50:45"], ["CO-50:80"]]
    assert [line["lq"] for line in payment["lines"]] == [["N115"], ["N115"]]
    bpr = next(v for v in segments(remittance) if v[0] == "BPR")
    assert bpr[1:5] == ["H", "0", "C", "NON"]


def test_a_recoupment_larger_than_the_payment_carries_a_forwarding_balance():
    rules = {"provider_adjustments": {"ACME01": [{"reason": "WO", "amount": "50.00"}]}}
    clearinghouse, clock = a_clearinghouse(rules)

    (remittance,) = of_kind(submit_and_settle(clearinghouse, clock, an_837(a_claim())), "835")

    (plb,) = [v for v in segments(remittance) if v[0] == "PLB"]
    assert plb[3:5] == ["WO", "50"]
    assert plb[5].startswith("FB:") and plb[6] == "-5"
    assert remittance_imbalances(remittance) == []


def test_the_deductible_runs_down_across_interchanges():
    clearinghouse, clock = a_clearinghouse({"deductible": {"MEM123456": "60.00"}})

    first = claim_payments(
        of_kind(submit_and_settle(clearinghouse, clock, an_837(a_claim(), number=1)), "835")[0]
    )
    second = claim_payments(
        of_kind(submit_and_settle(clearinghouse, clock, an_837(a_claim(), number=2)), "835")[0]
    )

    assert [p["clp"][3:5] for p in first.values()] == [["0", "45"]]
    assert [p["clp"][3:5] for p in second.values()] == [["30", "15"]]


# -- faults --------------------------------------------------------------------------------


def test_truncate_clm01_echoes_20_characters_in_the_277cas_and_the_835_of_one_interchange():
    clearinghouse, clock = a_clearinghouse()
    clearinghouse.faults.arm(Fault.from_json({"mode": "truncate_clm01"}))
    claim, later = a_long_id_claim(), a_long_id_claim()

    reports = submit_and_settle(clearinghouse, clock, an_837(claim, number=1))
    after = submit_and_settle(clearinghouse, clock, an_837(later, number=2))

    short = claim.claim_id[:20]
    assert len(claim.claim_id) > 20
    assert [list(claim_statuses(x)) for x in of_kind(reports, "277CA")] == [[short], [short]]
    assert list(claim_payments(of_kind(reports, "835")[0])) == [short]
    assert list(claim_payments(of_kind(after, "835")[0])) == [later.claim_id]


@pytest.mark.parametrize(
    ("stage", "in_first", "in_second", "paid"),
    [
        ("received", False, True, True),
        ("adjudicated", True, False, True),
        ("all", False, False, False),
    ],
)
def test_drop_claim_from_277ca_leaves_the_last_claim_out(stage, in_first, in_second, paid):
    clearinghouse, clock = a_clearinghouse()
    clearinghouse.faults.arm(Fault.from_json({"mode": "drop_claim_from_277ca", "stage": stage}))
    kept, dropped = a_claim(), a_claim()

    reports = submit_and_settle(clearinghouse, clock, an_837(kept, dropped))

    first, second = of_kind(reports, "277CA")
    assert kept.claim_id in claim_statuses(first) and kept.claim_id in claim_statuses(second)
    assert (dropped.claim_id in claim_statuses(first)) is in_first
    assert (dropped.claim_id in claim_statuses(second)) is in_second
    (remittance,) = of_kind(reports, "835")
    assert (dropped.claim_id in claim_payments(remittance)) is paid
    for report in reports:
        assert pyx12_errors(report.x12) == []


def test_drop_claim_from_277ca_of_a_lone_claim_sends_no_277ca_at_all():
    clearinghouse, clock = a_clearinghouse()
    clearinghouse.faults.arm(Fault.from_json({"mode": "drop_claim_from_277ca", "stage": "all"}))

    reports = submit_and_settle(clearinghouse, clock, an_837(a_claim()))

    assert reports == []


def test_the_ta1_fault_rejects_the_interchange_and_keeps_nothing():
    clearinghouse, clock = a_clearinghouse()
    clearinghouse.faults.arm(Fault.from_json({"mode": "ta1"}))
    x12 = an_837(a_claim(), number=31)

    answer = clearinghouse.receive_837(x12, api_key=API_KEY)

    ta1 = [v for v in segments(answer) if v[0] == "TA1"]
    assert ta1 == [["TA1", "000000031", "240305", "0930", "R", "022"]]
    assert [v[0] for v in segments(answer)] == ["ISA", "TA1", "IEA"]
    assert clearinghouse.receipts()[0].accepted is False
    clock.advance(5)
    assert clearinghouse.reports(API_KEY) == []
    # The fault is used up: the same interchange sent again is taken as new.
    assert "AK9*A" in clearinghouse.receive_837(x12, api_key=API_KEY)
    assert [r.duplicate for r in clearinghouse.receipts()] == [False, False]


@pytest.mark.parametrize(
    ("change", "note_code"),
    [
        (lambda x: x.replace("IEA*1*000000032", "IEA*1*000000099"), "001"),
        (lambda x: x.replace("IEA*1*", "IEA*2*"), "021"),
    ],
)
def test_a_broken_envelope_gets_a_real_ta1_naming_the_problem(change, note_code):
    clearinghouse, _clock = a_clearinghouse()

    answer = clearinghouse.receive_837(change(an_837(a_claim(), number=32)), api_key=API_KEY)

    (ta1,) = [v for v in segments(answer) if v[0] == "TA1"]
    assert ta1[1] == "000000032" and ta1[4:] == ["R", note_code]
    assert "AK9*A" in clearinghouse.receive_837(an_837(a_claim(), number=32), api_key=API_KEY)


def test_garbage_999_takes_the_interchange_but_answers_an_unreadable_body():
    clearinghouse, clock = a_clearinghouse()
    clearinghouse.faults.arm(Fault.from_json({"mode": "garbage_999"}))
    x12 = an_837(a_claim())

    garbage = clearinghouse.receive_837(x12, api_key=API_KEY)
    resent = clearinghouse.receive_837(x12, api_key=API_KEY)

    assert "AK9" not in garbage and "GARBLED" in garbage
    assert "AK9*A" in resent
    assert [r.duplicate for r in clearinghouse.receipts()] == [False, True]
    clock.advance(5)
    assert [r.kind for r in clearinghouse.reports(API_KEY)] == ["277CA", "277CA", "835"]


def test_content_faults_wait_for_an_accepted_interchange():
    clearinghouse, clock = a_clearinghouse()
    clearinghouse.faults.arm(Fault.from_json({"mode": "truncate_clm01"}))
    broken = an_837(a_claim(), number=1).replace("*MI*MEM123456~", "*QQ*MEM123456~")
    claim = a_long_id_claim()

    submit_and_settle(clearinghouse, clock, broken)
    reports = submit_and_settle(clearinghouse, clock, an_837(claim, number=2))

    assert list(claim_statuses(of_kind(reports, "277CA")[0])) == [claim.claim_id[:20]]


def test_concurrent_submits_and_a_cursor_reader_see_every_report_once_in_id_order():
    clearinghouse, _clock = a_clearinghouse(timings=Timings(0, 0, 0))
    documents = [an_837(a_claim(), number=number) for number in range(1, 9)]
    seen: list = []

    def follow() -> None:
        cursor = 0
        deadline = time.monotonic() + 30
        while len(seen) < 3 * len(documents) and time.monotonic() < deadline:
            page = clearinghouse.reports(API_KEY, after=cursor, limit=5)
            seen.extend(page)
            cursor = page[-1].id if page else cursor

    with ThreadPoolExecutor(max_workers=5) as pool:
        reader = pool.submit(follow)
        answers = list(pool.map(lambda x12: clearinghouse.receive_837(x12, API_KEY), documents))
        reader.result()

    assert all("AK9*A" in answer for answer in answers)
    assert [report.id for report in seen] == list(range(1, 25))
    per_interchange = Counter(r.interchange_control_number for r in seen if r.kind == "277CA")
    assert per_interchange == {f"{number:09d}": 2 for number in range(1, 9)}
