"""Two payers over the real stack: the session is paid by the primary, the rest is billed to the
secondary automatically, and only what the secondary leaves becomes the patient's balance.

The sandbox payer's rules: Acme (primary) pays its allowed amount less 20 % coinsurance for
this client's member id; Northstar (secondary) pays what Acme left the patient less a 5.00
copay. Every service is its own process, events go through the real broker.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
import requests

from deploy import demo
from deploy.kafka import Broker
from deploy.stack import Stack
from tests.e2e.support import CLAIMS_TIMEOUT, running_stack
from tests.e2e.test_clinic_flow import (
    Clinic,
    book,
    claims_of,
    complete,
    refer,
    register,
    screen,
    wait_until_bookable,
)
from tests.support.http import auth, staff_token
from tests.support.waiting import wait_for
from tests.unit.claims.pyx12_validation import pyx12_errors

SHARES_THE_COST = f"COB{uuid.uuid4().hex[:8].upper()}"  # Acme: 20 % coinsurance
SECONDARY_MEMBER = f"NS{uuid.uuid4().hex[:8].upper()}"  # Northstar: a 5.00 copay
SECONDARY = demo.NORTHSTAR


@pytest.fixture(scope="module")
def e2e_stack(kafka_broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The stack with the sandbox payer's cost-sharing rules for this module's members."""
    rules = {
        "allowed": {demo.ACME.payer_id: {code: allowed for code, (_, allowed) in
                                         demo.ACME.fees.items()}},  # = the clinic's schedule
        "coinsurance_percent": {SHARES_THE_COST: "20"},
        "copay": {SECONDARY_MEMBER: "5.00"},
    }  # fmt: skip
    with running_stack(kafka_broker.bootstrap_servers, tmp_path_factory.mktemp("cob"),
                       adjudication=rules) as stack:  # fmt: skip
        yield stack


@pytest.fixture(scope="module")
def clinic(e2e_stack: Stack) -> Clinic:
    """The stack with the demo clinic's calendar and billing setup (both payers) loaded."""
    urls = {name: e2e_stack.url(name) for name in e2e_stack.ports}
    loaded = demo.load_demo_data(urls, staff_token("e2e-admin", "admin"))
    return Clinic(e2e_stack, loaded.services)


def add_secondary_coverage(clinic: Clinic, client_id: str) -> None:
    """The front desk adds the client's Northstar coverage (PUT /clients/<id>, the whole
    record); screening announces it (client.updated) and claims projects it."""
    client = clinic.call("front_desk", "GET", "screening", f"/clients/{client_id}")
    record = {key: client[key] for key in ("first_name", "last_name", "birth_date", "sex",
                                           "address", "phone", "email", "time_zone",
                                           "coverage")}  # fmt: skip
    record["secondary_coverage"] = {
        "payer_id": SECONDARY.payer_id, "payer_name": SECONDARY.name,
        "member_id": SECONDARY_MEMBER, "group_number": None,
        "relationship_to_subscriber": "self", "subscriber": None,
    }  # fmt: skip
    updated = clinic.call("front_desk", "PUT", "screening", f"/clients/{client_id}", record)
    assert updated["version"] == client["version"] + 1
    assert updated["secondary_coverage"]["member_id"] == SECONDARY_MEMBER


def claim_in(clinic: Clinic, client_id: str, status: str, payer_id: str) -> dict:
    def reached() -> dict | None:
        return next((c for c in claims_of(clinic, client_id)
                     if c["status"] == status and c["payer_id"] == payer_id), None)  # fmt: skip

    return wait_for(reached, CLAIMS_TIMEOUT, 0.25, f"a {payer_id} claim {status}")


def test_the_primary_pays_the_secondary_pays_the_coinsurance_and_the_patient_owes_the_copay(
    clinic,
):
    client_id = register(clinic, member_id=SHARES_THE_COST)
    assert screen(clinic, client_id, {}) == "cleared"
    add_secondary_coverage(clinic, client_id)
    refer(clinic, client_id)
    wait_until_bookable(clinic, client_id)

    complete(clinic, book(clinic, client_id)["id"])

    primary = claim_in(clinic, client_id, "paid", demo.ACME.payer_id)
    secondary = claim_in(clinic, client_id, "patient_balance", SECONDARY.payer_id)
    first = clinic.call("billing", "GET", "claims", f"/claims/{primary['claim_id']}")
    second = clinic.call("billing", "GET", "claims", f"/claims/{secondary['claim_id']}")
    # Acme allowed 62.34 + 57.10 and left the patient 20 %: 12.47 + 11.42 = 23.89.
    assert first["payments"][0]["patient_responsibility"] == "23.89"
    assert first["balance"] == {"payer": "0.00", "patient": "0.00", "total": "0.00"}
    assert second["primary_claim_id"] == primary["claim_id"]
    assert second["expected_allowed"] == "23.89"
    assert second["payments"][0]["paid"] == "18.89"
    assert second["balance"] == {"payer": "0.00", "patient": "5.00", "total": "5.00"}

    x12 = clinic.call("billing", "GET", "claims", f"/claims/{secondary['claim_id']}/837")
    assert pyx12_errors(x12) == []
    assert "SBR*S*18" in x12 and "AMT*D*95.55~" in x12
    paper = requests.get(clinic.stack.url("claims") + f"/claims/{secondary['claim_id']}"
                         "/cms1500.pdf", headers=auth("billing"), timeout=15)  # fmt: skip
    assert paper.status_code == 200 and paper.content.startswith(b"%PDF")
    assert Decimal(second["total_charge"]) == Decimal(first["total_charge"])
