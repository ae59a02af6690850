"""A clinic's day over HTTP only: every service its own process, events through real Kafka.

Intake and screening (screening) -> eligibility and booking (scheduling) -> the session
-> a claim priced, coded, sent to the sandbox clearinghouse and acknowledged (claims).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from deploy import demo
from deploy.ops.kafka_views import consumer_lag
from deploy.stack import Stack
from shared.config import KafkaSettings
from shared.events.contracts.screening import REFERRAL_AMENDED
from shared.events.registry import EventType
from tests.e2e.support import (
    ACCEPTED_OR_LATER,
    CLAIMS_TIMEOUT,
    EVENTS_TIMEOUT,
    ON_BEHALF,
    RECORDING_ROLE,
    REJECTED_MEMBER_ID,
    consumer_group,
    live_until,
    stack_now,
)
from tests.support.http import auth, staff_token
from tests.support.waiting import wait_for
from tests.unit.claims.pyx12_validation import pyx12_errors

PAYER = demo.ACME
SOAP_NOTE = {"subjective": "Low back pain 6/10.", "objective": "Paraspinal hypertonicity.",
             "assessment": "Tolerated well.", "plan": "Continue 2x/week."}
# 23 min myofascial release (97140) + 30 min Swedish (97124) on separate regions.
SESSION = [
    {"technique": "myofascial_release", "minutes": 23, "body_regions": ["lower_back"]},
    {"technique": "swedish", "minutes": 30, "body_regions": ["upper_back"]},
]


@dataclass
class Clinic:
    """The running stack as its staff use it: each call made with one role's token."""

    stack: Stack
    services: dict[str, str]  # demo service name -> id

    def call(self, role: str, method: str, service: str, path: str, body: Any = None,
             expect: int = 200, params: dict[str, str] | None = None) -> Any:
        """Make a request as ``role``; fail the test unless the answer has ``expect`` status."""
        response = requests.request(method, self.stack.url(service) + path, json=body,
                                    params=params, headers=auth(role), timeout=15)
        assert response.status_code == expect, (
            f"{method} {path}: {response.status_code} {response.text[:1000]}")
        if "json" in response.headers.get("Content-Type", ""):
            return response.json()
        return response.text

    @property
    def hour_service(self) -> str:
        """The id of the 60-minute medical massage."""
        return self.services["Medical massage 60 min"]


@pytest.fixture(scope="module")
def clinic(e2e_stack: Stack) -> Clinic:
    """The stack with the demo clinic's calendar and billing setup loaded."""
    admin = staff_token("e2e-admin", "admin")
    loaded = demo.load_demo_data({name: e2e_stack.url(name) for name in e2e_stack.ports}, admin)
    return Clinic(e2e_stack, loaded.services)


def letters() -> str:
    """A random word of letters, for a name nobody else in the run has."""
    return "".join(chr(ord("a") + int(digit, 16)) for digit in uuid.uuid4().hex[:8]).capitalize()


def register(clinic: Clinic, member_id: str | None = None,
             contact: dict[str, Any] | None = None) -> str:
    """Register a new client covered by the demo payer (reachable at ``contact``'s email,
    phone and time zone, if given); returns the client id."""
    body = {
        "first_name": letters(), "last_name": letters(), "birth_date": "1975-03-14", "sex": "F",
        "address": {"line1": "40 Grove St", "line2": None, "city": "Brooklyn", "state": "NY",
                    "postal_code": "11201"},
        "phone": None, "email": None,
        "coverage": {"payer_id": PAYER.payer_id, "payer_name": PAYER.name,
                     "member_id": member_id or f"M{uuid.uuid4().hex[:9].upper()}",
                     "group_number": None, "relationship_to_subscriber": "self",
                     "subscriber": None},
        **(contact or {}),
    }
    return clinic.call("front_desk", "POST", "screening", "/clients", body, 201)["client_id"]


