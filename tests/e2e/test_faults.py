"""The clinic's day survives faults: a bounced broker, killed services, a failing clearinghouse.

Every service runs as its own process on SQLite files and on a broker of this module's own
(so stopping it disturbs no other test). After each fault the books are reconciled: every
registered client is known to scheduling, every completed session has exactly one original
claim, every claim went out in exactly one interchange (resends are marked duplicates by the
clearinghouse) and every claim was accepted.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from deploy import demo
from deploy.kafka.local import LocalKafka
from deploy.stack import Stack
from tests.e2e.support import (
    ACCEPTED_OR_LATER,
    CLAIMS_TIMEOUT,
    EVENTS_TIMEOUT,
    ON_BEHALF,
    RECORDING_ROLE,
    SUBMIT_TIMEOUT_SECONDS,
    live_until,
    running_stack,
)
from tests.e2e.test_clinic_flow import (
    SESSION,
    SOAP_NOTE,
    Clinic,
    book,
    complete,
    eligibility,
    refer,
    register,
    screen,
    wait_until_bookable,
)
from tests.support.http import auth, staff_token
from tests.support.waiting import wait_for

CUT_OFF = (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
RETRY_NOTE = "submission failed; will retry"


@dataclass
class Ledger:
    """What the test did through the front door: the clients registered, the sessions recorded."""

    clients: list[str] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)  # appointments the therapist completed


@pytest.fixture(scope="module")
def e2e_stack(own_broker: LocalKafka, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Sandbox + every service on the module's broker; submissions time out after 2 s."""
    with running_stack(own_broker.bootstrap_servers, tmp_path_factory.mktemp("faults"),
                       env={"CLAIMS_SUBMIT_TIMEOUT_SECONDS": str(SUBMIT_TIMEOUT_SECONDS)}
                       ) as stack:
        yield stack


@pytest.fixture(scope="module")
def demo_clinic(e2e_stack: Stack) -> demo.DemoClinic:
    """The demo clinic's calendar, billing setup and clients, loaded into the stack."""
    admin = staff_token("faults-admin", "admin")
    return demo.load_demo_data({name: e2e_stack.url(name) for name in e2e_stack.ports}, admin)


@pytest.fixture(scope="module")
def clinic(e2e_stack: Stack, demo_clinic: demo.DemoClinic) -> Clinic:
    """The stack as its staff use it."""
    return Clinic(e2e_stack, demo_clinic.services)


@pytest.fixture(scope="module")
def ledger(demo_clinic: demo.DemoClinic) -> Ledger:
    """Everything done to the module's stack so far; the demo's clients are registered too."""
    return Ledger(clients=list(demo_clinic.clients.values()))


# -- the flow ---------------------------------------------------------------------------


def admit(clinic: Clinic, ledger: Ledger) -> str:
    """Register a client, screen them (cleared) and record their referral; returns the id."""
    client_id = register(clinic)
    ledger.clients.append(client_id)
    assert screen(clinic, client_id, {}) == "cleared"
    refer(clinic, client_id)
    return client_id


def record_session(clinic: Clinic, ledger: Ledger, appointment: dict[str, Any]) -> str:
    """The therapist records the booked session; returns the session id."""
    session = complete(clinic, appointment["id"])
    ledger.completed.append(appointment["id"])
    return session["id"]


def treat(clinic: Clinic, ledger: Ledger, client_id: str) -> str:
    """Book the client once scheduling knows them, and record the session."""
    wait_until_bookable(clinic, client_id)
    return record_session(clinic, ledger, book(clinic, client_id))


def post_until_answered(stack: Stack, role: str, service: str, path: str,
                        body: dict[str, Any]) -> requests.Response:
    """POST with an idempotency key, again with the same key while the service is down."""
    headers = {**auth(role), "Idempotency-Key": uuid.uuid4().hex}

    def answered() -> list[requests.Response] | None:
        try:
            response = requests.post(stack.url(service) + path, json=body, headers=headers,
                                     timeout=15)
        except CUT_OFF:
            return None
        if response.status_code == 409 and "in-progress" in response.json().get("type", ""):
            return None  # the killed process's transaction still held the key
        return [response]  # a list: a 4xx response is falsy

    return wait_for(answered, EVENTS_TIMEOUT, 0.1, f"{service} to answer {path}")[0]


