"""Demo data for ``make run``: a small clinic, its billing setup and clients in every state.

Everything goes in through the services' own HTTP APIs, as the clinic's admin would
enter it, so the events flow exactly as in real use. Loading twice is harmless: each
item is looked up first and created only when missing, so a second ``make run`` on the
same ``var/`` databases reuses what the first one made.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from shared.identifiers import npi_check_digit

TIME_ZONE = "America/New_York"
TIMEOUT_SECONDS = 10
CLIENT_EVENTS_WAIT_SECONDS = 30
FEES_FROM = date(2024, 1, 1)
REFERRAL_DAYS = 90


def npi(first_nine: str) -> str:
    """A valid NPI from its first nine digits (the tenth is the Luhn check digit)."""
    return first_nine + npi_check_digit(first_nine)


SETTINGS = {
    "time_zone": TIME_ZONE,
    "buffer_minutes": 15,
    "minimum_notice_minutes": 60,
    "booking_horizon_days": 90,
    "cancellation_window_hours": 24,
    "no_show_fee": "40.00",
    "late_cancellation_fee": "25.00",
}


def _shifts(start: str, end: str, days: range) -> list[dict[str, Any]]:
    """The same local working hours on each of ``days`` (0 = Monday)."""
    return [{"weekday": day, "start": start, "end": end} for day in days]


# Each linked to a staff login: `medmassage-token issue --subject dana.whitfield --role
# therapist` completes Dana's sessions and reads her clients' records (SECURITY.md).
THERAPISTS = (
    {"name": "Dana Whitfield", "npi": npi("167957672"), "credentials": "LMT",
     "weekly_hours": _shifts("09:00", "17:00", range(5)), "staff_subject": "dana.whitfield"},
    {"name": "Marcus Bell", "npi": npi("124531959"), "credentials": "LMT, CMTPT",
     "weekly_hours": [*_shifts("12:00", "20:00", range(5)),
                      *_shifts("09:00", "14:00", range(5, 6))],
     "staff_subject": "marcus.bell"},
    {"name": "Priya Raman", "npi": npi("188204613"), "credentials": "LMT, MLD-C",
     "weekly_hours": _shifts("08:00", "16:00", range(1, 7)), "staff_subject": "priya.raman"},
)
ROOMS = ({"name": "Room 1"}, {"name": "Room 2"})
SERVICES = (
    {"name": "Medical massage 30 min", "duration_minutes": 30,
     "default_techniques": ["myofascial_release"]},
    {"name": "Medical massage 60 min", "duration_minutes": 60,
     "default_techniques": ["myofascial_release", "swedish"]},
    {"name": "Medical massage 90 min", "duration_minutes": 90,
     "default_techniques": ["deep_tissue", "swedish"]},
)

BILLING_PROVIDER = {
    "organisation_name": "Riverside Medical Massage LLC",
    "npi": npi("145678901"),
    "ein": "271234567",
    "taxonomy_code": "225700000X",
    "address": {"line1": "250 Hudson St", "line2": "Suite 4", "city": "New York",
                "state": "NY", "postal_code": "100131234"},
    "submitter_id": "RIVERSIDEMM",
    "submitter_name": "Riverside Medical Massage",
    "contact_name": "Billing Office",
    "contact_phone": "2125550100",
    "receiver_id": "SANDBOXCH",
    "receiver_name": "Sandbox Clearinghouse",
}


@dataclass(frozen=True)
class DemoPayer:
    """A payer the demo clinic bills, with its per-unit prices for the two timed codes."""

    payer_id: str
    name: str
    counting_method: str
    gp_required: bool
    fees: Mapping[str, tuple[str, str]]  # code -> (charge per unit, allowed per unit)

    def setup(self) -> dict[str, Any]:
        """The body of PUT /payers/<id>."""
        return {"name": self.name, "counting_method": self.counting_method,
                "gp_required": self.gp_required, "timely_filing_days": 365}

    def fee_entries(self) -> list[dict[str, Any]]:
        """The fee-schedule entries of this payer."""
        return [{"payer_id": self.payer_id, "code": code, "effective_from": FEES_FROM.isoformat(),
                 "charge_per_unit": charge, "allowed_per_unit": allowed}
                for code, (charge, allowed) in sorted(self.fees.items())]


ACME = DemoPayer("ACME01", "Acme Health", "cms", False,
                 {"97140": ("45.00", "31.17"), "97124": ("40.00", "28.55")})
NORTHSTAR = DemoPayer("NSTAR02", "Northstar Insurance", "per_code", True,
                      {"97140": ("45.00", "33.40"), "97124": ("40.00", "30.10")})
PAYERS = (ACME, NORTHSTAR)

# Named in parts, as claims writes the referring provider (2310A) from them.
REFERRING_PHYSICIAN = {"physician_last_name": "Osei", "physician_first_name": "Helen",
                       "physician_credential": "MD", "physician_npi": npi("134567890")}


@dataclass(frozen=True)
class DemoClient:
    """A demo client, the questionnaire they answer and the screening outcome it should give."""

    key: str
    first_name: str
    last_name: str
    birth_date: str
    sex: str
    payer: DemoPayer
    member_id: str
    intended_outcome: str
    questionnaire: Mapping[str, Any] = field(default_factory=dict)
    diagnoses: tuple[str, ...] = ("M54.50", "M62.830")
    body_regions: tuple[str, ...] = ("lower_back", "upper_back")
    # Which prescribed regions each diagnosis covers; None when one diagnosis or one region
    # leaves only one answer (the referral API derives it then).
    diagnosis_regions: Mapping[str, tuple[str, ...]] | None = field(
        default_factory=lambda: {"M54.50": ("lower_back",),
                                 "M62.830": ("lower_back", "upper_back")})

    @property
    def gets_referral(self) -> bool:
        """Only clients who may be booked get a referral in the demo."""
        return self.intended_outcome in ("cleared", "cleared_with_precautions")

    def registration(self) -> dict[str, Any]:
        """The body of POST /clients."""
        return {
            "first_name": self.first_name, "last_name": self.last_name,
            "birth_date": self.birth_date, "sex": self.sex,
            "address": {"line1": "18 Orchard St", "line2": None, "city": "New York",
                        "state": "NY", "postal_code": "10002"},
            "phone": "212 555 0142", "email": None,
            "coverage": {"payer_id": self.payer.payer_id, "payer_name": self.payer.name,
                         "member_id": self.member_id, "group_number": "GRP100",
                         "relationship_to_subscriber": "self", "subscriber": None},
        }

    def referral(self, today: date) -> dict[str, Any]:
        """The body of POST /clients/<id>/referrals: 2x/week for 4 weeks from today."""
        return {
            **REFERRING_PHYSICIAN,
            "diagnoses": list(self.diagnoses), "codes": ["97124", "97140"],
            "techniques": ["myofascial_release", "swedish"],
            "body_regions": list(self.body_regions),
            "diagnosis_regions": None if self.diagnosis_regions is None else [
                {"diagnosis": code, "body_regions": list(regions)}
                for code, regions in self.diagnosis_regions.items()],
            "visits_per_week": 2, "weeks": 4,
            "authorized_visits": 8, "start_on": today.isoformat(),
            "end_on": (today + timedelta(days=REFERRAL_DAYS)).isoformat(),
        }


CLIENTS = (
    DemoClient("cleared", "Maria", "Lopez", "1978-04-12", "F", ACME, "ACM100200",
               "cleared"),
    DemoClient("cleared_northstar", "Samuel", "Okafor", "1969-09-30", "M", NORTHSTAR,
               "NS5566778", "cleared", diagnoses=("M17.11",), body_regions=("right_knee",),
               diagnosis_regions=None),
    DemoClient("wound", "Grace", "Kim", "1985-01-23", "F", ACME, "ACM100311",
               "cleared_with_precautions",
               {"injuries": [{"kind": "wound", "body_region": "left_leg", "healed": False}]}),
    DemoClient("warfarin", "Walter", "Brandt", "1952-11-05", "M", NORTHSTAR, "NS1234987",
               "needs_clearance", {"medications": ["warfarin 5 mg daily"]}),
    DemoClient("dvt", "Irene", "Castillo", "1961-06-18", "F", ACME, "ACM100422",
               "not_eligible", {"conditions": ["dvt_current"]}),
)


@dataclass
class DemoClinic:
    """The ids of what the demo data made (or found), for printing and for tests."""

    therapists: dict[str, str] = field(default_factory=dict)  # name -> id
    rooms: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    clients: dict[str, str] = field(default_factory=dict)  # DemoClient.key -> client id


class _Api:
    """A thin JSON client for one service that fails loudly on any unexpected status."""

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200,)) -> Any:
        response = self.session.request(method, self.base_url + path, json=body,
                                        timeout=TIMEOUT_SECONDS)
        if response.status_code not in ok:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None


def clinic_today() -> date:
    """Today in the demo clinic's time zone."""
    return datetime.now(ZoneInfo(TIME_ZONE)).date()