def screen(clinic: Clinic, client_id: str, questionnaire: dict[str, Any]) -> str:
    """Screen the client; returns the outcome."""
    return clinic.call("front_desk", "POST", "screening", f"/clients/{client_id}/screenings",
                       questionnaire, 201)["outcome"]


def refer(clinic: Clinic, client_id: str) -> dict[str, Any]:
    """Record a referral for low back pain and muscle spasm, from today for 60 days."""
    today = demo.clinic_today()
    return clinic.call("front_desk", "POST", "screening", f"/clients/{client_id}/referrals", {
        **demo.REFERRING_PHYSICIAN,
        "diagnoses": ["M54.50", "M62.830"], "codes": ["97140", "97124"],
        "techniques": ["myofascial_release", "swedish"],
        "body_regions": ["lower_back", "upper_back"],
        "diagnosis_regions": [
            {"diagnosis": "M54.50", "body_regions": ["lower_back"]},
            {"diagnosis": "M62.830", "body_regions": ["lower_back", "upper_back"]}],
        "visits_per_week": 2, "weeks": 4, "authorized_visits": 8, "start_on": today.isoformat(),
        "end_on": (today + timedelta(days=60)).isoformat(),
    }, 201)


def eligibility(clinic: Clinic, client_id: str) -> dict[str, Any]:
    """Scheduling's view of the client, built from screening's events."""
    return clinic.call("front_desk", "GET", "scheduling", f"/clients/{client_id}/eligibility")


def wait_until_bookable(clinic: Clinic, client_id: str) -> None:
    """Poll until screening's events have made the client bookable in scheduling."""
    wait_for(lambda: eligibility(clinic, client_id)["bookable"], EVENTS_TIMEOUT, 0.2,
             "scheduling to learn the client is bookable")


def first_open_slot(clinic: Clinic) -> dict[str, Any]:
    """The earliest free 60-minute slot from tomorrow on (clinic time, by the stack's clock)."""
    today = stack_now(clinic.stack.env).astimezone(ZoneInfo(demo.TIME_ZONE)).date()
    tomorrow = datetime.combine(today + timedelta(days=1), time(0), ZoneInfo(demo.TIME_ZONE))
    window = {"service": clinic.hour_service, "from": tomorrow.isoformat(),
              "to": (tomorrow + timedelta(days=7)).isoformat()}
    found = clinic.call("front_desk", "GET", "scheduling", "/availability", params=window)
    assert found["slots"], "the demo clinic has no free hour in a week"
    return found["slots"][0]


def booking(client_id: str, service_id: str, slot: dict[str, Any]) -> dict[str, Any]:
    """The body of POST /appointments for this slot."""
    return {"client_id": client_id, "service_id": service_id,
            "therapist_id": slot["therapist_id"], "room_id": slot["room_id"],
            "start": slot["start"]}


def book(clinic: Clinic, client_id: str) -> dict[str, Any]:
    """Book the client into the first free hour."""
    body = booking(client_id, clinic.hour_service, first_open_slot(clinic))
    return clinic.call("front_desk", "POST", "scheduling", "/appointments", body, 201)


def complete(clinic: Clinic, appointment_id: str) -> dict[str, Any]:
    """The session is recorded once the visit has started (by the stack's clock): 23 min
    myofascial release, 30 min Swedish."""
    visit = clinic.call("front_desk", "GET", "scheduling", f"/appointments/{appointment_id}")
    live_until(clinic.stack.env, visit["start"])
    path = f"/appointments/{appointment_id}/complete"
    return clinic.call(RECORDING_ROLE, "POST", "scheduling", path,
                       {"techniques": SESSION, "soap_note": SOAP_NOTE, **ON_BEHALF}, 201)


def claims_of(clinic: Clinic, client_id: str) -> list[dict[str, Any]]:
    """The client's claims as billing finds them."""
    return clinic.call("billing", "GET", "claims", "/claims",
                       params={"client_id": client_id})["claims"]