def created(response: requests.Response) -> dict[str, Any]:
    """The body of a 201 answer; fails the test on any other."""
    assert response.status_code == 201, f"{response.status_code} {response.text[:500]}"
    return response.json()


def kill_mid_batch(stack: Stack, service: str, futures: list[Future[Any]]) -> None:
    """SIGKILL the service once the first request of the batch is answered, then restart it."""
    wait_for(lambda: any(f.done() for f in futures), EVENTS_TIMEOUT, 0.005,
             "the first request of the batch to be answered")
    process = stack.processes[service]
    process.kill()
    process.wait(timeout=10)
    stack.start_service(service)


def run_batch(stack: Stack, service: str, requests_: list[Callable[[], Any]]) -> list[Any]:
    """Send the requests from several threads; kill ``service`` a little way in."""
    with ThreadPoolExecutor(len(requests_)) as pool:
        futures = [pool.submit(send) for send in requests_]
        kill_mid_batch(stack, service, futures)
        return [future.result() for future in futures]


def arm(stack: Stack, fault: dict[str, Any]) -> None:
    """Make the sandbox clearinghouse fail its next requests as ``fault`` says."""
    response = requests.post(f"{stack.url('sandbox')}/v1/_faults", json=fault, timeout=5)
    assert response.status_code == 200, response.text


def retries_logged(stack: Stack) -> int:
    """How many failed submissions the claims processes have logged so far."""
    assert stack.log_dir is not None
    return (Path(stack.log_dir) / "claims.log").read_text(errors="replace").count(RETRY_NOTE)


# -- the reconciliation -----------------------------------------------------------------


def all_claims(clinic: Clinic) -> list[dict[str, Any]]:
    """Every claim of the stack, as billing lists them."""
    return clinic.call("billing", "GET", "claims", "/claims", params={"limit": "1000"})["claims"]


def submissions(stack: Stack) -> list[dict[str, Any]]:
    """Every interchange the sandbox clearinghouse received, resends included."""
    response = requests.get(f"{stack.url('sandbox')}/v1/_submissions", timeout=5)
    assert response.status_code == 200
    return response.json()["submissions"]


def newest_screening_at(screenings: list[dict[str, Any]]) -> datetime | None:
    """When the client's newest screening was recorded, if they were ever screened."""
    return max((datetime.fromisoformat(s["recorded_at"]) for s in screenings), default=None)


def projection_matches(clinic: Clinic, client_id: str) -> bool:
    """Whether scheduling's view of the client holds every screening and referral event."""
    path = f"/clients/{client_id}"
    screenings = clinic.call("front_desk", "GET", "screening", f"{path}/screenings")["screenings"]
    referrals = clinic.call("front_desk", "GET", "screening", f"{path}/referrals")["referrals"]
    view = eligibility(clinic, client_id)
    seen = view["screening"] and datetime.fromisoformat(view["screening"]["recorded_at"])
    return (view["known"] and seen == newest_screening_at(screenings)
            and {(r["referral_id"], r["version"]) for r in view["referrals"]}
            == {(r["referral_id"], r["version"]) for r in referrals})


def receipts_of(stack: Stack, claim_id: str) -> list[dict[str, Any]]:
    """The interchanges carrying the claim that the clearinghouse received, in order."""
    return [s for s in submissions(stack) if claim_id in s["claim_ids"]]


def every_client_known(clinic: Clinic, ledger: Ledger) -> bool:
    """Whether scheduling's projection agrees with screening about every registered client."""
    return all(projection_matches(clinic, client_id) for client_id in ledger.clients)


def sessions(clinic: Clinic, ledger: Ledger) -> dict[str, str]:
    """Client of each session scheduling recorded for the completed appointments, by id."""
    found = [clinic.call(RECORDING_ROLE, "GET", "scheduling", f"/appointments/{a}/session")
             for a in ledger.completed]
    return {session["id"]: session["client_id"] for session in found}