def load_demo_data(stack_urls: Mapping[str, str], admin_token: str) -> DemoClinic:
    """Create whatever of the demo clinic is missing; return the ids of all of it."""
    clinic = DemoClinic()
    _load_calendar(_Api(stack_urls["scheduling"], admin_token), clinic)
    _load_billing(_Api(stack_urls["claims"], admin_token))
    _load_clients(_Api(stack_urls["screening"], admin_token), clinic, clinic_today())
    return clinic


def _by_name(api: _Api, path: str) -> dict[str, str]:
    return {item["name"]: item["id"] for item in api.call("GET", path)}


def _ensure_named(api: _Api, path: str, items: tuple[dict[str, Any], ...]) -> dict[str, str]:
    """Create the items whose name is not there yet; name -> id of every item."""
    existing = _by_name(api, path)
    for item in items:
        if item["name"] not in existing:
            existing[item["name"]] = api.call("POST", path, item, ok=(201,))["id"]
    return {item["name"]: existing[item["name"]] for item in items}


def _load_calendar(scheduling: _Api, clinic: DemoClinic) -> None:
    scheduling.call("PUT", "/settings", SETTINGS)
    clinic.therapists = _ensure_named(scheduling, "/therapists", THERAPISTS)
    clinic.rooms = _ensure_named(scheduling, "/rooms", ROOMS)
    clinic.services = _ensure_named(scheduling, "/services", SERVICES)