def wait_for_claim(clinic: Clinic, client_id: str, status: str,
                   claim_id: str | None = None) -> dict[str, Any]:
    """The client's claim (or the one named) once it reaches ``status`` ("accepted": or later)."""
    wanted = ACCEPTED_OR_LATER if status == "accepted" else {status}

    def reached() -> dict[str, Any] | None:
        return next((c for c in claims_of(clinic, client_id) if c["status"] in wanted
                     and claim_id in (None, c["claim_id"])), None)

    return wait_for(reached, CLAIMS_TIMEOUT, 0.25, f"a claim {status}")


def charge_per_unit(clinic: Clinic, code: str) -> Decimal:
    """The clinic's charge per unit of ``code`` in the demo payer's fee schedule."""
    entries = clinic.call("billing", "GET", "claims", "/fee-schedules",
                          params={"payer_id": PAYER.payer_id, "code": code})["entries"]
    assert len(entries) == 1
    return Decimal(entries[0]["charge_per_unit"])


def segments(x12: str, tag: str) -> list[list[str]]:
    """The interchange's segments with this tag, each split into its elements."""
    return [segment.split("*") for segment in x12.strip().split("~")
            if segment.split("*")[0] == tag]


def claims_caught_up(stack: Stack, event_type: EventType) -> bool:
    """Whether the claims service has applied every event of this type on the broker.

    Claims has no read API over its referral projection; its consumer group's committed
    offsets (what ops read as lag) are the outside sign that it applied an event.
    """
    lags = [lag for lag in consumer_lag(KafkaSettings(stack.bootstrap_servers),
                                    consumer_group(stack, "claims"))
            if lag.topic == event_type.topic]
    return bool(lags) and all(lag.lag == 0 for lag in lags)


def test_a_cleared_client_is_booked_treated_billed_and_the_claim_accepted(clinic):
    client_id = register(clinic)
    assert screen(clinic, client_id, {}) == "cleared"
    refer(clinic, client_id)
    wait_until_bookable(clinic, client_id)

    appointment = book(clinic, client_id)
    session = complete(clinic, appointment["id"])
    assert {c["code"]: c["units"] for c in session["codes"]} == {"97140": 2, "97124": 2}

    accepted = wait_for_claim(clinic, client_id, "accepted")
    claim = clinic.call("billing", "GET", "claims", f"/claims/{accepted['claim_id']}")
    lines = {line["code"]: line for line in claim["lines"]}
    # CMS 8-minute rule, 53 timed minutes = 4 units: 97140 1 whole + the leftover 8 min,
    # 97124 2 whole units.
    assert {code: line["units"] for code, line in lines.items()} == {"97140": 2, "97124": 2}
    # NCCI: 97124 is the column-2 code of 97140; separate regions -> XS (or 59) on 97124.
    assert {"XS", "59"} & set(lines["97124"]["modifiers"])
    assert not {"XS", "59"} & set(lines["97140"]["modifiers"])
    for code, line in lines.items():
        assert Decimal(line["charge"]) == line["units"] * charge_per_unit(clinic, code)
    assert Decimal(claim["total_charge"]) == sum(Decimal(line["charge"]) for line in lines.values())
    assert claim["frequency"] == "1"
    assert claim["date_of_service"] == session["date_of_service"]
    # The payer's front end answers twice: A1 (received), then A2 (accepted).
    statuses = [h["status"] for h in claim["history"]]
    assert statuses.index("received") < statuses.index("accepted")

    x12 = clinic.call("billing", "GET", "claims", f"/claims/{claim['claim_id']}/837")
    assert pyx12_errors(x12) == []
    clm = segments(x12, "CLM")[0]
    assert clm[1] == claim["claim_id"]
    assert Decimal(clm[2]) == Decimal(claim["total_charge"])
    assert clm[5] == "11:B:1"  # office, professional claim, original
    assert segments(x12, "HI") == [["HI", "ABK:M5450", "ABF:M62830"]]
    billed = {sv1[1].split(":")[1]: sv1 for sv1 in segments(x12, "SV1")}
    for code, line in lines.items():
        assert billed[code][1] == ":".join(["HC", code, *line["modifiers"]])
        assert Decimal(billed[code][2]) == Decimal(line["charge"])
        assert int(billed[code][4]) == line["units"]