# After a broker bounce a session may reach claims before its client or referral does:
# the claim is parked with these reasons and re-scrubbed when the missing event arrives.
WAITING_FOR_EVENTS = {"coverage_unknown", "referral_unknown"}


def _waiting_for_projections(claim: dict[str, Any]) -> bool:
    return {reason["code"] for reason in claim["reasons"]} <= WAITING_FOR_EVENTS


def every_claim_accepted(clinic: Clinic, session_ids: set[str]) -> bool:
    """Whether every session has its claim and all are accepted; fails on a dead end."""
    claims = all_claims(clinic)
    stuck = [(c["claim_id"], c["status"], c["reasons"]) for c in claims
             if c["status"] == "rejected"
             or (c["status"] == "needs_review" and not _waiting_for_projections(c))]
    assert not stuck, f"claims that will never be accepted: {stuck}"
    return ({c["session_id"] for c in claims} == session_ids
            and all(c["status"] in ACCEPTED_OR_LATER for c in claims))


def reconcile(clinic: Clinic, ledger: Ledger) -> None:
    """Prove nothing was lost or done twice: projections, claims and submissions all agree."""
    wait_for(lambda: every_client_known(clinic, ledger), EVENTS_TIMEOUT, 0.25,
             "scheduling to agree with screening about every registered client")
    recorded_sessions = sessions(clinic, ledger)
    wait_for(lambda: every_claim_accepted(clinic, set(recorded_sessions)), CLAIMS_TIMEOUT, 0.25,
             "every session's claim to be accepted")
    claims = all_claims(clinic)
    assert sorted(c["session_id"] for c in claims) == sorted(recorded_sessions)
    for claim in claims:
        assert claim["client_id"] == recorded_sessions[claim["session_id"]]
        assert claim["frequency"] == "1" and claim["replaces_claim_id"] is None
        assert claim["replaced_by_claim_id"] is None
    received = submissions(clinic.stack)
    claim_ids = {claim["claim_id"] for claim in claims}
    assert {c for s in received for c in s["claim_ids"]} == claim_ids
    for claim_id in claim_ids:
        # Resends of the same interchange are allowed; a second interchange is not.
        originals = [s for s in received if claim_id in s["claim_ids"] and not s["duplicate"]]
        assert len(originals) == 1, f"{claim_id} went out in {len(originals)} interchanges"
        assert originals[0]["accepted"]


# -- the scenarios ----------------------------------------------------------------------


def test_a_broker_stopped_and_restarted_mid_flow_loses_no_event(clinic, ledger, own_broker):
    before = [admit(clinic, ledger) for _ in range(2)]
    treat(clinic, ledger, before[0])
    wait_until_bookable(clinic, before[1])
    appointment = book(clinic, before[1])

    own_broker.stop_process()
    # The front desk and the therapist keep working; their events wait in the outboxes.
    during = [admit(clinic, ledger) for _ in range(2)]
    record_session(clinic, ledger, appointment)
    own_broker.restart()

    for client_id in during:
        treat(clinic, ledger, client_id)
    reconcile(clinic, ledger)


def test_screening_killed_while_referrals_are_recorded_loses_no_referral(clinic, ledger):
    clients = [register(clinic) for _ in range(4)]
    ledger.clients.extend(clients)
    for client_id in clients:
        screen(clinic, client_id, {})
    today = demo.clinic_today()
    referral = {**demo.REFERRING_PHYSICIAN, "diagnoses": ["M54.50", "M62.830"],
                "codes": ["97140", "97124"], "techniques": ["myofascial_release", "swedish"],
                "body_regions": ["lower_back", "upper_back"],
                "diagnosis_regions": [
                    {"diagnosis": "M54.50", "body_regions": ["lower_back"]},
                    {"diagnosis": "M62.830", "body_regions": ["lower_back", "upper_back"]}],
                "visits_per_week": 2, "weeks": 4, "authorized_visits": 8,
                "start_on": today.isoformat(),
                "end_on": (today + timedelta(days=60)).isoformat()}

    run_batch(clinic.stack, "screening", [
        lambda c=client_id: created(post_until_answered(
            clinic.stack, "front_desk", "screening", f"/clients/{c}/referrals", referral))
        for client_id in clients])

    for client_id in clients:
        treat(clinic, ledger, client_id)
    reconcile(clinic, ledger)