def _load_billing(claims: _Api) -> None:
    # PUTs and the fee-schedule POST replace by key, so repeating them changes nothing.
    claims.call("PUT", "/billing-provider", BILLING_PROVIDER)
    for payer in PAYERS:
        claims.call("PUT", f"/payers/{payer.payer_id}", payer.setup())
    claims.call("POST", "/fee-schedules",
                {"entries": [entry for payer in PAYERS for entry in payer.fee_entries()]})


def _load_clients(screening: _Api, clinic: DemoClinic, today: date) -> None:
    for client in CLIENTS:
        client_id = _register(screening, client)
        clinic.clients[client.key] = client_id
        if not screening.call("GET", f"/clients/{client_id}/screenings")["screenings"]:
            screening.call("POST", f"/clients/{client_id}/screenings",
                           dict(client.questionnaire), ok=(201,))
        if client.gets_referral and not _open_referral(screening, client_id, today):
            screening.call("POST", f"/clients/{client_id}/referrals", client.referral(today),
                           ok=(201,))


def _register(screening: _Api, client: DemoClient) -> str:
    """The client's id: registered now, or found through the duplicate check (409)."""
    answer = screening.call("POST", "/clients", client.registration(), ok=(201, 409))
    return answer.get("client_id") or answer["existing_client_id"]


def _open_referral(screening: _Api, client_id: str, today: date) -> bool:
    referrals = screening.call("GET", f"/clients/{client_id}/referrals")["referrals"]
    return any(r["status"] in ("recorded", "amended") and date.fromisoformat(r["end_on"]) >= today
               for r in referrals)


def booking_code(scheduling_url: str, token: str, client_id: str) -> dict[str, Any]:
    """A new booking code for the widget (``booking_code``, ``widget_link``, ``expires_at``).

    Scheduling issues it once it has heard of the client from screening's events, which a
    just-registered client's may still be on their way: a 404 is asked again for a while.
    """
    api = _Api(scheduling_url, token)
    deadline = time.monotonic() + CLIENT_EVENTS_WAIT_SECONDS
    while True:
        answer = api.call("POST", f"/clients/{client_id}/booking-code", ok=(201, 404))
        if "booking_code" in answer:
            return answer
        if time.monotonic() > deadline:
            raise RuntimeError(f"scheduling has not heard of client {client_id}")
        time.sleep(0.2)