def test_a_client_with_deep_vein_thrombosis_cannot_be_booked(clinic):
    client_id = register(clinic)
    assert screen(clinic, client_id, {"conditions": ["dvt_current"]}) == "not_eligible"
    refer(clinic, client_id)
    wait_for(lambda: (view := eligibility(clinic, client_id))["screening"] and view["referrals"],
             EVENTS_TIMEOUT, 0.2, "scheduling to learn the screening and the referral")

    body = booking(client_id, clinic.hour_service, first_open_slot(clinic))
    refusal = clinic.call("front_desk", "POST", "scheduling", "/appointments", body, 422)

    assert refusal["type"] == "/problems/not-eligible"
    assert refusal["reasons"] == ["not_eligible"]
    assert clinic.call("front_desk", "GET", "scheduling", "/appointments",
                       params={"client_id": client_id}) == []


def test_a_session_after_the_referral_ended_waits_for_review(clinic):
    client_id = register(clinic)
    screen(clinic, client_id, {})
    referral = refer(clinic, client_id)
    wait_until_bookable(clinic, client_id)
    appointment = book(clinic, client_id)  # tomorrow or later

    # The physician shortens the referral to end today, after the visit was booked.
    amended = {key: referral[key] for key in (
        "physician_last_name", "physician_first_name", "physician_credential", "physician_npi",
        "diagnoses", "codes", "techniques", "body_regions", "diagnosis_regions",
        "visits_per_week", "weeks", "authorized_visits", "start_on")}
    amended["end_on"] = demo.clinic_today().isoformat()
    path = f"/clients/{client_id}/referrals/{referral['referral_id']}"
    clinic.call("front_desk", "PUT", "screening", path, amended)
    wait_for(lambda: eligibility(clinic, client_id)["referrals"][0]["version"] == 2,
             EVENTS_TIMEOUT, 0.2, "the amendment on the broker (scheduling has it)")
    wait_for(lambda: claims_caught_up(clinic.stack, REFERRAL_AMENDED), EVENTS_TIMEOUT, 0.2,
             "claims to apply the amendment")

    session = complete(clinic, appointment["id"])
    parked = wait_for_claim(clinic, client_id, "needs_review")

    assert session["date_of_service"] > amended["end_on"]
    assert "referral_not_active" in {reason["code"] for reason in parked["reasons"]}
    assert parked["interchange_control_number"] is None
    clinic.call("billing", "GET", "claims", f"/claims/{parked['claim_id']}/837", expect=404)


def test_a_claim_rejected_for_its_member_id_is_corrected_and_accepted(clinic):
    client_id = register(clinic, member_id=REJECTED_MEMBER_ID)
    screen(clinic, client_id, {})
    refer(clinic, client_id)
    wait_until_bookable(clinic, client_id)
    complete(clinic, book(clinic, client_id)["id"])

    rejected = wait_for_claim(clinic, client_id, "rejected")
    assert rejected["reasons"]
    replacement = clinic.call("billing", "POST", "claims",
                              f"/claims/{rejected['claim_id']}/resubmit",
                              {"member_id": "ACM9087001"}, 201)

    # Rejected at the front end, never adjudicated: sent again as a new original.
    assert replacement["frequency"] == "1"
    assert replacement["replaces_claim_id"] == rejected["claim_id"]
    accepted = wait_for_claim(clinic, client_id, "accepted", replacement["claim_id"])
    assert accepted["total_charge"] == rejected["total_charge"]
    original = clinic.call("billing", "GET", "claims", f"/claims/{rejected['claim_id']}")
    assert original["replaced_by_claim_id"] == replacement["claim_id"]
    x12 = clinic.call("billing", "GET", "claims", f"/claims/{replacement['claim_id']}/837")
    assert pyx12_errors(x12) == []
    assert "REF*F8*" not in x12
    assert REJECTED_MEMBER_ID not in x12