def test_scheduling_killed_while_sessions_are_completed_loses_no_session(clinic, ledger):
    clients = [admit(clinic, ledger) for _ in range(4)]
    appointments = []
    for client_id in clients:
        wait_until_bookable(clinic, client_id)
        appointments.append(book(clinic, client_id))
    live_until(clinic.stack.env, max(datetime.fromisoformat(a["start"]) for a in appointments))

    answers = run_batch(clinic.stack, "scheduling", [
        lambda a=appointment: post_until_answered(
            clinic.stack, RECORDING_ROLE, "scheduling", f"/appointments/{a['id']}/complete",
            {"techniques": SESSION, "soap_note": SOAP_NOTE, **ON_BEHALF})
        for appointment in appointments])

    # Completion honours Idempotency-Key: a repeat whose first answer was cut off by the
    # kill gets that first answer back, not "already completed".
    for answer in answers:
        created(answer)
    ledger.completed.extend(appointment["id"] for appointment in appointments)
    reconcile(clinic, ledger)


def test_claims_killed_while_claims_are_submitted_bills_each_session_once(clinic, ledger):
    clients = [admit(clinic, ledger) for _ in range(3)]
    appointments = []
    for client_id in clients:
        wait_until_bookable(clinic, client_id)
        appointments.append(book(clinic, client_id))
    # The clearinghouse takes its time over the next interchange: the kill lands mid-POST.
    arm(clinic.stack, {"mode": "slow", "seconds": 1.5, "count": 1, "endpoint": "submit"})
    new_sessions = {record_session(clinic, ledger, a) for a in appointments}

    def batched() -> bool:
        return any(c["interchange_control_number"] for c in all_claims(clinic)
                   if c["session_id"] in new_sessions)

    wait_for(batched, CLAIMS_TIMEOUT, 0.02, "the new claims to go into an interchange")
    process = clinic.stack.processes["claims"]
    process.kill()
    process.wait(timeout=10)
    clinic.stack.start_service("claims")

    reconcile(clinic, ledger)


@pytest.mark.parametrize(("fault", "receipts"), [
    ({"mode": "503", "count": 3, "endpoint": "submit"}, 1),
    # The hung request is still processed after the client gave up: the clearinghouse sees
    # the interchange twice and marks the later copy a duplicate.
    ({"mode": "slow", "seconds": SUBMIT_TIMEOUT_SECONDS + 2, "count": 1, "endpoint": "submit"},
     2),
    ({"mode": "drop", "count": 2, "endpoint": "submit"}, 1),
], ids=["503", "slow", "drop"])
def test_a_failing_clearinghouse_gets_each_claim_once(clinic, ledger, fault, receipts):
    client_id = admit(clinic, ledger)
    wait_until_bookable(clinic, client_id)
    appointment = book(clinic, client_id)
    reconcile(clinic, ledger)  # nothing left to poll: the fault meets the next submission
    retries = retries_logged(clinic.stack)

    arm(clinic.stack, fault)
    session_id = record_session(clinic, ledger, appointment)
    reconcile(clinic, ledger)

    assert retries_logged(clinic.stack) > retries, "the fault never reached the claims service"
    claim_id = next(c["claim_id"] for c in all_claims(clinic) if c["session_id"] == session_id)
    wait_for(lambda: len(receipts_of(clinic.stack, claim_id)) >= receipts, EVENTS_TIMEOUT, 0.2,
             "the clearinghouse to receive every copy sent")
    assert [r["duplicate"] for r in receipts_of(clinic.stack, claim_id)] == (
        [False] + [True] * (receipts - 1))
